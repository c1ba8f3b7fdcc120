import type { X509Certificate as NodeX509 } from 'node:crypto';
import type { AiaResult } from './aia.js';
import { isMalformed, parseCert, toNodeCert, verifiesWith } from './certinfo.js';
import { rawNamesB64 } from './der-names.js';
import { type AnchorStore, keyIdsCompatible, type TrustStore } from './trust.js';
import type { AiaFetch, CertInfo, CertSource, SentCert } from './types.js';

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

export interface WalkOptions {
  trust: TrustStore;
  fetchAia?: (url: string) => Promise<AiaResult>;
  maxDepth: number;
  maxAiaFetches: number;
}

/** The raw outcome of the path search; chain.ts turns it into a ChainReport. */
export interface Walk {
  path: PathNode[];
  /** why candidates were rejected, in the order it happened (Go's hintErr, but all of them) */
  hints: string[];
  missingIssuer: string | null;
  aiaNeeded: boolean;
  fetches: AiaFetch[];
}

type Candidate = Omit<PathNode, 'signedPrevious'>;

export function label(c: Candidate | PathNode): string {
  const name = c.info.subjectCN ? `CN=${c.info.subjectCN}` : c.info.subject;
  if (c.source === 'sent') return `${name} (sent #${c.sentIndex})`;
  if (c.source === 'trust_store') return `${name} (${c.store} trust store)`;
  return `${name} (from AIA)`;
}

/**
 * Walk from the leaf towards an anchor, one issuer at a time: a trusted anchor first (so a sent copy or
 * cross-sign of a trusted root never lengthens the path), then the other sent certificates, then AIA.
 * A candidate needs the issuer's name and compatible key identifiers and is accepted only when the
 * signature verifies. @peculiar/x509's X509ChainBuilder is not used: it stops silently at a missing
 * issuer and verifies nothing (DESIGN.md, house style).
 */
export class PathWalker {
  readonly walk: Walk = { path: [], hints: [], missingIssuer: null, aiaNeeded: false, fetches: [] };
  readonly #nodeCerts = new Map<string, NodeX509>();
  #sentInfos: (CertInfo | null)[];

  constructor(
    sent: SentCert[],
    private readonly opts: WalkOptions,
  ) {
    this.#sentInfos = sent.map((c) => (isMalformed(c) ? null : c));
  }

  async run(leaf: CertInfo): Promise<Walk> {
    const { path } = this.walk;
    path.push({ info: leaf, source: 'sent', sentIndex: 0, store: null, signedPrevious: null });
    for (;;) {
      const current = path[path.length - 1]!;
      current.store ??= this.opts.trust.lookup(current.info.sha256);
      if (current.store !== null || current.info.selfSigned !== false) return this.walk;
      if (path.length >= this.opts.maxDepth) {
        this.walk.hints.push(`stopped after ${this.opts.maxDepth} certificates without reaching a root`);
        return this.walk;
      }
      const next = await this.#issuerOf(current);
      if (!next) {
        this.walk.missingIssuer = current.info.issuer;
        return this.walk;
      }
      path.push(next);
    }
  }

  async #issuerOf(child: PathNode): Promise<PathNode | null> {
    const local = [...this.#trustCandidates(child), ...this.#sentCandidates(child)];
    const found = this.#pick(child, local);
    if (found) return found;
    if (child.info.selfIssued) {
      this.walk.hints.push(`${label(child)} is self-issued but its signature does not verify with its own key`);
      return null;
    }
    this.#hintNameOnlyMatches(child);
    return this.#viaAia(child);
  }

  /** The first candidate whose signature verifies; else the first that failed, recorded as such. */
  #pick(child: PathNode, candidates: Candidate[]): PathNode | null {
    const failed: Candidate[] = [];
    for (const c of candidates) {
      if (this.#verifies(child.info, c.info)) return { ...c, signedPrevious: true };
      failed.push(c);
    }
    const worst = failed.find((c) => c.source === 'sent') ?? failed[0];
    if (!worst) return null;
    this.walk.hints.push(
      `issuer ${label(worst)} found but the signature of ${label(child)} does not verify with its key`,
    );
    return { ...worst, signedPrevious: false };
  }

