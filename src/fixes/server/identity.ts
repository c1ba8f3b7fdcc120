import type { Target } from '../../probe/types.js';
import { certName, csrCommand, internalCaSign, invalidSanNames, leafSummary, ps } from '../shell.js';
import type { StackKey } from '../stacks.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { reissue } from './deploy.js';

/**
 * Name fixes. Clients match the name only against subjectAltName (RFC 6125 §6.4.4, CA/B BR §7.1.2.7.12);
 * a wildcard covers exactly one left-most label (RFC 6125 §6.4.3).
 */

/** Why a wildcard in `sans` does not cover `host`, when that is the trap. */
function wildcardHint(host: string, sans: string[]): string | null {
  const wild = sans.find((s) => s.startsWith('*.') && (host === s.slice(2) || host.endsWith(`.${s.slice(1)}`)));
  if (!wild) return null;
  return `\`${wild}\` covers exactly one label: \`x.${wild.slice(2)}\`, not \`${host}\`; add \`${host}\` explicitly.`;
}

/** Where each stack maps a server name to a certificate: a missing mapping serves the default certificate. */
function vhostStep(stack: StackKey, host: string, t: Target): string | null {
  const port = t.port;
  const binding = ps`New-WebBinding -Name '<site>' -Protocol https -Port ${port} -HostHeader ${host} -SslFlags 1`;
  const steps: Partial<Record<StackKey, string>> = {
    nginx: `Make sure a \`server\` block has \`listen ${port} ssl;\` and \`server_name ${host};\` — otherwise nginx serves the \`default_server\` certificate.`,
    apache: `Add \`ServerName ${host}\` or \`ServerAlias ${host}\` to the right \`<VirtualHost *:${port}>\` — otherwise Apache serves the first vhost's certificate.`,
    haproxy: `HAProxy picks the \`crt\` whose SAN matches the SNI name (a directory or \`crt-list\`): add a certificate for \`${host}\` there.`,
    kubernetes: `List \`${host}\` in the Ingress \`spec.tls[].hosts\` with a \`secretName\` holding its certificate — otherwise ingress-nginx serves its default "Kubernetes Ingress Controller Fake Certificate".`,
    iis: `Add an https binding on port ${port} with Host name \`${host}\` and "Require Server Name Indication" ticked (PowerShell: \`${binding}\`), bound to a certificate covering it.`,
    cloudflare: `Universal SSL covers the apex and one level (\`*.example.com\`); deeper names need an Advanced certificate, and the DNS record must be proxied.`,
    awselb: `Attach a certificate covering \`${host}\` to the listener (ALB picks by SNI): \`aws elbv2 add-listener-certificates --listener-arn '<arn>' --certificates CertificateArn='<arn>'\`.`,
    envoy: `The Gateway's \`servers[].hosts\` must include \`${host}\` with a \`credentialName\` secret covering it.`,
    traefik: `The router for \`${host}\` needs \`tls\` set and a certificate (or \`certResolver\`) covering it.`,
  };
  return steps[stack] ?? null;
}

const hostnameMismatch: ServerRecipe<'hostname_mismatch'> = ({ p, t }) => {
  const host = p.str('host') ?? certName(t);
  const sans = p.list('names').slice(0, 20);
  const invalid = invalidSanNames(sans);
  const title = `Serve a certificate that covers ${host}`;
  const out = reissue(t, title, {
    need: `whose SAN includes \`${host}\``,
    command: csrCommand(t, { extraNames: sans }),
  });
  for (const [stack, fix] of Object.entries(out) as [StackKey, FixSpec][]) {
    const vhost = vhostStep(stack, host, t);
    if (vhost) fix.steps.unshift(vhost);
  }
  const observed = sans.length
    ? `The certificate covers ${sans.map((s) => `\`${s}\``).join(', ')} — not \`${host}\`.`
    : null;
  out.generic = {
    title,
    steps: [
      ...(observed ? [observed] : []),
      ...(sans.length ? [wildcardHint(host, sans)].filter((s): s is string => s !== null) : []),
      `Check which certificate the server picks for this name: \`${leafSummary(t)}\`. Another site's certificate means no vhost/SNI mapping for \`${host}\`: the default one is served.`,
      `Otherwise reissue with \`${host}\` added to the SAN, keeping the existing names (command below), install it and reload.`,
      ...(invalid.length
        ? [`The CSR leaves out ${invalid.length} name(s) of the current certificate that are not valid host names.`]
        : []),
    ],
    command: csrCommand(t, { extraNames: sans }),
  };
  return out;
};

const noSan: ServerRecipe<'no_san'> = ({ t }) => {
  const out = reissue(t, 'Reissue with a subjectAltName', {
    need: `with a subjectAltName entry for \`${certName(t)}\` (the Common Name alone is ignored)`,
  });
  out.generic = {
    title: 'Reissue with a subjectAltName',
    steps: [
      'Certificates made with `openssl req -x509` without `-addext "subjectAltName=…"` have none; public CAs always add one.',
      `Internal CA: sign a new CSR (\`${csrCommand(t)}\`) with the SAN and TLS extensions (command below), install it and reload.`,
    ],
    command: internalCaSign(t),
  };
  return out;
};

export const identityRecipes = {
  hostname_mismatch: hostnameMismatch,
  no_san: noSan,
} satisfies Partial<ServerRecipes>;
