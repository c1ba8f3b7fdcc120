import { type Arg, httpUrl, literal, sClient, sh } from '../shell.js';
import type { ServerRecipe, ServerRecipes } from '../types.js';
import { reissue, reloadCommand } from './deploy.js';

/**
 * Revocation fixes. A revoked certificate cannot be un-revoked (RFC 5280 §3.3): reissue with a new key.
 * Must-Staple (RFC 7633) obliges the server to staple an OCSP response; Let's Encrypt ended OCSP in 2025,
 * so reissuing without the extension is often the only way out.
 */

const certRevoked: ServerRecipe<'cert_revoked'> = ({ p, t }) => {
  const reason = p.str('reason');
  return reissue(t, `Replace the revoked certificate${reason ? ` (reason: ${reason})` : ''}`, {
    need: 'for a NEW private key (never reuse the key of a revoked certificate)',
    extra: [
      'Find out who revoked it and why (CA account, reason code); after a key compromise, rotate every place the old key was used.',
    ],
  });
};

const STAPLE_CHECK = (t: Parameters<ServerRecipe>[0]['t']) =>
  sh`${sClient(t, '-status')} 2>/dev/null | grep -i -A2 'OCSP response'`;

const ocspMustStapleMissing: ServerRecipe<'ocsp_must_staple_missing'> = ({ t }) => {
  const title = 'Staple OCSP responses, or drop Must-Staple';
  return {
    generic: {
      title,
      steps: [
        'Turn on OCSP stapling (per server below), or reissue without the TLS Feature (Must-Staple) extension: certbot without `--must-staple`.',
        'Check a staple is sent: the command below must print `OCSP Response Status: successful`.',
      ],
      command: STAPLE_CHECK(t),
    },
    nginx: {
      title,
      steps: [
        'In the `server` block: `ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate /etc/ssl/chain.pem; resolver 1.1.1.1;` (nginx must resolve and reach the OCSP responder).',
        'nginx fetches the first staple lazily: the first handshakes after a reload go without it.',
      ],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [
        `\`SSLUseStapling On\` in the \`<VirtualHost *:${t.port}>\` and \`SSLStaplingCache shmcb:/var/run/ocsp(128000)\` outside any \`<VirtualHost>\`.`,
      ],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: [
        "HAProxy ≥ 2.8: `ocsp-update on` on the certificate's `crt-list` line; older: keep `<crt>.ocsp` next to the PEM fresh (cron `openssl ocsp … -respout`).",
      ],
      command: reloadCommand('haproxy', t),
    },
    caddy: {
      title,
      steps: [
        'Caddy staples by itself: read its log for OCSP errors (the responder must be reachable from the server).',
      ],
    },
    iis: {
      title,
      steps: ['Schannel staples by itself when the server can reach the OCSP responder: allow outbound HTTP to it.'],
    },
    kubernetes: {
      title,
      steps: ['ingress-nginx: set `enable-ocsp: "true"` in the controller ConfigMap.'],
      command: `kubectl -n ingress-nginx patch configmap ingress-nginx-controller --type merge -p '{"data":{"enable-ocsp":"true"}}'`,
    },
  };
};

const revocationUnchecked: ServerRecipe<'revocation_unchecked'> = ({ p }) => {
  const url = (value: string | null, placeholder: string): Arg =>
    value === null ? literal(placeholder) : httpUrl(value);
  const ocsp = url(p.str('ocspUrl'), '<ocsp-url>');
  const crl = url(p.str('crlUrl'), '<crl-url>');
  const ocspCommand = sh`openssl ocsp -issuer intermediate.crt -cert leaf.crt -url ${ocsp} -resp_text`;
  return {
    generic: {
      title: 'Check revocation by hand',
      steps: [
        'The bot got no answer from the OCSP responder or CRL; nothing is known to be wrong. Check from a machine that can reach them:',
        `OCSP: \`${ocspCommand}\`.`,
        `CRL: \`${sh`curl -s ${crl} | openssl crl -inform DER -noout -text`}\` and look for the leaf's serial.`,
      ],
      command: ocspCommand,
    },
  };
};

/** RFC 6066 §8: the server must staple a current response for its own certificate, or none. */
const ocspStapleInvalid: ServerRecipe = ({ t }) => {
  const title = 'Staple a current, valid OCSP response (or none)';
  return {
    generic: {
      title,
      steps: [
        'Make the server fetch a fresh staple for the certificate it serves now (after a renewal the old staple is for the old certificate).',
        'Let the server verify staples against the real issuer, and let it reach the OCSP responder; then check the staple below says `Cert Status: good` with a future `Next Update`.',
      ],
      command: STAPLE_CHECK(t),
    },
    nginx: {
      title,
      steps: [
        '`ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate /etc/ssl/chain.pem;` (the issuer chain, so nginx drops bad responses); remove a stale `ssl_stapling_file`.',
      ],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [
        '`SSLStaplingReturnResponderErrors off` so error answers are not stapled; `SSLStaplingStandardCacheTimeout 3600`.',
      ],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: [
        'Refresh `<crt>.ocsp` (`openssl ocsp … -respout`) or use `ocsp-update on` (HAProxy ≥ 2.8); a stale file is stapled as is.',
      ],
      command: reloadCommand('haproxy', t),
    },
  };
};

export const revocationRecipes = {
  cert_revoked: certRevoked,
  ocsp_must_staple_missing: ocspMustStapleMissing,
  revocation_unchecked: revocationUnchecked,
  ocsp_staple_invalid: ocspStapleInvalid,
} satisfies Partial<ServerRecipes>;
