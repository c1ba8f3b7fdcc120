import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 9293 §3.5.2 (Reset Generation): "If the connection does not exist (CLOSED), then a reset is sent in
 * response to any incoming segment except another reset. A SYN segment that does not match an existing
 * connection is rejected by this means." Nothing listens on the port, or a firewall rejects actively.
 */
export const connectionRefused: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'connection_refused',
    title: 'Nothing accepts connections on the port',
    citation: 'RFC 9293 §3.5.2 (Reset Generation)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const e = primaryHandshakeError(ctx, ['connection_refused']);
    if (!e.ok) return e.outcome;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    return fail({
      code: 'connection_refused',
      severity: 'critical',
      certIndex: -1,
      summary: `${where} refused the TCP connection (RST); expected a TLS server listening on port ${ctx.report.target.port}.`,
      params: transportParams(ctx, e.value),
      causes: [
        'the TLS server (nginx, apache, …) is not running or is not listening on this port',
        'the server listens only on another address family or interface (e.g. IPv4 only, or 127.0.0.1)',
        'a firewall actively rejects connections to this port',
        'the port number is wrong (e.g. 443 vs 8443)',
      ],
    });
  },
};
