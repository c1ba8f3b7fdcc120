import type { Target } from '../../probe/types.js';
import { type Cmd, certName, csrCommand, leafSummary, sh } from '../shell.js';
import { STACK_KEYS, type StackKey } from '../stacks.js';
import type { FixSpec } from '../types.js';

/**
 * How each stack installs a certificate (always leaf + intermediates: RFC 8446 §4.4.2, RFC 5246 §7.4.2) and
 * how it gets a new one. Shared by every finding whose fix is "reissue, then deploy".
 */

interface Deploy {
  steps: string[];
  command?: string | Cmd;
}

export function deploy(stack: StackKey, t: Target): Deploy {
  const name = certName(t);
  const port = t.port;
  const table: Record<StackKey, Deploy> = {
    nginx: {
      steps: [
        `In the \`server { listen ${port} ssl; server_name ${name}; }\` block set \`ssl_certificate\` to the full chain (leaf first, then intermediates: certbot's \`fullchain.pem\`, not \`cert.pem\`) and \`ssl_certificate_key\` to its key.`,
        'Test the configuration and reload nginx.',
      ],
      command: 'nginx -t && systemctl reload nginx',
    },
    apache: {
      steps: [
        `In the \`<VirtualHost *:${port}>\` for ${name} set \`SSLCertificateFile\` to the full chain (httpd ≥ 2.4.8; older: intermediates in \`SSLCertificateChainFile\`) and \`SSLCertificateKeyFile\` to the key.`,
        'Test the configuration and reload (the unit is `httpd` on RHEL).',
      ],
      command: 'apachectl configtest && systemctl reload apache2',
    },
    haproxy: {
      steps: [
        `Rebuild the PEM named by \`crt\` on the \`bind :${port} ssl\` line as leaf, intermediates, then key: \`${sh`cat ${`${name}.crt`} intermediate.crt ${`${name}.key`} > ${`/etc/haproxy/certs/${name}.pem`}`}\`.`,
        'Check the configuration and reload HAProxy.',
      ],
      command: 'haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl reload haproxy',
    },
    caddy: {
      steps: [
        'Automatic HTTPS installs what it obtains; with a manual `tls cert.pem key.pem` directive, `cert.pem` must hold the full chain.',
        'Validate the Caddyfile and reload Caddy.',
      ],
      command: 'caddy validate --config /etc/caddy/Caddyfile && systemctl reload caddy',
    },
    iis: {
      steps: [
        'Import the PFX (with its chain) into Local Computer → Personal (`certlm.msc`, or the command below).',
        `IIS Manager → the site → Bindings… → https → select the new certificate for ${name}. Kestrel: point \`Kestrel:Endpoints:Https:Certificate\` at the new PFX/PEM (with chain) and restart the app.`,
      ],
      command:
        'Import-PfxCertificate -FilePath C:\\certs\\site.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)',
    },
    kubernetes: {
      steps: [
        'Put the full chain (leaf first) in `tls.crt` and the key in `tls.key` of the secret named by the Ingress `spec.tls[].secretName`; cert-manager writes it for you.',
        'The ingress controller reloads on its own once the secret changes.',
      ],
      command:
        "kubectl -n '<namespace>' create secret tls '<secret>' --cert=fullchain.pem --key=privkey.pem --dry-run=client -o yaml | kubectl apply -f -",
    },
    envoy: {
      steps: [
        "Istio: update the secret named by the Gateway's `credentialName` (in the gateway's namespace) with the full chain in `tls.crt`. Plain Envoy: `tls_certificates[].certificate_chain` must name the full-chain file.",
        'Confirm which certificate the gateway loaded.',
      ],
      command: 'istioctl proxy-config secret deploy/istio-ingressgateway -n istio-system',
    },
    traefik: {
      steps: [
        'File provider: `tls.certificates[].certFile` must be the full chain. With an ACME `certResolver` Traefik installs and renews it; watch its log for `acme` errors.',
      ],
    },
    awselb: {
      steps: [
        'Re-import into ACM under the same ARN (the listener keeps it): leaf in `--certificate`, intermediates in `--certificate-chain`. ACM-issued certificates renew and deploy themselves.',
      ],
      command:
        "aws acm import-certificate --certificate-arn '<arn>' --certificate fileb://cert.pem --certificate-chain fileb://chain.pem --private-key fileb://privkey.pem",
    },
    cloudflare: {
      steps: [
        `Visitors see Cloudflare's edge certificate (SSL/TLS → Edge Certificates), not your origin's: check it is Active and covers ${name}. Re-upload a custom certificate with bundle method "Compatible".`,
        'The Cloudflare Origin CA certificate only secures Cloudflare → origin; browsers never trust it directly.',
      ],
    },
    generic: {
      steps: ['Confirm what the server sends now (subject, issuer, dates, SANs).'],
      command: leafSummary(t),
    },
  };
  return table[stack];
}

