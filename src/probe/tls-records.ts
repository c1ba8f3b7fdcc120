import { createDecipheriv, createHmac } from 'node:crypto';

/**
 * Pure functions over the raw bytes a TLS server sent us: record layer (RFC 8446 §5, RFC 5246 §6.2),
 * handshake messages (RFC 8446 §4), and TLS 1.3 handshake-record decryption (RFC 8446 §5.2, §7).
 * Used to recover the certificate chain exactly as sent, in order: Node's getPeerCertificate(true)
 * re-orders it and drops certificates that are not on its path.
 */

export const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
export const HANDSHAKE = {
  serverHello: 2,
  encryptedExtensions: 8,
  certificate: 11,
  certificateRequest: 13,
  finished: 20,
} as const;

/** ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest"). */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_CERTIFICATE_AUTHORITIES = 0x002f;
const MAX_RECORD = 16384 + 2048;

export interface TlsRecord {
  type: number;
  version: number;
  /** the 5-byte header: the AAD of a TLS 1.3 protected record */
  header: Buffer;
  fragment: Buffer;
}

export interface HandshakeMessage {
  type: number;
  body: Buffer;
}

export interface ServerHello {
  /** 0x0304 when supported_versions selected TLS 1.3, else legacy_version */
  version: number;
  cipherSuite: number;
  helloRetry: boolean;
}

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/** Whether the first bytes a server sent could begin a TLS record (alert or handshake, version 3.x). */
export function looksLikeTls(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if (head[0] !== CONTENT.handshake && head[0] !== CONTENT.alert) return false;
  return head.length < 2 || head[1] === 0x03;
}

/** Up to `max` leading bytes as text for an error message: first line only, non-printables as '.'. */
export function printablePrefix(bytes: Uint8Array, max = 40): string {
  const head = Buffer.from(bytes.subarray(0, max)).toString('latin1');
  const line = head.split(/\r?\n/)[0] ?? '';
  return line.replace(/[^\x20-\x7e]/g, '.');
}

/** Split a byte stream into records; a trailing partial record is returned in `rest`. */
export function parseRecords(bytes: Buffer): { records: TlsRecord[]; rest: Buffer } {
  const records: TlsRecord[] = [];
  let off = 0;
  while (off + 5 <= bytes.length) {
    const length = bytes.readUInt16BE(off + 3);
    if (length > MAX_RECORD) throw new RecordError(`record length ${length} exceeds ${MAX_RECORD}`);
    if (off + 5 + length > bytes.length) break;
    records.push({
      type: bytes[off]!,
      version: bytes.readUInt16BE(off + 1),
      header: bytes.subarray(off, off + 5),
      fragment: bytes.subarray(off + 5, off + 5 + length),
    });
    off += 5 + length;
  }
  return { records, rest: bytes.subarray(off) };
}

/** Reassemble handshake messages from concatenated handshake fragments; an incomplete tail is dropped. */
export function parseHandshakeMessages(stream: Buffer): HandshakeMessage[] {
  const out: HandshakeMessage[] = [];
  let off = 0;
  while (off + 4 <= stream.length) {
    const length = stream.readUIntBE(off + 1, 3);
    if (off + 4 + length > stream.length) break;
    out.push({ type: stream[off]!, body: stream.subarray(off + 4, off + 4 + length) });
    off += 4 + length;
  }
  return out;
}

/** A cursor that throws RecordError on any read beyond the buffer. */
export class Reader {
  off = 0;
  constructor(readonly buf: Buffer) {}
  uint(n: number): number {
    this.need(n);
    const v = this.buf.readUIntBE(this.off, n);
    this.off += n;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  vector(lengthBytes: number): Buffer {
    return this.bytes(this.uint(lengthBytes));
  }
  get done(): boolean {
    return this.off >= this.buf.length;
  }
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new RecordError(`truncated at byte ${this.off} (wanted ${n} more)`);
  }
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body);
  let version = r.uint(2);
  const random = r.bytes(32);
  r.vector(1);
  const cipherSuite = r.uint(2);
  r.uint(1);
  if (!r.done) {
    const ext = new Reader(r.vector(2));
    while (!ext.done) {
      const type = ext.uint(2);
      const data = ext.vector(2);
      if (type === EXT_SUPPORTED_VERSIONS && data.length === 2) version = data.readUInt16BE(0);
    }
  }
  return { version, cipherSuite, helloRetry: random.toString('hex') === HRR_RANDOM };
}

/**
 * The DER certificates of a Certificate message, in the order sent. TLS ≤ 1.2 (RFC 5246 §7.4.2):
 * certificate_list<0..2^24-1>. TLS 1.3 (RFC 8446 §4.4.2): certificate_request_context, then entries
 * of cert_data plus per-entry extensions.
 */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  const r = new Reader(body);
  if (tls13) r.vector(1);
  const list = new Reader(r.vector(3));
  const certs: Buffer[] = [];
  while (!list.done) {
    certs.push(list.vector(3));
    if (tls13) list.vector(2);
  }
  return certs;
}

