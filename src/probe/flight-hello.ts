/**
 * The ClientHello of the light profile's flight read (flight-read.ts): OpenSSL's own ClientHello for the main
 * handshake — the versions, ciphers, groups, signature algorithms, OCSP request and ALPN that tls.ts offers —
 * re-made for each connection (hello-template.ts) with its SNI, a fresh random and legacy_session_id, and an
 * X25519 key share whose private key we hold (RFC 8446 §4.1.2, §4.2.8). The server sees the offer a full check
 * makes and picks the same version, suite and certificate.
 */
import { generateKeyPairSync, type KeyObject, randomFillSync } from 'node:crypto';
import { helloTemplate, remakeHello } from './hello-template.js';
import { LEGACY_CIPHERS } from './tls-context.js';

const GROUP_X25519 = 0x001d;

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
  const template = await helloTemplate({ minVersion: 'TLSv1', ciphers: LEGACY_CIPHERS, alpn, requestOCSP: true });
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  // the raw 32-byte key (RFC 7748 §5) from its JWK: an SPKI export costs ~85 µs, this ~2 (OpenSSL 3.0's encoders)
  const share = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const entry = Buffer.concat([Buffer.from([GROUP_X25519 >> 8, GROUP_X25519 & 0xff, 0, 32]), share]);
  const keyShare = Buffer.concat([Buffer.from([0, entry.length]), entry]);
  const hello = remakeHello(template, servername, {
    random: randomFillSync(Buffer.alloc(32)),
    sessionId: randomFillSync(Buffer.alloc(32)),
    keyShare,
  });
  return { ...hello, privateKey };
}
