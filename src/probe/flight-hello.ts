/**
 * The ClientHello of the light profile's flight read (flight-read.ts): OpenSSL's own ClientHello for the main
 * handshake — the versions, ciphers, groups, signature algorithms, OCSP request and ALPN that tls.ts offers —
 * captured once per ALPN list from a tls.connect over an in-memory stream, then re-made for each connection
 * with that connection's SNI, a fresh random and legacy_session_id, and an X25519 key share whose private key
 * we hold (RFC 8446 §4.1.2, §4.2.8). The server sees the offer a full check makes and picks the same version,
 * suite and certificate.
 */
import { generateKeyPairSync, type KeyObject, randomFillSync } from 'node:crypto';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { clientContext } from './tls-context.js';
import { Reader, RecordError } from './tls-records.js';

const EXT_SERVER_NAME = 0x0000;
const EXT_PADDING = 0x0015;
const EXT_KEY_SHARE = 0x0033;
const GROUP_X25519 = 0x001d;
/** tls.ts LEGACY_CIPHERS: the main handshake offers level-0 suites so a legacy server still shows its chain */
const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0';
/** a name of the right shape for the template; every real hello carries the connection's own (or none) */
const PLACEHOLDER_SNI = 'template.invalid';

interface Template {
  /** legacy_version (2 bytes) */
  version: Buffer;
  /** cipher_suites and legacy_compression_methods, with their length prefixes */
  suitesAndCompression: Buffer;
  /** extensions in OpenSSL's order, padding left out (RFC 7685: only a workaround for ClientHello sizes) */
  extensions: { type: number; data: Buffer }[];
}

const templates = new Map<string, Promise<Template>>();

export interface FlightHello {
  /** the record to send */
  record: Buffer;
  /** the handshake message inside it, for the transcript hash */
  message: Buffer;
  /** the private half of the X25519 share it offers */
  privateKey: KeyObject;
}

/** A ClientHello for one connection: the main handshake's offer with this SNI (null: none) and our key share. */
export async function flightHello(servername: string | null, alpn: string[] | undefined): Promise<FlightHello> {
  const key = alpn?.join(',') ?? '';
  let template = templates.get(key);
  if (template === undefined) {
    template = captureTemplate(alpn);
    template.catch(() => templates.delete(key));
    templates.set(key, template);
  }
  const t = await template;
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  // the raw 32-byte key (RFC 7748 §5) from its JWK: an SPKI export costs ~85 µs, this ~2 (OpenSSL 3.0's encoders)
  const share = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const extensions: Buffer[] = [];
  for (const ext of t.extensions) {
    let data: Buffer | null = ext.data;
    if (ext.type === EXT_SERVER_NAME) data = servername === null ? null : serverNameExtension(servername);
    else if (ext.type === EXT_KEY_SHARE) data = vector(2, Buffer.concat([u16(GROUP_X25519), vector(2, share)]));
    if (data !== null) extensions.push(u16(ext.type), vector(2, data));
  }
  const random = randomFillSync(Buffer.alloc(32));
  const sessionId = randomFillSync(Buffer.alloc(32));
  const body = Buffer.concat([
    t.version,
    random,
    vector(1, sessionId),
    t.suitesAndCompression,
    vector(2, Buffer.concat(extensions)),
  ]);
  const message = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  // record-layer version 0x0301 for a ClientHello, as OpenSSL writes it (RFC 8446 §5.1)
  const record = Buffer.concat([Buffer.from([22, 3, 1]), u16(message.length), message]);
  return { record, message, privateKey };
}

/** OpenSSL's ClientHello for the main handshake's options (tls.ts startTls with legacy on), taken apart. */
function captureTemplate(alpn: string[] | undefined): Promise<Template> {
  return new Promise((resolve, reject) => {
    let held = Buffer.alloc(0);
    const sink = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        held = Buffer.concat([held, chunk]);
        if (held.length >= 5 && held.length >= 5 + held.readUInt16BE(3)) {
          try {
            resolve(parseTemplate(held.subarray(5, 5 + held.readUInt16BE(3))));
          } catch (err) {
            reject(err);
          }
          setImmediate(() => sock.destroy());
        }
        cb();
      },
    });
    const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
      socket: sink,
      servername: PLACEHOLDER_SNI,
      rejectUnauthorized: false,
      requestOCSP: true,
      ALPNProtocols: alpn,
      secureContext: clientContext({ minVersion: 'TLSv1', ciphers: LEGACY_CIPHERS }),
    };
    const sock = tls.connect(options);
    sock.on('error', reject);
  });
}

function parseTemplate(message: Buffer): Template {
  const r = new Reader(message);
  if (r.uint(1) !== 1) throw new RecordError('the captured record is not a ClientHello');
  const body = new Reader(r.vector(3));
  const version = body.bytes(2);
  body.bytes(32);
  body.vector(1);
  const start = body.off;
  body.vector(2);
  body.vector(1);
  const suitesAndCompression = body.buf.subarray(start, body.off);
  const ext = new Reader(body.vector(2));
  const extensions: Template['extensions'] = [];
  let shares = false;
  while (!ext.done) {
    const type = ext.uint(2);
    const data = ext.vector(2);
    if (type === EXT_KEY_SHARE) shares = true;
    if (type !== EXT_PADDING) extensions.push({ type, data });
  }
  if (!shares || !extensions.some((e) => e.type === EXT_SERVER_NAME)) {
    throw new RecordError('the captured ClientHello has no key_share or server_name to re-make');
  }
  return { version, suitesAndCompression, extensions };
}

/** server_name (RFC 6066 §3): one host_name entry. */
function serverNameExtension(name: string): Buffer {
  const host = Buffer.from(name, 'ascii');
  return vector(2, Buffer.concat([Buffer.from([0]), vector(2, host)]));
}

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

function u24(n: number): Buffer {
  return Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

function vector(lengthBytes: 1 | 2, data: Buffer): Buffer {
  return Buffer.concat([lengthBytes === 1 ? Buffer.from([data.length]) : u16(data.length), data]);
}
