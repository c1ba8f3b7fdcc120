/**
 * Minimal stand-ins for src/render/format.ts (being written in parallel): same names and semantics, so
 * switching is an import change. Raw strings; the blocks renderer escapes them.
 */
import type { CertInfo, Target } from '../probe/types.js';
import type { Diagnosis } from '../rules/types.js';

const DAY_MS = 86_400_000;

/** "2026-03-01 12:00 UTC"; the input verbatim when it is not a date. */
export function formatDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Whole days from `now` until `iso`, negative when past, truncated toward zero. */
export function daysLeft(iso: string, now: Date): number {
  return Math.trunc((Date.parse(iso) - now.getTime()) / DAY_MS);
}

/** "api.example.com:443", "[2001:db8::1]:443", "smtp://mail.example.com:587". */
export function targetLabel(target: Target): string {
  const host = target.unicodeHost ?? target.host;
  const hostPort = `${target.ipVersion === 6 ? `[${host}]` : host}:${target.port}`;
  return target.protocol === 'https' || target.protocol === 'tls' ? hostPort : `${target.protocol}://${hostPort}`;
}

/** The leaf we judged: first of the built chain, else first of the sent chain, for the primary endpoint. */
export function primaryLeaf(d: Diagnosis): CertInfo | null {
  const primary = d.report.endpoints[0];
  if (!primary) return null;
  if (primary.chain.status === 'completed' && primary.chain.result.built[0]) return primary.chain.result.built[0];
  if (primary.handshake.status !== 'completed') return null;
  const first = primary.handshake.result.sentChain[0];
  return first && !('malformed' in first) ? first : null;
}
