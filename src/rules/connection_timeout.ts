import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 9293 §3.8.1: an unanswered SYN is retransmitted until the user's timeout; DESIGN.md Safety: "Every
 * network step has a timeout; a probe has an overall deadline." Silence, not refusal, usually means a
 * firewall that drops packets.
 */
export const connectionTimeout: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'connection_timeout',
    title: 'The connection or handshake timed out',
    citation: 'RFC 9293 §3.8.1 (Retransmission Timeout); DESIGN.md Safety (every network step has a timeout)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const e = primaryHandshakeError(ctx, ['connection_timeout']);
    if (!e.ok) return e.outcome;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    const timeoutMs = ctx.report.options.timeoutMs;
    return fail({
      code: 'connection_timeout',
      severity: 'critical',
      certIndex: -1,
      summary: `${where} did not complete a TLS handshake within ${timeoutMs} ms (${e.value.error}); expected an answer within the timeout.`,
      params: { ...transportParams(ctx, e.value), timeoutMs },
      causes: [
        'a firewall or security group silently drops traffic to this port',
        'the server is overloaded or hung and accepts connections without answering',
        'the DNS record points at an address where no server runs any more',
        "the bot's own network blocks outbound connections to this port",
      ],
    });
  },
};
