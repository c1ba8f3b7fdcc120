/**
 * View-models of watched endpoints (src/chat/port.ts WatchRow, HistoryChange) built from the store's
 * subscriptions and observations. Pure.
 */
import type { HistoryChange, WatchRow } from '../chat/port.js';
import type { Verdict } from '../rules/types.js';
import type { EndpointObservation, Observation, Subscription } from '../store/types.js';

export function watchRow(sub: Subscription, latest: Observation | undefined): WatchRow {
  const addresses = (latest?.endpoints ?? []).map((e) => ({
    address: e.address,
    notAfter: e.leaf?.notAfter ?? null,
    verdict: e.verdict,
    error: e.error,
  }));
  const expiries = addresses.flatMap((a) => (a.notAfter ? [a.notAfter] : [])).sort();
  return {
    target: sub.target,
    channel: sub.channel,
    addresses,
    verdict: latest?.verdict ?? null,
    codes: latest?.codes ?? [],
    nextExpiry: expiries[0] ?? null,
    pausedReason: sub.pausedReason,
    lastCheckedAt: sub.lastCheckedAt?.toISOString() ?? latest?.at.toISOString() ?? null,
    thresholds: sub.thresholds,
  };
}

const RANK: Record<Verdict, number> = { critical: 0, unknown: 1, warning: 2, ok: 3 };

/** Most urgent first: critical, then by the earliest expiry; unchecked ones last; then by target. */
export function byUrgency(a: WatchRow, b: WatchRow): number {
  const ra = a.verdict === null ? 4 : RANK[a.verdict];
  const rb = b.verdict === null ? 4 : RANK[b.verdict];
  if ((ra === 0) !== (rb === 0)) return ra - rb;
  const ea = a.nextExpiry ?? '9999';
  const eb = b.nextExpiry ?? '9999';
  return ea.localeCompare(eb) || ra - rb || a.target.localeCompare(b.target);
}

type Facet = Exclude<HistoryChange['what'], 'first_seen' | 'address_gone'>;

const FACETS: [Facet, (e: EndpointObservation) => string | null][] = [
  ['leaf', (e) => (e.leaf ? `${e.leaf.sha256.slice(0, 16)} (notAfter ${e.leaf.notAfter})` : null)],
  ['chain', (e) => (e.chain.length > 0 ? e.chain.map((c) => c.slice(0, 8)).join(' → ') : null)],
  ['issuer', (e) => e.leaf?.issuer ?? null],
  ['key_type', (e) => e.leaf?.keyType ?? null],
  ['protocols', (e) => (e.protocols ? e.protocols.join(', ') : null)],
  ['verdict', (e) => (e.error ? `${e.verdict} (${e.error})` : e.verdict)],
];

/** Per address, what changed from one observation to the next (oldest first). */
export function historyChanges(observations: Observation[]): HistoryChange[] {
  const out: HistoryChange[] = [];
  let before = new Map<string, EndpointObservation>();
  for (const obs of observations) {
    const at = obs.at.toISOString();
    const now = new Map(obs.endpoints.map((e) => [e.address, e]));
    for (const [address, e] of now) {
      const prev = before.get(address);
      if (!prev) {
        out.push({ at, address, what: 'first_seen', from: null, to: FACETS[0]![1](e) ?? e.error });
        continue;
      }
      for (const [what, read] of FACETS) {
        const [from, to] = [read(prev), read(e)];
        // protocols are not scanned by every check: an unscanned one is no change
        if (from !== to && !(what === 'protocols' && (from === null || to === null))) {
          out.push({ at, address, what, from, to });
        }
      }
    }
    for (const address of before.keys()) {
      if (!now.has(address) && obs.endpoints.length > 0) {
        out.push({ at, address, what: 'address_gone', from: address, to: null });
      }
    }
    if (obs.endpoints.length > 0) before = now;
  }
  return out;
}