/** The stack's "apply the change" command (test + reload), when it has one. */
export function reloadCommand(stack: StackKey, t: Target): string | Cmd | undefined {
  return deploy(stack, t).command;
}

/** How each stack obtains a new certificate with the property `need` ("whose SAN includes …"). */
function obtain(stack: StackKey, t: Target, need: string): string {
  const name = certName(t);
  switch (stack) {
    case 'kubernetes':
    case 'envoy':
      return `Edit the cert-manager \`Certificate\` (\`spec.dnsNames\`, \`spec.privateKey\`, \`spec.issuerRef\`) to get a certificate ${need}, then reissue: \`cmctl renew '<certificate>' -n '<namespace>'\` and watch \`kubectl describe certificate '<certificate>' -n '<namespace>'\`.`;
    case 'caddy':
      return `Caddy's automatic HTTPS gets a certificate ${need} once \`${name}\` is a site address in the Caddyfile; for a manual \`tls\` certificate, get one from your CA.`;
    case 'traefik':
      return `With an ACME \`certResolver\`, make the router's \`Host(\`${name}\`)\` rule or \`tls.domains\` cover the name; otherwise get a certificate ${need} from your CA.`;
    case 'iis':
      return `Request a certificate ${need}: IIS Manager → Server Certificates → Create Certificate Request, or win-acme (\`wacs.exe\`) for ACME.`;
    case 'awselb':
      return `Request an ACM certificate ${need} (\`${sh`aws acm request-certificate --domain-name ${name} --validation-method DNS`}\`) and attach it: \`aws elbv2 modify-listener --listener-arn '<arn>' --certificates CertificateArn='<new-arn>'\`.`;
    case 'cloudflare':
      return `Order an Advanced certificate or upload a custom one ${need} (SSL/TLS → Edge Certificates).`;
    default:
      return `Get a certificate ${need}: \`${sh`certbot certonly -d ${name}`}\` (or \`${sh`acme.sh --issue -d ${name}`}\`); for another CA submit a CSR made with \`${csrCommand(t)}\`.`;
  }
}

export interface ReissueOptions {
  /** what the new certificate must be, completing "a certificate …" */
  need: string;
  /** copyable command for the generic fix (defaults to a CSR for the target) */
  command?: string | Cmd;
  /** extra steps before deploying, e.g. "revoke the old one" */
  extra?: string[];
}

/** "Reissue with X, then deploy" for every stack. */
export function reissue(t: Target, title: string, opts: ReissueOptions): Partial<Record<StackKey, FixSpec>> {
  const out: Partial<Record<StackKey, FixSpec>> = {};
  for (const stack of STACK_KEYS) {
    if (stack === 'generic') continue;
    const d = deploy(stack, t);
    out[stack] = { title, steps: [obtain(stack, t, opts.need), ...(opts.extra ?? []), ...d.steps], command: d.command };
  }
  const check = deploy('generic', t);
  out.generic = {
    title,
    steps: [
      obtain('generic', t, opts.need),
      ...(opts.extra ?? []),
      'Install it on the server and reload it.',
      ...check.steps,
    ],
    command: opts.command ?? csrCommand(t),
  };
  return out;
}
