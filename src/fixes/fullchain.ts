/**
 * The corrected `fullchain.pem` for a served chain that is incomplete, misordered or carries extras: the leaf,
 * then each intermediate in path order, no root (RFC 8446 §4.4.2: each certificate certifies the one before;
 * the trust anchor "MAY be omitted"; RFC 5246 §7.4.2). Offered only when the path we built is trusted and every
 * link's signature verified, so the file is never a guess. With it: the one configuration line that uses it
 * for the detected server, and a one-line diff against what the server sends.
 */
import type { CertInfo, ChainReport, SentCert } from '../probe/types.js';
import type { Diagnosis } from '../rules/types.js';
import { isStackKey, type StackKey } from './stacks.js';

export interface FullchainFile {
  filename: 'fullchain.pem';
  /** PEM, leaf first, no root */
  pem: string;
  /** the line (or command) that puts the file to use on the detected server */
  configLine: string;
  /** the stack the line is for ('generic' when none was detected) */
  stack: StackKey;
  /** "sent: a → b → root | fullchain.pem: a → b (…)" */
  diff: string;
  /** why the served chain needs replacing: 'incomplete', 'misordered', 'extras' */
  reasons: ('incomplete' | 'misordered' | 'extras')[];
}

export function correctedFullchain(d: Diagnosis): FullchainFile | null {
  const ep = d.report.endpoints[0];
  if (ep?.chain.status !== 'completed') return null;
  const hs = ep.handshake.status === 'completed' ? ep.handshake.result : null;
  if (!hs) return null;
  const chain = ep.chain.result;
  if (!chain.trusted || chain.links.some((l) => l.signatureValid !== true)) return null;
  const reasons = reasonsFor(chain);
  if (reasons.length === 0) return null;
  const certs = chain.built.filter((_, i) => chain.sources[i] !== 'trust_store' && !chain.built[i]!.selfSigned);
  if (certs.length === 0) return null;
  const stack: StackKey = d.serverStack && isStackKey(d.serverStack) ? d.serverStack : 'generic';
  return {
    filename: 'fullchain.pem',
    pem: certs.map(toPem).join(''),
    configLine: configLine(stack, safeName(d.target.host)),
    stack,
    diff: diffLine(hs.sentChain, certs),
    reasons,
  };
}

function reasonsFor(chain: ChainReport): FullchainFile['reasons'] {
  const out: FullchainFile['reasons'] = [];
  if (chain.sources.includes('aia') || chain.aia.completedChain) out.push('incomplete');
  if (chain.outOfOrder) out.push('misordered');
  if (chain.unusedSent.length > 0 || chain.rootSentAt !== null) out.push('extras');
  return out;
}

function toPem(c: CertInfo): string {
  const lines = c.der.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const label = (c: SentCert): string =>
  'malformed' in c ? '(unparsable)' : `${c.subjectCN ?? c.subject}${c.selfSigned ? ' (root)' : ''}`;

/** One line: what the server sends, what the file holds, and what changed. */
export function diffLine(sent: SentCert[], fixed: CertInfo[]): string {
  const fixedSha = new Set(fixed.map((c) => c.sha256));
  const sentSha = new Set(sent.map((c) => ('malformed' in c ? c.der : c.sha256)));
  const added = fixed.filter((c) => !sentSha.has(c.sha256)).length;
  const removed = sent.filter((c) => 'malformed' in c || !fixedSha.has(c.sha256)).length;
  const changes = [
    added ? `+${added} added` : '',
    removed ? `-${removed} removed` : '',
    added === 0 && removed === 0 ? 'reordered' : '',
  ].filter(Boolean);
  return `sent: ${sent.map(label).join(' → ')} | fullchain.pem: ${fixed.map(label).join(' → ')} (${changes.join(', ')})`;
}

/** Host names are lower-case punycode; anything else (IPv6 colons) becomes `_` so the path needs no quoting. */
function safeName(host: string): string {
  return host.replace(/[^a-z0-9.-]/gi, '_');
}

function configLine(stack: StackKey, host: string): string {
  const dir = `/etc/ssl/${host}`;
  const lines: Record<StackKey, string> = {
    nginx: `ssl_certificate ${dir}/fullchain.pem;`,
    apache: `SSLCertificateFile ${dir}/fullchain.pem`,
    haproxy: `bind :443 ssl crt /etc/haproxy/certs/${host}.pem   # cat fullchain.pem privkey.pem > /etc/haproxy/certs/${host}.pem`,
    caddy: `tls ${dir}/fullchain.pem ${dir}/privkey.pem`,
    iis: `certutil -addstore CA intermediate.cer   # per intermediate in fullchain.pem; IIS sends what the Windows CA store holds`,
    kubernetes: `kubectl -n <namespace> create secret tls <secret> --cert=fullchain.pem --key=privkey.pem --dry-run=client -o yaml | kubectl apply -f -`,
    envoy: `certificate_chain: { filename: ${dir}/fullchain.pem }`,
    traefik: `certFile: ${dir}/fullchain.pem`,
    awselb: `aws acm import-certificate --certificate-arn <arn> --certificate fileb://leaf.pem --certificate-chain fileb://chain.pem --private-key fileb://privkey.pem   # leaf.pem: the first certificate of fullchain.pem, chain.pem: the rest`,
    cloudflare:
      'Cloudflare builds the edge chain itself; upload fullchain.pem as the origin certificate on your origin server',
    generic: `ssl_certificate ${dir}/fullchain.pem;   # nginx; Apache: SSLCertificateFile ${dir}/fullchain.pem`,
  };
  return lines[stack];
}
