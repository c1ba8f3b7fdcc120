import type { AiaResult } from './aia.js';
import { isMalformed } from './certinfo.js';
import { DEFAULT_LIMITS, label, PathWalker, type SearchLimits, type Walk } from './chain-build.js';
import { type CheckPolicy, DEFAULT_ANCHOR_POLICY, structuralProblems } from './chain-checks.js';
import { analyseSent, describeLinks } from './chain-verify.js';
import type { TrustStore } from './trust.js';
import type { AnchorPolicy, ChainReport, Purpose, SentCert } from './types.js';

export interface BuildChainOptions {
  trust: TrustStore;
  /** omitted: AIA is not fetched (the report says it was needed) */
  fetchAia?: (url: string) => Promise<AiaResult>;
  /** validity dates decide between candidate paths; the rules report them */
  now: Date;
  /** what the path must be valid for (default: a TLS server) */
  purpose?: Purpose;
  /** which of an anchor's own fields count (default: constraints when present, not its expiry) */
  anchorPolicy?: AnchorPolicy;
  /** caps on the search (default DEFAULT_LIMITS) */
  limits?: Partial<SearchLimits>;
  /** certificates on the path, leaf and anchor included */
  maxDepth?: number;
  maxAiaFetches?: number;
}

/**
 * Build and check the path from what the server sent (sent[0] is the leaf) to an anchor: every candidate
 * issuer explored with backtracking, under caps, and the §6.1 checks recorded per certificate as
 * `problems`. Validity dates and the host name are the rules' to report. Never throws: a failure of our
 * own ends up in rejectionHint as "bug: …".
 */
export async function buildChain(sent: SentCert[], opts: BuildChainOptions): Promise<ChainReport> {
  const leaf = sent[0];
  if (!leaf) return emptyReport(sent, 'the server sent no certificate');
  if (isMalformed(leaf)) return emptyReport(sent, `the first certificate could not be parsed: ${leaf.error}`);
  try {
    const policy: CheckPolicy = {
      now: opts.now,
      purpose: opts.purpose ?? 'server',
      anchor: opts.anchorPolicy ?? DEFAULT_ANCHOR_POLICY,
    };
    const walker = new PathWalker(sent, {
      trust: opts.trust,
      fetchAia: opts.fetchAia,
      maxDepth: opts.maxDepth ?? 10,
      maxAiaFetches: opts.maxAiaFetches ?? 3,
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      policy,
    });
    return toReport(sent, await walker.run(leaf), policy);
  } catch (err) {
    return emptyReport(sent, `bug: chain building failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function toReport(sent: SentCert[], walk: Walk, policy: CheckPolicy): ChainReport {
  const { path } = walk;
  const last = path[path.length - 1]!;
  const usage = analyseSent(sent, path);
  const links = describeLinks(path);
  const trusted = last.store !== null;
  const untrustedRoot = !trusted && walk.missingIssuer === null && last.info.selfSigned === true;
  const clean = trusted && links.every((l) => l.signatureValid === true);
  return {
    built: path.map((n) => n.info),
    sources: path.map((n) => n.source),
    links,
    trusted,
    anchorStore: last.store,
    missingIssuer: walk.missingIssuer,
    untrustedRoot,
    unusedSent: usage.unusedSent,
    outOfOrder: usage.outOfOrder,
    rootSentAt: usage.rootSentAt,
    aia: {
      needed: walk.aiaNeeded,
      fetches: walk.fetches,
      completedChain: trusted && path.some((n) => n.source === 'aia'),
    },
    rejectionHint: clean ? null : (walk.hints[0] ?? endHint(walk)),
    problems: structuralProblems(path, policy),
    refusedKeys: walk.refusedKeys,
    search: walk.search,
    anchorPolicy: policy.anchor,
  };
}

function endHint(walk: Walk): string | null {
  const last = walk.path[walk.path.length - 1]!;
  if (walk.missingIssuer !== null)
    return `no certificate named ${walk.missingIssuer} (issuer of ${label(last)}) was found`;
  if (last.info.selfSigned === true)
    return `the path ends at self-signed ${label(last)}, which is not in the trust store`;
  return null;
}

function emptyReport(sent: SentCert[], hint: string): ChainReport {
  return {
    built: [],
    sources: [],
    links: [],
    trusted: false,
    anchorStore: null,
    missingIssuer: null,
    untrustedRoot: false,
    unusedSent: sent.map((_, i) => i).slice(1),
    outOfOrder: false,
    rootSentAt: null,
    aia: { needed: false, fetches: [], completedChain: false },
    rejectionHint: hint,
  };
}
