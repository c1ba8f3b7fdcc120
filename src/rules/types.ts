import type { StackRecognition } from '../fixes/stack-recognise.js';
import type { CertInfo, EndpointReport, ProbeReport } from '../probe/types.js';

export type Severity = 'critical' | 'warning' | 'info';

/** `not_evaluated`: the rule's input step failed; `rule_error`: our bug, never blamed on the server. */
export type RuleStatus = 'pass' | 'fail' | 'not_applicable' | 'not_evaluated' | 'rule_error';

/** Which client stacks a finding breaks, and how. */
export interface ClientImpact {
  /** e.g. 'browsers', 'curl', 'python', 'java', 'node', 'go', 'dotnet', 'openssl' */
  client: string;
  /** 'fails' | 'works' | 'warns' */
  effect: 'fails' | 'works' | 'warns';
  /** why, one short sentence */
  note: string;
}

export type FixAudience = 'server' | 'client';

/** One remediation, for one stack. `steps` are imperative and name the exact file, directive or command. */
export interface Fix {
  audience: FixAudience;
  /** 'nginx' | 'apache' | 'haproxy' | 'caddy' | 'iis' | 'kubernetes' | 'generic' | 'python' | 'node' | 'java' | 'curl' | 'go' … */
  stack: string;
  title: string;
  steps: string[];
  /** a command to copy, when there is one */
  command?: string;
  /** set when the fix weakens security (e.g. turning verification off) */
  warning?: string;
}

export interface Finding {
  /** stable snake_case code from DESIGN.md; persisted, never reused */
  code: string;
  severity: Severity;
  /** 0 = leaf, n = n-th certificate of the built chain (or sent chain where stated), -1 = not about one cert */
  certIndex: number;
  /** one sentence, observed vs expected, concrete values */
  summary: string;
  /** the observed and expected values the summary was made from */
  params: Record<string, string | number | boolean | null>;
  /** likely causes, most likely first */
  causes: string[];
  /** filled by src/fixes */
  clients: ClientImpact[];
  /** filled by src/fixes; server stack named by the `Server` header first */
  fixes: Fix[];
}

/** What a rule produces before src/fixes adds clients and fixes. */
export type RuleFinding = Omit<Finding, 'clients' | 'fixes'>;

export interface RuleOptions {
  /** cert_expiring_soon: warning at or below this many days */
  expiringWarnDays: number;
  /** cert_expiring_soon: critical at or below this many days */
  expiringCriticalDays: number;
  /** clock_skew threshold in seconds */
  clockSkewSeconds: number;
}

export const defaultRuleOptions: RuleOptions = {
  expiringWarnDays: 30,
  expiringCriticalDays: 7,
  clockSkewSeconds: 300,
};

export interface RuleContext {
  report: ProbeReport;
  /** endpoints[0], when there is one */
  primary: EndpointReport | null;
  /** the injected clock; rules never read the real one */
  now: Date;
  options: RuleOptions;
}

export interface RuleMeta {
  code: string;
  title: string;
  /** RFC / CA/B Forum / browser policy section the rule enforces */
  citation: string;
  /** the rule's usual severity; a rule may escalate (cert_expiring_soon) */
  severity: Severity;
}

export type RuleOutcome =
  | { status: 'pass' }
  | { status: 'not_applicable' }
  | { status: 'not_evaluated'; why: string }
  | { status: 'fail'; finding: RuleFinding };

export interface Rule {
  meta: RuleMeta;
  /** false → not_applicable (e.g. hsts_missing for an SMTP target) */
  applies(ctx: RuleContext): boolean;
  evaluate(ctx: RuleContext): RuleOutcome;
}

export interface RuleResult {
  code: string;
  status: RuleStatus;
  /** for not_evaluated / rule_error */
  why?: string;
}

export type Verdict = 'ok' | 'warning' | 'critical' | 'unknown';

export interface Diagnosis {
  target: ProbeReport['target'];
  verdict: Verdict;
  /** the finding chosen as headline (deterministic), or null when ok */
  headline: Finding | null;
  /** all findings, most severe first, then by certIndex, then by rule order */
  findings: Finding[];
  /** the status of every rule, for "what was checked" and not_evaluated */
  results: RuleResult[];
  /** the server software named by the `Server` header, normalised (nginx, apache, …), or null */
  serverStack: string | null;
  /** the stack recognised from headers, cookies, default certificates and issuer hints (absent: none) */
  stack?: StackRecognition;
  /** the injected clock at diagnosis time, ISO */
  checkedAt: string;
  report: ProbeReport;
}

/** Convenience for rules: the leaf as sent by the primary endpoint. */
export type LeafCert = CertInfo;
