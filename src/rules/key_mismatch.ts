import { fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.1.2.7: the certificate binds the subject to one public key; a server configured with a
 * private key of another pair cannot complete a handshake (nginx: "key values mismatch", Apache: "does
 * not match"). Only `inspect --key` gives a key to compare.
 */
export const keyMismatch: Rule = {
  scope: 'target',
  meta: {
    code: 'key_mismatch',
    title: 'The private key does not belong to the certificate',
    citation: 'RFC 5280 §4.1.2.7',
    severity: 'critical',
  },
  applies: (ctx) => ctx.report.keyMatch !== undefined,
  evaluate(ctx) {
    const km = ctx.report.keyMatch;
    if (!km || km.matches) return pass;
    return fail({
      code: 'key_mismatch',
      severity: 'critical',
      certIndex: 0,
      summary: `The private key in \`${km.file}\` (${km.key}) does not match the leaf certificate's public key (${km.leafKey}); expected the key the certificate was issued for.`,
      params: { file: km.file, key: km.key, leafKey: km.leafKey },
      causes: [
        'the key of a previous certificate (before renewal or re-key) is still configured',
        'the certificate and key files of two different sites or environments were swapped',
        'a new key and CSR were generated after the certificate was issued for the old one',
      ],
    });
  },
};
