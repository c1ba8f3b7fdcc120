import type { Target } from '../../probe/types.js';
import type { FindingParams } from '../../rules/params.js';
import type { Params } from '../params.js';
import {
  type Cmd,
  certName,
  chainSummary,
  httpUrl,
  internalCaSign,
  opensslVerify,
  ps,
  type Shell,
  sh,
  verifyAgainst,
} from '../shell.js';
import type { StackKey } from '../stacks.js';
import type { FixSpec, ServerRecipe, ServerRecipes } from '../types.js';
import { reissue, reloadCommand } from './deploy.js';

/**
 * Chain fixes. The server must send the leaf first and then every intermediate up to (not including) a root
 * the client already has (RFC 8446 §4.4.2, RFC 5246 §7.4.2). Most stacks read that chain from one file;
 * IIS builds it from the Windows certificate stores instead.
 */

interface ChainHome {
  file: string;
  /** how the edit takes effect, pointing at `command` when there is one */
  apply: string;
  command?: string | Cmd;
}

const testReload = 'Test the configuration and reload (command below).';

function home(stack: StackKey, t: Target): ChainHome | null {
  const reload = reloadCommand(stack, t);
  const homes: Partial<Record<StackKey, ChainHome>> = {
    nginx: { file: 'the `ssl_certificate` file', apply: testReload, command: reload },
    apache: {
      file: 'the `SSLCertificateFile` file (httpd < 2.4.8: `SSLCertificateChainFile`)',
      apply: testReload,
      command: reload,
    },
    haproxy: {
      file: 'the `crt` PEM on the `bind` line (leaf, intermediates, then key)',
      apply: testReload,
      command: reload,
    },
    caddy: {
      file: 'the certificate file of the `tls` directive (automatic HTTPS already gets this right)',
      apply: testReload,
      command: reload,
    },
    kubernetes: {
      file: '`tls.crt` of the TLS secret (cert-manager ACME issuers write the full chain; hand-made secrets often hold only the leaf)',
      apply: 'List what the secret holds (command below); the ingress controller reloads on its own.',
      command:
        "kubectl -n '<namespace>' get secret '<secret>' -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl crl2pkcs7 -nocrl -certfile /dev/stdin | openssl pkcs7 -print_certs -noout",
    },
    envoy: {
      file: "`tls.crt` of the Gateway's `credentialName` secret (plain Envoy: the `certificate_chain` file)",
      apply: 'Confirm which certificate the gateway loaded (command below).',
      command: reload,
    },
    traefik: {
      file: 'the `certFile` under `tls.certificates`',
      apply: 'Traefik reloads file-provider certificates on its own.',
    },
    awselb: {
      file: 'the `--certificate-chain` of the ACM import',
      apply: 'Re-import under the same ARN (command below).',
      command: reload,
    },
  };
  return homes[stack] ?? null;
}

/** The same edit of the chain file, phrased for every file-based stack. */
function editChain(t: Target, title: string, action: string, generic: FixSpec): Partial<Record<StackKey, FixSpec>> {
  const out: Partial<Record<StackKey, FixSpec>> = { generic };
  for (const stack of ['nginx', 'apache', 'haproxy', 'caddy', 'kubernetes', 'envoy', 'traefik', 'awselb'] as const) {
    const h = home(stack, t)!;
    out[stack] = { title, steps: [`Edit ${h.file}: ${action}`, h.apply], command: h.command };
  }
  return out;
}

type IncompleteParams = Params<FindingParams['chain_incomplete']>;

function intermediateName(p: IncompleteParams): string {
  const issuer = p.str('missingIssuer');
  return issuer ? `the intermediate \`${issuer}\`` : 'the missing intermediate';
}

/** RFC 5280 §4.2.2.1: caIssuers points at one DER certificate or a DER "certs-only" CMS (.p7c) bundle. */
function downloadCommand(url: string, out: string): Cmd {
  const pkcs7 = /\.p7[bc]$/i.test(url);
  return pkcs7
    ? sh`curl -s ${httpUrl(url)} | openssl pkcs7 -inform DER -print_certs -out ${out}`
    : sh`curl -s ${httpUrl(url)} | openssl x509 -inform DER -out ${out}`;
}

/** `powershell`: for IIS, where `curl` is Invoke-WebRequest; certutil reads the DER file as it comes. */
function fetchIntermediate(p: IncompleteParams, shell: Shell = 'sh'): string {
  const url = p.str('aiaUrl');
  const download =
    url === null
      ? null
      : shell === 'powershell'
        ? ps`Invoke-WebRequest -Uri ${httpUrl(url)} -OutFile intermediate.crt`
        : downloadCommand(url, 'intermediate.crt');
  if (download)
    return `Download ${intermediateName(p)} from the CA Issuers URL of the certificate it issued: \`${download}\`.`;
  const via = p.bool('aiaCompleted') ? ' (the bot found it through the leaf’s AIA URL, so it is published)' : '';
  return `Download ${intermediateName(p)} from your CA's repository${via}; certbot already ships it in \`fullchain.pem\`.`;
}