  #trustCandidates(child: PathNode): Candidate[] {
    return this.opts.trust
      .findIssuers(child.info)
      .filter((a) => !this.#onPath(a.cert))
      .map((a) => ({ info: a.cert, source: 'trust_store', sentIndex: null, store: a.store }));
  }

  #sentCandidates(child: PathNode): Candidate[] {
    const out: Candidate[] = [];
    this.#sentInfos.forEach((info, i) => {
      if (info && !this.#onPath(info) && this.#isCandidate(child.info, info)) {
        out.push({ info, source: 'sent', sentIndex: i, store: null });
      }
    });
    const exact = (c: Candidate) =>
      c.info.subjectKeyId !== null && c.info.subjectKeyId === child.info.authorityKeyId ? 0 : 1;
    return out.sort((a, b) => exact(a) - exact(b));
  }

  #hintNameOnlyMatches(child: PathNode): void {
    this.#sentInfos.forEach((info, i) => {
      if (info && !this.#onPath(info) && this.#nameMatches(child.info, info) && !keyIdsCompatible(child.info, info)) {
        this.walk.hints.push(
          `sent #${i} is named like the issuer of ${label(child)} but its key id ${info.subjectKeyId} is not the authority key id ${child.info.authorityKeyId}`,
        );
      }
    });
  }

  async #viaAia(child: PathNode): Promise<PathNode | null> {
    this.walk.aiaNeeded = true;
    const urls = child.info.aia.caIssuers;
    if (!this.opts.fetchAia) {
      this.walk.hints.push(`the issuer of ${label(child)} was not sent and AIA fetching is off`);
      return null;
    }
    if (urls.length === 0)
      this.walk.hints.push(`the issuer of ${label(child)} was not sent and it has no AIA caIssuers URL`);
    for (const url of urls) {
      if (this.walk.fetches.length >= this.opts.maxAiaFetches) {
        this.walk.hints.push(`AIA fetch budget of ${this.opts.maxAiaFetches} spent before ${url}`);
        return null;
      }
      const { ders, ...fetch } = await this.#fetch(url);
      this.walk.fetches.push(fetch);
      if (fetch.error) this.walk.hints.push(`AIA ${fetch.error}`);
      const candidates = ders
        .map(parseCert)
        .filter((c): c is CertInfo => !isMalformed(c) && !this.#onPath(c) && this.#isCandidate(child.info, c))
        .map((info): Candidate => ({ info, source: 'aia', sentIndex: null, store: null }));
      if (ders.length > 0 && candidates.length === 0) {
        this.walk.hints.push(`AIA ${url} returned ${ders.length} certificate(s), none the issuer of ${label(child)}`);
      }
      const found = this.#pick(child, candidates);
      if (found) return found;
    }
    return null;
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

  /** RFC 5280 §4.2.1.1: name chaining, with key identifiers telling apart CAs that share a name. */
  #isCandidate(child: CertInfo, issuer: CertInfo): boolean {
    return this.#nameMatches(child, issuer) && keyIdsCompatible(child, issuer);
  }

  #nameMatches(child: CertInfo, issuer: CertInfo): boolean {
    const a = rawNamesB64(child.der);
    const b = rawNamesB64(issuer.der);
    return a !== null && b !== null && a.issuer === b.subject;
  }

  #onPath(info: CertInfo): boolean {
    return this.walk.path.some((n) => n.info.sha256 === info.sha256);
  }

  #verifies(child: CertInfo, issuer: CertInfo): boolean {
    return verifiesWith(this.#node(child), this.#node(issuer)) === true;
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
