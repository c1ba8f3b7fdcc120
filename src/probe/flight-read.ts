/**
 * The light sweep profile's handshake (issue 8): the server's TLS 1.3 flight read without OpenSSL's client.
 * We send the ClientHello a full check sends (flight-hello.ts), derive the handshake traffic secrets from our
 * X25519 share (RFC 8446 §7.1), decrypt the server's EncryptedExtensions, Certificate and CertificateVerify,
 * verify that CertificateVerify with the leaf's key over the transcript (§4.4.3) — the server holds the key of
 * the certificate it sent — and close. That is what a sweep stores (the chain as sent, the version, suite,
 * ALPN and OCSP staple); the client's Finished and the application keys it would lead to are never needed.
 *
 * Only the plain case is taken here: TLS 1.3, an X25519 share accepted, no CertificateRequest, every record
 * as expected. Anything else — an older version, a HelloRetryRequest, a client-certificate request, an alert,
 * bytes that are not TLS, a CertificateVerify that does not verify — is handed to the full OpenSSL handshake
 * (tls.ts), whose answer (and error code) is then the check's, exactly as a full check would have it. A
 * server that answered with an older version is remembered (bounded), so its next light check goes straight
 * to OpenSSL. test/flight-read.test.ts holds both paths to the same results.
 */
import { constants, createHash, createHmac, createPublicKey, diffieHellman, type KeyObject, verify } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMalformed, toNodeCert } from './certinfo.js';
import { type ErrorContext, hostPort, normaliseError } from './errors.js';
import { flightHello } from './flight-hello.js';
import { keyRefusal } from './key-sanity.js';
import { defaultAlpn, type HandshakeOptions, handshake } from './tls.js';
import { parseAll } from './tls-chain.js';
import {
  CONTENT,
  decryptRecord,
  HANDSHAKE,
  hkdfExpandLabel,
  parseCertificateMessage,
  parseRecords,
  Reader,
  SUITES,
  type TrafficKeys,
  trafficKeys,
} from './tls-records.js';
import type { Attempt, HandshakeResult, SentCert } from './types.js';

const EXT_KEY_SHARE = 0x0033;
const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_ALPN = 0x0010;
const EXT_STATUS_REQUEST = 0x0005;
const CERTIFICATE_VERIFY = 15;
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
/** OpenSSL's names of the TLS 1.3 suites (what tls.TLSSocket.getCipher() reports), by code point */
const SUITE_NAMES: Record<number, string> = {
  4865: 'TLS_AES_128_GCM_SHA256', // 0x1301
  4866: 'TLS_AES_256_GCM_SHA384', // 0x1302
  4867: 'TLS_CHACHA20_POLY1305_SHA256', // 0x1303
};
/** TLS 1.3 signature schemes (RFC 8446 §4.2.3) → digest and PSS salt length for node:crypto's verify */
const SCHEMES: Record<number, { hash: string | null; pss?: number }> = {
  1027: { hash: 'sha256' }, // 0x0403 ecdsa_secp256r1_sha256
  1283: { hash: 'sha384' }, // 0x0503 ecdsa_secp384r1_sha384
  1539: { hash: 'sha512' }, // 0x0603 ecdsa_secp521r1_sha512
  2052: { hash: 'sha256', pss: 32 }, // 0x0804 rsa_pss_rsae_sha256
  2053: { hash: 'sha384', pss: 48 }, // 0x0805 rsa_pss_rsae_sha384
  2054: { hash: 'sha512', pss: 64 }, // 0x0806 rsa_pss_rsae_sha512
  2055: { hash: null }, // 0x0807 ed25519
  2056: { hash: null }, // 0x0808 ed448
  2057: { hash: 'sha256', pss: 32 }, // 0x0809 rsa_pss_pss_sha256
  2058: { hash: 'sha384', pss: 48 }, // 0x080a rsa_pss_pss_sha384
  2059: { hash: 'sha512', pss: 64 }, // 0x080b rsa_pss_pss_sha512
};
/** A flight bigger than this is not the plain case; OpenSSL (and its too_large cap) takes it. */
const MAX_FLIGHT_BYTES = 256 * 1024;
/** Targets that answered with TLS ≤ 1.2, per thread, oldest forgotten first. */
const OLDER = new Map<string, true>();
const MAX_OLDER = 4096;

const counts = { read: 0, handedOver: 0 };

/** Flight reads this thread finished itself, and those it handed to OpenSSL's handshake (tests, benches). */
export function flightReadCounts(): { read: number; handedOver: number } {
  return { ...counts };
}

