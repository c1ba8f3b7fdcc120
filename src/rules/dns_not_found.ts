import { fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 1035 §4.1.1, RCODE 3: "Name Error - Meaningful only for responses from an authoritative name server,
 * this code signifies that the domain name referenced in the query does not exist." Also covers a name that
 * exists without A/AAAA records (NODATA, RFC 2308 §2.2) and a resolver failure (SERVFAIL): either way no
 * client can connect.
 */
export const dnsNotFound: Rule = {
  scope: 'target',
  meta: {
    code: 'dns_not_found',
    title: 'The host name does not resolve',
    citation: 'RFC 1035 §4.1.1 (RCODE 3 Name Error); RFC 2308 §2.2 (NODATA)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const res = ctx.report.resolution;
    const host = ctx.report.target.host;
    if (res.status === 'skipped') return { status: 'not_evaluated', why: res.why };
    if (res.status === 'completed' && res.result.length > 0) return pass;
    if (res.status === 'error' && res.code !== 'dns_not_found' && res.code !== 'dns_failed') return pass;
    const resolverFailed = res.status === 'error' && res.code === 'dns_failed';
    const error = res.status === 'error' ? res.error : 'no A or AAAA records';
    return fail({
      code: 'dns_not_found',
      severity: 'critical',
      certIndex: -1,
      summary: resolverFailed
        ? `DNS lookup of \`${host}\` failed (${error}); expected A or AAAA records.`
        : `\`${host}\` has no A or AAAA records (${error}); expected at least one address.`,
      params: { host, resolverFailed, error },
      causes: resolverFailed
        ? [
            "the domain's authoritative DNS servers are failing (SERVFAIL, lame delegation or broken DNSSEC)",
            "the bot's DNS resolver is unreachable or failing",
            'the host name is misspelt',
          ]
        : [
            'the host name is misspelt',
            'the DNS record was never created, or was deleted',
            'the record exists only in an internal (split-horizon) DNS the bot cannot see',
            'the domain registration has lapsed',
          ],
    });
  },
};
