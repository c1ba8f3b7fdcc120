/**
 * The RFC 5280 §6.1 checks a browser verifier makes on a candidate path, each failure recorded on its own
 * (BoringSSL CertPathErrors: collect all, never stop at the first). Validity dates and the leaf's EKU are
 * also judged here for choosing between paths; the rules report those from the chain itself.
 */

import { extensionsOf } from './certinfo.js';
import type { PathNode } from './chain-build.js';
import { readTbs } from './der-cert.js';
import { CERT_MEMO_MAX } from './memo-bounds.js';
import { NAME_CONSTRAINTS_OID, nameConstraintsOf, violations } from './name-constraints.js';
import type { AnchorPolicy, CertInfo, PathProblem, Purpose } from './types.js';

export interface CheckPolicy {
  now: Date;
  purpose: Purpose;
  anchor: AnchorPolicy;
}

/** Chrome's default for anchors (pki/trust_store.h): constraints when present, expiry not enforced. */
export const DEFAULT_ANCHOR_POLICY: AnchorPolicy = { constraints: true, expiry: false, requireBasicConstraints: false };

/**
 * Extensions a browser verifier processes (BoringSSL pki/parsed_certificate.cc, RFC 5280 §4.2): a critical
 * extension outside this list makes the certificate unusable (§4.2: "MUST reject"). Policy extensions are
 * understood by browsers even though cert-doctor does not evaluate policies.
 */
export const KNOWN_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  NAME_CONSTRAINTS_OID,
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.36', // policyConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

const EKU_OID: Record<Purpose, string | null> = {
  server: '1.3.6.1.5.5.7.3.1',
  client: '1.3.6.1.5.5.7.3.2',
  any: null,
};
const ANY_EKU = '2.5.29.37.0';

/** Whether an EKU extension (null: absent) allows the purpose (RFC 5280 §4.2.1.12). */
export function ekuAllows(eku: string[] | null, purpose: Purpose): boolean {
  const want = EKU_OID[purpose];
  return want === null || eku === null || eku.includes(want) || eku.includes(ANY_EKU);
}

/**
 * By certificate hash: a pure function of the DER, asked for every candidate path of every check (a sweep
 * re-checks the same certificates, and most chains share their intermediates). Bounded like name-normalize.ts.
 */
const unknownCritical = new Map<string, readonly string[]>();

export function unknownCriticalExtensions(cert: CertInfo): readonly string[] {
  let hit = unknownCritical.get(cert.sha256);
  if (hit === undefined) {
    try {
      const exts = extensionsOf(cert) ?? readTbs(Buffer.from(cert.der, 'base64')).extensions;
      hit = [...exts].filter(([oid, e]) => e.critical && !KNOWN_EXTENSIONS.has(oid)).map(([oid]) => oid);
    } catch {
      hit = [];
    }
    if (unknownCritical.size > CERT_MEMO_MAX) unknownCritical.clear();
    unknownCritical.set(cert.sha256, hit);
  }
  return hit;
}

/** Structural problems (no dates): what the report keeps and the rules surface. */
export function structuralProblems(path: PathNode[], policy: CheckPolicy): PathProblem[] {
  const out: PathProblem[] = [];
  const judged = (i: number) => path[i]!.source !== 'trust_store' || policy.anchor.constraints;
  const add = (code: string, certIndex: number, params: PathProblem['params']) =>
    out.push({ code, certIndex, params: { subject: path[certIndex]!.info.subject, ...params } });
  path.forEach((node, i) => {
    const c = node.info;
    const anchor = node.source === 'trust_store';
    if (!judged(i)) return;
    const unknown = unknownCriticalExtensions(c);
    if (unknown.length > 0) add('unknown_critical_extension', i, { oids: unknown.join(', ') });
    if (i > 0) {
      const bc = c.basicConstraints;
      if (bc ? !bc.ca : !anchor || policy.anchor.requireBasicConstraints)
        add('ca_not_ca', i, { basicConstraints: bc ? 'cA=FALSE' : 'absent', anchor });
      if (c.keyUsage !== null && !c.keyUsage.includes('keyCertSign'))
        add('ca_cannot_sign', i, { keyUsage: c.keyUsage.join(', ') || '(empty)', anchor });
      const limit = bc?.pathLength ?? null;
      const below = path.slice(1, i).filter((n) => !n.info.selfIssued).length;
      if (limit !== null && below > limit) add('path_length_exceeded', i, { pathLength: limit, below, anchor });
      if (!ekuAllows(c.extKeyUsage, policy.purpose))
        add('wrong_key_usage', i, { check: 'intermediate_eku', eku: (c.extKeyUsage ?? []).join(', '), anchor });
      nameConstraintProblems(path, i, add);
    }
  });
  return out;
}

function nameConstraintProblems(
  path: PathNode[],
  caAt: number,
  add: (code: string, i: number, p: PathProblem['params']) => void,
): void {
  const nc = nameConstraintsOf(path[caAt]!.info.der);
  if (!nc) return;
  for (let i = caAt - 1; i >= 0; i--) {
    // §6.1.4 (b) via §6.1.3 (b): self-issued intermediates are not checked against the constraints
    if (i > 0 && path[i]!.info.selfIssued) continue;
    const v = violations(path[i]!.info.der, nc)[0];
    if (v)
      add('name_constraints_violation', i, {
        name: v.name,
        subtree: v.subtree,
        constrainedBy: path[caAt]!.info.subject,
        constrainedAt: caAt,
      });
  }
}

/** Every problem, dates and the leaf's EKU included: how many a candidate path has decides between paths. */
export function allProblems(path: PathNode[], policy: CheckPolicy): number {
  let n = structuralProblems(path, policy).length;
  const now = policy.now.getTime();
  path.forEach((node, i) => {
    if (node.source === 'trust_store' && !policy.anchor.expiry) return;
    if (Date.parse(node.info.notBefore) > now || Date.parse(node.info.notAfter) < now) n++;
    if (i > 0 && node.signedPrevious === false) n++;
  });
  if (!ekuAllows(path[0]!.info.extKeyUsage, policy.purpose)) n++;
  return n;
}
