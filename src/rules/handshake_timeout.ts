import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §4.1.1: after the ClientHello "the server will send" its ServerHello (or a HelloRetryRequest); a
 * peer that completed the TCP handshake (RFC 9293 §3.5) and then says nothing is listening but not answering
 * TLS. Unlike an unanswered SYN (connection_timeout: a firewall dropping packets), the causes live on the
 * listening side: a PROXY-protocol listener waiting for its header (HAProxy PROXY protocol spec §2.1), a
 * service that is not TLS and waits for its own protocol, or a TLS terminator too busy to answer.
 */
export const handshakeTimeout: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'handshake_timeout',
    title: 'The port accepted the connection but never answered the TLS handshake',
    citation: 'RFC 8446 §4.1.1 (ServerHello follows ClientHello); HAProxy PROXY protocol §2.1',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const e = primaryHandshakeError(ctx, ['handshake_timeout']);
    if (!e.ok) return e.outcome;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    const timeoutMs = ctx.report.options.timeoutMs;
    return fail({
      code: 'handshake_timeout',
      severity: 'critical',
      certIndex: -1,
      summary: `${where} accepted the TCP connection but sent no TLS answer (${e.value.error}); expected a ServerHello right after our ClientHello.`,
      params: { ...transportParams(ctx, e.value), timeoutMs },
      causes: [
        'the listener expects a PROXY-protocol header first (HAProxy `accept-proxy`, nginx `listen … proxy_protocol`, an AWS NLB target group with proxy protocol v2) and waits for it',
        'the port runs a service that is not TLS and waits for its own protocol (a database, a message broker, plain HTTP behind a keep-alive wait)',
        'the TLS terminator is overloaded or stuck: the kernel accepts connections into its backlog but no worker picks them up',
        'a middlebox accepts the connection on the server’s behalf and then black-holes it',
      ],
    });
  },
};
