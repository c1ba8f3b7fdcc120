import type { EndpointReport } from '../probe/types.js';
import { certCoversHost } from './lib/hostname.js';
import { fail, isCert, isoDate, pass } from './lib/inputs.js';
import type { Rule, RuleContext } from './types.js';

/**
 * Clients pick any of the addresses DNS returns (RFC 6724 §6 destination address selection, RFC 8305 Happy
 * Eyeballs), so every address must serve the same working certificate; otherwise failures look random
 * ("works for me"). Critical when some addresses fail while others work, warning when an address serves a
 * certificate that is expired or not valid for the host, info when all differ but all work (a rollout).
 */
interface Backend {
  address: string;
  key: string;
  label: string;
  ok: boolean;
  good: boolean;
}

function describe(ep: EndpointReport, ctx: RuleContext): Backend | null {
  const hs = ep.handshake;
  if (hs.status === 'skipped') return null;
  if (hs.status === 'error') {
    return { address: ep.address, key: `error:${hs.code}`, label: `${ep.address}: ${hs.code}`, ok: false, good: false };
  }
  const leaf = hs.result.sentChain[0];
  if (!isCert(leaf))
    return { address: ep.address, key: 'leaf:none', label: `${ep.address}: no leaf`, ok: true, good: false };
  const good = Date.parse(leaf.notAfter) >= ctx.now.getTime() && certCoversHost(leaf, ctx.report.target.host);
  const label = `${ep.address}: serial ${leaf.serialNumber}, expires ${isoDate(leaf.notAfter)}`;
  return { address: ep.address, key: `leaf:${leaf.sha256}`, label, ok: true, good };
}

export const backendsInconsistent: Rule = {
  meta: {
    code: 'backends_inconsistent',
    title: 'The addresses behind the name serve different certificates or fail differently',
    citation: 'RFC 6724 §6; RFC 8305 §4 (clients may use any resolved address)',
    severity: 'warning',
  },
  applies: (ctx) => ctx.report.endpoints.length >= 2,
  evaluate(ctx) {
    const backends = ctx.report.endpoints.map((ep) => describe(ep, ctx)).filter((b) => b !== null);
    const keys = new Set(backends.map((b) => b.key));
    const working = backends.filter((b) => b.ok);
    if (keys.size < 2 || working.length === 0) return pass;
    const someFail = working.length < backends.length;
    const severity = someFail ? 'critical' : backends.some((b) => !b.good) ? 'warning' : 'info';
    const labels = backends.map((b) => b.label).join('; ');
    return fail({
      code: 'backends_inconsistent',
      severity,
      certIndex: -1,
      summary: `The ${backends.length} addresses of \`${ctx.report.target.host}\` behave differently (${labels}); expected every address to serve the same certificate.`,
      params: { addresses: backends.map((b) => b.address).join(', '), backends: labels, someFail },
      causes: [
        'a certificate renewal was deployed to some servers of the pool but not all',
        'one server is down or misconfigured while the others work',
        'DNS still lists an old server (a stale A/AAAA record, often IPv6)',
      ],
    });
  },
};
