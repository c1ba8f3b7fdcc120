import type { RuleContext } from '../types.js';
import { primaryHandshake } from './inputs.js';

/**
 * Which keyUsage bit the negotiated key exchange needs from the leaf (RFC 5246 §7.4.2, RFC 8446 §4.4.2.2):
 * digitalSignature when the key signs the handshake (TLS 1.3, (EC)DHE), keyEncipherment for RSA key
 * transport; null when unknown (a certificate file has no handshake).
 */
export function neededBit(ctx: RuleContext): 'digitalSignature' | 'keyEncipherment' | null {
  if (ctx.report.source === 'file') return null;
  const hs = primaryHandshake(ctx);
  if (!hs.ok || hs.value.protocol === null) return null;
  if (hs.value.protocol === 'TLSv1.3') return 'digitalSignature';
  const cipher = hs.value.cipher ?? '';
  if (/^(TLS_)?(ECDHE|DHE|EDH)[-_]/.test(cipher)) return 'digitalSignature';
  if (/^(TLS_RSA_|AES|DES|RC4|CAMELLIA|SEED|IDEA)/.test(cipher)) return 'keyEncipherment';
  return null;
}
