import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §6.2: "Upon transmission or receipt of a fatal alert message, both parties MUST immediately close
 * the connection." A reset mid-handshake (no alert) is reported here as well, with reason "reset".
 */
export const handshakeFailed: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'handshake_failed',
    title: 'The TLS handshake failed',
    citation: 'RFC 8446 §6.2 (Error Alerts)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const e = primaryHandshakeError(ctx, ['handshake_failed', 'connection_reset']);
    if (!e.ok) return e.outcome;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    const reset = e.value.code === 'connection_reset';
    return fail({
      code: 'handshake_failed',
      severity: 'critical',
      certIndex: -1,
      summary: reset
        ? `${where} reset the connection during the TLS handshake (${e.value.error}); expected a ServerHello.`
        : `The TLS handshake with ${where} failed: ${e.value.error}; expected a completed handshake.`,
      params: { ...transportParams(ctx, e.value), reason: reset ? 'reset' : 'alert' },
      causes: [
        'no protocol version or cipher suite in common (server allows only legacy TLS, or only exotic ciphers)',
        `the server has no certificate for the name sent in SNI (${ctx.report.target.sni ?? 'none: IP target'}) and aborts`,
        'the server requires a client certificate (mutual TLS)',
        'a middlebox (firewall, IPS) resets TLS connections to this host',
      ],
    });
  },
};
