import { fail, httpInput, pass, speaksHttp } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 9110 §6.6.1: "An origin server with a clock (as defined in Section 5.6.7) MUST generate a Date header
 * field in all 2xx (Successful), 3xx (Redirection), and 4xx (Client Error) responses". A server whose clock
 * is off staples OCSP responses that are "not yet valid", renews certificates at the wrong time and rejects
 * valid client certificates; a bot whose clock is off misjudges every validity date.
 */
export const clockSkew: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'clock_skew',
    title: "The server's clock disagrees with ours",
    citation: 'RFC 9110 §6.6.1 (Date); RFC 5905 (NTP)',
    severity: 'warning',
  },
  applies: (ctx) => speaksHttp(ctx.report.target.protocol),
  evaluate(ctx) {
    const http = httpInput(ctx);
    if (!http.ok) return http.outcome;
    const { date, receivedAt } = http.value;
    if (date === null) return { status: 'not_evaluated', why: 'the response has no Date header' };
    const server = Date.parse(date);
    if (Number.isNaN(server)) return { status: 'not_evaluated', why: `unparsable Date header ${JSON.stringify(date)}` };
    const skewSeconds = Math.round((server - Date.parse(receivedAt)) / 1000);
    const threshold = ctx.options.clockSkewSeconds;
    if (Math.abs(skewSeconds) <= threshold) return pass;
    const direction = skewSeconds > 0 ? 'ahead of' : 'behind';
    return fail({
      code: 'clock_skew',
      severity: 'warning',
      certIndex: -1,
      summary: `The server's clock is ${Math.abs(skewSeconds)} s ${direction} ours (Date: ${date}, received ${receivedAt}); expected at most ${threshold} s apart.`,
      params: { serverDate: date, receivedAt, skewSeconds, thresholdSeconds: threshold, direction },
      causes: [
        "the server's clock is wrong (NTP/chrony not running or blocked)",
        "the checking machine's clock is wrong (the bot's host)",
        'a cache or CDN in front of the server returns a stored Date header',
      ],
    });
  },
};
