import type {
  Attempt,
  CertInfo,
  CertSource,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  HttpResult,
  SentCert,
} from '../../probe/types.js';
import type { RuleContext, RuleFinding, RuleOutcome } from '../types.js';
import { observed } from './observed.js';

/**
 * Input plumbing shared by the rules. Each getter returns either the value a rule needs or the outcome the
 * rule must return instead (DESIGN.md: "A rule whose input failed reports `not_evaluated`, never `pass`").
 */
export type Input<T> = { ok: true; value: T } | { ok: false; outcome: RuleOutcome };

export const DAY_MS = 86_400_000;

export function notEvaluated(why: string): { ok: false; outcome: RuleOutcome } {
  return { ok: false, outcome: { status: 'not_evaluated', why } };
}

export function notApplicable(): { ok: false; outcome: RuleOutcome } {
  return { ok: false, outcome: { status: 'not_applicable' } };
}

/** `C` is inferred from `code`, so `params` is checked against that code's entry in rules/params.ts. */
export function fail<C extends string>(finding: RuleFinding<C>): RuleOutcome {
  return { status: 'fail', finding };
}

export const pass: RuleOutcome = { status: 'pass' };

/** Why an attempt did not complete, for `not_evaluated.why`. */
export function describeAttempt(step: string, attempt: Attempt<unknown>): string {
  if (attempt.status === 'error') return `${step} failed (${attempt.code}): ${attempt.error}`;
  if (attempt.status === 'skipped') return `${step} was skipped: ${attempt.why}`;
  return `${step} completed`;
}

export function completed<T>(step: string, attempt: Attempt<T>): Input<T> {
  return attempt.status === 'completed'
    ? { ok: true, value: attempt.result }
    : notEvaluated(describeAttempt(step, attempt));
}

export function isCert(cert: SentCert | undefined): cert is CertInfo {
  return cert !== undefined && !('malformed' in cert);
}

export function primaryEndpoint(ctx: RuleContext): Input<EndpointReport> {
  if (ctx.primary) return { ok: true, value: ctx.primary };
  const res = ctx.report.resolution;
  return notEvaluated(res.status === 'completed' ? 'no address was probed' : describeAttempt('DNS resolution', res));
}

/**
 * The primary handshake as far as it got: a handshake that failed after the server's Certificate message
 * still shows what every client is sent (handshake_failed reports the failure itself).
 */
export function primaryHandshake(ctx: RuleContext): Input<HandshakeResult> {
  const ep = primaryEndpoint(ctx);
  if (!ep.ok) return ep;
  const hs = ep.value.handshake;
  const seen = observed(hs);
  return seen ? { ok: true, value: seen } : completed(`TLS handshake with ${ep.value.address}`, hs);
}

/** The certificate the primary endpoint presented as its leaf (sentChain[0]). */
export function leafInput(ctx: RuleContext): Input<CertInfo> {
  const hs = primaryHandshake(ctx);
  if (!hs.ok) return hs;
  const leaf = hs.value.sentChain[0];
  if (leaf === undefined) return notApplicable();
  if (!isCert(leaf)) return notEvaluated(`the leaf certificate could not be parsed: ${leaf.error}`);
  return { ok: true, value: leaf };
}

/** The HTTP response from the primary address (https targets only). */
export function httpInput(ctx: RuleContext): Input<HttpResult> {
  const ep = primaryEndpoint(ctx);
  return ep.ok ? completed(`HTTP request to ${ep.value.address}`, ctx.report.http) : ep;
}

export function chainInput(ctx: RuleContext): Input<ChainReport> {
  const ep = primaryEndpoint(ctx);
  return ep.ok ? completed(`chain building for ${ep.value.address}`, ep.value.chain) : ep;
}

/**
 * The certificates a rule about "the chain" should judge, with the index it reports: the built path when
 * there is one (trust anchors from the store excluded: clients do not check an anchor's own signature,
 * key or validity), else what the server sent.
 */
export interface IndexedCert {
  cert: CertInfo;
  index: number;
  indexIn: 'built' | 'sent';
  source: CertSource;
}

export function judgedCerts(ctx: RuleContext): Input<IndexedCert[]> {
  const chain = ctx.primary?.chain;
  if (chain?.status === 'completed') {
    const { built, sources } = chain.result;
    return {
      ok: true,
      value: built
        .map((cert, index) => ({ cert, index, indexIn: 'built' as const, source: sources[index] ?? 'sent' }))
        .filter((c) => c.source !== 'trust_store'),
    };
  }
  const hs = primaryHandshake(ctx);
  if (!hs.ok) return hs;
  const out: IndexedCert[] = [];
  hs.value.sentChain.forEach((cert, index) => {
    if (isCert(cert)) out.push({ cert, index, indexIn: 'sent', source: 'sent' });
  });
  return { ok: true, value: out };
}

/** `2025-06-15T12:00:00.000Z` → `2025-06-15`. */
export function isoDate(iso: string): string {
  return iso.slice(0, 10);
}

/** `a`, `b`, `c` and 2 more */
export function listNames(names: string[], max = 5): string {
  const shown = names.slice(0, max).map((n) => `\`${n}\``);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/** "CN=R11, O=Let's Encrypt" → "R11" (a readable name for summaries). */
export function certName(cert: CertInfo): string {
  return cert.subjectCN ?? cert.subject;
}

/** The CN of an RFC 4514 name when it has one, else the whole name. */
export function dnName(dn: string): string {
  return /(?:^|,\s*)CN=((?:\\.|[^,\\])+)/i.exec(dn)?.[1] ?? dn;
}