const chainIncomplete: ServerRecipe<'chain_incomplete'> = ({ p, t, caFile }) => {
  const title = 'Serve the intermediate certificate';
  const out = editChain(t, title, `append ${intermediateName(p)} after the leaf (leaf first, then intermediates).`, {
    title,
    steps: [
      fetchIntermediate(p),
      'Build the chain file `fullchain.pem`: your certificate `leaf.crt` first, then `intermediate.crt` (no root); the command below also checks it.',
      `The leaf must verify through \`intermediate.crt\` against ${verifyAgainst(caFile)}: \`${opensslVerify(caFile)}\`.`,
      `Install \`fullchain.pem\`, reload, and confirm the server sends both: \`${chainSummary(t)}\`.`,
    ],
    command: sh`cat leaf.crt intermediate.crt > fullchain.pem && ${opensslVerify(caFile)}`,
  });
  out.iis = {
    title,
    steps: [
      fetchIntermediate(p, 'powershell'),
      'Install it into Local Computer → Intermediate Certification Authorities (`certlm.msc`), or run the command below.',
      'Re-select the certificate in IIS Manager → the site → Bindings… so Schannel rebuilds the chain; Kestrel: load a PEM/PFX that includes the intermediate and restart.',
    ],
    command: 'certutil -addstore CA intermediate.crt',
  };
  return out;
};

const publicCa = { need: "from a publicly trusted CA (e.g. Let's Encrypt) for public clients" };

const chainUntrustedRoot: ServerRecipe<'chain_untrusted_root'> = ({ t }) => ({
  ...reissue(t, 'Use a certificate clients trust', publicCa),
  generic: {
    title: 'Find the root, then use a public CA or distribute the private root',
    steps: [
      `Find the root the chain ends at (the last \`i:\` line): \`${chainSummary(t)}\`.`,
      `Public service: replace the certificate with one from a publicly trusted CA (\`${sh`certbot certonly -d ${certName(t)}`}\`); an old cross-signed chain: pick the current one (\`certbot --preferred-chain 'ISRG Root X1'\`).`,
      'Internal service: keep the private CA and install its root on every client (client fixes below); the server cannot fix trust.',
    ],
    command: chainSummary(t),
  },
});

const certSelfSigned: ServerRecipe<'cert_self_signed'> = ({ t }) => ({
  ...reissue(t, 'Replace the self-signed certificate', publicCa),
  generic: {
    title: 'Issue from a CA instead of self-signing',
    steps: [
      `Public service: get a certificate from a publicly trusted CA: \`${sh`certbot certonly -d ${certName(t)}`}\`.`,
      'Internal service: sign a CSR with your internal CA (command below) so clients trust one CA root instead of every server; distribute `ca.pem` to clients.',
    ],
    command: internalCaSign(t),
  },
});

const chainOrder: ServerRecipe<'chain_order'> = ({ t }) =>
  editChain(
    t,
    'Send the chain in order',
    'put the leaf first, then the certificate that issued it, and so on; drop certificates not on the path.',
    {
      title: 'Send the chain in order',
      steps: [
        `List what the server sends; each \`i:\` must equal the next \`s:\`: \`${chainSummary(t)}\`.`,
        'Rebuild the file leaf first: `cat leaf.crt intermediate.crt > fullchain.pem`, install it and reload.',
      ],
      command: chainSummary(t),
    },
  );

const chainIncludesRoot: ServerRecipe<'chain_includes_root'> = ({ p, t }) =>
  editChain(
    t,
    'Stop sending the root',
    `remove the self-signed root${p.str('root') ? ` \`${p.str('root')}\`` : ''} (its \`s:\` equals its \`i:\`); clients use their own copy.`,
    {
      title: 'Stop sending the root',
      steps: [
        `Find the self-signed certificate at the end of the chain: \`${chainSummary(t)}\`.`,
        'Remove it from the chain file (certbot: use `fullchain.pem`, which has no root), install it and reload.',
      ],
      command: chainSummary(t),
    },
  );

const chainSignatureInvalid: ServerRecipe<'chain_signature_invalid'> = ({ p, t, caFile }) =>
  editChain(
    t,
    'Serve the intermediate that really issued the leaf',
    `replace the intermediate${p.str('issuer') ? ` \`${p.str('issuer')}\`` : ''} with the one that signed ${p.str('subject') ? `\`${p.str('subject')}\`` : 'this certificate'} (same name is not enough: a re-keyed intermediate has a different key).`,
    {
      title: 'Serve the intermediate that really issued the leaf',
      steps: [
        "Download the issuing intermediate from your CA (the leaf's AIA CA Issuers URL names it) as `intermediate.crt`.",
        `Check \`leaf.crt\` verifies through it against ${verifyAgainst(caFile)} before deploying (command below), then install the chain file and reload.`,
        'If only this bot sees the bad signature, suspect a TLS-intercepting proxy between it and the server.',
      ],
      command: opensslVerify(caFile),
    },
  );

export const chainRecipes = {
  chain_incomplete: chainIncomplete,
  chain_untrusted_root: chainUntrustedRoot,
  cert_self_signed: certSelfSigned,
  chain_order: chainOrder,
  chain_includes_root: chainIncludesRoot,
  chain_signature_invalid: chainSignatureInvalid,
} satisfies Partial<ServerRecipes>;
