import type { X509Certificate as NodeX509 } from 'node:crypto';
import type { AiaResult } from './aia.js';
import { certVerifiesWith, isMalformed, parseCert, toNodeCert } from './certinfo.js';
import { allProblems, type CheckPolicy } from './chain-checks.js';
import { keyRefusal } from './key-sanity.js';
import { CERT_MEMO_MAX } from './memo-bounds.js';
import { normalizedNames } from './name-normalize.js';
import type { AnchorStore, TrustStore } from './trust.js';
import type { AiaFetch, CertInfo, CertSource, PathSearch, RefusedKey, SentCert } from './types.js';

/** A certificate on the built path and where it came from. */
export interface PathNode {
  info: CertInfo;
  source: CertSource;
  /** index in the sent chain when source is 'sent' */
  sentIndex: number | null;
  store: AnchorStore | null;
  /** signature of the previous node verifies with this node's key (null for the leaf) */
  signedPrevious: boolean | null;
}

/** Caps on the search (issue 7: bounded work per chain; BoringSSL's path builder has the same kind). */
export interface SearchLimits {
  /** sent certificates looked at; the rest are ignored with a hint */
  maxCertificates: number;
  /** candidate issuers tried at one step */
  maxCandidatesPerStep: number;
  /** signature verifications for the whole check */
  maxSignatureChecks: number;
}

export const DEFAULT_LIMITS: SearchLimits = { maxCertificates: 32, maxCandidatesPerStep: 8, maxSignatureChecks: 48 };

export interface WalkOptions {
  trust: TrustStore;
  fetchAia?: (url: string) => Promise<AiaResult>;
  maxDepth: number;
  maxAiaFetches: number;
  limits: SearchLimits;
  policy: CheckPolicy;
}

/** The raw outcome of the path search; chain.ts turns it into a ChainReport. */
export interface Walk {
  path: PathNode[];
  /** why candidates were rejected, in the order it happened (Go's hintErr, but all of them) */
  hints: string[];
  missingIssuer: string | null;
  aiaNeeded: boolean;
  fetches: AiaFetch[];
  refusedKeys: RefusedKey[];
  search: PathSearch;
}

type Candidate = Omit<PathNode, 'signedPrevious'>;

export function label(c: Candidate | PathNode): string {
  const name = c.info.subjectCN ? `CN=${c.info.subjectCN}` : c.info.subject;
  if (c.source === 'sent') return `${name} (sent #${c.sentIndex})`;
  if (c.source === 'trust_store') return `${name} (${c.store} trust store)`;
  return `${name} (from AIA)`;
}

/** How good a finished path is: trusted first, then fewer bad signatures, fewer problems, longer (got further). */
type Score = [number, number, number, number];
const better = (a: Score, b: Score) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
};

/**
 * Depth-first search from the leaf to an anchor with backtracking (RFC 4158): at each step a trust anchor
 * first, then the sent certificates, then AIA; candidates whose signature verifies before those whose does
 * not. Every finished path is judged by the §6.1 checks; the first with no problem ends the search, else the
 * best one is reported with all its problems. Names are matched per RFC 5280 §7.1; key identifiers only
 * order candidates (§4.2.1.1: a hint, never a requirement). @peculiar/x509's X509ChainBuilder is not used:
 * it stops silently at a missing issuer and verifies nothing (DESIGN.md, house style).
 */
export class PathWalker {
  readonly walk: Walk;
  readonly #nodeCerts = new Map<string, NodeX509>();
  readonly #verified = new Map<string, boolean>();
  #sentInfos: (CertInfo | null)[];
  #best: { path: PathNode[]; score: Score; missingIssuer: string | null } | null = null;
  #done = false;

