/**
 * Synthetic ProbeReports from small declarative specs, for rule and diagnosis tests. Certificates are real:
 * minted by the test PKI factory and parsed by parseCert, so rules see exactly what the probe would give them.
 * Everything else (resolution, handshakes, chain report, protocol scan, HTTP) defaults to a healthy endpoint
 * and is overridden per case.
 */
import { toNodeCert, verifiesWith } from '../../src/probe/certinfo.js';
import { DEFAULT_ANCHOR_POLICY, structuralProblems } from '../../src/probe/chain-checks.js';
import type {
  Attempt,
  CertInfo,
  CertSource,
  ChainLink,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  HttpResult,
  PathProblem,
  ProbeErrorCode,
  ProbeReport,
  ProtocolSupport,
  ResolvedAddress,
  RevocationReport,
  SentCert,
  Target,
  TlsVersion,
} from '../../src/probe/types.js';
import { type CertSpec, type Chain, makeCert, makeChain } from './pki.js';

export const NOW = new Date('2025-06-15T12:00:00.000Z');
export const DAY = 86_400_000;
export const PRIMARY = '203.0.113.10';

/** `days` from NOW (negative: in the past), plus optional extra milliseconds. */
export function at(days: number, ms = 0): Date {
  return new Date(NOW.getTime() + days * DAY + ms);
}

export type Err = { status: 'error'; code: ProbeErrorCode; error: string };
export function err(code: ProbeErrorCode, error = `simulated ${code}`): Err {
  return { status: 'error', code, error };
}
export function skipped(why = 'skipped in test'): { status: 'skipped'; why: string } {
  return { status: 'skipped', why };
}
export function ok<T>(result: T): { status: 'completed'; result: T } {
  return { status: 'completed', result };
}

export interface ReportSpec {
  now?: Date;
  target?: Partial<Target>;
  root?: Partial<CertSpec>;
  /** default: one intermediate */
  intermediates?: Partial<CertSpec>[];
  leaf?: Partial<CertSpec>;
  /** the leaf is self-signed (no CA above it); the default chain report is then the untrusted one-cert path */
  selfSignedLeaf?: boolean;
  /** what the server sends, given the minted chain; default leaf + intermediates */
  send?: (c: Chain) => SentCert[];
  /** the primary handshake; an error replaces the completed handshake */
  handshake?: Err | { status: 'skipped'; why: string };
  /** where the primary handshake's sent chain was read from (default 'wire': the handshake records) */
  sentChainSource?: 'wire' | 'tls_library';
  /** chain report overrides (merged over the default trusted path), or an attempt that replaces it */
  chain?: Partial<ChainReport> | ((c: Chain, sent: SentCert[]) => Partial<ChainReport>) | Err;
  /** the no-SNI handshake: 'same' (default) serves the same chain, or a leaf, or an attempt */
  noSni?: 'same' | CertInfo | Err | { status: 'skipped'; why: string };
  /** per version: true/false or a full attempt; default TLS 1.2 and 1.3 yes, 1.0 and 1.1 refused */
  protocols?: Partial<Record<TlsVersion, boolean | Attempt<boolean>>> | Err;
  /** HTTP overrides or an attempt that replaces it; default 200 with HSTS and an accurate Date */
  http?: Partial<HttpResult> | Err | { status: 'skipped'; why: string };
  resolution?: Attempt<ResolvedAddress[]>;
  /**
   * extra endpoints after the primary: 'same' serves the primary's chain, a leaf, a whole sent chain, or a
   * handshake error; `protocols` / `http` are that address's own scan and response (default: as the primary's)
   */
  backends?: Backend[];
  /** leave out the per-address protocols/http, as in reports stored before per-address scans */
  legacyReport?: boolean;
  /** the primary's revocation checks; default: every checked certificate "good" by a current CRL */
  revocation?: Attempt<RevocationReport>;
}

export interface Backend {
  address: string;
  serve: 'same' | CertInfo | SentCert[] | Err;
  /** the chain report for this address (default: the primary's when it serves the same chain, else skipped) */
  chain?: Attempt<ChainReport>;
  protocols?: ReportSpec['protocols'];
  http?: ReportSpec['http'];
  /** the no-SNI handshake of this address (default: the same as with SNI) */
  noSni?: CertInfo | Err;
}

export interface Built {
  report: ProbeReport;
  chain: Chain;
  now: Date;
}

export const defaultLeaf: Partial<CertSpec> = {
  subject: 'CN=example.com',
  dnsNames: ['example.com', 'www.example.com'],
  ipAddresses: [],
};

function target(t: Partial<Target> = {}): Target {
  const host = t.host ?? 'example.com';
  return {
    input: t.input ?? host,
    host,
    port: t.port ?? 443,
    sni: t.sni !== undefined ? t.sni : t.ipVersion ? null : host,
    protocol: t.protocol ?? 'https',
    ipVersion: t.ipVersion ?? null,
    unicodeHost: t.unicodeHost ?? null,
  };
}

