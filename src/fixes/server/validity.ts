import type { Target } from '../../probe/types.js';
import { asCmd, certName, chainSummary, internalCaSign, opensslVerify, sh } from '../shell.js';
import type { StackKey } from '../stacks.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { deploy, reissue, reloadCommand } from './deploy.js';

/** Renewal and validity-window fixes. Renewing is per stack; the usual root cause is broken automation. */

function certbotRenew(t: Target, stack: StackKey): FixSpec {
  const name = certName(t);
  const reload = reloadCommand(stack, t);
  const steps = [
    `Renew now: \`${sh`certbot renew --cert-name ${name} --force-renewal`}\` (acme.sh: \`${sh`acme.sh --renew -d ${name} --force`}\`); another CA: reissue from a new CSR.`,
    'Find why automatic renewal stopped: `systemctl list-timers | grep -i certbot`, `journalctl -u certbot`, `/var/log/letsencrypt/letsencrypt.log` (usually a failing HTTP-01 challenge on port 80 or a moved DNS record).',
  ];
  if (stack === 'haproxy')
    steps.push(
      `Rebuild the combined PEM: \`${sh`cat ${`/etc/letsencrypt/live/${name}/fullchain.pem`} ${`/etc/letsencrypt/live/${name}/privkey.pem`} > ${`/etc/haproxy/certs/${name}.pem`}`}\`.`,
    );
  if (stack !== 'generic')
    steps.push(
      `Make every renewal reload it: a script running \`${reload}\` in \`/etc/letsencrypt/renewal-hooks/deploy/\`.`,
    );
  else steps.push('Reload the server: a renewed file on disk is not served until then.');
  const command =
    reload && stack !== 'generic'
      ? sh`certbot renew --cert-name ${name} --force-renewal && ${asCmd(reload)}`
      : sh`certbot renew --cert-name ${name} --force-renewal`;
  return { title: 'Renew the certificate', steps, command };
}

function renewal(t: Target): Partial<Record<StackKey, FixSpec>> {
  const title = 'Renew the certificate';
  const certManager = [
    "Read the Ready condition and events: `kubectl describe certificate '<certificate>' -n '<namespace>'`.",
    "Follow the failing step: `kubectl get certificaterequest,order,challenge -n '<namespace>'`, then `kubectl describe challenge '<challenge>' -n '<namespace>'` (HTTP-01 needs the ingress reachable; DNS-01 needs working provider credentials).",
    'Force reissuance once the cause is fixed (command below).',
  ];
  return {
    generic: certbotRenew(t, 'generic'),
    nginx: certbotRenew(t, 'nginx'),
    apache: certbotRenew(t, 'apache'),
    haproxy: certbotRenew(t, 'haproxy'),
    kubernetes: { title, steps: certManager, command: "cmctl renew '<certificate>' -n '<namespace>'" },
    envoy: {
      title,
      steps: [...certManager, `Confirm the gateway reloaded it: \`${deploy('envoy', t).command}\`.`],
      command: "cmctl renew '<certificate>' -n '<namespace>'",
    },
    caddy: {
      title,
      steps: [
        'Read why renewal failed: `journalctl -u caddy | grep -iE "obtain|renew|error"` (the ACME challenge needs ports 80/443 reachable and DNS pointing here).',
        'Fix that, then reload Caddy to retry.',
      ],
      command: 'systemctl reload caddy',
    },
    traefik: {
      title,
      steps: [
        'Read why renewal failed: `acme` errors in the Traefik log; `acme.json` must be writable (mode 600) and the challenge entrypoint reachable.',
        'Restart Traefik to retry once fixed.',
      ],
    },
    iis: {
      title,
      steps: [
        'Renew: win-acme `wacs.exe --renew --force`, or import a new PFX from your CA and rebind it (IIS Manager → the site → Bindings…).',
        'Check the win-acme scheduled task (Task Scheduler → win-acme renew) ran and succeeded.',
      ],
      command: 'wacs.exe --renew --force',
    },
    awselb: {
      title,
      steps: [
        'ACM-issued: renewal needs the DNS validation CNAME still in place; read `RenewalSummary` (command below).',
        'Imported: ACM never renews it; re-import a renewed certificate under the same ARN.',
      ],
      command: "aws acm describe-certificate --certificate-arn '<arn>' --query Certificate.RenewalSummary",
    },
    cloudflare: {
      title,
      steps: [
        'Universal and Advanced edge certificates renew themselves (SSL/TLS → Edge Certificates shows their status); replace a custom uploaded certificate before it expires.',
      ],
    },
  };
}

