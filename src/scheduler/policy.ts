/**
 * The reminder policy: a pure function from a subscription's observations, the reminders already
 * decided (the ledger) and `now` to the reminders owed. No I/O, no clock.
 *
 * Every reminder has a key unique per subscription, so deciding it twice is a no-op and "never twice"
 * holds across restarts and flapping:
 * - `threshold:<sha256>:<days>`: one per (certificate, threshold). After downtime the thresholds crossed
 *   meanwhile collapse into one message (the most urgent key; the others are `covers`).
 * - `expired:<sha256>:<n>`: n = whole days since notAfter: critical at once, then at most one a day.
 * - `stuck:<sha256>`: past 2/3 of the lifetime with no newer certificate served. ACME clients renew with
 *   1/3 left (RFC 8555 practice; certbot, smallstep `needs-renewal` at 66 %), so a certificate still served
 *   then means renewal failed. Only lifetimes ≤ 100 days: a manually renewed 1-year certificate is not
 *   "stuck" with four months left.
 * - `renewed:<old>`: every address serves a newer certificate and the old one was absent from every
 *   address two sweeps in a row (a CDN alternating old and new never completes a renewal).
 * - `partial:<old>`: some addresses serve a newer certificate, others the old one; said once.
 * - `broken:<code>:<obs>` / `recovered:<code>:<obs>`: an episode per critical code, opened by the
 *   observation that saw it first; `unreachable` needs two sweeps in a row with no certificate seen.
 *
 * Reminders follow the earliest-expiring certificate still served anywhere.
 */
import type {
  EndpointObservation,
  LedgerEntry,
  Observation,
  OwedReminder,
  ReminderFacts,
  Subscription,
} from '../store/types.js';

export const DEFAULT_THRESHOLDS = [30, 14, 7, 3, 1] as const;
/** Certificates shorter-lived than this get lifetime-fraction thresholds instead of day thresholds. */
export const SHORT_LIVED_DAYS = 30;
/** The lifetime the day thresholds were written for (Let's Encrypt's 90 days): fractions scale from it. */
const REFERENCE_LIFETIME_DAYS = 90;
const STUCK_MAX_LIFETIME_DAYS = 100;
const DAY = 86_400_000;

/** Finding codes whose news is the expiry reminders themselves, not a breakage. */
const EXPIRY_CODES = new Set(['cert_expired', 'cert_expiring_soon']);
/** Codes that mean "no certificate seen": judged as `unreachable`, two sweeps in a row. */
const TRANSPORT_CODES = new Set([
  'dns_not_found',
  'connection_refused',
  'connection_timeout',
  'not_tls',
  'handshake_failed',
  'address_blocked',
]);
export const UNREACHABLE = 'unreachable';

export interface PolicyInput {
  subscription: Pick<Subscription, 'target' | 'thresholds'>;
  /** oldest first; the last one is the check just made */
  history: Observation[];
  ledger: LedgerEntry[];
  now: Date;
}

type Leaf = NonNullable<EndpointObservation['leaf']>;

export function owedReminders(input: PolicyInput): OwedReminder[] {
  const latest = input.history.at(-1);
  if (!latest) return [];
  const done = new Set(input.ledger.flatMap((e) => [e.key, ...e.covers]));
  const fresh = (o: OwedReminder | null): o is OwedReminder => o !== null && !done.has(o.key);
  const owed = [
    ...certificateReminders(input, latest, done),
    renewedReminder(input),
    ...breakageReminders(input, latest),
  ];
  return owed.filter(fresh);
}

function leavesOf(obs: Observation): { address: string; leaf: Leaf }[] {
  return obs.endpoints.flatMap((e) => (e.leaf ? [{ address: e.address, leaf: e.leaf }] : []));
}

const expiry = (l: Leaf) => Date.parse(l.notAfter);
const lifetimeMs = (l: Leaf) => expiry(l) - Date.parse(l.notBefore);

/** The earliest-expiring certificate served anywhere (ties broken by fingerprint, for determinism). */
function earliest(leaves: Leaf[]): Leaf | null {
  return [...leaves].sort((a, b) => expiry(a) - expiry(b) || a.sha256.localeCompare(b.sha256))[0] ?? null;
}