export function handshakeOf(sentChain: SentCert[], protocol = 'TLSv1.3'): HandshakeResult {
  return {
    protocol,
    cipher: 'TLS_AES_128_GCM_SHA256',
    alpn: null,
    sentChain,
    ocspStaple: null,
    timings: { connectMs: 1, tlsMs: 2 },
  };
}

function link(cert: CertInfo, issuer: CertInfo): ChainLink {
  return {
    signatureValid: verifiesWith(toNodeCert(cert), toNodeCert(issuer)),
    issuerIsCa: issuer.basicConstraints?.ca ?? false,
    issuerCanSign: issuer.keyUsage === null || issuer.keyUsage.includes('keyCertSign'),
    pathLenOk: true,
  };
}

/** The path a chain builder would report for a well-formed chain: sent leaf + intermediates, root from the store. */
export function trustedPath(c: Chain): ChainReport {
  const built = [c.leaf.info, ...c.intermediates.map((i) => i.info), c.root.info];
  return {
    built,
    sources: built.map((_, i) => (i === built.length - 1 ? 'trust_store' : 'sent')),
    links: built.slice(0, -1).map((cert, i) => link(cert, built[i + 1]!)),
    trusted: true,
    anchorStore: 'mozilla',
    missingIssuer: null,
    untrustedRoot: false,
    unusedSent: [],
    outOfOrder: false,
    rootSentAt: null,
    aia: { needed: false, fetches: [], completedChain: false },
    rejectionHint: null,
    problems: problemsOf(built),
    refusedKeys: [],
  };
}

/** The §6.1 problems the real path builder records for this path (the real checks, not a copy). */
function problemsOf(built: CertInfo[]): PathProblem[] {
  const nodes = built.map((info, i) => ({
    info,
    source: (i === built.length - 1 && i > 0 ? 'trust_store' : 'sent') as CertSource,
    sentIndex: i,
    store: null,
    signedPrevious: i === 0 ? null : true,
  }));
  return structuralProblems(nodes, { now: NOW, purpose: 'server', anchor: DEFAULT_ANCHOR_POLICY });
}

/** A self-signed leaf alone: the path is the leaf, ending at a root that is not in the store. */
export function selfSignedPath(leaf: CertInfo): ChainReport {
  return {
    ...trustedPath({ leaf: { info: leaf }, intermediates: [], root: { info: leaf } } as unknown as Chain),
    built: [leaf],
    sources: ['sent'],
    links: [],
    trusted: false,
    anchorStore: null,
    untrustedRoot: true,
    problems: problemsOf([leaf]),
  };
}

function chainAttempt(spec: ReportSpec, c: Chain, sent: SentCert[]): Attempt<ChainReport> {
  const s = spec.chain;
  if (s && 'status' in s && (s as Err).status === 'error') return s as Err;
  const overrides = typeof s === 'function' ? s(c, sent) : ((s as Partial<ChainReport> | undefined) ?? {});
  const base = spec.selfSignedLeaf ? selfSignedPath(c.leaf.info) : trustedPath(c);
  return ok({ ...base, ...overrides });
}

function protocolScan(spec: Pick<ReportSpec, 'protocols'>): Attempt<ProtocolSupport> {
  const p = spec.protocols;
  if (p && 'status' in p) return p as Err;
  const want = { 'TLSv1.2': true, 'TLSv1.3': true, ...(p as object) } as Partial<
    Record<TlsVersion, boolean | Attempt<boolean>>
  >;
  const one = (v: TlsVersion): Attempt<boolean> => {
    const w = want[v];
    if (typeof w === 'object') return w;
    return w ? ok(true) : err('handshake_failed', `${v}: protocol version not supported (alert 70)`);
  };
  return ok({ TLSv1: one('TLSv1'), 'TLSv1.1': one('TLSv1.1'), 'TLSv1.2': one('TLSv1.2'), 'TLSv1.3': one('TLSv1.3') });
}

function httpAttempt(spec: Pick<ReportSpec, 'http'>, now: Date): Attempt<HttpResult> {
  const h = spec.http;
  if (h && 'status' in h && typeof h.status === 'string') return h as Err;
  return ok({
    status: 200,
    date: new Date(now.getTime() - (now.getTime() % 1000)).toUTCString(),
    server: 'nginx/1.25.3',
    strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    receivedAt: new Date(now.getTime() + 40).toISOString(),
    ...(h as Partial<HttpResult> | undefined),
  });
}

function noSniAttempt(spec: ReportSpec, sent: SentCert[]): Attempt<HandshakeResult> {
  const n = spec.noSni ?? 'same';
  if (n === 'same') return ok(handshakeOf(sent));
  if ('status' in n) return n;
  return ok(handshakeOf([n]));
}

