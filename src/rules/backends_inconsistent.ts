import { differences, keyed, profileOf, reference, worstDiffering } from './lib/backends.js';
import { fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * Clients pick any of the addresses DNS returns (RFC 6724 §6 destination address selection, RFC 8305 Happy
 * Eyeballs), so every address must serve the same working chain with the same protocol versions; otherwise
 * failures look random ("works for me"). The odd addresses are named with what they serve. Severity is the
 * worst among the per-address findings that hold on some addresses only (a backend serving an expired
 * certificate makes this critical); info when the addresses differ but every one works (a rollout).
 */
export const backendsInconsistent: Rule = {
  scope: 'target',
  meta: {
    code: 'backends_inconsistent',
    title: 'The addresses behind the name serve different chains, protocols or results',
    citation: 'RFC 6724 §6; RFC 8305 §4 (clients may use any resolved address)',
    severity: 'warning',
  },
  applies: (ctx) => ctx.report.endpoints.length >= 2,
  evaluate(ctx) {
    const judgements = ctx.judgements ?? [];
    const profiles = keyed(
      ctx.report.endpoints.map((ep) =>
        profileOf(
          ep,
          ctx.report,
          judgements.find((j) => j.address === ep.address),
          ctx.now,
        ),
      ),
    );
    if (new Set(profiles.map((p) => p.key)).size < 2) return pass;
    const ref = reference(profiles);
    const odd = profiles.filter((p) => p.key !== ref.key);
    const same = profiles.filter((p) => p.key === ref.key).map((p) => p.address);
    const severity = worstDiffering(judgements) ?? 'info';
    const oddText = odd.map((p) => differences(p, ref)).join('; ');
    const refText = `${same.join(', ')} ${ref.serves}`;
    const backends = profiles.map((p) => `${p.address}: ${p.serves}`).join('; ');
    return fail({
      code: 'backends_inconsistent',
      severity,
      certIndex: -1,
      summary: `${odd.length} of the ${profiles.length} addresses of \`${ctx.report.target.host}\` differ: ${oddText}; ${refText}. Expected every address to serve the same chain and protocols.`,
      params: {
        addresses: profiles.map((p) => p.address).join(', '),
        odd: odd.map((p) => p.address).join(', '),
        reference: ref.address,
        backends,
        someFail: profiles.some((p) => p.chainKey.startsWith('error:')),
      },
      causes: [
        'a certificate renewal was deployed to some servers of the pool but not all',
        'one server is down or misconfigured while the others work',
        'one server runs an older TLS configuration or software (protocol versions differ)',
        'DNS still lists an old server (a stale A/AAAA record, often IPv6)',
      ],
      addresses: odd.map((p) => p.address),
    });
  },
};
