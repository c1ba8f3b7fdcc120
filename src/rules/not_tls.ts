import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate the
 * connection with an "unexpected_message" alert." A plain-text answer (HTTP, SSH or SMTP banner) to a
 * ClientHello means the port does not speak TLS, or needs STARTTLS first (RFC 3207 §4).
 */
export const notTls: Rule = {
  meta: {
    code: 'not_tls',
    title: 'The port does not speak TLS',
    citation: 'RFC 8446 §5 (Record Protocol); RFC 3207 §4 (STARTTLS)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const e = primaryHandshakeError(ctx, ['not_tls']);
    if (!e.ok) return e.outcome;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    return fail({
      code: 'not_tls',
      severity: 'critical',
      certIndex: -1,
      summary: `${where} answered the TLS ClientHello with something that is not TLS (${e.value.error}); expected a TLS ServerHello.`,
      params: { ...transportParams(ctx, e.value), protocol: ctx.report.target.protocol },
      causes: [
        'the port serves plain HTTP (e.g. nginx `listen 443;` without `ssl`)',
        'the service needs STARTTLS first (SMTP 25/587, IMAP 143, POP3 110): check it as smtp://, imap://, pop3://',
        'the wrong port: another service (SSH, a database) listens there',
        'a load balancer terminates TLS elsewhere and forwards plain text to this port',
      ],
    });
  },
};