/** Thrown inside the reader: not the plain case, let OpenSSL do the handshake. */
class NotPlain extends Error {
  constructor(
    why: string,
    readonly older = false,
  ) {
    super(why);
  }
}

/** The main handshake of a light check: the flight read when the server allows it, else tls.ts's handshake. */
export async function readFlight(opts: HandshakeOptions): Promise<Attempt<HandshakeResult>> {
  const started = performance.now();
  const key = `${opts.address}|${opts.port}|${opts.servername ?? ''}`;
  if (opts.starttls !== undefined && opts.starttls !== 'https' && opts.starttls !== 'tls') return handshake(opts);
  if (net.isIP(opts.address) === 0 || OLDER.has(key)) return handshake(opts);
  const outcome = await new Promise<Attempt<HandshakeResult> | NotPlain>((resolve) => {
    new FlightRead(opts, started, resolve).start();
  });
  if (!(outcome instanceof NotPlain)) {
    counts.read++;
    return outcome;
  }
  counts.handedOver++;
  if (outcome.older) {
    if (OLDER.size >= MAX_OLDER) OLDER.delete(OLDER.keys().next().value!);
    OLDER.set(key, true);
  }
  const left = Math.floor(opts.timeoutMs - (performance.now() - started));
  if (left <= 0 || opts.signal?.aborted) return handshake({ ...opts, timeoutMs: 1 });
  return handshake({ ...opts, timeoutMs: left });
}

interface Keys {
  hash: 'sha256' | 'sha384';
  server: TrafficKeys;
}

class FlightRead {
  private readonly ctx: ErrorContext;
  private sock: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private connectedAt: number | null = null;
  /** bytes received and not yet parsed into records, and how many a whole record needs (a header: 5) */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 5;
  private received = 0;
  /** handshake messages so far, with their headers: ClientHello first (the transcript, RFC 8446 §4.4.1) */
  private readonly transcript: Buffer[] = [];
  /** plaintext handshake bytes not yet split into messages */
  private stream: Buffer = Buffer.alloc(0);
  private keys: Keys | null = null;
  private seq = 0;
  private cipher: string | null = null;
  private alpn: string | null = null;
  private ders: Buffer[] | null = null;
  private staple: Buffer | null = null;
  private privateKey: KeyObject | null = null;
  private readonly onAbort = () => this.timeout(`before the probe deadline (step timeout ${this.opts.timeoutMs} ms)`);

  constructor(
    private readonly opts: HandshakeOptions,
    private readonly started: number,
    private readonly resolve: (outcome: Attempt<HandshakeResult> | NotPlain) => void,
  ) {
    this.ctx = {
      host: opts.address,
      port: opts.port,
      sni: opts.servername,
      timeoutMs: opts.timeoutMs,
      phase: 'connect',
    };
  }

