import type { FindingCode } from '../fixes/codes.js';
import { chainSummary, leafSummary, sClient } from '../fixes/shell.js';
import type { Target } from '../probe/types.js';
import type { Fault } from './types.js';

/**
 * Per finding code: whose side must change, and the check that tells this cause from the others an error can
 * mean. Commands are built from the parsed target (probe/target: lower-case punycode or an IP literal, so
 * shell-safe); with no target they name HOST.
 */
const CLIENT_SIDE: ReadonlySet<FindingCode> = new Set(['client_cert_required']);
const EITHER_SIDE: ReadonlySet<FindingCode> = new Set([
  'chain_untrusted_root',
  'cert_self_signed',
  'clock_skew',
  'revocation_unchecked',
]);

export function faultOf(code: FindingCode): Fault {
  if (CLIENT_SIDE.has(code)) return 'client';
  return EITHER_SIDE.has(code) ? 'either' : 'server';
}

const PLACEHOLDER: Target = {
  input: 'HOST',
  host: 'HOST',
  port: 443,
  sni: 'HOST',
  protocol: 'https',
  ipVersion: null,
  unicodeHost: null,
};

type Check = (t: Target) => string;

const CHECKS: Partial<Record<FindingCode, Check>> = {
  cert_expired: (t) =>
    `\`${leafSummary(t)}\` shows notAfter in the past; if it does not, compare this machine's clock (\`date -u\`).`,
  chain_cert_expired: (t) =>
    `\`${sClient(t)} 2>/dev/null | grep -E 'NotAfter|s:'\` shows an intermediate past its NotAfter while the leaf is still valid.`,
  cert_not_yet_valid: (t) =>
    `\`${leafSummary(t)}\` shows notBefore in the future; if it does not, this machine's clock is behind.`,
  clock_skew: () => 'Run `date -u` on the failing machine: more than a few minutes off real time explains it.',
  chain_incomplete: (t) =>
    `\`${chainSummary(t)}\` lists only the leaf (one s:/i: pair): the server does not send its intermediate.`,
  chain_untrusted_root: (t) =>
    `\`${chainSummary(t)}\`: the top i: names a private CA or a security product (Zscaler, Netskope, Fortinet…), or differs from what another network sees.`,
  cert_self_signed: (t) => `\`${chainSummary(t)}\` shows one certificate whose s: equals its i:.`,
  chain_includes_root: (t) =>
    `\`${chainSummary(t)}\` ends with a certificate whose s: equals its i: (the root is sent).`,
  hostname_mismatch: (t) =>
    `\`${leafSummary(t)}\`: the subjectAltName list does not contain the name (or IP) the client used.`,
  no_san: (t) => `\`${leafSummary(t)}\` prints no subjectAltName extension: the name is only in the CN.`,
  chain_signature_invalid: (t) =>
    `\`${sClient(t, '-showcerts')} 2>&1 | grep -i 'verify error'\` reports a signature failure; on RHEL, \`cat /proc/sys/crypto/fips_enabled\` = 1 points at a SHA-1 signature instead.`,
  weak_signature_algorithm: (t) => `\`${sClient(t)} 2>/dev/null | grep -i 'sigalg'\` shows sha1 or md5.`,
  weak_key: (t) =>
    `\`${String(leafSummary(t)).replace('-subject -issuer -dates -ext subjectAltName', '-text')} | grep 'Public-Key'\` shows fewer than 2048 bits.`,
  wrong_key_usage: (t) =>
    `\`${String(leafSummary(t)).replace('-ext subjectAltName', '-ext extendedKeyUsage')}\` lacks "TLS Web Server Authentication".`,
  legacy_tls_only: (t) => `\`${sClient(t, '-tls1_2')}\` fails while \`-tls1\` connects.`,
  not_tls: (t) => `\`curl -v http://${t.host}:${t.port}/\` gets an HTTP answer: the port is not TLS.`,
  client_cert_required: (t) =>
    `\`${sClient(t, '')} 2>/dev/null | grep -A3 'Acceptable client certificate CA names'\` lists the CAs the server wants a client certificate from.`,
  handshake_failed: (t) => `\`${sClient(t, '-msg')}\` shows where the handshake stops.`,
  sni_required: (t) => `\`${sClient(t, '-noservername')}\` returns a different certificate than with -servername.`,
  cert_revoked: () =>
    "The CA's OCSP responder or CRL (URLs in the certificate's AIA/CRL DP) lists the serial as revoked.",
  validity_too_long: (t) =>
    `\`${leafSummary(t)}\`: notAfter − notBefore exceeds 398 days (825 for private roots on Apple).`,
  leaf_is_ca: (t) =>
    `\`${String(leafSummary(t)).replace('-ext subjectAltName', '-ext basicConstraints')}\` says CA:TRUE.`,
  ocsp_must_staple_missing: (t) => `\`${sClient(t, '-status')}\` prints "OCSP response: no response sent".`,
  revocation_unchecked: () =>
    'From the failing machine, fetch the OCSP/CRL URL in the certificate: a timeout means it is unreachable from there.',
};

export function checkFor(code: FindingCode, target: Target | null): string {
  return (
    CHECKS[code]?.(target ?? PLACEHOLDER) ??
    'Run the check (`cert-doctor check HOST`) to see whether the server shows it.'
  );
}
