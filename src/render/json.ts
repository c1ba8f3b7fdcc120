/**
 * The Diagnosis as JSON for scripts and monitoring: a documented, stable shape (keys in a fixed order, built
 * field by field rather than dumping internal objects) so a new internal field never changes the output by accident.
 * Raw DER is left out unless asked for: it is large and anyone who needs it can ask for it.
 */

import type {
  Attempt,
  CertInfo,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  HttpResult,
  ProtocolSupport,
  RevocationReport,
  SentCert,
  Target,
  TlsVersion,
} from '../probe/types.js';
import { observed } from '../rules/lib/observed.js';
import type { Diagnosis, Finding } from '../rules/types.js';

export interface JsonOptions {
  /** include each certificate's DER (base64) */
  includeDer?: boolean;
}

/** Bumped when a field changes meaning or disappears; new fields do not bump it. */
export const JSON_FORMAT = 'cert-doctor.diagnosis/1';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };
type Obj = { [key: string]: Json | undefined };

const VERSIONS: TlsVersion[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'];

export function renderJson(d: Diagnosis, opts: JsonOptions = {}): string {
  return `${JSON.stringify(toJson(d, opts), null, 2)}\n`;
}

/** The JSON document as a plain object (for callers that embed it). */
export function toJson(d: Diagnosis, opts: JsonOptions = {}): Obj {
  const der = opts.includeDer === true;
  const r = d.report;
  const primary = r.endpoints[0] ?? null;
  return {
    format: JSON_FORMAT,
    target: target(d.target),
    verdict: d.verdict,
    headline: d.headline?.code ?? null,
    checkedAt: d.checkedAt,
    serverStack: d.serverStack,
    stack: d.stack
      ? {
          product: d.stack.product,
          label: d.stack.label,
          stack: d.stack.stack,
          confidence: d.stack.confidence,
          how: [...d.stack.how],
          ...(d.stack.signals ? { signals: d.stack.signals.map((x) => ({ ...x })) } : {}),
        }
      : undefined,
    findings: d.findings.map(finding),
    verification: d.verification ? { valid: d.verification.valid, codes: [...d.verification.codes] } : undefined,
    source: r.source,
    resolution: attempt(r.resolution, (list) => ({
      addresses: list.map((a) => ({
        address: a.address,
        family: a.family,
        allowed: a.allowed,
        blockedBy: a.blockedBy,
      })),
    })),
    endpoints: r.endpoints.map((ep) => endpoint(ep, d, der)),
    chain: primary ? chains(primary, der) : null,
    protocols: protocolsJson(r.protocols),
    http: httpJson(r.http),
    timings: { totalMs: r.timings.totalMs, dnsMs: r.timings.dnsMs },
    options: { timeoutMs: r.options.timeoutMs, extraCaCount: r.options.extraCaCount, purpose: r.options.purpose },
    deadline: r.deadline
      ? {
          timeoutMs: r.deadline.timeoutMs,
          elapsedMs: r.deadline.elapsedMs,
          reached: r.deadline.reached,
          unfinished: r.deadline.unfinished,
        }
      : undefined,
    results: d.results.map((x) => ({ code: x.code, status: x.status, why: x.why })),
  };
}

function target(t: Target): Obj {
  return {
    input: t.input,
    host: t.host,
    port: t.port,
    sni: t.sni,
    protocol: t.protocol,
    ipVersion: t.ipVersion,
    unicodeHost: t.unicodeHost,
  };
}

function finding(f: Finding): Obj {
  return {
    code: f.code,
    severity: f.severity,
    certIndex: f.certIndex,
    addresses: f.addresses ? [...f.addresses] : undefined,
    summary: f.summary,
    params: sortedParams(f.params),
    causes: [...f.causes],
    clients: f.clients.map((c) => ({ client: c.client, effect: c.effect, note: c.note })),
    fixes: f.fixes.map((x) => ({
      audience: x.audience,
      stack: x.stack,
      title: x.title,
      steps: [...x.steps],
      command: x.command,
      warning: x.warning,
    })),
  };
}

/** Rules add params in whatever order they like; sorting keeps the output stable across refactors. */
function sortedParams(params: Finding['params']): Obj {
  const out: Obj = {};
  for (const key of Object.keys(params).sort()) out[key] = params[key] ?? null;
  return out;
}

/** `{status:'completed', …fields}` | `{status:'error', code, message}` | `{status:'skipped', why}`. */
function attempt<T>(a: Attempt<T>, fields: (result: T) => Obj): Obj {
  if (a.status === 'error') {
    const seen = a.partial === undefined ? {} : { partial: fields(a.partial) };
    return { status: 'error', code: a.code, message: a.error, ...seen };
  }
  if (a.status === 'skipped') return { status: 'skipped', why: a.why };
  return { status: 'completed', ...fields(a.result) };
}

/**
 * One probed address: its handshakes, its own chain (as sent and as built, like the top-level `chain` of the
 * primary), its own protocol scan and HTTP response when the report has them, and the verdict the diagnosis
 * gave it with the codes that hold on it.
 */
function endpoint(ep: EndpointReport, d: Diagnosis, der: boolean): Obj {
  const judged = d.endpoints?.find((x) => x.address === ep.address);
  const sent = (observed(ep.handshake)?.sentChain ?? []).map((c) => sentCert(c, der));
  return {
    address: ep.address,
    family: ep.family,
    handshake: attempt(ep.handshake, handshake),
    noSni: attempt(ep.noSni, handshake),
    chain: attempt(ep.chain, (c) => ({
      trusted: c.trusted,
      length: c.built.length,
      sent,
      built: attempt<ChainReport>({ status: 'completed', result: c }, (x) => builtChain(x, der)),
    })),
    protocols: ep.protocols ? protocolsJson(ep.protocols) : undefined,
    http: ep.http ? httpJson(ep.http) : undefined,
    verdict: judged?.verdict,
    codes: judged ? [...judged.codes] : undefined,
    revocation: ep.revocation === undefined ? undefined : attempt(ep.revocation, revocation),
  };
}

function revocation(r: RevocationReport): Obj {
  return {
    mustStaple: r.mustStaple,
    stapled: r.stapled,
    notes: [...r.notes],
    certs: r.certs.map((c) => ({
      certIndex: c.certIndex,
      sha256: c.sha256,
      status: c.status,
      revokedAt: c.revokedAt,
      reason: c.reason,
      revokedBy: c.revokedBy,
      noPointers: c.noPointers,
      sources: c.sources.map((s) => ({
        kind: s.kind,
        url: s.url,
        outcome: s.outcome,
        revokedAt: s.revokedAt,
        reason: s.reason,
        thisUpdate: s.thisUpdate,
        nextUpdate: s.nextUpdate,
        problem: s.problem,
        error: s.error,
        cached: s.cached === true,
        notes: [...(s.notes ?? [])],
      })),
    })),
  };
}

function protocolsJson(p: Attempt<ProtocolSupport>): Obj {
  return attempt(p, (x) => ({ versions: protocolVersions(x) }));
}

function httpJson(h: Attempt<HttpResult>): Obj {
  return attempt(h, (x) => ({
    httpStatus: x.status,
    date: x.date,
    server: x.server,
    strictTransportSecurity: x.strictTransportSecurity,
    receivedAt: x.receivedAt,
  }));
}

function handshake(h: HandshakeResult): Obj {
  const leaf = h.sentChain[0];
  return {
    protocol: h.protocol,
    cipher: h.cipher,
    alpn: h.alpn,
    timings: { connectMs: h.timings.connectMs, tlsMs: h.timings.tlsMs },
    leafSha256: leaf && !('malformed' in leaf) ? leaf.sha256 : null,
    sentCount: h.sentChain.length,
    ocspStapled: h.ocspStaple !== null,
    clientCertRequest: h.clientCertRequest
      ? {
          required: h.clientCertRequest.required,
          caNames: [...h.clientCertRequest.caNames],
          refusal: h.clientCertRequest.refusal,
        }
      : null,
  };
}

function chains(ep: EndpointReport, der: boolean): Obj {
  const sent = (observed(ep.handshake)?.sentChain ?? []).map((c) => sentCert(c, der));
  return { sent, built: attempt(ep.chain, (c) => builtChain(c, der)) };
}

function builtChain(c: ChainReport, der: boolean): Obj {
  return {
    trusted: c.trusted,
    anchorStore: c.anchorStore,
    missingIssuer: c.missingIssuer,
    untrustedRoot: c.untrustedRoot,
    unusedSent: [...c.unusedSent],
    outOfOrder: c.outOfOrder,
    rootSentAt: c.rootSentAt,
    rejectionHint: c.rejectionHint,
    aia: {
      needed: c.aia.needed,
      completedChain: c.aia.completedChain,
      fetches: c.aia.fetches.map((f) => ({ url: f.url, status: f.status, error: f.error, certs: [...f.certs] })),
    },
    certs: c.built.map((cert, i) => ({ ...certJson(cert, der), source: c.sources[i] ?? null, link: link(c, i) })),
  };
}

function link(c: ChainReport, i: number): Json {
  const l = c.links[i];
  if (!l) return null;
  return {
    signatureValid: l.signatureValid,
    issuerIsCa: l.issuerIsCa,
    issuerCanSign: l.issuerCanSign,
    pathLenOk: l.pathLenOk,
  };
}

function sentCert(c: SentCert, der: boolean): Obj {
  if ('malformed' in c) return { malformed: true, error: c.error, der: der ? c.der : undefined };
  return certJson(c, der);
}

function certJson(c: CertInfo, der: boolean): Obj {
  return {
    subject: c.subject,
    issuer: c.issuer,
    subjectCN: c.subjectCN,
    issuerCN: c.issuerCN,
    san: c.san ? { dns: [...c.san.dns], ip: [...c.san.ip], other: [...c.san.other] } : null,
    serialNumber: c.serialNumber,
    sha256: c.sha256,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    key: { algorithm: c.key.algorithm, bits: c.key.bits, curve: c.key.curve },
    signatureAlgorithm: {
      oid: c.signatureAlgorithm.oid,
      name: c.signatureAlgorithm.name,
      hash: c.signatureAlgorithm.hash,
    },
    basicConstraints: c.basicConstraints
      ? { ca: c.basicConstraints.ca, pathLength: c.basicConstraints.pathLength, critical: c.basicConstraints.critical }
      : null,
    keyUsage: c.keyUsage ? [...c.keyUsage] : null,
    extKeyUsage: c.extKeyUsage ? [...c.extKeyUsage] : null,
    selfSigned: c.selfSigned,
    mustStaple: c.mustStaple,
    aia: { caIssuers: [...c.aia.caIssuers], ocsp: [...c.aia.ocsp] },
    crlDistributionPoints: [...c.crlDistributionPoints],
    der: der ? c.der : undefined,
  };
}

function protocolVersions(p: ProtocolSupport): Obj {
  const out: Obj = {};
  for (const v of VERSIONS) {
    const a = p[v];
    out[v] = !a ? null : attempt(a, (supported) => ({ supported }));
  }
  return out;
}