  start(): void {
    if (this.opts.signal?.aborted) {
      this.onAbort();
      return;
    }
    this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => this.timeout(`within ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
    const hello = flightHello(this.opts.servername, this.opts.alpn ?? defaultAlpn(this.opts.starttls));
    const sock = net.connect({ host: this.opts.address, port: this.opts.port });
    this.sock = sock;
    sock.on('error', (err) => this.fail(err));
    sock.on('close', () => {
      const err = Object.assign(new Error('connection closed before the handshake finished'), { code: 'ECONNRESET' });
      setImmediate(() => this.fail(err));
    });
    sock.once('connect', () => {
      this.connectedAt = performance.now();
      this.ctx.phase = 'handshake';
    });
    hello.then(
      (h) => {
        if (this.done) return;
        this.privateKey = h.privateKey;
        this.transcript.push(h.message);
        sock.on('data', (chunk: Buffer) => this.onData(chunk));
        sock.write(h.record);
      },
      (err: unknown) => this.finish(new NotPlain(`no ClientHello template: ${String(err)}`)),
    );
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    this.received += chunk.length;
    try {
      if (this.received > MAX_FLIGHT_BYTES) throw new NotPlain('flight larger than the light read takes');
      // joined only once a whole record is there: a server sending a byte at a time costs a copy per record,
      // not one per byte of everything before it
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.need) return;
      const bytes = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
      const { records, rest } = parseRecords(bytes);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.need = rest.length >= 5 ? 5 + rest.readUInt16BE(3) : 5;
      for (const record of records) {
        this.onRecord(record.type, record.header, record.fragment);
        if (this.done) return;
      }
    } catch (err) {
      this.finish(err instanceof NotPlain ? err : new NotPlain(err instanceof Error ? err.message : String(err)));
    }
  }

  private onRecord(type: number, header: Buffer, fragment: Buffer): void {
    if (type === CONTENT.changeCipherSpec && this.keys !== null) return; // RFC 8446 §5: middlebox compatibility
    if (this.keys === null) {
      if (type !== CONTENT.handshake) throw new NotPlain(`record type ${type} before the ServerHello`);
      this.onHandshakeBytes(fragment);
      return;
    }
    if (type !== CONTENT.applicationData) throw new NotPlain(`record type ${type} in the protected flight`);
    const inner = decryptRecord(this.keys.server, this.seq++, { type, version: 0, header, fragment });
    if (inner.type !== CONTENT.handshake) throw new NotPlain(`inner type ${inner.type} before CertificateVerify`);
    this.onHandshakeBytes(inner.content);
  }

  private onHandshakeBytes(bytes: Buffer): void {
    this.stream = this.stream.length === 0 ? bytes : Buffer.concat([this.stream, bytes]);
    while (this.stream.length >= 4 && !this.done) {
      const length = this.stream.readUIntBE(1, 3);
      if (this.stream.length < 4 + length) return;
      const message = this.stream.subarray(0, 4 + length);
      this.stream = this.stream.subarray(4 + length);
      this.onMessage(message[0]!, message.subarray(4), message);
      // records after the ServerHello use the handshake keys: a coalesced rest cannot be plaintext
      if (this.keys !== null && this.transcript.length === 2 && this.stream.length > 0) {
        throw new NotPlain('protected bytes in the ServerHello record');
      }
    }
  }

  private onMessage(type: number, body: Buffer, whole: Buffer): void {
    const expected = this.transcript.length; // 1: ServerHello, 2: EncryptedExtensions, 3: Certificate, 4: CertificateVerify
    if (type === HANDSHAKE.serverHello && expected === 1) {
      this.serverHello(body, whole);
    } else if (type === HANDSHAKE.encryptedExtensions && expected === 2) {
      this.alpn = alpnOf(body);
    } else if (type === HANDSHAKE.certificate && expected === 3) {
      this.ders = parseCertificateMessage(body, true);
      this.staple = stapleOf(body);
    } else if (type === CERTIFICATE_VERIFY && expected === 4) {
      this.certificateVerify(body);
      return;
    } else if (type === HANDSHAKE.certificateRequest) {
      throw new NotPlain('the server asks for a client certificate');
    } else {
      throw new NotPlain(`handshake message ${type} where message ${expected + 1} of the flight was due`);
    }
    this.transcript.push(whole);
  }

  private serverHello(body: Buffer, whole: Buffer): void {
    const r = new Reader(body);
    r.uint(2);
    const random = r.bytes(32);
    r.vector(1);
    const suite = r.uint(2);
    r.uint(1);
    let version = 0;
    let share: Buffer | null = null;
    const ext = new Reader(r.vector(2));
    while (!ext.done) {
      const type = ext.uint(2);
      const data = ext.vector(2);
      if (type === EXT_SUPPORTED_VERSIONS && data.length === 2) version = data.readUInt16BE(0);
      if (type === EXT_KEY_SHARE && data.length === 36 && data.readUInt16BE(0) === 0x001d) share = data.subarray(4);
    }
    if (version !== 0x0304) throw new NotPlain('the server chose TLS 1.2 or older', true);
    if (random.equals(HRR_RANDOM)) throw new NotPlain('HelloRetryRequest');
    const params = SUITES[suite];
    if (params === undefined || share === null || this.privateKey === null) throw new NotPlain('suite or share');
    const shared = diffieHellman({
      privateKey: this.privateKey,
      // as a JWK: OpenSSL 3.0's DER decoders cost ~100 µs a key, a raw key ~15 µs
      publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' }),
    });
    const hash = params.hash;
    const zeros = Buffer.alloc(hash === 'sha256' ? 32 : 48);
    // RFC 8446 §7.1: Early Secret → Derive-Secret(., "derived", "") → Handshake Secret → s hs traffic
    const early = createHmac(hash, zeros).update(zeros).digest();
    const derived = hkdfExpandLabel(hash, early, 'derived', zeros.length, createHash(hash).digest());
    const handshakeSecret = createHmac(hash, derived).update(shared).digest();
    const transcript = createHash(hash).update(this.transcript[0]!).update(whole);
    const serverSecret = hkdfExpandLabel(hash, handshakeSecret, 's hs traffic', zeros.length, transcript.digest());
    this.keys = { hash, server: trafficKeys(suite, serverSecret) };
    this.cipher = SUITE_NAMES[suite] ?? null;
  }

  private certificateVerify(body: Buffer): void {
    if (this.keys === null || this.ders === null || this.ders.length === 0) {
      throw new NotPlain('CertificateVerify without a certificate');
    }
    // Parsed as any certificate not from a completed handshake (OpenSSL decodes each, certinfo.ts): a leaf it
    // refuses is not the plain case, and OpenSSL's own handshake then says so as a full check would.
    const chain = parseAll(this.ders);
    const leaf = chain[0]!;
    if (isMalformed(leaf)) throw new NotPlain('the leaf does not decode');
    // an absurd RSA key (a huge exponent: seconds of verification) is refused before any use, as everywhere
    if (keyRefusal(leaf) !== null) throw new NotPlain('the leaf key is refused');
    const r = new Reader(body);
    const scheme = SCHEMES[r.uint(2)];
    const signature = r.vector(2);
    if (scheme === undefined) throw new NotPlain('signature scheme');
    const digest = createHash(this.keys.hash);
    for (const m of this.transcript) digest.update(m);
    // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then Transcript-Hash(ClientHello..Certificate)
    const signed = Buffer.concat([
      Buffer.alloc(64, 0x20),
      Buffer.from('TLS 1.3, server CertificateVerify\0', 'latin1'),
      digest.digest(),
    ]);
    // the key OpenSSL decoded with the certificate (no second decode of it)
    const key = toNodeCert(leaf).publicKey;
    const ok =
      scheme.pss === undefined
        ? verify(scheme.hash, signed, key, signature)
        : verify(
            scheme.hash,
            signed,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pss },
            signature,
          );
    if (!ok) throw new NotPlain('CertificateVerify does not verify');
    this.complete(chain);
  }

  private complete(sentChain: SentCert[]): void {
    const now = performance.now();
    const connectedAt = this.connectedAt ?? now;
    const result: HandshakeResult = {
      protocol: 'TLSv1.3',
      cipher: this.cipher,
      alpn: this.alpn,
      sentChain,
      sentChainSource: 'wire',
      ocspStaple: this.staple ? this.staple.toString('base64') : null,
      timings: { connectMs: round(connectedAt - this.started), tlsMs: round(now - connectedAt) },
    };
    this.finish({ status: 'completed', result });
  }

  private timeout(when: string): void {
    const accepted = this.connectedAt !== null;
    const what = accepted ? 'did not finish the TLS handshake' : 'did not accept a TCP connection';
    const where = `${hostPort(this.opts.address, this.opts.port)} (SNI ${this.opts.servername ?? 'none'})`;
    this.finish({
      status: 'error',
      code: accepted ? 'handshake_timeout' : 'connection_timeout',
      error: `${where} ${what} ${when}`,
    });
  }

  /** A transport failure before the server said anything is the answer; after, OpenSSL tells the rest. */
  private fail(err: unknown): void {
    if (this.done) return;
    if (this.received > 0) this.finish(new NotPlain(err instanceof Error ? err.message : String(err)));
    else this.finish({ status: 'error', ...normaliseError(err, this.ctx) });
  }

  private finish(outcome: Attempt<HandshakeResult> | NotPlain): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.sock?.destroy();
    this.resolve(outcome);
  }
}

/** The protocol EncryptedExtensions selected (RFC 7301 §3.1), or null. */
function alpnOf(body: Buffer): string | null {
  const ext = new Reader(new Reader(body).vector(2));
  while (!ext.done) {
    const type = ext.uint(2);
    const data = ext.vector(2);
    if (type === EXT_ALPN) return new Reader(new Reader(data).vector(2)).vector(1).toString('latin1');
  }
  return null;
}

/** The OCSP response stapled to the leaf's CertificateEntry (RFC 8446 §4.4.2.1, RFC 6066 §8), or null. */
function stapleOf(body: Buffer): Buffer | null {
  const r = new Reader(body);
  r.vector(1);
  const list = new Reader(r.vector(3));
  if (list.done) return null;
  list.vector(3);
  const ext = new Reader(list.vector(2));
  while (!ext.done) {
    const type = ext.uint(2);
    const data = ext.vector(2);
    if (type === EXT_STATUS_REQUEST) {
      const status = new Reader(data);
      if (status.uint(1) !== 1) return null;
      const response = status.vector(3);
      return response.length > 0 ? response : null;
    }
  }
  return null;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
