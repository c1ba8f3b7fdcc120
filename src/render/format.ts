/**
 * Pure formatting helpers shared by the renderers (terminal text, JSON, Slack blocks). They return raw strings:
 * each renderer escapes for its own medium (`escapeControl` for terminals, mrkdwn escaping for Slack).
 * Every enum we display maps to a `{label, slug, grade}` descriptor so renderers never switch on raw strings.
 */

import type { CertInfo, CertSource, KeyAlgorithm, SentCert, Target } from '../probe/types.js';
import { observed } from '../rules/lib/observed.js';
import type { ClientImpact, Diagnosis, Finding, Fix, FixAudience, Severity, Verdict } from '../rules/types.js';

/** How good or bad a displayed value is; renderers pick colours and emoji from this, never from the slug. */
export type Grade = 'good' | 'neutral' | 'warn' | 'bad';

export interface Descriptor {
  /** human label, e.g. "TLS 1.0" */
  label: string;
  /** stable machine key, e.g. "tls_1_0" */
  slug: string;
  grade: Grade;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const SEVERITIES: Record<Severity, Descriptor> = {
  critical: { label: 'CRITICAL', slug: 'critical', grade: 'bad' },
  warning: { label: 'WARNING', slug: 'warning', grade: 'warn' },
  info: { label: 'INFO', slug: 'info', grade: 'neutral' },
};

const VERDICTS: Record<Verdict, Descriptor> = {
  ok: { label: 'OK', slug: 'ok', grade: 'good' },
  warning: { label: 'WARNING', slug: 'warning', grade: 'warn' },
  critical: { label: 'CRITICAL', slug: 'critical', grade: 'bad' },
  unknown: { label: 'UNKNOWN', slug: 'unknown', grade: 'neutral' },
};

/** TLS 1.0 and 1.1 are deprecated by RFC 8996; SSL 3.0 by RFC 7568. */
const PROTOCOLS: Record<string, Descriptor> = {
  'TLSv1.3': { label: 'TLS 1.3', slug: 'tls_1_3', grade: 'good' },
  'TLSv1.2': { label: 'TLS 1.2', slug: 'tls_1_2', grade: 'good' },
  'TLSv1.1': { label: 'TLS 1.1', slug: 'tls_1_1', grade: 'bad' },
  TLSv1: { label: 'TLS 1.0', slug: 'tls_1_0', grade: 'bad' },
  SSLv3: { label: 'SSL 3.0', slug: 'ssl_3_0', grade: 'bad' },
};

const EFFECTS: Record<ClientImpact['effect'], Descriptor> = {
  fails: { label: 'fails', slug: 'fails', grade: 'bad' },
  warns: { label: 'warns', slug: 'warns', grade: 'warn' },
  works: { label: 'works', slug: 'works', grade: 'good' },
};

const SOURCES: Record<CertSource, Descriptor> = {
  sent: { label: 'sent by server', slug: 'sent', grade: 'neutral' },
  aia: { label: 'fetched via AIA', slug: 'aia', grade: 'warn' },
  trust_store: { label: 'trust store', slug: 'trust_store', grade: 'good' },
};

const AUDIENCES: Record<FixAudience, Descriptor> = {
  server: { label: 'server fix', slug: 'server', grade: 'good' },
  client: { label: 'client workaround', slug: 'client', grade: 'warn' },
};

/** Node reports OpenSSL curve names; people know the NIST names. */
const CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  'P-256': 'P-256',
  'P-384': 'P-384',
  'P-521': 'P-521',
};

export function severityOf(severity: Severity): Descriptor {
  return SEVERITIES[severity] ?? { label: String(severity).toUpperCase(), slug: String(severity), grade: 'neutral' };
}

export function verdictOf(verdict: Verdict): Descriptor {
  return VERDICTS[verdict] ?? VERDICTS.unknown;
}

/** A negotiated or scanned protocol version ('TLSv1.3' → TLS 1.3, good). */
export function protocolOf(version: string): Descriptor {
  return PROTOCOLS[version] ?? { label: version, slug: 'unknown', grade: 'neutral' };
}

export function effectOf(effect: ClientImpact['effect']): Descriptor {
  return EFFECTS[effect] ?? { label: String(effect), slug: String(effect), grade: 'neutral' };
}

export function sourceOf(source: CertSource | undefined): Descriptor {
  return (source && SOURCES[source]) || { label: 'unknown source', slug: 'unknown', grade: 'neutral' };
}

export function audienceOf(audience: FixAudience): Descriptor {
  return AUDIENCES[audience] ?? { label: String(audience), slug: String(audience), grade: 'neutral' };
}

/** "EC P-256", "RSA 2048", "Ed25519". */
export function describeKey(key: CertInfo['key']): string {
  const algorithm: KeyAlgorithm = key.algorithm;
  if (algorithm === 'EC') return key.curve ? `EC ${CURVES[key.curve] ?? key.curve}` : `EC ${key.bits ?? '?'}`;
  if (algorithm === 'Ed25519' || algorithm === 'Ed448') return algorithm;
  if (algorithm === 'unknown') return 'unknown key';
  return key.bits === null ? algorithm : `${algorithm} ${key.bits}`;
}

/** The name people use for a certificate: its CN, else the whole subject DN. */
export function certName(cert: SentCert): string {
  if ('malformed' in cert) return '(unparseable certificate)';
  return cert.subjectCN ?? (cert.subject || '(empty subject)');
}

