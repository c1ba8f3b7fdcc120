import type { EndpointReport } from '../probe/types.js';
import { certCoversHost, certNames } from './lib/hostname.js';
import { fail, isCert, listNames, pass } from './lib/inputs.js';
import { observed } from './lib/observed.js';
import type { FindingParams } from './params.js';
import type { Rule } from './types.js';

/**
 * RFC 6066 §3: clients "MAY include an extension of type "server_name""; servers hosting several names pick
 * the certificate by it. A client that sends no SNI (Java 6, Windows XP, Android 2.x, some load-balancer
 * health checks and monitoring probes) gets the default site: it must either be this site's certificate or
 * the handshake fails for those clients. Target-scoped: it is the only rule that judges the no-SNI handshakes,
 * of every address at once (the other rules judge what SNI-sending clients get).
 */
type NoSniOutcome =
  | { kind: 'pass' }
  | { kind: 'unknown'; why: string }
  | { kind: 'fail'; observed: string; params: Omit<FindingParams['sni_required'], 'host'> };

function judge(ep: EndpointReport, host: string): NoSniOutcome {
  const leaf = observed(ep.handshake)?.sentChain[0];
  if (!isCert(leaf)) return { kind: 'unknown', why: `no leaf certificate from ${ep.address} with SNI` };
  const noSni = ep.noSni;
  if (noSni.status === 'skipped') return { kind: 'unknown', why: noSni.why };
  if (noSni.status === 'error') {
    if (noSni.code !== 'handshake_failed' && noSni.code !== 'connection_reset') {
      return { kind: 'unknown', why: `the handshake without SNI failed (${noSni.code}): ${noSni.error}` };
    }
    return {
      kind: 'fail',
      observed: `fails without SNI (${noSni.error})`,
      params: { noSni: 'failed', error: noSni.error },
    };
  }
  const other = noSni.result.sentChain[0];
  if (!isCert(other) || other.sha256 === leaf.sha256 || certCoversHost(other, host)) return { kind: 'pass' };
  if (!certCoversHost(leaf, host)) return { kind: 'pass' };
  const names = certNames(other);
  return {
    kind: 'fail',
    observed: `serves \`${other.subject}\` (valid for ${listNames(names) || 'no names'}) without SNI`,
    params: { noSni: 'other_certificate', noSniSubject: other.subject, noSniNames: names.join(', ') },
  };
}

export const sniRequired: Rule = {
  scope: 'target',
  meta: {
    code: 'sni_required',
    title: 'Clients that do not send SNI get a failure or another certificate',
    citation: 'RFC 6066 §3 (Server Name Indication)',
    severity: 'warning',
  },
  applies: (ctx) => ctx.report.target.sni !== null,
  evaluate(ctx) {
    const host = ctx.report.target.host;
    const judged = ctx.report.endpoints.map((ep) => ({ address: ep.address, outcome: judge(ep, host) }));
    const failing = judged.filter((j) => j.outcome.kind === 'fail');
    const first = failing[0]?.outcome;
    if (first?.kind === 'fail') {
      const where = judged.length > 1 ? ` on ${failing.map((j) => j.address).join(', ')}` : '';
      return fail({
        code: 'sni_required',
        severity: 'warning',
        certIndex: -1,
        summary: `The server${where} ${first.observed}; expected clients that send no SNI to get the certificate for \`${host}\` too.`,
        params: { host, ...first.params },
        causes: [
          'several sites share this address and the default (no-SNI) site is another one',
          'the CDN or load balancer requires SNI (normal for shared CDNs; only old clients and some health checks are affected)',
        ],
        addresses: failing.map((j) => j.address),
      });
    }
    if (judged.some((j) => j.outcome.kind === 'pass')) return pass;
    const unknown = judged.find((j) => j.outcome.kind === 'unknown')?.outcome;
    const why = unknown?.kind === 'unknown' ? unknown.why : 'no address was probed';
    return { status: 'not_evaluated', why };
  },
};
