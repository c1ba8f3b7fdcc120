import { fail, httpInput, pass, speaksHttp } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 6797 §7.1: "An HTTP host declares itself an HSTS Host by issuing to UAs an HSTS Policy, which is
 * represented by and conveyed via the Strict-Transport-Security HTTP response header field over secure
 * transport". §6.1.1: the max-age directive is REQUIRED; max-age=0 removes the policy (§6.1.1, §8.1).
 * Without it a first visit over http:// can be downgraded (SSL stripping). Advice, not breakage: info.
 */
export const hstsMissing: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'hsts_missing',
    title: 'No HTTP Strict Transport Security header',
    citation: 'RFC 6797 §6.1.1 and §7.1',
    severity: 'info',
  },
  applies: (ctx) => speaksHttp(ctx.report.target.protocol),
  evaluate(ctx) {
    const http = httpInput(ctx);
    if (!http.ok) return http.outcome;
    const header = http.value.strictTransportSecurity;
    const maxAge = header === null ? null : /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header)?.[1];
    if (maxAge !== undefined && maxAge !== null && Number(maxAge) > 0) return pass;
    const observed = header === null ? 'no Strict-Transport-Security header' : `Strict-Transport-Security: ${header}`;
    return fail({
      code: 'hsts_missing',
      severity: 'info',
      certIndex: -1,
      summary: `The HTTPS response (status ${http.value.status}) has ${observed}; expected Strict-Transport-Security with max-age > 0 (e.g. max-age=31536000).`,
      params: { header, status: http.value.status },
      causes: [
        'HSTS was never enabled in the web server or application',
        'the header is set only on some responses (e.g. not on redirects or error pages)',
      ],
    });
  },
};
