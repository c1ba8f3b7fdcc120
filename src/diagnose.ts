import { detectServerStack, type FixContext, remediate } from './fixes/index.js';
import { recogniseStack, type StackRecognition } from './fixes/stack-recognise.js';
import type { EndpointReport, ProbeReport } from './probe/types.js';
import { rules, runRules } from './rules/index.js';
import { findingKey } from './rules/lib/finding-key.js';
import { observed } from './rules/lib/observed.js';
import {
  type Diagnosis,
  defaultRuleOptions,
  type EndpointJudgement,
  type EndpointVerdict,
  type Finding,
  type Rule,
  type RuleContext,
  type RuleFinding,
  type RuleOptions,
  type RuleResult,
  type RuleStatus,
  type Severity,
  type Verdict,
} from './rules/types.js';
import { verificationOf } from './verification.js';

export interface DiagnoseOptions {
  /** the injected clock; rules judge validity against it */
  now: Date;
  ruleOptions?: Partial<RuleOptions>;
  /** the rules to run; defaults to every registered rule (tests pass a subset) */
  rules?: readonly Rule[];
  /** the --ca / CERT_DOCTOR_CA files the check trusted, so fix commands can name them (`openssl verify -CAfile`) */
  caFiles?: readonly string[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Findings that explain why no certificate could be looked at: with one of these, the verdict is not 'unknown'. */
const EXPLAINS_NO_CERTIFICATE = new Set([
  'dns_not_found',
  'address_blocked',
  'connection_refused',
  'connection_timeout',
  'handshake_timeout',
  'not_tls',
  'handshake_failed',
  'legacy_tls_only',
]);

/** The rules' verdict on a report, before clients, fixes and stack recognition are attached (judge). */
export interface Judgement {
  verdict: Verdict;
  /** in diagnose()'s order; endpoint findings name the addresses they hold on */
  findings: RuleFinding[];
  results: RuleResult[];
  judgements: EndpointJudgement[];
}

/**
 * Run every rule over a probe report and pick the verdict: what a caller that never shows the findings needs
 * (the sweep stores an observation: codes, severities, verdicts). Endpoint-scoped rules run once per probed
 * address (their findings merge across addresses when identical), then target-scoped rules run once with
 * what each address showed. Pure; never throws for anything in the report.
 */
export function judge(report: ProbeReport, opts: DiagnoseOptions): Judgement {
  const list = opts.rules ?? rules;
  const base = { report, now: opts.now, options: { ...defaultRuleOptions, ...opts.ruleOptions } };
  const perEndpoint = list.filter((r) => r.scope === 'endpoint');
  const perTarget = list.filter((r) => r.scope !== 'endpoint');
  const runs = report.endpoints.map((ep) => ({ ep, ...runRules({ ...base, primary: ep, endpoint: ep }, perEndpoint) }));
  // With no address probed, endpoint rules still report why they could not run (not_evaluated, never pass).
  const empty = runs.length === 0 ? runRules({ ...base, primary: null }, perEndpoint) : null;
  const judgements: EndpointJudgement[] = runs.map(({ ep, findings }) => ({
    address: ep.address,
    findings,
    verdict: endpointVerdict(ep, findings),
  }));
  const ctx: RuleContext = { ...base, primary: report.endpoints[0] ?? null, judgements };
  const target = runRules(ctx, perTarget);
  const raw = [...(empty?.findings ?? []), ...mergeFindings(runs), ...target.findings];
  const results = mergeResults(list, runs, [...(empty?.results ?? []), ...target.results]);
  const findings = orderFindings(raw, list);
  return { verdict: verdictOf(report, findings, results), findings, results, judgements };
}

/**
 * judge(), then attach clients and fixes to each finding and pick the headline. Pure apart from `remediate`
 * (also pure); never throws for anything in the report.
 */
export function diagnose(report: ProbeReport, opts: DiagnoseOptions): Diagnosis {
  const { verdict, findings: judged, results, judgements } = judge(report, opts);
  const fromHeader = detectServerStack(primaryServerHeader(report));
  const stack = recogniseStack(report);
  const serverStack = stack && stack.stack !== 'generic' ? stack.stack : fromHeader;
  const fixContext: FixContext = {
    target: report.target,
    serverStack,
    extraCa: { files: opts.caFiles ?? [], used: report.options.extraCaCount > 0 },
  };
  // remediation adds clients and fixes; codes and severities, hence the verdict, stay judge()'s
  const findings = judged.map((f) => withRemediation(f, fixContext, stack, fromHeader));
  return {
    target: report.target,
    verdict,
    headline: verdict === 'ok' ? null : (findings[0] ?? null),
    findings,
    results,
    endpoints: endpointVerdicts(judgements, findings),
    serverStack,
    ...(stack ? { stack } : {}),
    checkedAt: opts.now.toISOString(),
    verification: verificationOf(findings),
    report,
  };
}

function primaryServerHeader(report: ProbeReport): string | null {
  const http = report.endpoints[0]?.http ?? report.http;
  return http.status === 'completed' ? http.result.server : null;
}

/** Same code, certificate and observed values → one finding listing every address it holds on. */
function mergeFindings(runs: readonly { ep: EndpointReport; findings: RuleFinding[] }[]): RuleFinding[] {
  const merged = new Map<string, RuleFinding & { addresses: string[] }>();
  for (const { ep, findings } of runs) {
    for (const f of findings) {
      const key = findingKey(f);
      const seen = merged.get(key);
      if (seen) seen.addresses.push(ep.address);
      else merged.set(key, { ...f, addresses: [ep.address] });
    }
  }
  return [...merged.values()];
}

/** What one rule's status is for the whole target: the most telling across addresses. */
const STATUS_RANK: Record<RuleStatus, number> = {
  fail: 0,
  rule_error: 1,
  not_evaluated: 2,
  pass: 3,
  not_applicable: 4,
};

/**
 * One result per rule, in registry order. A rule that failed anywhere failed; one that could not be judged on
 * some address says so with that address's reason (a pass elsewhere must not hide an unchecked backend).
 */
function mergeResults(
  list: readonly Rule[],
  runs: readonly { ep: EndpointReport; results: RuleResult[] }[],
  once: readonly RuleResult[],
): RuleResult[] {
  const byCode = new Map<string, { address: string | null; result: RuleResult }[]>();
  const add = (address: string | null, r: RuleResult) => {
    const seen = byCode.get(r.code);
    if (seen) seen.push({ address, result: r });
    else byCode.set(r.code, [{ address, result: r }]);
  };
  for (const { ep, results } of runs) for (const r of results) add(ep.address, r);
  for (const r of once) add(null, r);
  const several = runs.length > 1;
  return list.flatMap((rule): RuleResult[] => {
    const all = byCode.get(rule.meta.code);
    if (!all) return [];
    const status = all.map((x) => x.result.status).sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b])[0]!;
    const whys = all.filter((x) => x.result.status === status && x.result.why !== undefined);
    const why = describeWhys(
      whys.map((x) => ({ address: x.address, why: x.result.why! })),
      several,
    );
    return [why ? { code: rule.meta.code, status, why } : { code: rule.meta.code, status }];
  });
}

