import type { StackRecognition } from '../fixes/stack-recognise.js';
import type { CertInfo, EndpointReport, ProbeReport } from '../probe/types.js';
import type { ParamsFor } from './params.js';

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

/** `C`: the finding's code, which types its params (rules/params.ts); plain `Finding` is any code. */
export interface Finding<C extends string = string> {
  /** stable snake_case code from DESIGN.md; persisted, never reused */
  code: C;
  severity: Severity;
  /** 0 = leaf, n = n-th certificate of the built chain (or sent chain where stated), -1 = not about one cert */
  certIndex: number;
  /** one sentence, observed vs expected, concrete values */
  summary: string;
  /** the observed and expected values the summary was made from: a flat record, typed per code */
  params: ParamsFor<C>;
  /** likely causes, most likely first */
  causes: string[];
  /** filled by src/fixes */
  clients: ClientImpact[];
  /** filled by src/fixes; server stack named by the `Server` header first */
  fixes: Fix[];
  /**
   * the addresses the finding holds on: set by the diagnosis for endpoint-scoped rules (identical findings
   * from several addresses merge into one), by a target-scoped rule when it concerns some addresses only;
   * absent when the finding is about the name as a whole (DNS) or comes from a stored report that predates it
   */
  addresses?: string[];
}

/** What a rule produces before src/fixes adds clients and fixes. */
export type RuleFinding<C extends string = string> = Omit<Finding<C>, 'clients' | 'fixes'>;

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

/** What the endpoint-scoped rules found on one address: the input of target-scoped rules that compare addresses. */
export interface EndpointJudgement {
  address: string;
  findings: RuleFinding[];
  /** worst severity of its findings; 'unknown' when nothing could be examined there (no certificate seen) */
  verdict: Verdict;
}

export interface RuleContext {
  report: ProbeReport;
  /**
   * The endpoint being judged: for endpoint-scoped rules the address each run is about; for target-scoped
   * rules endpoints[0] (null when no address was probed).
   */
  primary: EndpointReport | null;
  /** set only while an endpoint-scoped rule runs: the same endpoint as `primary` */
  endpoint?: EndpointReport;
  /** set for target-scoped rules: what the endpoint-scoped rules found on each probed address, in endpoint order */
  judgements?: EndpointJudgement[];
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

/**
 * 'endpoint': judged once per probed address (× with/without SNI as the rule decides), on that address's own
 * handshake, chain, protocol scan and HTTP response; 'target': judged once for the name (DNS, address policy,
 * comparisons between addresses, SNI behaviour).
 */
export type RuleScope = 'endpoint' | 'target';

export interface Rule {
  meta: RuleMeta;
  scope: RuleScope;
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

/** One probed address as the diagnosis judged it: the per-backend matrix of every renderer. */
export interface EndpointVerdict {
  address: string;
  verdict: Verdict;
  /** codes of the findings that hold on this address, in the diagnosis's finding order */
  codes: string[];
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
  /** per probed address: its own verdict and codes (absent in diagnoses stored before per-endpoint rules) */
  endpoints?: EndpointVerdict[];
  /** the server software named by the `Server` header, normalised (nginx, apache, …), or null */
  serverStack: string | null;
  /** the stack recognised from headers, cookies, default certificates and issuer hints (absent: none) */
  stack?: StackRecognition;
  /** the injected clock at diagnosis time, ISO */
  checkedAt: string;
  /** whether the built path verifies for its purpose at checkedAt, and the codes that make it fail (issue 9) */
  verification?: { valid: boolean; codes: string[] };
  report: ProbeReport;
}

/** Convenience for rules: the leaf as sent by the primary endpoint. */
export type LeafCert = CertInfo;
