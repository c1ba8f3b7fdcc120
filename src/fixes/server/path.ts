/**
 * Server fixes for the path-validation codes (issue 9) and the refused-key codes (issue 7). They are the
 * CA's or the chain file's to fix, the same on every server stack, so only the generic fix is given.
 */
import { opensslVerify } from '../shell.js';
import type { ServerRecipe } from '../types.js';

/** The check after the fix: against the check's --ca bundle when it had one, else the system roots. */
const reissueCa =
  (title: string, steps: string[]): ServerRecipe =>
  ({ caFile }) => ({
    generic: { title, steps, command: opensslVerify(caFile) },
  });

export const pathRecipes = {
  chain_cert_not_yet_valid: reissueCa('Serve an intermediate that is already valid', [
    "Check the bot's and the server's clocks first (`date -u`).",
    'Otherwise serve the previous intermediate until the new one becomes valid, or ask the CA to reissue it.',
  ]),
  ca_not_ca: reissueCa('Put only CA certificates above the leaf', [
    'Remove the end-entity certificate that sits between the leaf and the root from the chain file.',
    'For a private CA, reissue the CA with `basicConstraints=critical,CA:TRUE` and re-sign the leaf with it.',
  ]),
  ca_cannot_sign: reissueCa('Reissue the CA certificate with keyCertSign', [
    'Reissue the issuing CA with `keyUsage=critical,keyCertSign,cRLSign` and re-sign the leaf with it.',
  ]),
  path_length_exceeded: reissueCa('Shorten the path below the constrained CA', [
    'Serve the chain that goes directly from the issuing CA to the root (drop the extra intermediate), or',
    'reissue the constrained CA with a larger `pathlen` (private PKI only).',
  ]),
  unknown_critical_extension: reissueCa('Reissue without the unrecognised critical extension', [
    'Reissue the named certificate with that extension marked non-critical, or without it.',
  ]),
  name_constraints_violation: reissueCa('Issue the certificate from a CA allowed to certify the name', [
    'Issue the certificate from a CA whose name constraints permit the name, or',
    "widen the constrained CA's permitted subtrees (private PKI only) and re-sign.",
  ]),
  key_refused: () => ({
    generic: {
      title: 'Serve a chain with ordinary keys',
      steps: [
        'Serve only the leaf and its real intermediates (RSA keys with exponent 65537, or ECDSA).',
        'If you did not configure these certificates, something in front of the server is sending them: investigate it.',
      ],
    },
  }),
  chain_too_complex: ({ caFile }) => ({
    generic: {
      title: 'Serve only the leaf and its intermediates',
      steps: ['Replace the chain file with the leaf followed by its intermediates, in order (no bundle of CAs).'],
      command: opensslVerify(caFile),
    },
  }),
  key_mismatch: () => ({
    generic: {
      title: 'Configure the private key that belongs to the certificate',
      steps: [
        'Find the key whose public key matches the certificate (compare the two digests below; they must be equal).',
        'If it is lost, create a new key and CSR and have the certificate reissued.',
      ],
      command:
        'openssl x509 -in cert.pem -noout -pubkey | openssl sha256; openssl pkey -in key.pem -pubout | openssl sha256',
    },
  }),
} satisfies Record<string, ServerRecipe>;