/**
 * One reason per distinct cause: reasons that differ only by the address they name collapse into the first,
 * followed by the other addresses ("… (the same on 127.0.0.2, 127.0.0.3)").
 */
function describeWhys(whys: { address: string | null; why: string }[], several: boolean): string {
  const groups = new Map<string, { why: string; addresses: string[] }>();
  for (const { address, why } of whys) {
    const key = address ? why.split(address).join('\u0000') : why;
    const g = groups.get(key);
    if (g) {
      if (address) g.addresses.push(address);
      continue;
    }
    const named = !several || !address || why.includes(address) ? why : `on ${address}: ${why}`;
    groups.set(key, { why: named, addresses: address ? [address] : [] });
  }
  return [...groups.values()]
    .map((g) => (g.addresses.length > 1 ? `${g.why} (the same on ${g.addresses.slice(1).join(', ')})` : g.why))
    .join('; ');
}

/**
 * Deterministic order: severity (critical, warning, info); then certIndex ascending with −1 (not about one
 * certificate) last, because a finding about a concrete certificate names the thing to fix; then the rule's
 * position in the registry, which lists root causes before their consequences; then address order (the sort
 * is stable and endpoint findings come in endpoint order).
 */
export function orderFindings<T extends RuleFinding>(findings: readonly T[], list: readonly Rule[] = rules): T[] {
  const position = new Map(list.map((r, i) => [r.meta.code, i]));
  const certKey = (i: number) => (i < 0 ? Number.MAX_SAFE_INTEGER : i);
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      certKey(a.certIndex) - certKey(b.certIndex) ||
      (position.get(a.code) ?? list.length) - (position.get(b.code) ?? list.length),
  );
}

