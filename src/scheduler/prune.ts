/**
 * Which decided reminders a subscription may forget. The ledger is what keeps a reminder from being said
 * twice (policy.ts), so a row goes only when no later decision can need it; without this it grows by a row a
 * day per certificate left expired and by a handful per renewal, forever, and every sweep reads all of it.
 *
 * - A certificate's reminders (threshold, expired, stuck, renewed, partial renewal; for renewals the row
 *   names the old certificate) once that certificate is served nowhere in the recent observations the sweep
 *   decides from and expired more than FORGET_AFTER_DAYS ago, with the thread its reminders went to. Should
 *   it come back it is long expired: the `expired` reminder it is then owed is news (a backend went back to
 *   an old certificate), and that one message covers its thresholds as for any expired certificate.
 * - A breakage episode's rows once every episode the row names has recovered, both settled more than
 *   FORGET_AFTER_DAYS ago. A `recovered` row stays while a `broken` row of any of its episodes stays:
 *   without it that episode would look open, and its recovery would be said again.
 * Rows not yet delivered (`intended`) are never forgotten. Pure: no I/O, no clock.
 */
import type { Forgettable, Observation, StoredLedgerEntry } from '../store/types.js';

export const FORGET_AFTER_DAYS = 30;
const DAY = 86_400_000;

export function forgettable(history: Observation[], ledger: StoredLedgerEntry[], now: Date): Forgettable {
  const cutoff = now.getTime() - FORGET_AFTER_DAYS * DAY;
  const settled = (e: StoredLedgerEntry) => e.status !== 'intended' && e.createdAt.getTime() < cutoff;
  const served = new Set(history.flatMap((o) => o.endpoints.flatMap((e) => (e.leaf ? [e.leaf.sha256] : []))));
  const ids = new Set<string>();
  const fingerprints = new Set<string>();

  for (const e of ledger) {
    if (e.kind === 'broken' || e.kind === 'recovered' || !settled(e) || e.fingerprint === null) continue;
    const gone = !served.has(e.fingerprint) && e.notAfter !== null && Date.parse(e.notAfter) < cutoff;
    if (!gone) continue;
    ids.add(e.id);
    fingerprints.add(e.fingerprint);
  }

  const broken = ledger.filter((e) => e.kind === 'broken');
  const recovered = ledger.filter((e) => e.kind === 'recovered');
  const recoveredLongAgo = new Set(recovered.filter(settled).flatMap(episodes));
  for (const e of broken) {
    if (settled(e) && episodes(e).every((ep) => recoveredLongAgo.has(ep))) ids.add(e.id);
  }
  const stillOpenable = new Set(broken.filter((e) => !ids.has(e.id)).flatMap(episodes));
  for (const e of recovered) {
    if (settled(e) && episodes(e).every((ep) => !stillOpenable.has(ep))) ids.add(e.id);
  }
  // a thread goes with the last row about its certificate (one still to be posted replies in it)
  for (const e of ledger) if (!ids.has(e.id) && e.fingerprint !== null) fingerprints.delete(e.fingerprint);
  return { ids: [...ids], fingerprints: [...fingerprints] };
}

/** `broken:CODE:OBS` and `recovered:CODE:OBS` name the episode `CODE:OBS`; a row names its key's and its covers'. */
function episodes(e: StoredLedgerEntry): string[] {
  return [e.key, ...e.covers].map((k) => k.slice(k.indexOf(':') + 1));
}
