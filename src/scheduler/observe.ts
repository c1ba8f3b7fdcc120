/**
 * A diagnosis → an observation: per address the leaf and chain fingerprints, notAfter, key type,
 * protocol set and verdict. Reads `diagnosis.report.endpoints[]` (one per address); a finding that names
 * its addresses (`Finding.addresses`, per-endpoint issue) counts only for those, one that names none for all.
 */
import type { Attempt, CertInfo, EndpointReport, ProtocolSupport, SentCert } from '../probe/types.js';
import type { Diagnosis, Finding, Verdict } from '../rules/types.js';
import type { EndpointObservation, NewObservation } from '../store/types.js';

export function observationOf(subscriptionId: string, d: Diagnosis, at: Date): NewObservation {
  const codes = [...new Set(d.findings.map((f) => f.code))].sort();
  const critical = [...new Set(d.findings.filter((f) => f.severity === 'critical').map((f) => f.code))].sort();
  const endpoints = d.report.endpoints.map((e, i) =>
    endpointOf(e, d.findings, i === 0 ? d.report.protocols : undefined),
  );
  return { subscriptionId, at, verdict: d.verdict, codes, critical, endpoints };
}

function endpointOf(e: EndpointReport, findings: Finding[], primaryProtocols?: Attempt<ProtocolSupport>) {
  const sent = e.handshake.status === 'completed' ? e.handshake.result.sentChain : [];
  const leaf = sent[0] && isCert(sent[0]) ? sent[0] : null;
  const mine = findings.filter((f) => {
    const addresses = (f as Finding & { addresses?: string[] }).addresses;
    return !addresses || addresses.includes(e.address);
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

function verdictOf(findings: Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}
