/**
 * What each probed address serves, reduced to what clients notice: the whole sent chain, the protocol
 * versions it accepts and its own verdict. backends_inconsistent groups addresses by this profile.
 */
import type { EndpointReport, ProbeReport, TlsVersion } from '../../probe/types.js';
import type { EndpointJudgement, RuleFinding, Severity, Verdict } from '../types.js';
import { findingKey } from './finding-key.js';
import { isCert, isoDate } from './inputs.js';
import { observed } from './observed.js';
import { supported, versionLabel } from './protocols.js';

const ALL_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const VERDICT_RANK: Record<Verdict, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface BackendProfile {
  address: string;
  /** served chain (sha256 of each sent certificate) or the handshake error code */
  chainKey: string;
  /** accepted TLS versions, or null when this address's scan is unknown */
  versions: TlsVersion[] | null;
  verdict: Verdict;
  /** "serves serial …0a47, which expired on 2026-11-23" */
  serves: string;
  /** chain, versions and verdict together: equal keys behave the same for every client (see `keyed`) */
  key: string;
}

export function profileOf(
  ep: EndpointReport,
  report: ProbeReport,
  j: EndpointJudgement | undefined,
  now: Date,
): BackendProfile {
  const verdict = j?.verdict ?? 'unknown';
  const scan = ep.protocols ?? (report.endpoints[0] === ep ? report.protocols : undefined);
  const versions = scan?.status === 'completed' ? supported(scan.result, ALL_VERSIONS) : null;
  const hs = ep.handshake;
  const seen = observed(hs);
  let chainKey: string;
  let serves: string;
  if (!seen || seen.sentChain.length === 0) {
    chainKey = hs.status === 'error' ? `error:${hs.code}` : 'none';
    serves = hs.status === 'error' ? `fails (${hs.code})` : 'serves no certificate';
  } else {
    chainKey = seen.sentChain.map((c) => ('sha256' in c ? c.sha256 : 'malformed')).join('>');
    const leaf = seen.sentChain[0];
    serves = isCert(leaf)
      ? `serves serial …${leaf.serialNumber.slice(-4)}, ${validity(leaf.notBefore, leaf.notAfter, now)}`
      : 'serves an unparsable leaf';
  }
  return { address: ep.address, chainKey, versions, verdict, serves, key: '' };
}

/** Versions take part in the comparison only when every address's scan is known (older reports lack them). */
export function keyed(profiles: BackendProfile[]): BackendProfile[] {
  const withVersions = profiles.every((p) => p.versions !== null);
  return profiles.map((p) => ({
    ...p,
    key: JSON.stringify([p.chainKey, withVersions ? p.versions : null, p.verdict]),
  }));
}

/** Past dates are "expired on", never "expires". */
function validity(notBefore: string, notAfter: string, now: Date): string {
  if (Date.parse(notAfter) < now.getTime()) return `which expired on ${isoDate(notAfter)}`;
  if (Date.parse(notBefore) > now.getTime()) return `which is not valid until ${isoDate(notBefore)}`;
  return `valid until ${isoDate(notAfter)}`;
}

/** How an odd address differs from the reference one, in words: chain, then versions, then verdict. */
export function differences(odd: BackendProfile, ref: BackendProfile): string {
  const parts = [odd.chainKey === ref.chainKey ? 'serves the same chain' : odd.serves];
  if (odd.chainKey !== ref.chainKey && odd.chainKey.split('>')[0] === ref.chainKey.split('>')[0]) {
    parts[0] = `${odd.serves} with a different chain`;
  }
  if (odd.versions && ref.versions && odd.versions.join() !== ref.versions.join()) {
    parts.push(`accepts ${odd.versions.map(versionLabel).join(', ') || 'no TLS version'}`);
  }
  if (odd.verdict !== ref.verdict) parts.push(`verdict ${odd.verdict}`);
  return `${odd.address} ${parts.join(', ')}`;
}

/** The address clients should all behave like: the best verdict, then the most common profile, then first. */
export function reference(profiles: readonly BackendProfile[]): BackendProfile {
  const count = (p: BackendProfile) => profiles.filter((q) => q.key === p.key).length;
  return [...profiles].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || count(b) - count(a))[0]!;
}

/** The worst severity among the endpoint findings that hold on some addresses but not on all of them. */
export function worstDiffering(judgements: readonly EndpointJudgement[]): Severity | null {
  const holders = new Map<string, { f: RuleFinding; n: number }>();
  for (const j of judgements) {
    for (const f of new Map(j.findings.map((x) => [findingKey(x), x])).values()) {
      const seen = holders.get(findingKey(f));
      holders.set(findingKey(f), { f, n: (seen?.n ?? 0) + 1 });
    }
  }
  let worst: Severity | null = null;
  for (const { f, n } of holders.values()) {
    if (n < judgements.length && (worst === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]))
      worst = f.severity;
  }
  return worst;
}
