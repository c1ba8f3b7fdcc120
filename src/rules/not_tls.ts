import type { TargetProtocol } from '../probe/types.js';
import { fail } from './lib/inputs.js';
import { endpointLabel, primaryHandshakeError, transportParams } from './lib/transport.js';
import type { Rule } from './types.js';

/** Protocols the probe upgrades in band before TLS (RFC 3207, 3501 §6.2.1, 2595 §4, 4217, 6120 §5, 4511 §4.14). */
const STARTTLS_COMMAND: Partial<Record<TargetProtocol, string>> = {
  smtp: 'STARTTLS',
  submission: 'STARTTLS',
  imap: 'STARTTLS',
  pop3: 'STLS',
  ftp: 'AUTH TLS',
  postgres: 'SSLRequest',
  mysql: 'SSLRequest (CLIENT_SSL)',
  xmpp: '<starttls/>',
  ldap: 'the StartTLS extended operation',
};

const TLS_CAUSES = [
  'the port serves plain HTTP (e.g. nginx `listen 443;` without `ssl`)',
  'the service needs STARTTLS first (SMTP 25/587, IMAP 143, POP3 110): check it as smtp://, imap://, pop3://',
  'the wrong port: another service (SSH, a database) listens there',
  'a load balancer terminates TLS elsewhere and forwards plain text to this port',
];

const STARTTLS_CAUSES = [
  'TLS is not enabled in the server, or it has no certificate configured, so it does not offer the upgrade',
  'a firewall or middlebox strips STARTTLS from the capabilities (e.g. Cisco ASA `inspect esmtp`)',
  'the port expects implicit TLS instead (465, 993, 995, 636, 990): check it as tls://host:port',
  'the wrong port: another service listens there',
];

/**
 * RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate the
 * connection with an "unexpected_message" alert." A plain-text answer (HTTP, SSH or SMTP banner) to a
 * ClientHello means the port does not speak TLS, or needs STARTTLS first (RFC 3207 §4). On a STARTTLS
 * target the same code means the server did not offer or refused the in-band upgrade.
 */
export const notTls: Rule = {
  scope: 'endpoint',
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
    const { protocol } = ctx.report.target;
    const where = endpointLabel(ctx, e.value.endpoint.address);
    const command = STARTTLS_COMMAND[protocol];
    const summary = command
      ? `${where} did not upgrade to TLS (${e.value.error}); expected the ${protocol} server to accept ${command} and then a TLS ClientHello.`
      : `${where} answered the TLS ClientHello with something that is not TLS (${e.value.error}); expected a TLS ServerHello.`;
    return fail({
      code: 'not_tls',
      severity: 'critical',
      certIndex: -1,
      summary,
      params: { ...transportParams(ctx, e.value), protocol },
      causes: command ? STARTTLS_CAUSES : TLS_CAUSES,
    });
  },
};
