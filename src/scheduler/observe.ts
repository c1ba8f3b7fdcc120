/**
 * A diagnosis → an observation: per address the leaf and chain fingerprints, notAfter, key type,
 * protocol set and verdict. Reads `diagnosis.report.endpoints[]` (one per address); a finding that names
 * its addresses (`Finding.addresses`, per-endpoint issue) counts only for those, one that names none for all.
 *
 * `observedOf` is the part without the subscription and the time: a sweep check's worker computes it from the
 * rules' judgement (diagnose.ts judge: no fixes, no stack recognition) and sends back this, about 1 KiB, not the
 * whole diagnosis (its report, certificates and body sample: about 14 KiB cloned into the main thread per check).
 */
import type { Attempt, CertInfo, EndpointReport, ProbeReport, ProtocolSupport, SentCert } from '../probe/types.js';
import type { RuleFinding, RuleResult, Verdict } from '../rules/types.js';
import type { EndpointObservation, NewObservation } from '../store/types.js';

/**
 * An observation before it is tied to a subscription and a time. `unjudged`: the rules this check could not
 * evaluate (a step skipped by the sweep profile, or failed); the sweep carries their earlier findings forward
 * (carry.ts) and never stores the list itself.
 */
export type CheckObservation = Omit<NewObservation, 'subscriptionId' | 'at'> & { unjudged?: string[] };

/** What an observation is made of: a Diagnosis has it, and so has the report with judge()'s result. */
export interface Observable {
  verdict: Verdict;
  findings: readonly RuleFinding[];
  /** every rule's status (absent: nothing is known to be unjudged) */
  results?: readonly RuleResult[];
  report: Pick<ProbeReport, 'endpoints' | 'protocols'>;
}

export function observationOf(subscriptionId: string, d: Observable, at: Date): NewObservation {
  return { subscriptionId, at, ...observedOf(d) };
}

export function observedOf(d: Observable): CheckObservation {
  const codes = [...new Set(d.findings.map((f) => f.code))].sort();
  const critical = [...new Set(d.findings.filter((f) => f.severity === 'critical').map((f) => f.code))].sort();
  const endpoints = d.report.endpoints.map((e, i) =>
    endpointOf(e, d.findings, i === 0 ? d.report.protocols : undefined),
  );
  const unjudged = (d.results ?? []).filter((r) => r.status === 'not_evaluated').map((r) => r.code);
  return { verdict: d.verdict, codes, critical, endpoints, unjudged: [...new Set(unjudged)].sort() };
}

function endpointOf(e: EndpointReport, findings: readonly RuleFinding[], primaryProtocols?: Attempt<ProtocolSupport>) {
  const sent = e.handshake.status === 'completed' ? e.handshake.result.sentChain : [];
  const leaf = sent[0] && isCert(sent[0]) ? sent[0] : null;
  const mine = findings.filter((f) => {
    return !f.addresses || f.addresses.includes(e.address);
  });
  const obs: EndpointObservation = {
    address: e.address,
    leaf: leaf
      ? {
          sha256: leaf.sha256,
          subject: leaf.subject,
          issuer: leaf.issuer,
          notBefore: leaf.notBefore,
          notAfter: leaf.notAfter,
          keyType: keyType(leaf),
        }
      : null,
    chain: sent.map((c) => (isCert(c) ? c.sha256 : 'malformed')),
    protocols: protocolSet(e.protocols ?? primaryProtocols),
    verdict: verdictOf(mine),
    error: e.handshake.status === 'error' ? e.handshake.code : null,
    codes: [...new Set(mine.map((f) => f.code))].sort(),
  };
  return obs;
}

const isCert = (c: SentCert): c is CertInfo => !('malformed' in c);

function keyType(c: CertInfo): string {
  const size = c.key.curve ?? (c.key.bits === null ? null : String(c.key.bits));
  return size ? `${c.key.algorithm} ${size}` : c.key.algorithm;
}

function protocolSet(p: Attempt<ProtocolSupport> | undefined): string[] | null {
  if (p?.status !== 'completed') return null;
  return Object.entries(p.result)
    .filter(([, a]) => a.status === 'completed' && a.result)
    .map(([v]) => v)
    .sort();
}

function verdictOf(findings: readonly RuleFinding[]): Verdict {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}
