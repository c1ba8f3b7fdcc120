import { httpsUrl, sh } from '../shell.js';
import type { StackKey } from '../stacks.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { reloadCommand } from './deploy.js';

/** HTTP-level and time fixes: HSTS (RFC 6797) and server clock drift. */

const HSTS = 'max-age=63072000; includeSubDomains';

const hstsMissing: ServerRecipe<'hsts_missing'> = ({ t }) => {
  const title = 'Send Strict-Transport-Security';
  const with_ = (stack: StackKey, steps: string[], command = reloadCommand(stack, t)): FixSpec => ({
    title,
    steps,
    command,
  });
  return {
    generic: {
      title,
      steps: [
        `Send \`Strict-Transport-Security: ${HSTS}\` on every HTTPS response. Start with a short \`max-age=300\` and raise it; add \`includeSubDomains\` only if every subdomain serves HTTPS; \`preload\` is hard to undo.`,
        'Check the header (command below).',
      ],
      command: sh`curl -sI ${httpsUrl(t)} | grep -i strict-transport-security`,
    },
    nginx: with_('nginx', [
      `In the \`server\` block: \`add_header Strict-Transport-Security "${HSTS}" always;\` (a \`location\` with its own \`add_header\` drops it: repeat it there).`,
    ]),
    apache: with_('apache', [
      `\`a2enmod headers\`, then in the \`<VirtualHost *:${t.port}>\`: \`Header always set Strict-Transport-Security "${HSTS}"\`.`,
    ]),
    haproxy: with_('haproxy', [
      `In the HTTPS frontend: \`http-response set-header Strict-Transport-Security "${HSTS}"\`.`,
    ]),
    caddy: with_('caddy', [`In the site block: \`header Strict-Transport-Security "${HSTS}"\`.`]),
    // No command: deploy('iis') imports a certificate, which has nothing to do with a header.
    iis: {
      title,
      steps: [
        'IIS 10 (1709+): the site → HSTS…, or `<hsts enabled="true" max-age="63072000" includeSubDomains="true" redirectHttpToHttps="true" />` in the `<site>` of applicationHost.config; ASP.NET Core: `app.UseHsts()`.',
      ],
    },
    kubernetes: with_(
      'kubernetes',
      [
        'ingress-nginx sends HSTS unless the ConfigMap sets `hsts: "false"`: set it back, and make sure traffic is not reaching the app around the ingress.',
      ],
      `kubectl -n ingress-nginx patch configmap ingress-nginx-controller --type merge -p '{"data":{"hsts":"true","hsts-include-subdomains":"true"}}'`,
    ),
    envoy: with_('envoy', [
      `Add \`response_headers_to_add\` with \`Strict-Transport-Security: ${HSTS}\` to the route configuration.`,
    ]),
    traefik: with_('traefik', [
      'Attach a `headers` middleware with `stsSeconds: 63072000` and `stsIncludeSubdomains: true` to the router.',
    ]),
    awselb: with_(
      'awselb',
      ['Set the HTTPS listener attribute `routing.http.response.strict_transport_security.header_value`.'],
      `aws elbv2 modify-listener-attributes --listener-arn '<arn>' --attributes 'Key=routing.http.response.strict_transport_security.header_value,Value="${HSTS}"'`,
    ),
    cloudflare: with_('cloudflare', ['SSL/TLS → Edge Certificates → HTTP Strict Transport Security (HSTS): enable.']),
  };
};

const clockSkew: ServerRecipe<'clock_skew'> = ({ p }) => {
  const skew = p.num('skewSeconds');
  const title = 'Synchronise the server clock';
  const observed = skew !== null ? `The server clock is off by ${skew} s. ` : '';
  return {
    generic: {
      title,
      steps: [
        `${observed}Enable NTP and check it converged (command below); \`chronyc makestep\` steps a large offset at once.`,
        "If every server looks skewed, the bot's own clock is wrong: check the machine running cert-doctor.",
      ],
      command: 'timedatectl set-ntp true && chronyc tracking',
    },
    iis: {
      title,
      steps: ['Resync Windows Time and check the source (`w32tm /query /status`).'],
      command: 'w32tm /resync /force',
    },
    kubernetes: {
      title,
      steps: ['Containers use the node clock: find the node (`kubectl get pod -o wide`) and fix NTP there.'],
    },
  };
};

export const httpRecipes = {
  hsts_missing: hstsMissing,
  clock_skew: clockSkew,
} satisfies Partial<ServerRecipes>;
