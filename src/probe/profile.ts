/**
 * Check profiles. `full` runs every step. `sweep` (the scheduler's re-checks of watched endpoints) keeps
 * what changes between sweeps — the main handshake, chain, validity and the HTTP response over the same
 * connection — and runs the no-SNI handshake and the protocol scan only on every Nth check of a target
 * (its first check in this process included): server configurations change rarely, certificates and
 * clocks more often, and those two steps cost four of a check's five connections.
 *
 * `light` always skips both, and the HTTP request too (what it shows, HSTS and the server's clock, changes with
 * a deploy as rarely), and its main handshake reads the server's flight without OpenSSL's client when the
 * server allows (flight-read.ts): the caller decides when a full check is due. The scheduler does (sweep.ts,
 * `sweepProfile`), from the subscription and the sweep's time, so the rate holds across restarts and pool
 * threads; `sweep`'s counters are per process and per thread, so after every restart its first sweep ran the
 * full profile on every endpoint. What a light check could not judge, the sweep carries forward from the last
 * check that did (src/scheduler/carry.ts).
 */
export type CheckProfile = 'full' | 'sweep' | 'light';

export interface ProbeSteps {
  scan: boolean;
  noSni: boolean;
  /** the HTTP request over the main connection (absent: on) */
  httpStep?: boolean;
  /**
   * handshakes whose connection nothing uses afterwards (the no-SNI one; the main one when no HTTP request
   * rides on it) read the server's flight without OpenSSL's client (flight-read.ts): sweeps (absent: off)
   */
  flightRead?: boolean;
  /** the skipped attempts' reason when a step is off */
  skippedWhy: string;
}

export const SWEEP_FULL_EVERY = 10;
/** Targets remembered per process; the oldest is forgotten first (its next check is then a full one). */
const MAX_TRACKED = 10_000;
const counts = new Map<string, number>();

export function stepsFor(profile: CheckProfile, targetKey: string, every = SWEEP_FULL_EVERY): ProbeSteps {
  if (profile === 'full') return { scan: true, noSni: true, skippedWhy: '' };
  if (profile === 'light') {
    const skippedWhy = `sweep profile: runs on every ${every}th sweep of this endpoint`;
    return { scan: false, noSni: false, httpStep: false, flightRead: true, skippedWhy };
  }
  const n = counts.get(targetKey) ?? 0;
  counts.delete(targetKey);
  counts.set(targetKey, n + 1);
  if (counts.size > MAX_TRACKED) counts.delete(counts.keys().next().value!);
  const full = n % every === 0;
  const why = `sweep profile: runs once every ${every} checks of this target (next in ${every - (n % every)})`;
  return { scan: full, noSni: full, skippedWhy: full ? '' : why };
}