function latestExpiring(leaves: Leaf[]): Leaf | null {
  return [...leaves].sort((a, b) => expiry(b) - expiry(a) || a.sha256.localeCompare(b.sha256))[0] ?? null;
}

function facts(input: PolicyInput, kind: ReminderFacts['kind'], leaf: Leaf | null): ReminderFacts {
  const f: ReminderFacts = { kind, target: input.subscription.target, fingerprint: leaf?.sha256 ?? null };
  if (leaf) {
    f.notAfter = leaf.notAfter;
    f.daysLeft = Math.floor((expiry(leaf) - input.now.getTime()) / DAY);
  }
  return f;
}

function certificateReminders(input: PolicyInput, latest: Observation, done: Set<string>): (OwedReminder | null)[] {
  const served = leavesOf(latest);
  const tracked = earliest(served.map((s) => s.leaf));
  if (!tracked) return [];
  const now = input.now.getTime();
  const thresholdKeys = thresholdsFor(tracked, input.subscription.thresholds);
  if (now > expiry(tracked)) {
    const n = Math.floor((now - expiry(tracked)) / DAY);
    const covers = thresholdKeys.map((t) => t.key).filter((k) => !done.has(k));
    return [{ key: `expired:${tracked.sha256}:${n}`, covers, facts: facts(input, 'expired', tracked), critical: true }];
  }
  const threshold = thresholdReminder(input, tracked, thresholdKeys, done);
  const stuck = stuckReminder(input, tracked, served);
  // A 90-day certificate reaches 2/3 of its life on its 30-day threshold: one message says both.
  if (threshold && stuck && !done.has(stuck.key)) {
    threshold.covers.push(stuck.key);
    threshold.facts.renewalStuck = true;
    return [threshold, partial(input, tracked, served)];
  }
  return [threshold, stuck, partial(input, tracked, served)];
}

interface ThresholdKey {
  days: number;
  key: string;
  /** crossed when the time left is at or below this, ms */
  atMs: number;
}

/**
 * Day thresholds, or for a short-lived certificate the same thresholds as fractions of a 90-day lifetime
 * (30 d → 1/3 is left out: the stuck-renewal warning speaks at that point), so a 6-day certificate is
 * reminded at 0.93 d, 0.47 d, … left, not by "30 days" on the day it is issued.
 */
function thresholdsFor(leaf: Leaf, days: number[]): ThresholdKey[] {
  const life = lifetimeMs(leaf);
  const shortLived = life < SHORT_LIVED_DAYS * DAY;
  return days
    .filter((d) => !shortLived || d / REFERENCE_LIFETIME_DAYS < 1 / 3)
    .map((d) => ({
      days: d,
      key: `threshold:${leaf.sha256}:${d}`,
      atMs: shortLived ? (life * d) / REFERENCE_LIFETIME_DAYS : d * DAY,
    }));
}

function thresholdReminder(
  input: PolicyInput,
  leaf: Leaf,
  keys: ThresholdKey[],
  done: Set<string>,
): OwedReminder | null {
  const left = expiry(leaf) - input.now.getTime();
  const crossed = keys.filter((k) => left <= k.atMs && !done.has(k.key)).sort((a, b) => a.days - b.days);
  const [urgent, ...rest] = crossed;
  if (!urgent) return null;
  const f = facts(input, 'threshold', leaf);
  f.thresholds = crossed.map((k) => k.days).sort((a, b) => b - a);
  if (lifetimeMs(leaf) < SHORT_LIVED_DAYS * DAY) f.lifetimeDays = Math.round((lifetimeMs(leaf) / DAY) * 10) / 10;
  const critical = urgent.days <= 1;
  return { key: urgent.key, covers: rest.map((k) => k.key), facts: f, critical };
}

function stuckReminder(input: PolicyInput, leaf: Leaf, served: { leaf: Leaf }[]): OwedReminder | null {
  const life = lifetimeMs(leaf);
  if (life > STUCK_MAX_LIFETIME_DAYS * DAY || life <= 0) return null;
  const elapsed = input.now.getTime() - Date.parse(leaf.notBefore);
  if (elapsed < (life * 2) / 3) return null;
  if (served.some((s) => expiry(s.leaf) > expiry(leaf))) return null;
  return { key: `stuck:${leaf.sha256}`, covers: [], facts: facts(input, 'stuck', leaf), critical: false };
}

