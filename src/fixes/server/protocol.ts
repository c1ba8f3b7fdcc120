import type { Target } from '../../probe/types.js';
import { certName, hostPort, perAddressFingerprints, sClient, sh } from '../shell.js';
import type { StackKey } from '../stacks.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { reloadCommand } from './deploy.js';

/**
 * Protocol and deployment fixes. TLS 1.0 and 1.1 are deprecated (RFC 8996); servers should offer TLS 1.2
 * and 1.3 only. Clients without SNI (RFC 6066 §3) get the server's default certificate.
 */

type Table = Partial<Record<StackKey, FixSpec>>;

function modernProtocols(t: Target, title: string): Table {
  const schannel = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols';
  return {
    generic: {
      title,
      steps: [
        'TLS 1.2 needs OpenSSL ≥ 1.0.1 on the server; appliances that cannot do it need a firmware update or a TLS-terminating proxy in front.',
        'After the change: the command below must succeed, and the same with `-tls1` / `-tls1_1` must fail.',
      ],
      command: sClient(t, '-tls1_2 -brief'),
    },
    nginx: {
      title,
      steps: [
        'Set `ssl_protocols TLSv1.2 TLSv1.3;` in `http {}` (the default server of each `listen` socket decides for it, so per-server values can be ignored).',
      ],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: ['Set `SSLProtocol -all +TLSv1.2 +TLSv1.3` in `ssl.conf` (or the vhost).'],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: [
        'In `global`: `ssl-default-bind-options ssl-min-ver TLSv1.2` (or `ssl-min-ver TLSv1.2` on the `bind` line).',
      ],
      command: reloadCommand('haproxy', t),
    },
    caddy: {
      title,
      steps: [
        'Caddy already defaults to TLS 1.2+: remove a `protocols tls1.0` from the `tls { }` block, or set `protocols tls1.2 tls1.3`.',
      ],
      command: reloadCommand('caddy', t),
    },
    iis: {
      title,
      steps: [
        'Disable TLS 1.0 and 1.1 for the server side of SCHANNEL: IIS Crypto "Best Practices", or set `Enabled`=0 under `SCHANNEL\\Protocols\\TLS 1.0\\Server` and `TLS 1.1\\Server` (command below for 1.0; repeat for 1.1), keep `TLS 1.2\\Server` `Enabled`=1.',
        'Reboot for SCHANNEL to pick it up.',
      ],
      command: `New-Item '${schannel}\\TLS 1.0\\Server' -Force | New-ItemProperty -Name Enabled -Value 0 -PropertyType DWord -Force`,
    },
    kubernetes: {
      title,
      steps: ['ingress-nginx: set `ssl-protocols: "TLSv1.2 TLSv1.3"` in the controller ConfigMap.'],
      command: `kubectl -n ingress-nginx patch configmap ingress-nginx-controller --type merge -p '{"data":{"ssl-protocols":"TLSv1.2 TLSv1.3"}}'`,
    },
    envoy: {
      title,
      steps: [
        'Istio Gateway: `tls.minProtocolVersion: TLSV1_2`; plain Envoy: `common_tls_context.tls_params.tls_minimum_protocol_version: TLSv1_2`.',
      ],
    },
    traefik: { title, steps: ['Add a `TLSOption` named `default` with `minVersion: VersionTLS12`.'] },
    awselb: {
      title,
      steps: ['Switch the HTTPS listener to a TLS 1.2+ security policy.'],
      command: "aws elbv2 modify-listener --listener-arn '<arn>' --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06",
    },
    cloudflare: { title, steps: ['SSL/TLS → Edge Certificates → Minimum TLS Version: TLS 1.2.'] },
  };
}

const legacyTlsOnly: ServerRecipe<'legacy_tls_only'> = ({ p, t }) => {
  const supported = p.str('supported');
  return modernProtocols(t, `Enable TLS 1.2 and 1.3${supported ? ` (now only ${supported})` : ''}`);
};

const legacyTlsEnabled: ServerRecipe<'legacy_tls_enabled'> = ({ p, t }) => {
  const legacy = p.str('legacy');
  return modernProtocols(t, `Disable ${legacy ?? 'TLS 1.0 and 1.1'}`);
};

const sniRequired: ServerRecipe<'sni_required'> = ({ t }) => {
  const name = certName(t);
  const title = 'Serve a default certificate to clients without SNI';
  return {
    generic: {
      title,
      steps: [
        'Pick the certificate clients without SNI (old Java/Python/Android, load-balancer health checks) should get and make it the default.',
        'Reproduce: the command below sends no SNI (OpenSSL ≥ 1.1.1).',
      ],
      command: sh`openssl s_client -connect ${hostPort(t)} -noservername </dev/null`,
    },
    nginx: {
      title,
      steps: [
        `Give the \`listen ${t.port} ssl default_server;\` block the certificate for ${name}; remove \`ssl_reject_handshake on;\` there if clients without SNI must connect.`,
      ],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [
        `The first \`<VirtualHost *:${t.port}>\` is the default: give it a valid certificate; \`SSLStrictSNIVHostCheck off\`.`,
      ],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: [
        'The first `crt` on the `bind` line is the default; drop `strict-sni` if clients without SNI must connect.',
      ],
      command: reloadCommand('haproxy', t),
    },
    caddy: { title, steps: [`Add the global option \`default_sni ${name}\`.`], command: reloadCommand('caddy', t) },
    iis: {
      title,
      steps: [
        `Keep one https binding on port ${t.port} without a Host name and without "Require Server Name Indication".`,
      ],
    },
    kubernetes: {
      title,
      steps: ['ingress-nginx: start the controller with `--default-ssl-certificate=<namespace>/<secret>`.'],
    },
    envoy: { title, steps: ['Add a filter chain without `server_names` (the default) carrying a valid certificate.'] },
    traefik: { title, steps: ['Set `defaultCertificate` in the `TLSStore` named `default`.'] },
  };
};

const backendsInconsistent: ServerRecipe<'backends_inconsistent'> = ({ p, t }) => {
  const addresses = p.str('addresses');
  const title = 'Serve the same certificate on every backend';
  const each = (stack: StackKey): FixSpec => ({
    title,
    steps: [
      `Install the current certificate on every backend${addresses ? ` (${addresses})` : ''} and reload each one — a reload missed after renewal is the usual cause.`,
    ],
    command: reloadCommand(stack, t),
  });
  return {
    generic: {
      title,
      steps: [
        'Compare what each address serves (command below); the odd one out has a stale file or missed a reload.',
        'Behind a CDN or several load balancers, update every listener/region, not only one.',
      ],
      command: perAddressFingerprints(t),
    },
    nginx: each('nginx'),
    apache: each('apache'),
    haproxy: each('haproxy'),
    kubernetes: {
      title,
      steps: [
        `Check every controller replica runs and no second Ingress or controller claims the host: \`${sh`kubectl get ingress -A | grep -F ${certName(t)}`}\`.`,
        'Restart stale controller pods so they re-read the secret.',
      ],
      command: 'kubectl -n ingress-nginx rollout restart deployment ingress-nginx-controller',
    },
    cloudflare: {
      title,
      steps: [
        'DNS-only (grey-cloud) records expose each origin directly: give every origin the same certificate, or proxy the record.',
      ],
    },
  };
};

export const protocolRecipes = {
  legacy_tls_only: legacyTlsOnly,
  legacy_tls_enabled: legacyTlsEnabled,
  sni_required: sniRequired,
  backends_inconsistent: backendsInconsistent,
} satisfies Partial<ServerRecipes>;