  constructor(
    sent: SentCert[],
    private readonly opts: WalkOptions,
  ) {
    const { maxCertificates, maxSignatureChecks } = opts.limits;
    this.#sentInfos = sent.slice(0, maxCertificates).map((c) => (isMalformed(c) ? null : c));
    this.walk = {
      path: [],
      hints: [],
      missingIssuer: null,
      aiaNeeded: false,
      fetches: [],
      refusedKeys: [],
      search: { signatureChecks: 0, maxSignatureChecks, pathsTried: 0, exhausted: null },
    };
    if (sent.length > maxCertificates) {
      this.walk.hints.push(`only the first ${maxCertificates} of ${sent.length} sent certificates were considered`);
      this.walk.search.exhausted = `certificates: ${sent.length} sent, at most ${maxCertificates} considered`;
    }
  }

  async run(leaf: CertInfo): Promise<Walk> {
    this.#refused(leaf, 0);
    await this.#extend([this.#leafNode(leaf)]);
    const best = this.#best ?? {
      path: [this.#leafNode(leaf)],
      score: [0, 0, 0, 1] as Score,
      missingIssuer: leaf.issuer,
    };
    this.walk.path = best.path;
    this.walk.missingIssuer = best.missingIssuer;
    return this.walk;
  }

  #leafNode(leaf: CertInfo): PathNode {
    return { info: leaf, source: 'sent', sentIndex: 0, store: null, signedPrevious: null };
  }

  /** true when the search is over: a valid path was found or a cap was reached. */
  async #extend(path: PathNode[]): Promise<boolean> {
    const current = path[path.length - 1]!;
    // Issue 9 item 3: the leaf is never its own anchor, even when the store holds it.
    const store = path.length > 1 ? this.opts.trust.lookup(current.info.sha256) : null;
    if (store !== null)
      return this.#finish(
        path.map((n, i) => (i === path.length - 1 ? { ...n, store } : n)),
        null,
      );
    if (current.info.selfSigned !== false) return this.#finish(path, null);
    if (path.length >= this.opts.maxDepth) {
      this.walk.hints.push(`stopped after ${this.opts.maxDepth} certificates without reaching a root`);
      return this.#finish(path, null);
    }
    const local = this.#capped(current, [
      ...this.#trustCandidates(current, path),
      ...this.#sentCandidates(current, path),
    ]);
    let tried = await this.#try(path, local);
    if (tried.stop) return true;
    if (!tried.anyVerified && !current.info.selfIssued) {
      const aia = this.#capped(current, await this.#viaAia(current, path));
      const more = await this.#try(path, aia);
      if (more.stop) return true;
      tried = { stop: false, anyVerified: more.anyVerified, failed: [...tried.failed, ...more.failed] };
    } else if (!tried.anyVerified) {
      this.walk.hints.push(`${label(current)} is self-issued but no certificate of its name verifies its signature`);
    }
    if (tried.anyVerified) return false;
    // a same-name certificate whose key id contradicts the authority key id is not the issuer at all
    const plausible = tried.failed.filter((c) => !keyIdsContradict(current.info, c.info));
    for (const c of tried.failed.filter((x) => !plausible.includes(x)))
      this.walk.hints.push(
        `${label(c)} is named like the issuer of ${label(current)} but its key id ${c.info.subjectKeyId} is not the authority key id ${current.info.authorityKeyId}`,
      );
    const worst = plausible.find((c) => c.source === 'sent') ?? plausible[0];
    if (!worst) return this.#finish(path, current.info.issuer);
    this.walk.hints.push(
      `issuer ${label(worst)} found but the signature of ${label(current)} does not verify with its key`,
    );
    // the failing path is still explored, so the report shows how far it got and every error on it
    if (this.#best !== null && this.#best.score[0] === 1) return false;
    return this.#extend([...path, { ...worst, signedPrevious: false }]);
  }

  /** Recurse into each candidate whose signature verifies; those that do not are returned for the fallback. */
  async #try(
    path: PathNode[],
    candidates: Candidate[],
  ): Promise<{ stop: boolean; anyVerified: boolean; failed: Candidate[] }> {
    const current = path[path.length - 1]!;
    const failed: Candidate[] = [];
    let anyVerified = false;
    for (const c of candidates) {
      if (this.#done) break;
      const ok = this.#verifies(current.info, c);
      if (ok === null) break;
      if (!ok) {
        failed.push(c);
        continue;
      }
      anyVerified = true;
      if (await this.#extend([...path, { ...c, signedPrevious: true }])) return { stop: true, anyVerified, failed };
    }
    if (this.#done) {
      // a cap was reached mid-step: the path so far is still judged, so the report has something to show
      if (this.#best === null) this.#finish(path, null);
      return { stop: true, anyVerified, failed };
    }
    return { stop: false, anyVerified, failed };
  }

  #finish(path: PathNode[], missingIssuer: string | null): boolean {
    const last = path[path.length - 1]!;
    const trusted = last.store !== null;
    const problems = allProblems(path, this.opts.policy);
    const badSigs = path.filter((n) => n.signedPrevious === false).length;
    const score: Score = [trusted ? 1 : 0, -badSigs, -problems, path.length];
    this.walk.search.pathsTried++;
    if (this.#best === null || better(score, this.#best.score)) this.#best = { path, score, missingIssuer };
    if (trusted && problems === 0) this.#done = true;
    return this.#done;
  }

  /** The first candidates in preference order, refused keys dropped; the rest are named in a hint. */
  #capped(child: PathNode, all: Candidate[]): Candidate[] {
    const usable = all.filter((c) => !this.#refused(c.info, c.sentIndex));
    const max = this.opts.limits.maxCandidatesPerStep;
    if (usable.length > max) {
      this.walk.hints.push(`${usable.length} candidate issuers for ${label(child)}; only the first ${max} were tried`);
      this.walk.search.exhausted ??= `candidates: ${usable.length} for one step, at most ${max} tried`;
    }
    return usable.slice(0, max);
  }

  #refused(info: CertInfo, sentIndex: number | null): boolean {
    const reason = keyRefusal(info);
    if (reason === null) return false;
    if (!this.walk.refusedKeys.some((r) => r.sha256 === info.sha256))
      this.walk.refusedKeys.push({ sha256: info.sha256, subject: info.subject, sentIndex, reason });
    return true;
  }

  #trustCandidates(child: PathNode, path: PathNode[]): Candidate[] {
    return this.opts.trust
      .findIssuers(child.info)
      .filter((a) => !onPath(path, a.cert))
      .map((a) => ({ info: a.cert, source: 'trust_store', sentIndex: null, store: a.store }));
  }

  #sentCandidates(child: PathNode, path: PathNode[]): Candidate[] {
    const out: Candidate[] = [];
    this.#sentInfos.forEach((info, i) => {
      if (info && !onPath(path, info) && isCandidate(child.info, info))
        out.push({ info, source: 'sent', sentIndex: i, store: null });
    });
    return byKeyId(child.info, out);
  }

  async #viaAia(child: PathNode, path: PathNode[]): Promise<Candidate[]> {
    this.walk.aiaNeeded = true;
    const urls = child.info.aia.caIssuers;
    if (!this.opts.fetchAia) {
      this.walk.hints.push(`the issuer of ${label(child)} was not sent and AIA fetching is off`);
      return [];
    }
    if (urls.length === 0)
      this.walk.hints.push(`the issuer of ${label(child)} was not sent and it has no AIA caIssuers URL`);
    const out: Candidate[] = [];
    for (const url of urls) {
      if (this.walk.fetches.length >= this.opts.maxAiaFetches) {
        this.walk.hints.push(`AIA fetch budget of ${this.opts.maxAiaFetches} spent before ${url}`);
        break;
      }
      const { ders, ...fetch } = await this.#fetch(url);
      this.walk.fetches.push(fetch);
      if (fetch.error) this.walk.hints.push(`AIA ${fetch.error}`);
      const found = ders
        .map((d) => parseCert(d))
        .filter((c): c is CertInfo => !isMalformed(c) && !onPath(path, c) && isCandidate(child.info, c))
        .map((info): Candidate => ({ info, source: 'aia', sentIndex: null, store: null }));
      if (ders.length > 0 && found.length === 0)
        this.walk.hints.push(`AIA ${url} returned ${ders.length} certificate(s), none the issuer of ${label(child)}`);
      out.push(...found);
      if (found.length > 0) break;
    }
    return byKeyId(child.info, out);
  }

  /** The fetcher is specified never to reject; if it does anyway, that is our bug, kept on the record. */
  async #fetch(url: string): Promise<AiaResult> {
    try {
      return await this.opts.fetchAia!(url);
    } catch (err) {
      const error = `bug: AIA fetcher threw: ${err instanceof Error ? err.message : String(err)}`;
      return { url, status: 'error', error, certs: [], ders: [] };
    }
  }

  /**
   * Signature check, memoised per pair and counted against the cap; null once the cap is spent. The answer
   * may come from an earlier check (verifiedPairs) but still counts, so the search and its report are the
   * same whether or not this process has seen the pair before.
   */
  #verifies(child: CertInfo, issuer: Candidate): boolean | null {
    const key = `${child.sha256}:${issuer.info.sha256}`;
    const hit = this.#verified.get(key);
    if (hit !== undefined) return hit;
    const s = this.walk.search;
    if (s.signatureChecks >= s.maxSignatureChecks) {
      s.exhausted ??= `signature checks: cap of ${s.maxSignatureChecks} reached`;
      this.walk.hints.push(`signature check budget of ${s.maxSignatureChecks} spent before trying ${label(issuer)}`);
      this.#done = true;
      return null;
    }
    s.signatureChecks++;
    let ok = verifiedPairs.get(key);
    if (ok === undefined) {
      ok = certVerifiesWith(child, this.#node(issuer.info)) === true;
      if (verifiedPairs.size > CERT_MEMO_MAX) verifiedPairs.clear();
      verifiedPairs.set(key, ok);
    }
    this.#verified.set(key, ok);
    return ok;
  }

  #node(info: CertInfo): NodeX509 {
    let node = this.#nodeCerts.get(info.sha256);
    if (!node) {
      node = toNodeCert(info);
      this.#nodeCerts.set(info.sha256, node);
    }
    return node;
  }
}

