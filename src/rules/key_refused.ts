import { chainInput, fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 8017 §3.1 (an RSA public exponent is odd and at least 3) and the bounds every TLS library applies
 * (BoringSSL: at most 33-bit exponents and 16384-bit moduli). Such keys are refused before any signature
 * is verified with them, so a chain built to be slow to verify is a finding, not a stall (issue 7).
 */
export const keyRefused: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'key_refused',
    title: 'A certificate carries an absurd public key that was refused without verifying',
    citation: 'RFC 8017 §3.1; BoringSSL RSA limits (kMaxExponentBits, OPENSSL_RSA_MAX_MODULUS_BITS)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const refused = chain.value.refusedKeys ?? [];
    const first = refused[0];
    if (!first) return pass;
    const at = first.sentIndex === null ? 'a candidate issuer' : `sent #${first.sentIndex}`;
    const more = refused.length > 1 ? ` (and ${refused.length - 1} more certificate(s))` : '';
    return fail({
      code: 'key_refused',
      severity: 'critical',
      certIndex: first.sentIndex === 0 ? 0 : -1,
      summary: `\`${first.subject}\` (${at}) has an ${first.reason}${more}; expected an RSA key with a small odd exponent (usually 65537) and a modulus of at most 16384 bits.`,
      params: {
        subject: first.subject,
        sentIndex: first.sentIndex,
        reason: first.reason,
        count: refused.length,
        sha256: first.sha256,
      },
      causes: [
        'the server sends certificates crafted to make verification slow (a denial-of-service attempt)',
        'a broken key generator or test tool produced a malformed RSA key',
      ],
    });
  },
};