function retitled(fixes: Partial<Record<StackKey, FixSpec>>, title: string): Partial<Record<StackKey, FixSpec>> {
  const out: Partial<Record<StackKey, FixSpec>> = {};
  for (const [stack, fix] of Object.entries(fixes) as [StackKey, FixSpec][]) out[stack] = { ...fix, title };
  return out;
}

const certExpired: ServerRecipe<'cert_expired'> = ({ p, t }) => {
  const notAfter = p.str('notAfter');
  return retitled(
    renewal(t),
    notAfter ? `Renew the certificate (expired ${notAfter})` : 'Renew the expired certificate',
  );
};

const certExpiringSoon: ServerRecipe<'cert_expiring_soon'> = ({ p, t }) => {
  const days = p.num('daysLeft');
  const notAfter = p.str('notAfter');
  const when = notAfter ? ` before ${notAfter}` : '';
  return retitled(renewal(t), `Renew${when}${days !== null ? ` (${days} days left)` : ''}`);
};

const certNotYetValid: ServerRecipe<'cert_not_yet_valid'> = ({ p }) => {
  const notBefore = p.str('notBefore');
  return {
    generic: {
      title: 'Serve a certificate that is already valid',
      steps: [
        `The certificate starts ${notBefore ? `at ${notBefore}` : 'in the future'}: serve the previous certificate until then, or reissue from a CA whose clock is right.`,
        'Check the server clock (`timedatectl status`; enable NTP with `timedatectl set-ntp true`) and the clock of the machine running this check.',
      ],
      command: 'timedatectl status',
    },
  };
};

const chainCertExpired: ServerRecipe<'chain_cert_expired'> = ({ p, t, caFile }) => {
  const subject = p.str('subject');
  const expired = subject
    ? `\`${subject}\`${p.str('notAfter') ? ` (expired ${p.str('notAfter')})` : ''}`
    : 'the expired certificate';
  const replace = `Replace ${expired} with the CA's current intermediate; drop an expired cross-sign altogether.`;
  const steps = [
    `Find it in what the server sends: \`${chainSummary(t)}\`.`,
    replace,
    `Verify the new chain: \`${opensslVerify(caFile)}\`.`,
  ];
  const fileBased = (stack: StackKey): FixSpec => ({
    title: 'Replace the expired chain certificate',
    steps: [...steps, ...deploy(stack, t).steps],
    command: reloadCommand(stack, t),
  });
  return {
    generic: {
      title: 'Replace the expired chain certificate',
      steps: [...steps, "certbot: choose the current chain with `--preferred-chain 'ISRG Root X1'`."],
      command: chainSummary(t),
    },
    nginx: fileBased('nginx'),
    apache: fileBased('apache'),
    haproxy: fileBased('haproxy'),
    awselb: fileBased('awselb'),
    iis: {
      title: 'Remove the expired intermediate from the Windows store',
      steps: [
        `Delete ${expired} from Local Computer → Intermediate Certification Authorities (\`certlm.msc\`).`,
        'Install the current intermediate (command below) and re-select the certificate in the site binding.',
      ],
      command: 'certutil -addstore CA intermediate.crt',
    },
    kubernetes: {
      title: 'Issue with the current chain',
      steps: [
        'ACME issuers: set `spec.acme.preferredChain` on the Issuer/ClusterIssuer to the current root name, then reissue.',
        'Hand-made secrets: rebuild `tls.crt` as leaf + current intermediates.',
      ],
      command: "cmctl renew '<certificate>' -n '<namespace>'",
    },
  };
};

const validityTooLong: ServerRecipe<'validity_too_long'> = ({ p, t }) => {
  const days = p.num('validityDays');
  return reissue(t, `Reissue with at most 397 days of validity${days !== null ? ` (now ${days})` : ''}`, {
    need: 'valid for at most 397 days (CA/B Forum BR §6.3.2; Apple and Chrome reject longer publicly trusted certificates, Apple 825 days even for private roots)',
    command: internalCaSign(t),
  });
};

export const validityRecipes = {
  cert_expired: certExpired,
  cert_not_yet_valid: certNotYetValid,
  cert_expiring_soon: certExpiringSoon,
  chain_cert_expired: chainCertExpired,
  validity_too_long: validityTooLong,
} satisfies Partial<ServerRecipes>;