function backend(
  b: Backend,
  spec: ReportSpec,
  sent: SentCert[],
  chain: Attempt<ChainReport>,
  now: Date,
): EndpointReport {
  const { serve } = b;
  const hs: Attempt<HandshakeResult> =
    serve === 'same'
      ? ok(handshakeOf(sent))
      : Array.isArray(serve)
        ? ok(handshakeOf(serve))
        : 'status' in serve
          ? serve
          : ok(handshakeOf([serve]));
  const reached = hs.status === 'completed';
  const ownChain = b.chain ?? (serve === 'same' ? chain : skipped('chain not given in the test spec'));
  const ep: EndpointReport = {
    address: b.address,
    family: 4 as const,
    handshake: hs,
    noSni: b.noSni === undefined ? hs : 'status' in b.noSni ? b.noSni : ok(handshakeOf([b.noSni])),
    chain: reached ? ownChain : skipped(),
  };
  if (spec.legacyReport) return ep;
  ep.protocols =
    reached || b.protocols ? protocolScan({ protocols: b.protocols ?? spec.protocols }) : skipped('no handshake');
  const https = (spec.target?.protocol ?? 'https') === 'https';
  ep.http = !https
    ? skipped('not https')
    : reached || b.http
      ? httpAttempt({ http: b.http ?? spec.http }, now)
      : skipped('no handshake');
  return ep;
}

/** Minting costs tens of ms per certificate; identical specs share one chain (rules never mutate it). */
const minted = new Map<string, Promise<Chain>>();

function mintChain(spec: ReportSpec, now: Date): Promise<Chain> {
  const chainSpec = { root: spec.root, intermediates: spec.intermediates, leaf: { ...defaultLeaf, ...spec.leaf } };
  const key = JSON.stringify({ chainSpec, selfSigned: !!spec.selfSignedLeaf, now });
  let chain = minted.get(key);
  if (!chain) {
    chain = makeChain(chainSpec, now).then(async (c) => {
      if (!spec.selfSignedLeaf) return c;
      return { ...c, leaf: await makeCert({ ...c.leaf.spec, ca: false }), intermediates: [] };
    });
    minted.set(key, chain);
  }
  return chain;
}

/** What a healthy endpoint's CRLs say: every certificate on the path but the anchor is good. */
function goodRevocation(chain: Attempt<ChainReport>): Attempt<RevocationReport> {
  if (chain.status !== 'completed') return skipped('no chain was built');
  const certs = chain.result.built.flatMap((c, i) =>
    chain.result.sources[i] === 'trust_store'
      ? []
      : [
          {
            certIndex: i,
            sha256: c.sha256,
            status: 'good' as const,
            revokedAt: null,
            reason: null,
            revokedBy: null,
            noPointers: false,
            sources: [
              {
                kind: 'crl' as const,
                url: 'http://crl.example.net/ca.crl',
                outcome: 'good' as const,
                revokedAt: null,
                reason: null,
                thisUpdate: null,
                nextUpdate: null,
                problem: null,
                error: null,
              },
            ],
          },
        ],
  );
  return ok({ certs, mustStaple: false, stapled: false, notes: [] });
}

/** Mint the chain (or reuse an identical one) and assemble the report. */
export async function reportWith(spec: ReportSpec = {}): Promise<Built> {
  const now = spec.now ?? NOW;
  const chain = await mintChain(spec, now);
  const sent = spec.send ? spec.send(chain) : [chain.leaf.info, ...chain.intermediates.map((i) => i.info)];
  const tgt = target(spec.target);
  const handshake = spec.handshake ?? ok({ ...handshakeOf(sent), sentChainSource: spec.sentChainSource ?? 'wire' });
  const chainReport = handshake.status === 'completed' ? chainAttempt(spec, chain, sent) : skipped('no handshake');
  const primary: EndpointReport = {
    address: tgt.ipVersion ? tgt.host : PRIMARY,
    family: tgt.ipVersion === 6 ? 6 : 4,
    handshake,
    noSni: tgt.sni === null ? skipped('IP target: no SNI') : noSniAttempt(spec, sent),
    chain: chainReport,
    revocation: spec.revocation ?? goodRevocation(chainReport),
  };
  const others = (spec.backends ?? []).map((b) => backend(b, spec, sent, chainReport, now));
  const addresses = [primary, ...others].map((e) => ({
    address: e.address,
    family: e.family,
    allowed: true,
    blockedBy: null,
  }));
  const reachable = handshake.status === 'completed';
  const resolved = spec.resolution ?? ok(addresses);
  const probed = resolved.status === 'completed' && resolved.result.some((a) => a.allowed);
  const protocols = probed && (reachable || spec.protocols) ? protocolScan(spec) : skipped('no handshake');
  const http =
    tgt.protocol !== 'https'
      ? skipped('not https')
      : probed && (reachable || spec.http)
        ? httpAttempt(spec, now)
        : skipped('no handshake');
  if (!spec.legacyReport) Object.assign(primary, { protocols, http });
  const report: ProbeReport = {
    target: tgt,
    startedAt: now.toISOString(),
    resolution: resolved,
    endpoints: probed ? [primary, ...others] : [],
    protocols,
    http,
    revocation: skipped('revocation is not checked yet'),
    timings: { totalMs: 20, dnsMs: 1 },
    options: { timeoutMs: 10_000, extraCaCount: 0 },
  };
  return { report, chain, now };
}