/**
 * The certificate_authorities of a CertificateRequest: DER Names, in the order sent, empty when none are
 * listed. TLS 1.3 (RFC 8446 §4.3.2, §4.2.4): certificate_request_context, then extensions, the list in
 * extension 47. TLS 1.2 (RFC 5246 §7.4.4): certificate_types, supported_signature_algorithms, then the list;
 * TLS 1.0/1.1 (RFC 4346 §7.4.4) have no signature algorithms.
 */
export function parseCertificateRequest(body: Buffer, version: number): Buffer[] {
  const r = new Reader(body);
  if (version === 0x0304) {
    r.vector(1);
    const ext = new Reader(r.vector(2));
    while (!ext.done) {
      const type = ext.uint(2);
      const data = ext.vector(2);
      if (type === EXT_CERTIFICATE_AUTHORITIES) return distinguishedNames(new Reader(data).vector(2));
    }
    return [];
  }
  r.vector(1);
  if (version >= 0x0303) r.vector(2);
  return distinguishedNames(r.vector(2));
}

function distinguishedNames(list: Buffer): Buffer[] {
  const r = new Reader(list);
  const names: Buffer[] = [];
  while (!r.done) names.push(r.vector(2));
  return names;
}

/** RFC 8446 §7.3 traffic-key parameters per TLS 1.3 cipher suite. */
export const SUITES: Record<number, { hash: 'sha256' | 'sha384'; cipher: string; keyLength: number }> = {
  4865: { hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16 },
  4866: { hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32 },
  4867: { hash: 'sha256', cipher: 'chacha20-poly1305', keyLength: 32 },
};

/** HKDF-Expand (RFC 5869 §2.3). Node's hkdf always extracts first, so expand is done by hand. */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    prev = createHmac(hash, prk)
      .update(Buffer.concat([prev, info, Buffer.from([i])]))
      .digest();
    blocks.push(prev);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1); the context is empty unless given (a transcript hash). */
export function hkdfExpandLabel(
  hash: string,
  secret: Buffer,
  label: string,
  length: number,
  context: Buffer = Buffer.alloc(0),
): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const head = Buffer.from([length >> 8, length & 0xff, full.length]);
  const info = Buffer.concat([head, full, Buffer.from([context.length]), context]);
  return hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  cipher: string;
  key: Buffer;
  iv: Buffer;
}

export function trafficKeys(cipherSuite: number, secret: Buffer): TrafficKeys {
  const suite = SUITES[cipherSuite];
  if (!suite)
    throw new RecordError(`TLS 1.3 cipher suite 0x${cipherSuite.toString(16)} is not supported for decryption`);
  return {
    cipher: suite.cipher,
    key: hkdfExpandLabel(suite.hash, secret, 'key', suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', 12),
  };
}

let recordDecryptionWarm = false;

/**
 * Runs each TLS 1.3 suite's key derivation and decryption once on a made-up record (which fails to
 * authenticate, as it must). OpenSSL 3 looks an algorithm up on its first use in a process (~0.3 ms an HMAC,
 * ~0.8 ms an AEAD on a 2-core host): called while a handshake is on the wire, so decrypting the server's
 * flight, on a CLI check's way to its GET, does not pay that (issue 12).
 */
export function warmRecordDecryption(): void {
  // once per thread: after that the lookups are cached, and each further run cost a sweep check ~0.3 ms (issue 8)
  if (recordDecryptionWarm) return;
  recordDecryptionWarm = true;
  for (const suite of Object.keys(SUITES)) {
    try {
      const keys = trafficKeys(Number(suite), Buffer.alloc(48));
      decryptRecord(keys, 0, { type: 23, version: 0x0303, header: Buffer.alloc(5), fragment: Buffer.alloc(17) });
    } catch {
      // RecordError: the made-up record does not decrypt; the work is done either way
    }
  }
}

/**
 * Decrypt one protected record (RFC 8446 §5.2–5.3): nonce = iv XOR seq, AAD = record header,
 * plaintext = content || type || zero padding. Returns the inner content type and content.
 */
export function decryptRecord(keys: TrafficKeys, seq: number, record: TlsRecord): { type: number; content: Buffer } {
  if (record.fragment.length < 17) throw new RecordError('protected record shorter than its tag');
  const nonce = Buffer.from(keys.iv);
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seqBytes[i]!;
  const tag = record.fragment.subarray(record.fragment.length - 16);
  const decipher = createDecipheriv(keys.cipher as 'aes-128-gcm', keys.key, nonce, { authTagLength: 16 });
  decipher.setAAD(record.header);
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(record.fragment.subarray(0, record.fragment.length - 16)),
      decipher.final(),
    ]);
  } catch {
    throw new RecordError(`record ${seq} does not decrypt with the server handshake key`);
  }
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0) throw new RecordError('protected record has no inner content type');
  return { type: plain[end]!, content: plain.subarray(0, end) };
}

