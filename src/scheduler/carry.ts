/**
 * A sweep check that could not judge a rule says nothing new about it: the light sweep profile skips the
 * no-SNI handshake and the version scan (src/probe/profile.ts), so `sni_required`, `legacy_tls_enabled` and
 * `legacy_tls_only` are not evaluated on nine sweeps in ten. Stored as seen, a TLS 1.0-only server would be
 * critical on the full sweep, "recovered" on the next light one and "broken" again ten sweeps later, and its
 * verdict in /cert list, /cert history and /metrics would flap the same way. So the finding a rule gave at the
 * last check that did judge it stands until a check judges it again: it is carried forward, per address when
 * the earlier observation kept per-address codes, and into the verdicts.
 *
 * Only onto a check that saw a certificate (per address: an address that did): a blind check judges nothing,
 * and the policy already treats it so (`unreachable`, nothing cleared). Pure.
 */
import { rules } from '../rules/index.js';
import type { Verdict } from '../rules/types.js';
import type { EndpointObservation, NewObservation, Observation } from '../store/types.js';
import type { CheckObservation } from './observe.js';

/** Codes whose findings are info: they never move a verdict. */
const INFO = new Set(rules.filter((r) => r.meta.severity === 'info').map((r) => r.meta.code));
const RANK: Record<Verdict, number> = { critical: 3, unknown: 2, warning: 1, ok: 0 };

export function carryForward(prev: Observation | undefined, cur: NewObservation & CheckObservation): NewObservation {
  const { unjudged = [], ...obs } = cur;
  const seen = obs.endpoints.some((e) => e.leaf !== null);
  if (!prev || !seen || unjudged.length === 0) return obs;
  const open = new Set(unjudged);
  const carried = prev.codes.filter((c) => open.has(c) && !obs.codes.includes(c));
  if (carried.length === 0) return obs;
  const critical = new Set(prev.critical);
  const severityOf = (c: string): Verdict => (critical.has(c) ? 'critical' : INFO.has(c) ? 'ok' : 'warning');
  const before = new Map(prev.endpoints.map((e) => [e.address, e]));
  const endpoints = obs.endpoints.map((e): EndpointObservation => {
    const was = before.get(e.address);
    if (!e.leaf || !was?.codes || !e.codes) return e;
    const add = was.codes.filter((c) => carried.includes(c) && !e.codes!.includes(c));
    if (add.length === 0) return e;
    return { ...e, codes: [...e.codes, ...add].sort(), verdict: worst([e.verdict, ...add.map(severityOf)]) };
  });
  return {
    ...obs,
    codes: [...obs.codes, ...carried].sort(),
    critical: [...obs.critical, ...carried.filter((c) => critical.has(c))].sort(),
    verdict: worst([obs.verdict, ...carried.map(severityOf)]),
    endpoints,
  };
}

function worst(vs: Verdict[]): Verdict {
  return vs.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
}
