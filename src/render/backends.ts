/**
 * The per-backend matrix every renderer shows when a name has more than one address: address → short leaf
 * fingerprint, expiry, chain status, accepted TLS versions, verdict. Pure view-model over the Diagnosis; each
 * renderer lays it out and escapes it for its own medium. Also the chain status words, shared so no renderer
 * says "trusted" next to an expired certificate.
 */
import type { Attempt, CertInfo, ChainReport, EndpointReport, ProtocolSupport, TlsVersion } from '../probe/types.js';
import { observed } from '../rules/lib/observed.js';
import type { Diagnosis, Finding, Verdict } from '../rules/types.js';
import { type Descriptor, formatDate, type Grade, protocolOf, verdictOf } from './format.js';

export interface BackendRow {
  address: string;
  /** first 8 hex digits of the leaf's SHA-256, or null without a leaf */
  fingerprint: string | null;
  expiry: { text: string; grade: Grade };
  chain: { text: string; grade: Grade };
  /** accepted versions, newest first ("TLS 1.3, TLS 1.2"), or a reason they are unknown */
  tls: { text: string; grade: Grade };
  verdict: Descriptor & { slug: Verdict };
}

const SCAN: TlsVersion[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'];

/** One row per probed address; empty for a single address (the rest of the rendering already says it all). */
export function backendRows(d: Diagnosis, now: Date): BackendRow[] {
  const eps = d.report.endpoints;
  if (eps.length < 2) return [];
  return eps.map((ep) => row(d, ep, now));
}

function row(d: Diagnosis, ep: EndpointReport, now: Date): BackendRow {
  const leaf = observed(ep.handshake)?.sentChain[0];
  const cert = leaf && !('malformed' in leaf) ? leaf : null;
  const verdict = (d.endpoints?.find((x) => x.address === ep.address)?.verdict ?? 'unknown') as Verdict;
  return {
    address: ep.address,
    fingerprint: cert ? cert.sha256.slice(0, 8) : null,
    expiry: cert ? expiryOf(cert, now) : { text: '—', grade: 'neutral' },
    chain: chainCell(ep, now),
    tls: tlsCell(ep.protocols ?? (d.report.endpoints[0] === ep ? d.report.protocols : undefined)),
    verdict: { ...verdictOf(verdict), slug: verdict },
  };
}

function expiryOf(cert: CertInfo, now: Date): { text: string; grade: Grade } {
  const date = formatDate(cert.notAfter).slice(0, 10);
  if (Date.parse(cert.notBefore) > now.getTime())
    return { text: `not valid before ${formatDate(cert.notBefore).slice(0, 10)}`, grade: 'bad' };
  if (Date.parse(cert.notAfter) < now.getTime()) return { text: `expired ${date}`, grade: 'bad' };
  return { text: `expires ${date}`, grade: 'good' };
}

function chainCell(ep: EndpointReport, now: Date): { text: string; grade: Grade } {
  const hs = ep.handshake;
  if (hs.status === 'error' && !observed(hs)) return { text: `no handshake (${hs.code})`, grade: 'bad' };
  if (ep.chain.status === 'error') return { text: `not built (${ep.chain.code})`, grade: 'bad' };
  if (ep.chain.status === 'skipped') return { text: 'not built', grade: 'neutral' };
  return chainStatusOf(ep.chain.result, now);
}

function tlsCell(scan: Attempt<ProtocolSupport> | undefined): { text: string; grade: Grade } {
  if (scan === undefined) return { text: 'not scanned', grade: 'neutral' };
  if (scan.status !== 'completed')
    return { text: scan.status === 'error' ? `scan failed (${scan.code})` : 'not scanned', grade: 'neutral' };
  const yes = SCAN.filter((v) => scan.result[v]?.status === 'completed' && scan.result[v].result === true);
  if (yes.length === 0) return { text: 'none', grade: 'bad' };
  const legacy = yes.filter((v) => protocolOf(v).grade === 'bad').length;
  const grade: Grade = legacy === 0 ? 'good' : legacy === yes.length ? 'bad' : 'warn';
  return { text: yes.map((v) => protocolOf(v).label).join(', '), grade };
}

/**
 * What holds for a built chain, in words. "trusted" only when every certificate on the path is inside its
 * validity period at `now`; otherwise the path is named with what is wrong ("path to ISRG Root X1 found; 1 of 3
 * certificates expired").
 */
export function chainStatusOf(chain: ChainReport, now: Date): { text: string; grade: Grade } {
  const n = chain.built.length;
  const expired = chain.built.filter((c) => Date.parse(c.notAfter) < now.getTime()).length;
  const early = chain.built.filter((c) => Date.parse(c.notBefore) > now.getTime()).length;
  if (chain.trusted && expired + early === 0) {
    const via = chain.aia.completedChain ? ', completed only via AIA' : '';
    return {
      text: `trusted (${chain.anchorStore ?? 'unknown'} store${via})`,
      grade: chain.aia.completedChain ? 'warn' : 'good',
    };
  }
  if (chain.trusted) {
    const anchor = chain.built[n - 1];
    const name = anchor ? (anchor.subjectCN ?? anchor.subject) : 'a trusted root';
    const what = [
      expired ? `${expired} of ${n} certificates expired` : '',
      early ? `${early} of ${n} not yet valid` : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
    return { text: `path to ${name} found; ${what}`, grade: 'bad' };
  }
  if (chain.missingIssuer !== null) return { text: 'incomplete: an issuer is missing', grade: 'bad' };
  if (chain.untrustedRoot) return { text: 'ends at a root that is not trusted', grade: 'bad' };
  return { text: chain.rejectionHint ? `not trusted: ${chain.rejectionHint}` : 'not trusted', grade: 'bad' };
}

/** Endpoints grouped by the exact chain they sent, in endpoint order; endpoints without a handshake left out. */
export function chainGroups(endpoints: readonly EndpointReport[]): EndpointReport[][] {
  const groups = new Map<string, EndpointReport[]>();
  for (const ep of endpoints) {
    if (ep.handshake.status !== 'completed') continue;
    const key = ep.handshake.result.sentChain.map((c) => ('malformed' in c ? c.der : c.sha256)).join('|');
    groups.set(key, [...(groups.get(key) ?? []), ep]);
  }
  return [...groups.values()];
}

/** "on 127.0.0.3 (1 of 2 addresses)"; '' when the name has one address or the finding names none. */
export function addressesNote(d: Diagnosis, f: Finding): string {
  const total = d.report.endpoints.length;
  const on = f.addresses ?? [];
  if (total < 2 || on.length === 0) return '';
  if (on.length === total) return `on all ${total} addresses`;
  return `on ${on.join(', ')} (${on.length} of ${total} addresses)`;
}
