import { type Cmd, sClient } from '../shell.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { reloadCommand } from './deploy.js';

/**
 * Mutual TLS (client_cert_required). When the requirement is intended the fix is on the client (see
 * client-cert.ts); on the server it is to list the right CA, or to relax the requirement where it was not
 * meant (RFC 8446 §4.3.2: the request and its certificate_authorities are the server's configuration).
 */

const title = (required: boolean | null) =>
  required === false ? 'Check the optional client-certificate setting' : 'Check who may connect without a certificate';

const clientCert: ServerRecipe<'client_cert_required'> = ({ p, t }) => {
  const required = p.bool('required');
  const cas = p.str('caNames');
  const intro = `The server ${required === false ? 'asks for' : 'requires'} a client certificate${cas ? ` from \`${cas}\`` : ''}. If that is intended, give clients a certificate from that CA (client fixes below); if not, relax it here.`;
  const spec = (steps: string[], command?: string | Cmd): FixSpec => ({
    title: title(required),
    steps: [intro, ...steps],
    ...(command ? { command } : {}),
  });
  return {
    generic: spec(
      [
        'Test with a client certificate: the command below must complete (`Verify return code: 0`) and the server must answer.',
        "The CAs listed in the CertificateRequest come from the server's client-CA file: the client's issuing CA must be in it.",
      ],
      sClient(t, '-cert client.crt -key client.key -brief'),
    ),
    nginx: spec(
      [
        '`ssl_verify_client on;` requires a certificate, `optional` asks for one, `off` (default) does not; `ssl_client_certificate /etc/nginx/client-ca.pem;` is the CA list sent to clients and used to verify them (`ssl_trusted_certificate` verifies without listing).',
      ],
      reloadCommand('nginx', t),
    ),
    apache: spec(
      [
        `\`SSLVerifyClient require\` (or \`optional\`, \`none\`) with \`SSLCACertificateFile /etc/apache2/client-ca.pem\` in the \`<VirtualHost *:${t.port}>\`; a \`<Location>\` with its own \`SSLVerifyClient\` triggers a renegotiation or TLS 1.3 post-handshake auth.`,
      ],
      reloadCommand('apache', t),
    ),
    kubernetes: spec([
      'ingress-nginx annotations on the Ingress: `nginx.ingress.kubernetes.io/auth-tls-verify-client: "on"` (or `optional`, `off`), `nginx.ingress.kubernetes.io/auth-tls-secret: <namespace>/<secret with ca.crt>`, `nginx.ingress.kubernetes.io/auth-tls-verify-depth: "2"`.',
      'Istio: a `PeerAuthentication` with `mtls.mode: STRICT` or a Gateway with `tls.mode: MUTUAL` requires client certificates; use `PERMISSIVE` / `SIMPLE` where plain TLS clients must connect.',
    ]),
    haproxy: spec(
      [
        'On the `bind` line: `ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/client-ca.pem verify required` (or `verify optional`, `verify none`).',
      ],
      reloadCommand('haproxy', t),
    ),
    envoy: spec([
      'In the `DownstreamTlsContext`: `require_client_certificate: true` and `common_tls_context.validation_context.trusted_ca` (the CA list); set it to false to make it optional.',
    ]),
    traefik: spec([
      'TLS options: `clientAuth.clientAuthType: RequireAndVerifyClientCert` (or `VerifyClientCertIfGiven`, `NoClientCert`) with `clientAuth.caFiles`.',
    ]),
    caddy: spec([
      "In the site's `tls` block: `client_auth { mode require_and_verify; trust_pool file /etc/caddy/client-ca.pem }` (`mode request` makes it optional).",
    ]),
    iis: spec([
      "IIS Manager → the site → SSL Settings → Client certificates: Require, Accept (optional) or Ignore; the accepted CAs are the machine's Trusted Root store unless `netsh http add sslcert … sslctlstorename=` names a CTL.",
    ]),
  };
};

export const mtlsRecipes = {
  client_cert_required: clientCert,
} satisfies Partial<ServerRecipes>;