/** The server's SERVER_HANDSHAKE_TRAFFIC_SECRET from NSS key-log lines, as bytes. */
export function serverHandshakeSecret(keylog: string): Buffer | null {
  const m = /^SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ ([0-9a-f]+)$/im.exec(keylog);
  return m ? Buffer.from(m[1]!, 'hex') : null;
}

export interface ServerFlight {
  version: number;
  certificates: Buffer[];
  /** the server's CertificateRequest (mutual TLS): its certificate_authorities as DER Names; null when none */
  certificateRequest: { caNames: Buffer[] } | null;
}

/**
 * Recover the Certificate message from everything the server sent during the handshake. For TLS 1.3 the
 * server handshake traffic secret is required (from the key log). Throws RecordError when the chain cannot
 * be recovered, so the caller can fall back to what the TLS library reports.
 *
 * `completed`: the handshake completed, so OpenSSL decrypted and accepted every record of the flight; TLS 1.3
 * decryption then stops at the Certificate message (a CertificateRequest comes before it, RFC 8446 §4.3.2)
 * instead of also decrypting CertificateVerify and Finished, which nothing here reads (issue 8: two AEAD
 * contexts per check). A failed handshake's flight is still decrypted to Finished, so a broken later record
 * keeps costing the partial chain as before.
 */
export function extractServerCertificates(bytes: Buffer, hsSecret: Buffer | null, completed = false): ServerFlight {
  const { records } = parseRecords(bytes);
  const plain: Buffer[] = [];
  let i = 0;
  for (; i < records.length; i++) {
    const rec = records[i]!;
    if (rec.type === CONTENT.handshake) plain.push(rec.fragment);
    // ChangeCipherSpec ends the plaintext in TLS ≤ 1.2; in TLS 1.3 it is a no-op (RFC 8446 §5, D.4)
    // that may sit between a HelloRetryRequest and the real ServerHello. An alert ends it too: a TLS 1.2
    // server refusing our empty client Certificate has already sent its own in plaintext.
    else if (rec.type !== CONTENT.changeCipherSpec || lastServerHello(plain)?.helloRetry !== true) break;
  }
  const messages = parseHandshakeMessages(Buffer.concat(plain));
  const hello = lastServerHello(plain);
  if (!hello || hello.helloRetry) throw new RecordError('no ServerHello in the server flight');
  if (hello.version !== 0x0304) return flightOf(hello.version, messages);
  if (!hsSecret) throw new RecordError('TLS 1.3 without a server handshake traffic secret');
  const keys = trafficKeys(hello.cipherSuite, hsSecret);
  return flightOf(hello.version, decryptFlight(keys, records.slice(i), completed));
}

function flightOf(version: number, messages: HandshakeMessage[]): ServerFlight {
  const certificates = findCertificate(messages, version === 0x0304);
  const request = messages.find((m) => m.type === HANDSHAKE.certificateRequest);
  if (!request) return { version, certificates, certificateRequest: null };
  let caNames: Buffer[] = [];
  try {
    caNames = parseCertificateRequest(request.body, version);
  } catch {
    // The request itself is the fact that matters (the server wants a client certificate); a list we cannot
    // read must not cost the chain.
  }
  return { version, certificates, certificateRequest: { caNames } };
}

function lastServerHello(fragments: Buffer[]): ServerHello | undefined {
  const hellos = parseHandshakeMessages(Buffer.concat(fragments)).filter((m) => m.type === HANDSHAKE.serverHello);
  const last = hellos.at(-1);
  return last ? parseServerHello(last.body) : undefined;
}

/**
 * Decrypt the server's protected handshake records in order until Finished (later records use other keys), or
 * until the Certificate message when `toCertificate`.
 */
function decryptFlight(keys: TrafficKeys, records: TlsRecord[], toCertificate: boolean): HandshakeMessage[] {
  const parts: Buffer[] = [];
  let seq = 0;
  for (const rec of records) {
    if (rec.type === CONTENT.changeCipherSpec) continue;
    if (rec.type !== CONTENT.applicationData) throw new RecordError(`unexpected record type ${rec.type} in TLS 1.3`);
    const inner = decryptRecord(keys, seq++, rec);
    if (inner.type !== CONTENT.handshake) break;
    parts.push(inner.content);
    const messages = parseHandshakeMessages(Buffer.concat(parts));
    const last = toCertificate ? HANDSHAKE.certificate : HANDSHAKE.finished;
    if (messages.some((m) => m.type === last)) return messages;
  }
  return parseHandshakeMessages(Buffer.concat(parts));
}

function findCertificate(messages: HandshakeMessage[], tls13: boolean): Buffer[] {
  const msg = messages.find((m) => m.type === HANDSHAKE.certificate);
  if (!msg) throw new RecordError('no Certificate message in the server flight');
  return parseCertificateMessage(msg.body, tls13);
}