/** A handshake reached the server's TLS layer (or its port's answer): something there was examined. */
function examined(ep: EndpointReport): boolean {
  const hs = ep.handshake;
  return hs.status === 'completed' || (hs.status === 'error' && hs.code !== 'connection_refused');
}

function sawCertificate(ep: EndpointReport): boolean {
  return observed(ep.handshake)?.sentChain.some((c) => !('malformed' in c)) ?? false;
}

function worst(findings: readonly RuleFinding[]): Verdict | null {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return null;
}

function endpointVerdict(ep: EndpointReport, findings: readonly RuleFinding[]): Verdict {
  return worst(findings) ?? (sawCertificate(ep) ? 'ok' : 'unknown');
}

/**
 * 'unknown' when nothing was examined — no address probed (DNS failure, every address refused by the address
 * policy) or every address refused the connection — as monitoring plugins report a check that could not run
 * (exit 3); also when no certificate was seen and no finding says why, or when a rule crashed and nothing else
 * was found (a bug must not read as "ok"). Otherwise critical / warning by the worst finding, else 'ok' (info
 * findings are advice).
 */
export function verdictOf(
  report: ProbeReport,
  findings: readonly RuleFinding[],
  results: readonly RuleResult[],
): Verdict {
  if (!report.endpoints.some(examined)) return 'unknown';
  const explained = findings.some((f) => EXPLAINS_NO_CERTIFICATE.has(f.code));
  if (!report.endpoints.some(sawCertificate) && !explained) return 'unknown';
  const bad = worst(findings);
  if (bad) return bad;
  if (results.some((r) => r.status === 'rule_error')) return 'unknown';
  return 'ok';
}

/** The per-backend matrix: each address's own verdict and the codes of the findings that hold on it. */
function endpointVerdicts(judgements: readonly EndpointJudgement[], findings: readonly Finding[]): EndpointVerdict[] {
  return judgements.map((j) => ({
    address: j.address,
    verdict: j.verdict,
    codes: findings.filter((f) => f.addresses?.includes(j.address)).map((f) => f.code),
  }));
}

function withRemediation(
  f: RuleFinding,
  ctx: FixContext,
  stack: StackRecognition | null,
  fromHeader: string | null,
): Finding {
  try {
    const { clients, fixes } = remediate(f, ctx);
    // Say how the stack was recognised when it took more than the Server header (which names itself).
    if (!stack || stack.product === fromHeader) return { ...f, clients, fixes };
    const how = stack.signals?.map((x) => `${x.how} (${x.confidence})`) ?? stack.how;
    const note = `Recognised as ${stack.label} (${stack.confidence} confidence) from ${how.join('; ')}.`;
    const led = fixes.map((x) =>
      x.audience === 'server' && x.stack === ctx.serverStack ? { ...x, steps: [note, ...x.steps] } : x,
    );
    return { ...f, clients, fixes: led };
  } catch {
    return { ...f, clients: [], fixes: [] };
  }
}
