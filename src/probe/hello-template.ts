/**
 * OpenSSL's own ClientHello, captured once per offer and re-made per connection. A ClientHello depends on the
 * connection only through its SNI (RFC 6066 §3), its random and legacy_session_id, and its key share (RFC 8446
 * §4.1.2, §4.2.8): everything else — versions, suites, groups, signature algorithms, the OCSP request, ALPN,
 * the order of the extensions — is the offer. So OpenSSL writes the offer once (a tls.connect over an in-memory
 * stream, ~1 ms of CPU: an SSL object, a key share) with a placeholder name, and each connection gets those
 * bytes with its own name spliced in (microseconds). Checking thousands of names (a sweep) no longer makes an
 * SSL object per name and version. test/hello-template.test.ts holds re-made hellos to OpenSSL's own for the name.
 */
import { Duplex } from 'node:stream';
import tls, { type SecureVersion } from 'node:tls';
import { clientContext } from './tls-context.js';
import { Reader, RecordError } from './tls-records.js';

const EXT_SERVER_NAME = 0x0000;
const EXT_PADDING = 0x0015;
const EXT_KEY_SHARE = 0x0033;
/** a name of the right shape for the capture; every re-made hello carries the connection's own (or none) */
const PLACEHOLDER_SNI = 'template.invalid';

export interface HelloOffer {
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  alpn?: string[];
  /** status_request (RFC 6066 §8), as tls.connect's requestOCSP */
  requestOCSP?: boolean;
}

export interface HelloTemplate {
  /** legacy_version (2 bytes) */
  version: Buffer;
  random: Buffer;
  sessionId: Buffer;
  /** cipher_suites and legacy_compression_methods, with their length prefixes */
  suitesAndCompression: Buffer;
  /** extensions in OpenSSL's order; padding left out (RFC 7685: a workaround for hello sizes, which change) */
  extensions: { type: number; data: Buffer }[];
}

/** What a re-made hello changes besides the name; absent: the captured bytes. */
export interface HelloParts {
  random?: Buffer;
  sessionId?: Buffer;
  /** the whole key_share extension body (client_shares) */
  keyShare?: Buffer;
}

const templates = new Map<string, Promise<HelloTemplate>>();

/** The captured offer (cached per offer, for the life of the thread: a handful of offers exist). */
export function helloTemplate(offer: HelloOffer): Promise<HelloTemplate> {
  const key = JSON.stringify([offer.minVersion, offer.maxVersion, offer.ciphers, offer.alpn, offer.requestOCSP]);
  let template = templates.get(key);
  if (template === undefined) {
    template = capture(offer);
    template.catch(() => templates.delete(key));
    templates.set(key, template);
  }
  return template;
}

/** The ClientHello record for one connection, and the handshake message inside it (for a transcript). */
export function remakeHello(
  t: HelloTemplate,
  servername: string | null,
  parts: HelloParts = {},
): { record: Buffer; message: Buffer } {
  const extensions: Buffer[] = [];
  for (const ext of t.extensions) {
    let data: Buffer | null = ext.data;
    if (ext.type === EXT_SERVER_NAME) data = servername === null ? null : serverNameExtension(servername);
    else if (ext.type === EXT_KEY_SHARE && parts.keyShare !== undefined) data = parts.keyShare;
    if (data !== null) extensions.push(u16(ext.type), vector(2, data));
  }
  const body = Buffer.concat([
    t.version,
    parts.random ?? t.random,
    vector(1, parts.sessionId ?? t.sessionId),
    t.suitesAndCompression,
    vector(2, Buffer.concat(extensions)),
  ]);
  const message = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  // record-layer version 0x0301 for a ClientHello, as OpenSSL writes it (RFC 8446 §5.1)
  const record = Buffer.concat([Buffer.from([22, 3, 1]), u16(message.length), message]);
  return { record, message };
}

function capture(offer: HelloOffer): Promise<HelloTemplate> {
  return opensslHello(offer, PLACEHOLDER_SNI).then((record) => parse(record.subarray(5)));
}

/**
 * The ClientHello record OpenSSL writes for this offer and name (null: none), from a tls.connect over an
 * in-memory stream: nothing leaves the process. (test/hello-template.test.ts holds re-made hellos to it.)
 */
export function opensslHello(offer: HelloOffer, servername: string | null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let held = Buffer.alloc(0);
    const sink = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        held = Buffer.concat([held, chunk]);
        if (held.length >= 5 && held.length >= 5 + held.readUInt16BE(3)) {
          resolve(held.subarray(0, 5 + held.readUInt16BE(3)));
          setImmediate(() => sock.destroy());
        }
        cb();
      },
    });
    // requestOCSP is honoured by tls.connect but missing from @types/node's ConnectionOptions.
    const options: tls.ConnectionOptions & { requestOCSP?: boolean } = {
      socket: sink,
      servername: servername ?? undefined,
      rejectUnauthorized: false,
      ALPNProtocols: offer.alpn,
      secureContext: clientContext({
        minVersion: offer.minVersion,
        maxVersion: offer.maxVersion,
        ciphers: offer.ciphers,
      }),
      ...(offer.requestOCSP ? { requestOCSP: true } : {}),
    };
    const sock = tls.connect(options);
    sock.on('error', reject);
  });
}

function parse(message: Buffer): HelloTemplate {
  const r = new Reader(message);
  if (r.uint(1) !== 1) throw new RecordError('the captured record is not a ClientHello');
  const body = new Reader(r.vector(3));
  const version = body.bytes(2);
  const random = body.bytes(32);
  const sessionId = body.vector(1);
  const start = body.off;
  body.vector(2);
  body.vector(1);
  const suitesAndCompression = body.buf.subarray(start, body.off);
  const ext = new Reader(body.vector(2));
  const extensions: HelloTemplate['extensions'] = [];
  while (!ext.done) {
    const type = ext.uint(2);
    const data = ext.vector(2);
    if (type !== EXT_PADDING) extensions.push({ type, data });
  }
  if (!extensions.some((e) => e.type === EXT_SERVER_NAME)) {
    throw new RecordError('the captured ClientHello has no server_name to re-make');
  }
  return { version, random, sessionId, suitesAndCompression, extensions };
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
