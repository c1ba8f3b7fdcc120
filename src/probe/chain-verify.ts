import { certVerifiesWith, isMalformed, toNodeCert } from './certinfo.js';
import type { PathNode } from './chain-build.js';
import { keyRefusal } from './key-sanity.js';
import type { CertInfo, ChainLink, SentCert } from './types.js';

/**
 * Per-link checks of RFC 5280 §6.1.4 on the built path, each recorded on its own so every problem
 * becomes a finding (BoringSSL CertPathErrors style) instead of one verdict.
 */
export function describeLinks(path: PathNode[]): ChainLink[] {
  const links: ChainLink[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const issuer = path[i + 1]!;
    links.push({
      signatureValid: issuer.signedPrevious,
      issuerIsCa: issuerIsCa(issuer),
      issuerCanSign: issuer.info.keyUsage === null ? true : issuer.info.keyUsage.includes('keyCertSign'),
      pathLenOk: pathLenOk(path, i + 1),
    });
  }
  return links;
}

/**
 * §6.1.4 (k): an intermediate must assert cA. A trust anchor is taken as is (§6.1.1 (d): only its
 * name and key are inputs), so an old v1 root without basicConstraints is "unknown", not "not a CA".
 */
function issuerIsCa(issuer: PathNode): boolean | null {
  if (issuer.info.basicConstraints) return issuer.info.basicConstraints.ca;
  return issuer.source === 'trust_store' ? null : false;
}

/**
 * §4.2.1.9: pathLenConstraint is "the maximum number of non-self-issued intermediate certificates that
 * may follow this certificate in a valid certification path"; the leaf does not count.
 */
function pathLenOk(path: PathNode[], issuerAt: number): boolean | null {
  const limit = path[issuerAt]!.info.basicConstraints?.pathLength ?? null;
  if (limit === null) return true;
  let below = 0;
  for (let k = 1; k < issuerAt; k++) if (!path[k]!.info.selfIssued) below++;
  return below <= limit;
}

export interface SentUsage {
  /** sent index for each path position, or null when that certificate was not sent */
  positions: (number | null)[];
  unusedSent: number[];
  outOfOrder: boolean;
  rootSentAt: number | null;
}

/**
 * How the sent chain relates to the path. RFC 8446 §4.4.2: each certificate SHOULD directly certify the
 * one before it, and the leaf MUST come first; a sent copy of an anchor counts as on the path.
 */
export function analyseSent(sent: SentCert[], path: PathNode[]): SentUsage {
  const claimed = new Set<number>();
  const positions = path.map((node) => {
    const i =
      node.sentIndex ?? sent.findIndex((s, j) => !claimed.has(j) && !isMalformed(s) && s.sha256 === node.info.sha256);
    if (i === null || i < 0) return null;
    claimed.add(i);
    return i;
  });
  const unusedSent = sent.map((_, i) => i).filter((i) => !claimed.has(i));
  const onPath = positions.slice(1).filter((i): i is number => i !== null);
  const contiguous = onPath.every((sentIndex, k) => sentIndex === k + 1);
  return {
    positions,
    unusedSent,
    outOfOrder: !contiguous || leafNotFirst(sent, unusedSent),
    rootSentAt: rootSentAt(sent, claimed),
  };
}

/** sent[0] issued another sent certificate: the real leaf was sent later. Bounded: a few candidates only. */
function leafNotFirst(sent: SentCert[], unused: number[]): boolean {
  const first = sent[0];
  if (!first || isMalformed(first) || first.basicConstraints?.ca !== true || keyRefusal(first) !== null) return false;
  const issuer = toNodeCert(first);
  return unused.slice(0, 8).some((i) => {
    const c = sent[i]!;
    return !isMalformed(c) && c.issuer === first.subject && certVerifiesWith(c, issuer) === true;
  });
}

function rootSentAt(sent: SentCert[], onPath: Set<number>): number | null {
  const roots = sent
    .map((c, i) => ({ c, i }))
    .filter((x): x is { c: CertInfo; i: number } => x.i > 0 && !isMalformed(x.c) && x.c.selfSigned === true);
  return (roots.find((r) => onPath.has(r.i)) ?? roots[0])?.i ?? null;
}
