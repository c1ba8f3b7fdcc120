/**
 * Hand-made TLS server flights for record-layer tests: ServerHello, Certificate (TLS 1.2 and 1.3 framing)
 * and TLS 1.3 protected records encrypted the way a server would (RFC 8446 §5.2).
 */
import { createCipheriv } from 'node:crypto';
import { type TrafficKeys, trafficKeys } from '../../src/probe/tls-records.js';

export function u(n: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(n, 0, bytes);
  return b;
}

export function vec(lengthBytes: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u(body.length, lengthBytes), body]);
}

export function record(type: number, fragment: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([u(type, 1), u(version, 2), vec(2, fragment)]);
}

export function message(type: number, body: Buffer): Buffer {
  return Buffer.concat([u(type, 1), vec(3, body)]);
}

/** `keyShare`: a TLS 1.3 ServerHello's X25519 key_share (RFC 8446 §4.2.8), the 32-byte key. */
export function serverHello(
  opts: { tls13?: boolean; cipherSuite?: number; helloRetry?: boolean; keyShare?: Buffer } = {},
): Buffer {
  const random = opts.helloRetry
    ? Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')
    : Buffer.alloc(32, 7);
  const share = opts.keyShare
    ? Buffer.concat([u(0x0033, 2), vec(2, u(0x001d, 2), vec(2, opts.keyShare))])
    : Buffer.alloc(0);
  const exts = opts.tls13 ? vec(2, u(0x002b, 2), vec(2, u(0x0304, 2)), share) : Buffer.alloc(0);
  const body = Buffer.concat([u(0x0303, 2), random, vec(1), u(opts.cipherSuite ?? 0xc02f, 2), u(0, 1), exts]);
  return message(2, body);
}

export function certificate12(ders: Buffer[]): Buffer {
  return message(11, vec(3, ...ders.map((d) => vec(3, d))));
}

export function certificate13(ders: Buffer[]): Buffer {
  return message(11, Buffer.concat([vec(1), vec(3, ...ders.map((d) => Buffer.concat([vec(3, d), vec(2)])))]));
}

/** Protect `content` as TLS 1.3 record number `seq` (inner type appended, then `padding` zeros). */
export function protect(keys: TrafficKeys, seq: number, innerType: number, content: Buffer, padding = 0): Buffer {
  const plain = Buffer.concat([content, u(innerType, 1), Buffer.alloc(padding)]);
  const header = Buffer.concat([u(23, 1), u(0x0303, 2), u(plain.length + 16, 2)]);
  const nonce = Buffer.from(keys.iv);
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq));
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!;
  const cipher = createCipheriv(keys.cipher as 'aes-128-gcm', keys.key, nonce, { authTagLength: 16 });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}

export { trafficKeys };

/** TLS ≤ 1.2 CertificateRequest (RFC 5246 §7.4.4); `sigAlgs: false` gives the TLS 1.0/1.1 form (RFC 4346). */
export function certificateRequest12(caNames: Buffer[], opts: { sigAlgs?: boolean } = {}): Buffer {
  const types = vec(1, u(1, 1), u(64, 1));
  const algs = opts.sigAlgs === false ? Buffer.alloc(0) : vec(2, u(0x0403, 2), u(0x0804, 2));
  return message(13, Buffer.concat([types, algs, vec(2, ...caNames.map((n) => vec(2, n)))]));
}

/** TLS 1.3 CertificateRequest (RFC 8446 §4.3.2): signature_algorithms, plus certificate_authorities unless null. */
export function certificateRequest13(caNames: readonly Buffer[] | null): Buffer {
  const exts = [Buffer.concat([u(13, 2), vec(2, vec(2, u(0x0403, 2)))])];
  if (caNames) exts.push(Buffer.concat([u(47, 2), vec(2, vec(2, ...caNames.map((n) => vec(2, n))))]));
  return message(13, Buffer.concat([vec(1), vec(2, ...exts)]));
}