/**
 * Signature verdicts by (child, issuer) SHA-256, across checks: whether the issuer's key verifies the child's
 * signature is a pure function of the two DERs. A sweep re-checks the same chains; Let's Encrypt and other
 * large CAs put one intermediate above thousands of leaves. Bounded like name-normalize.ts's memo.
 */
const verifiedPairs = new Map<string, boolean>();

/** A path never holds the same certificate twice (RFC 4158 §5.2: loops); the depth cap bounds the rest. */
function onPath(path: PathNode[], info: CertInfo): boolean {
  return path.some((n) => n.info.sha256 === info.sha256);
}

/** RFC 5280 §4.2.1.1 and §7.1: the issuer's subject equals the child's issuer, after normalisation. */
export function isCandidate(child: CertInfo, issuer: CertInfo): boolean {
  const a = normalizedNames(child.der);
  const b = normalizedNames(issuer.der);
  return a !== null && b !== null && a.issuer === b.subject;
}

function keyIdsContradict(child: CertInfo, issuer: CertInfo): boolean {
  return child.authorityKeyId !== null && issuer.subjectKeyId !== null && child.authorityKeyId !== issuer.subjectKeyId;
}

/** Candidates whose subject key id equals the child's authority key id first; order otherwise kept. */
export function byKeyId<T extends { info: CertInfo }>(child: CertInfo, list: T[]): T[] {
  const rank = (c: T) => {
    if (child.authorityKeyId === null || c.info.subjectKeyId === null) return 1;
    return c.info.subjectKeyId === child.authorityKeyId ? 0 : 2;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}
