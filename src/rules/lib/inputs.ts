import type {
  Attempt,
  CertInfo,
  CertSource,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  HttpResult,
  ProtocolSupport,
  SentCert,
  TargetProtocol,
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

/**
 * The HTTP response from the endpoint being judged: its own request, or the report-level one for reports
 * stored before per-address requests (that one was made to endpoints[0], so only that endpoint may use it).
 */
export function httpInput(ctx: RuleContext): Input<HttpResult> {
  const ep = primaryEndpoint(ctx);
  if (!ep.ok) return ep;
  const attempt = ownOrPrimary(ctx, ep.value, ep.value.http, ctx.report.http);
  return attempt
    ? completed(`HTTP request to ${ep.value.address}`, attempt)
    : notEvaluated(notPerAddress('HTTP request', ep.value));
}

/** The protocol scan of the endpoint being judged (same fallback as httpInput). */
export function protocolsInput(ctx: RuleContext): Input<ProtocolSupport> {
  const ep = primaryEndpoint(ctx);
  if (!ep.ok) return ep;
  const attempt = ownOrPrimary(ctx, ep.value, ep.value.protocols, ctx.report.protocols);
  return attempt
    ? completed(`protocol scan of ${ep.value.address}`, attempt)
    : notEvaluated(notPerAddress('protocol scan', ep.value));
}

function ownOrPrimary<T>(ctx: RuleContext, ep: EndpointReport, own: Attempt<T> | undefined, top: Attempt<T>) {
  if (own !== undefined) return own;
  return ctx.report.endpoints.length === 0 || ctx.report.endpoints[0] === ep ? top : null;
}

function notPerAddress(step: string, ep: EndpointReport): string {
  return `this report has no ${step} of ${ep.address} (only of the first address)`;
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

/**
 * Whether an HTTP request may be made after the handshake: https, and bare TLS on any port (the probe asks
 * and reports the HTTP step `skipped` with the reason when the server does not speak HTTP). STARTTLS
 * protocols (smtp, imap, …) never carry HTTP.
 */
export function speaksHttp(protocol: TargetProtocol): boolean {
  return protocol === 'https' || protocol === 'tls';
}