function partial(input: PolicyInput, old: Leaf, served: { address: string; leaf: Leaf }[]): OwedReminder | null {
  const newer = latestExpiring(served.map((s) => s.leaf));
  if (!newer || expiry(newer) <= expiry(old)) return null;
  const f = facts(input, 'partial_renewal', old);
  f.newFingerprint = newer.sha256;
  f.newNotAfter = newer.notAfter;
  f.oldAddresses = served.filter((s) => s.leaf.sha256 === old.sha256).map((s) => s.address);
  f.addressCount = served.length;
  return { key: `partial:${old.sha256}`, covers: [], facts: f, critical: false };
}

/** Every address answered with a certificate (an unreachable sweep proves no absence). */
const complete = (o: Observation) => o.endpoints.length > 0 && o.endpoints.every((e) => e.leaf !== null);

function renewedReminder(input: PolicyInput): OwedReminder | null {
  const [before, a, b] = input.history.slice(-3);
  if (!before || !a || !b || !complete(a) || !complete(b)) return null;
  const recent = [...leavesOf(a), ...leavesOf(b)].map((s) => s.leaf);
  const olds = leavesOf(before)
    .map((s) => s.leaf)
    .filter((old) => recent.every((l) => l.sha256 !== old.sha256 && expiry(l) > expiry(old)));
  const old = earliest(olds);
  const now = latestExpiring(leavesOf(b).map((s) => s.leaf));
  if (!old || !now) return null;
  const f = facts(input, 'renewed', old);
  f.newFingerprint = now.sha256;
  f.newNotAfter = now.notAfter;
  return { key: `renewed:${old.sha256}`, covers: [], facts: f, critical: false };
}

function brokenCodes(history: Observation[]): string[] {
  const latest = history.at(-1)!;
  const codes = latest.critical.filter((c) => !EXPIRY_CODES.has(c) && !TRANSPORT_CODES.has(c));
  const blind = (o: Observation | undefined) => o !== undefined && leavesOf(o).length === 0;
  if (blind(latest) && blind(history.at(-2))) codes.push(UNREACHABLE);
  return [...new Set(codes)].sort();
}

/** Open episodes from the ledger: `code:obs` of each broken key with no recovered key yet. */
function openEpisodes(ledger: LedgerEntry[]): Map<string, string> {
  const keys = ledger.flatMap((e) => [e.key, ...e.covers]);
  const recovered = new Set(keys.filter((k) => k.startsWith('recovered:')).map((k) => k.slice('recovered:'.length)));
  const open = new Map<string, string>();
  for (const k of keys) {
    if (!k.startsWith('broken:')) continue;
    const episode = k.slice('broken:'.length);
    if (!recovered.has(episode)) open.set(episode.slice(0, episode.lastIndexOf(':')), episode);
  }
  return open;
}

function breakageReminders(input: PolicyInput, latest: Observation): (OwedReminder | null)[] {
  const now = brokenCodes(input.history);
  const open = openEpisodes(input.ledger);
  const lastSeen = input.history.findLast((o) => leavesOf(o).length > 0);
  const tracked = lastSeen ? earliest(leavesOf(lastSeen).map((s) => s.leaf)) : null;
  const opened = now.filter((c) => !open.has(c));
  // A code can only be called cleared by a check that saw a certificate (an unreachable check judged nothing).
  const judged = leavesOf(latest).length > 0;
  const cleared = [...open.entries()].filter(([c]) => !now.includes(c) && (judged || c === UNREACHABLE));
  const out: (OwedReminder | null)[] = [];
  if (opened.length > 0) {
    const keys = opened.map((c) => `broken:${c}:${latest.id}`);
    const f = { ...facts(input, 'broken', tracked), codes: opened };
    out.push({ key: keys[0]!, covers: keys.slice(1), facts: f, critical: true });
  }
  if (cleared.length > 0) {
    const keys = cleared.map(([, episode]) => `recovered:${episode}`);
    const f = { ...facts(input, 'recovered', tracked), codes: cleared.map(([c]) => c) };
    out.push({ key: keys[0]!, covers: keys.slice(1), facts: f, critical: false });
  }
  return out;
}
