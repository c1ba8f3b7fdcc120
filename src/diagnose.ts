import { detectServerStack, remediate } from './fixes/index.js';
import { recogniseStack, type StackRecognition } from './fixes/stack-recognise.js';
import type { ProbeReport } from './probe/types.js';
import { rules, runRules } from './rules/index.js';
import { observed } from './rules/lib/observed.js';
import {
  type Diagnosis,
  defaultRuleOptions,
  type Finding,
  type Rule,
  type RuleContext,
  type RuleFinding,
  type RuleOptions,
  type RuleResult,
  type Severity,
  type Verdict,
} from './rules/types.js';

export interface DiagnoseOptions {
  /** the injected clock; rules judge validity against it */
  now: Date;
  ruleOptions?: Partial<RuleOptions>;
  /** the rules to run; defaults to every registered rule (tests pass a subset) */
  rules?: readonly Rule[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Findings that explain why no certificate could be looked at: with one of these, the verdict is not 'unknown'. */
const EXPLAINS_NO_CERTIFICATE = new Set([
  'dns_not_found',
  'address_blocked',
  'connection_refused',
  'connection_timeout',
  'not_tls',
  'handshake_failed',
  'legacy_tls_only',
]);

/**
 * Run every rule over a probe report, attach clients and fixes, order the findings and pick the headline.
 * Pure apart from `remediate` (also pure); never throws for anything in the report.
 */
export function diagnose(report: ProbeReport, opts: DiagnoseOptions): Diagnosis {
  const list = opts.rules ?? rules;
  const ctx: RuleContext = {
    report,
    primary: report.endpoints[0] ?? null,
    now: opts.now,
    options: { ...defaultRuleOptions, ...opts.ruleOptions },
  };
  const { findings: raw, results } = runRules(ctx, list);
  const fromHeader = detectServerStack(report.http.status === 'completed' ? report.http.result.server : null);
  const stack = recogniseStack(report);
  const serverStack = stack && stack.stack !== 'generic' ? stack.stack : fromHeader;
  const findings = orderFindings(raw, list).map((f) => withRemediation(f, report, serverStack, stack, fromHeader));
  const verdict = verdictOf(report, findings, results);
  return {
    target: report.target,
    verdict,
    headline: verdict === 'ok' ? null : (findings[0] ?? null),
    findings,
    results,
    serverStack,
    ...(stack ? { stack } : {}),
    checkedAt: opts.now.toISOString(),
    report,
  };
}

/**
 * Deterministic order: severity (critical, warning, info); then certIndex ascending with −1 (not about one
 * certificate) last, because a finding about a concrete certificate names the thing to fix; then the rule's
 * position in the registry, which lists root causes before their consequences.
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

/**
 * critical / warning by the worst finding; 'unknown' when no certificate was looked at and no finding says
 * why, or when a rule crashed and nothing else was found (a bug must not read as "ok"); otherwise 'ok'
 * (info findings are advice).
 */
export function verdictOf(
  report: ProbeReport,
  findings: readonly RuleFinding[],
  results: readonly RuleResult[],
): Verdict {
  const sawCertificate = report.endpoints.some(
    (ep) => observed(ep.handshake)?.sentChain.some((c) => !('malformed' in c)) ?? false,
  );
  const explained = findings.some((f) => EXPLAINS_NO_CERTIFICATE.has(f.code));
  if (!sawCertificate && !explained) return 'unknown';
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  if (results.some((r) => r.status === 'rule_error')) return 'unknown';
  return 'ok';
}

function withRemediation(
  f: RuleFinding,
  report: ProbeReport,
  serverStack: string | null,
  stack: StackRecognition | null,
  fromHeader: string | null,
): Finding {
  try {
    const { clients, fixes } = remediate(f, { target: report.target, serverStack });
    // Say how the stack was recognised when it took more than the Server header (which names itself).
    if (!stack || stack.product === fromHeader) return { ...f, clients, fixes };
    const note = `Recognised as ${stack.label} (${stack.confidence} confidence) from ${stack.how.join('; ')}.`;
    const led = fixes.map((x) =>
      x.audience === 'server' && x.stack === serverStack ? { ...x, steps: [note, ...x.steps] } : x,
    );
    return { ...f, clients, fixes: led };
  } catch {
    return { ...f, clients: [], fixes: [] };
  }
}
