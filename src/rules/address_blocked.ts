import { fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * DESIGN.md, Safety: "Loopback, link-local (169.254/16, fe80::/10, cloud metadata), and by default private
 * ranges are refused with `address_blocked`; an allow-list in config opens them." Ranges per RFC 6890
 * (special-purpose address registries) and RFC 1918. Severity is warning, not critical: the server was not
 * looked at, the bot refused to connect.
 */
export const addressBlocked: Rule = {
  scope: 'target',
  meta: {
    code: 'address_blocked',
    title: 'Every address of the host is refused by the address policy',
    citation: 'RFC 6890 §2.2 (special-purpose address registries); RFC 1918 §3; DESIGN.md Safety',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const res = ctx.report.resolution;
    const host = ctx.report.target.host;
    if (res.status === 'skipped') return { status: 'not_evaluated', why: res.why };
    if (res.status === 'error') {
      if (res.code !== 'address_blocked') return pass;
      return blocked(host, [], [res.error]);
    }
    const addresses = res.result;
    if (addresses.length === 0 || addresses.some((a) => a.allowed)) return pass;
    return blocked(
      host,
      addresses.map((a) => a.address),
      addresses.map((a) => `${a.address} (${a.blockedBy ?? 'address policy'})`),
    );
  },
};

function blocked(host: string, addresses: string[], reasons: string[]) {
  return fail({
    code: 'address_blocked',
    severity: 'warning',
    certIndex: -1,
    summary: `\`${host}\` resolves only to addresses the bot may not connect to: ${reasons.join(', ')}; expected a public address or one in CERT_DOCTOR_ALLOW.`,
    params: { host, addresses: addresses.join(', '), blockedBy: reasons.join(', ') },
    causes: [
      'the host is internal (private, loopback or link-local address) and the bot is not allowed to reach it',
      'the public DNS record points at a private address by mistake',
      'someone asked the bot to reach an address it must not (cloud metadata, loopback): refused on purpose',
    ],
  });
}
