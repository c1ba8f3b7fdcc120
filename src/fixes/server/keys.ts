import { certName, csrCommand, internalCaSign } from '../shell.js';
import type { ServerRecipe, ServerRecipes } from '../types.js';
import { reissue } from './deploy.js';

/**
 * Key and usage fixes: all of them mean a new certificate (a key, hash or extension cannot be edited in place).
 * Minimums: RSA ≥ 2048 bits and SHA-256 (CA/B BR §6.1.5, §7.1.3.2); serverAuth EKU (BR §7.1.2.7.10);
 * CA:FALSE on a leaf (RFC 5280 §4.2.1.9).
 */

function chainNote(certIndex: number, what: string): string[] {
  if (certIndex <= 0) return [];
  return [
    `The problem is on chain certificate #${certIndex}, not the leaf: replace that intermediate with the CA's current ${what} one (or move to a CA that has one).`,
  ];
}

const weakSignatureAlgorithm: ServerRecipe<'weak_signature_algorithm'> = ({ p, t, certIndex }) => {
  const algorithm = p.str('algorithm');
  return reissue(t, `Reissue signed with SHA-256${algorithm ? ` (now ${algorithm})` : ''}`, {
    need: 'signed with SHA-256 or better (the CA picks the hash: a fresh request to a current CA gets it; internal CAs: `-sha256`)',
    command: internalCaSign(t),
    extra: chainNote(certIndex, 'SHA-256'),
  });
};

const weakKey: ServerRecipe<'weak_key'> = ({ p, t, certIndex }) => {
  const algorithm = p.str('algorithm');
  const bits = p.num('bits');
  const observed = algorithm && bits !== null ? ` (now ${algorithm} ${bits} bits)` : '';
  return reissue(t, `Generate a new key and reissue${observed}`, {
    need: 'for a NEW key, ECDSA P-256 or RSA ≥ 2048 bits (certbot: `--key-type ecdsa --force-renewal`)',
    command: csrCommand(t, { ecdsa: true }),
    extra: chainNote(certIndex, '2048-bit (or ECDSA)'),
  });
};

const wrongKeyUsage: ServerRecipe<'wrong_key_usage'> = ({ p, t }) => {
  const observed = p.str('observed');
  return reissue(t, `Reissue as a TLS server certificate${observed ? ` (now ${observed})` : ''}`, {
    need: 'with extendedKeyUsage `serverAuth` and keyUsage `digitalSignature` (RSA: also `keyEncipherment`) — use the CA\'s "web server" template',
    command: internalCaSign(t),
  });
};

const leafIsCa: ServerRecipe<'leaf_is_ca'> = ({ t }) =>
  reissue(t, 'Issue a leaf certificate (CA:FALSE)', {
    need: `for \`${certName(t)}\` with \`basicConstraints=critical,CA:FALSE\``,
    command: internalCaSign(t),
    extra: [
      'If the server uses your CA certificate itself: keep that as the CA (give it to clients) and sign a separate leaf with it.',
    ],
  });

export const keyRecipes = {
  weak_signature_algorithm: weakSignatureAlgorithm,
  weak_key: weakKey,
  wrong_key_usage: wrongKeyUsage,
  leaf_is_ca: leafIsCa,
} satisfies Partial<ServerRecipes>;