/** "2026-03-01 12:00 UTC"; the input verbatim when it is not a date. */
export function formatDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Whole days from `now` until `iso`, negative when past, truncated toward zero (matches the rules' arithmetic). */
export function daysLeft(iso: string, now: Date): number {
  return Math.trunc((Date.parse(iso) - now.getTime()) / DAY_MS);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "in 12 days", "3 days ago", "in 5 hours", "just now": `iso` relative to `now`. */
export function relativeTime(iso: string, now: Date): string {
  const delta = Date.parse(iso) - now.getTime();
  if (Number.isNaN(delta)) return 'at an unknown time';
  const abs = Math.abs(delta);
  let amount: string;
  if (abs >= DAY_MS) amount = plural(Math.trunc(abs / DAY_MS), 'day');
  else if (abs >= HOUR_MS) amount = plural(Math.trunc(abs / HOUR_MS), 'hour');
  else if (abs >= MINUTE_MS) amount = plural(Math.trunc(abs / MINUTE_MS), 'minute');
  else return 'just now';
  return delta > 0 ? `in ${amount}` : `${amount} ago`;
}

/** "42 ms", "1.3 s"; "n/a" for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "api.example.com:443", "[2001:db8::1]:443", "smtp://mail.example.com:587"; the Unicode form of an IDN. */
export function targetLabel(target: Target): string {
  // `inspect` without --host: the file names are the target (a file has no endpoint)
  if (target.host === '' && target.port === 0) return target.input;
  const host = target.unicodeHost ?? target.host;
  const hostPort = `${target.ipVersion === 6 ? `[${host}]` : host}:${target.port}`;
  return target.protocol === 'https' || target.protocol === 'tls' ? hostPort : `${target.protocol}://${hostPort}`;
}

/** An address as it appears next to a port: IPv6 in brackets. */
export function addressLabel(address: string, family: 4 | 6): string {
  return family === 6 ? `[${address}]` : address;
}

/** The leaf we judged: first of the built chain, else first of the sent chain, for the primary endpoint. */
export function primaryLeaf(d: Diagnosis): CertInfo | null {
  const primary = d.report.endpoints[0];
  if (!primary) return null;
  if (primary.chain.status === 'completed' && primary.chain.result.built[0]) return primary.chain.result.built[0];
  const first = observed(primary.handshake)?.sentChain[0];
  return first && !('malformed' in first) ? first : null;
}

/** "certificate valid for 59 more days, chain complete, TLS 1.3": the line an OK verdict stands on. */
export function okSummary(d: Diagnosis, now: Date): string {
  const parts: string[] = [];
  const leaf = primaryLeaf(d);
  if (leaf) parts.push(`certificate valid for ${plural(daysLeft(leaf.notAfter, now), 'more day')}`);
  const primary = d.report.endpoints[0];
  if (primary?.chain.status === 'completed' && primary.chain.result.trusted) parts.push('chain complete');
  if (primary?.handshake.status === 'completed' && primary.handshake.result.protocol) {
    parts.push(protocolOf(primary.handshake.result.protocol).label);
  }
  return parts.length > 0 ? parts.join(', ') : 'no problems found';
}

/** The one-line verdict every renderer leads with; `more` counts the findings besides the headline. */
export interface Headline {
  verdict: Descriptor;
  target: string;
  /** the headline finding's code, or null for an OK or unknown verdict */
  code: string | null;
  text: string;
  more: number;
}

export function headlineOf(d: Diagnosis, now: Date): Headline {
  const base = { verdict: verdictOf(d.verdict), target: targetLabel(d.target) };
  // By count, not identity: a diagnosis read back from the store holds copies of its findings.
  const more = d.findings.length - (d.headline ? 1 : 0);
  if (d.headline) return { ...base, code: d.headline.code, text: d.headline.summary, more };
  if (d.verdict === 'ok') return { ...base, code: null, text: okSummary(d, now), more };
  const why = notChecked(d)[0]?.why ?? 'the check did not complete';
  return { ...base, code: null, text: `could not be checked — ${why}`, more };
}

/** "1 more finding", "3 more findings". */
export function moreFindings(n: number): string {
  return `${n} more finding${n === 1 ? '' : 's'}`;
}

/** Findings about a certificate of the built chain, grouped by index. */
export function findingsByCert(findings: Finding[]): Map<number, Finding[]> {
  const out = new Map<number, Finding[]>();
  for (const f of findings) {
    if (f.certIndex < 0) continue;
    out.set(f.certIndex, [...(out.get(f.certIndex) ?? []), f]);
  }
  return out;
}

/** Server fixes first, then client workarounds; order within each audience kept. */
export function orderedFixes(finding: Finding): Finding['fixes'] {
  return [
    ...finding.fixes.filter((f) => f.audience === 'server'),
    ...finding.fixes.filter((f) => f.audience !== 'server'),
  ];
}

/**
 * The fixes worth spelling out in a short rendering: the server fixes for the detected stack, else the first
 * server fix (src/fixes puts the likeliest first), else the first fix. The rest can be named by title only.
 */
export function primaryFixes(finding: Finding, serverStack: string | null): Fix[] {
  const server = finding.fixes.filter((f) => f.audience === 'server');
  const forStack = server.filter((f) => serverStack !== null && f.stack === serverStack);
  if (forStack.length > 0) return forStack;
  const first = server[0] ?? finding.fixes[0];
  return first ? [first] : [];
}

/** Rules that could not run, grouped by the reason, for "not checked: …, because …". */
export function notChecked(d: Diagnosis): { codes: string[]; why: string }[] {
  const groups = new Map<string, string[]>();
  for (const r of d.results) {
    if (r.status !== 'not_evaluated') continue;
    const why = r.why ?? 'its input could not be collected';
    groups.set(why, [...(groups.get(why) ?? []), r.code]);
  }
  return [...groups].map(([why, codes]) => ({ codes, why }));
}

/** Terminal-safe text: C0/C1 controls, DEL and bidi overrides from certificates or servers become visible escapes. */
export function escapeControl(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
