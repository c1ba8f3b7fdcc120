import { certCoversHost, certNames } from './lib/hostname.js';
import { fail, isCert, leafInput, listNames, pass } from './lib/inputs.js';
import type { FindingParams } from './params.js';
import type { Rule } from './types.js';

/**
 * RFC 6066 §3: clients "MAY include an extension of type "server_name""; servers hosting several names pick
 * the certificate by it. A client that sends no SNI (Java 6, Windows XP, Android 2.x, some load-balancer
 * health checks and monitoring probes) gets the default site: it must either be this site's certificate or
 * the handshake fails for those clients.
 */
export const sniRequired: Rule = {
  meta: {
    code: 'sni_required',
    title: 'Clients that do not send SNI get a failure or another certificate',
    citation: 'RFC 6066 §3 (Server Name Indication)',
    severity: 'warning',
  },
  applies: (ctx) => ctx.report.target.sni !== null,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const noSni = ctx.primary!.noSni;
    const host = ctx.report.target.host;
    if (noSni.status === 'skipped') return { status: 'not_evaluated', why: noSni.why };
    if (noSni.status === 'error') {
      if (noSni.code !== 'handshake_failed' && noSni.code !== 'connection_reset') {
        return { status: 'not_evaluated', why: `the handshake without SNI failed (${noSni.code}): ${noSni.error}` };
      }
      return finding(host, `fails without SNI (${noSni.error})`, { noSni: 'failed', error: noSni.error });
    }
    const other = noSni.result.sentChain[0];
    if (!isCert(other) || other.sha256 === leaf.value.sha256 || certCoversHost(other, host)) return pass;
    if (!certCoversHost(leaf.value, host)) return pass;
    const names = certNames(other);
    return finding(host, `serves \`${other.subject}\` (valid for ${listNames(names) || 'no names'}) without SNI`, {
      noSni: 'other_certificate',
      noSniSubject: other.subject,
      noSniNames: names.join(', '),
    });
  },
};

function finding(host: string, observed: string, params: Omit<FindingParams['sni_required'], 'host'>) {
  return fail({
    code: 'sni_required',
    severity: 'warning',
    certIndex: -1,
    summary: `The server ${observed}; expected clients that send no SNI to get the certificate for \`${host}\` too.`,
    params: { host, ...params },
    causes: [
      'several sites share this address and the default (no-SNI) site is another one',
      'the CDN or load balancer requires SNI (normal for shared CDNs; only old clients and some health checks are affected)',
    ],
  });
}
