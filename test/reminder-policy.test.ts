/**
 * The reminder policy, table-driven: each case is a sequence of sweeps (what every address served, the
 * critical codes, when) and the reminder keys owed after each. The ledger is what earlier sweeps owed,
 * as the store would hold it, so "never twice" is tested across sweeps, not assumed. After each sweep the
 * ledger forgets what src/scheduler/prune.ts says it may, as the sweep does: every case's expectations hold
 * with forgetting on, and `forgets` says which keys went.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { owedReminders } from '../src/scheduler/policy.js';
import { forgettable } from '../src/scheduler/prune.js';
import type { EndpointObservation, Observation, OwedReminder, StoredLedgerEntry } from '../src/store/types.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const day = (d: number) => new Date(T0 + d * DAY);

/** Certificates by name; the name is the fingerprint so keys read `threshold:A:30`. */
const CERTS: Record<string, { from: number; to: number }> = {
  A: { from: 0, to: 90 },
  B: { from: 55, to: 145 },
  S: { from: 10, to: 16 }, // a 6-day certificate
  Y: { from: 0, to: 365 },
};

type Serve = Record<string, string> | 'down';

interface Sweep {
  /** day of the sweep (T0 + d days) */
  at: number;
  serve: Serve;
  critical?: string[];
  /** keys owed after this sweep */
  expect: string[];
  /** also check kinds' criticality: key → critical */
  critical_?: Record<string, boolean>;
  /** ledger keys forgotten after this sweep (default none) */
  forgets?: string[];
}

interface Case {
  name: string;
  thresholds?: number[];
  sweeps: Sweep[];
}

function endpoint(address: string, cert: string | null): EndpointObservation {
  const c = cert ? CERTS[cert]! : null;
  return {
    address,
    leaf: c
      ? {
          sha256: cert!,
          subject: `CN=${cert}`,
          issuer: 'CN=CA',
          notBefore: day(c.from).toISOString(),
          notAfter: day(c.to).toISOString(),
          keyType: 'EC P-256',
        }
      : null,
    chain: cert ? [cert] : [],
    protocols: null,
    verdict: 'ok',
    error: cert ? null : 'connection_refused',
  };
}

function run(c: Case): void {
  const history: Observation[] = [];
  let ledger: StoredLedgerEntry[] = [];
  for (const [i, s] of c.sweeps.entries()) {
    const endpoints =
      s.serve === 'down' ? [endpoint('192.0.2.1', null)] : Object.entries(s.serve).map(([a, n]) => endpoint(a, n));
    history.push({
      id: String(i + 1),
      subscriptionId: '1',
      at: day(s.at),
      verdict: 'ok',
      codes: s.critical ?? [],
      critical: [...(s.critical ?? []), ...(s.serve === 'down' ? ['connection_refused'] : [])],
      endpoints,
    });
    // the sweep decides from its latest 6 observations (src/scheduler/sweep.ts HISTORY)
    const recent = history.slice(-6);
    const owed = owedReminders({
      subscription: { target: 'a.example', thresholds: c.thresholds ?? [30, 14, 7, 3, 1] },
      history: recent,
      ledger,
      now: day(s.at),
    });
    assert.deepEqual(
      owed.map((o) => o.key),
      s.expect,
      `${c.name}: sweep ${i + 1} (day ${s.at})`,
    );
    for (const [key, crit] of Object.entries(s.critical_ ?? {})) {
      assert.equal(owed.find((o) => o.key === key)?.critical, crit, `${c.name}: ${key} critical`);
    }
    ledger.push(
      ...owed.map((o: OwedReminder, j) => ({
        id: `${i}.${j}`,
        key: o.key,
        covers: o.covers,
        kind: o.facts.kind,
        createdAt: day(s.at),
        status: 'sent' as const,
        fingerprint: o.facts.fingerprint,
        notAfter: o.facts.notAfter ?? null,
      })),
    );
    const gone = new Set(forgettable(recent, ledger, day(s.at)).ids);
    assert.deepEqual(
      ledger.filter((e) => gone.has(e.id)).map((e) => e.key),
      s.forgets ?? [],
      `${c.name}: forgotten after sweep ${i + 1} (day ${s.at})`,
    );
    ledger = ledger.filter((e) => !gone.has(e.id));
  }
}

const one = { x: 'A' };

const CASES: Case[] = [
  {
    name: 'day thresholds: each once, in order; the 1-day one is critical',
    sweeps: [
      { at: 59, serve: one, expect: [] },
      { at: 60, serve: one, expect: ['threshold:A:30'] },
      { at: 60.25, serve: one, expect: [] },
      { at: 76, serve: one, expect: ['threshold:A:14'] },
      { at: 83, serve: one, expect: ['threshold:A:7'] },
      { at: 87, serve: one, expect: ['threshold:A:3'] },
      { at: 89, serve: one, expect: ['threshold:A:1'], critical_: { 'threshold:A:1': true } },
      { at: 89.5, serve: one, expect: [] },
    ],
  },
  {
    name: 'custom thresholds (--days 10,2)',
    thresholds: [10, 2],
    sweeps: [
      { at: 59, serve: one, expect: [] },
      { at: 60, serve: one, expect: ['stuck:A'] },
      { at: 80, serve: one, expect: ['threshold:A:10'] },
      { at: 88, serve: one, expect: ['threshold:A:2'] },
    ],
  },
  {
    name: 'catch-up after downtime: the crossed thresholds collapse into one message',
    sweeps: [
      { at: 50, serve: one, expect: [] },
      { at: 88, serve: one, expect: ['threshold:A:3'] },
      { at: 88.5, serve: one, expect: [] },
      { at: 89.2, serve: one, expect: ['threshold:A:1'] },
    ],
  },
  {
    name: 'expired: critical at once (covering missed thresholds), then at most one a day',
    sweeps: [
      { at: 50, serve: one, expect: [] },
      { at: 90.1, serve: one, expect: ['expired:A:0'], critical_: { 'expired:A:0': true } },
      { at: 90.5, serve: one, expect: [] },
      { at: 90.9, serve: one, expect: [] },
      { at: 91.2, serve: one, expect: ['expired:A:1'] },
      { at: 95.5, serve: one, expect: ['expired:A:5'] },
    ],
  },
  {
    name: 'short-lived (6 days): lifetime fractions, not "30 days" on issue day; stuck at 2/3',
    sweeps: [
      { at: 10.1, serve: { x: 'S' }, expect: [] },
      { at: 14, serve: { x: 'S' }, expect: ['stuck:S'] },
      { at: 15.1, serve: { x: 'S' }, expect: ['threshold:S:14'] },
      { at: 15.6, serve: { x: 'S' }, expect: ['threshold:S:7'] },
      { at: 15.85, serve: { x: 'S' }, expect: ['threshold:S:3'] },
      { at: 15.95, serve: { x: 'S' }, expect: ['threshold:S:1'] },
    ],
  },
  {
    name: 'renewal stuck: past 2/3 of the lifetime, once; said with the 30-day threshold of a 90-day certificate',
    sweeps: [
      { at: 59, serve: one, expect: [] },
      { at: 60, serve: one, expect: ['threshold:A:30'] },
      { at: 61, serve: one, expect: [] },
    ],
  },
  {
    name: 'renewal stuck: a 1-year certificate is not "stuck" with four months left',
    sweeps: [{ at: 250, serve: { x: 'Y' }, expect: [] }],
  },
  {
    name: 'renewal stuck alone when no threshold is crossed (30-day thresholds off)',
    thresholds: [7],
    sweeps: [
      { at: 61, serve: one, expect: ['stuck:A'] },
      { at: 62, serve: one, expect: [] },
    ],
  },
  {
    name: 'a newer certificate on one address: no stuck warning, the old one is partially replaced',
    thresholds: [7],
    sweeps: [{ at: 61, serve: { x: 'A', y: 'B' }, expect: ['partial:A'] }],
  },
  {
    name: 'renewed: the old certificate absent from every address two sweeps in a row; thresholds start over',
    sweeps: [
      { at: 60, serve: { x: 'A', y: 'A' }, expect: ['threshold:A:30'] },
      { at: 60.5, serve: { x: 'B', y: 'B' }, expect: [] },
      { at: 61, serve: { x: 'B', y: 'B' }, expect: ['renewed:A'] },
      { at: 61.5, serve: { x: 'B', y: 'B' }, expect: [] },
      { at: 115, serve: { x: 'B', y: 'B' }, expect: ['threshold:B:30'] },
    ],
  },
  {
    name: 'flapping across sweeps (old, new, old, …): no renewed notice, nothing resent',
    sweeps: [
      { at: 60, serve: one, expect: ['threshold:A:30'] },
      { at: 60.25, serve: { x: 'B' }, expect: [] },
      { at: 60.5, serve: one, expect: [] },
      { at: 60.75, serve: { x: 'B' }, expect: [] },
      { at: 61, serve: one, expect: [] },
      { at: 61.25, serve: { x: 'B' }, expect: [] },
      { at: 61.5, serve: one, expect: [] },
    ],
  },
  {
    name: 'flapping across backends: "2 of 3 still serve the old certificate" once, renewed when gone twice',
    sweeps: [
      { at: 60, serve: { x: 'A', y: 'A', z: 'A' }, expect: ['threshold:A:30'] },
      { at: 60.25, serve: { x: 'B', y: 'A', z: 'A' }, expect: ['partial:A'] },
      { at: 60.5, serve: { x: 'A', y: 'B', z: 'A' }, expect: [] },
      { at: 60.75, serve: { x: 'B', y: 'B', z: 'B' }, expect: [] },
      { at: 61, serve: { x: 'B', y: 'A', z: 'B' }, expect: [] },
      { at: 61.25, serve: { x: 'B', y: 'B', z: 'B' }, expect: [] },
      { at: 61.5, serve: { x: 'B', y: 'B', z: 'B' }, expect: ['renewed:A'] },
      { at: 61.75, serve: { x: 'B', y: 'A', z: 'B' }, expect: [] },
    ],
  },
  {
    name: 'breakage: alert once, recovered once, a new episode alerts again',
    sweeps: [
      { at: 1, serve: one, expect: [] },
      { at: 2, serve: one, critical: ['chain_incomplete'], expect: ['broken:chain_incomplete:2'] },
      { at: 3, serve: one, critical: ['chain_incomplete'], expect: [] },
      { at: 4, serve: one, expect: ['recovered:chain_incomplete:2'] },
      { at: 5, serve: one, expect: [] },
      {
        at: 6,
        serve: one,
        critical: ['chain_incomplete', 'hostname_mismatch'],
        expect: ['broken:chain_incomplete:6'],
        critical_: { 'broken:chain_incomplete:6': true },
      },
      { at: 7, serve: one, critical: ['chain_incomplete'], expect: ['recovered:hostname_mismatch:6'] },
    ],
  },
  {
    name: 'unreachable: two sweeps in a row alert; one does not; recovery once',
    sweeps: [
      { at: 1, serve: one, expect: [] },
      { at: 2, serve: 'down', expect: [] },
      { at: 3, serve: one, expect: [] },
      { at: 4, serve: 'down', expect: [] },
      { at: 5, serve: 'down', expect: ['broken:unreachable:5'] },
      { at: 6, serve: 'down', expect: [] },
      { at: 7, serve: one, expect: ['recovered:unreachable:5'] },
    ],
  },
  {
    name: 'an unreachable check does not clear a code it could not judge',
    sweeps: [
      { at: 1, serve: one, critical: ['hostname_mismatch'], expect: ['broken:hostname_mismatch:1'] },
      { at: 2, serve: 'down', expect: [] },
      { at: 3, serve: one, critical: ['hostname_mismatch'], expect: [] },
      { at: 4, serve: one, expect: ['recovered:hostname_mismatch:1'] },
    ],
  },
  {
    name: 'forgotten: a certificate replaced and expired 30 days ago; a backend going back to it is told once a day',
    sweeps: [
      { at: 60, serve: one, expect: ['threshold:A:30'] },
      { at: 70, serve: { x: 'B' }, expect: [] },
      { at: 70.25, serve: { x: 'B' }, expect: ['renewed:A'] },
      { at: 115, serve: { x: 'B' }, expect: ['threshold:B:30'] },
      { at: 121, serve: { x: 'B' }, expect: [] },
      // A expired 32 days ago but is still in the 6 observations the sweep decides from
      { at: 122, serve: { x: 'B' }, expect: [] },
      { at: 123, serve: { x: 'B' }, expect: [], forgets: ['threshold:A:30', 'renewed:A'] },
      { at: 124, serve: { x: 'A', y: 'B' }, expect: ['expired:A:34'] },
      { at: 124.5, serve: { x: 'A', y: 'B' }, expect: [] },
    ],
  },
  {
    name: 'forgotten: a breakage episode 30 days after its recovery; a new one is said again',
    sweeps: [
      { at: 1, serve: { x: 'Y' }, critical: ['hostname_mismatch'], expect: ['broken:hostname_mismatch:1'] },
      { at: 2, serve: { x: 'Y' }, expect: ['recovered:hostname_mismatch:1'] },
      { at: 31, serve: { x: 'Y' }, expect: [] },
      {
        at: 33,
        serve: { x: 'Y' },
        expect: [],
        forgets: ['broken:hostname_mismatch:1', 'recovered:hostname_mismatch:1'],
      },
      { at: 34, serve: { x: 'Y' }, expect: [] },
      { at: 35, serve: { x: 'Y' }, critical: ['hostname_mismatch'], expect: ['broken:hostname_mismatch:6'] },
    ],
  },
  {
    name: 'forgotten: not while one of the episodes a message opened is still open',
    sweeps: [
      {
        at: 1,
        serve: { x: 'Y' },
        critical: ['hostname_mismatch', 'chain_incomplete'],
        expect: ['broken:chain_incomplete:1'],
      },
      { at: 2, serve: { x: 'Y' }, critical: ['hostname_mismatch'], expect: ['recovered:chain_incomplete:1'] },
      { at: 40, serve: { x: 'Y' }, critical: ['hostname_mismatch'], expect: [] },
      { at: 41, serve: { x: 'Y' }, expect: ['recovered:hostname_mismatch:1'] },
      // the chain's recovery is 69 days old, but the message that opened it also opened the name's (41 + 30 > 71)
      { at: 71, serve: { x: 'Y' }, expect: [] },
      {
        at: 72,
        serve: { x: 'Y' },
        expect: [],
        forgets: ['broken:chain_incomplete:1', 'recovered:chain_incomplete:1', 'recovered:hostname_mismatch:1'],
      },
      { at: 73, serve: { x: 'Y' }, expect: [] },
    ],
  },
  {
    name: 'expiry findings are the expiry reminders, not breakage',
    sweeps: [{ at: 90.2, serve: one, critical: ['cert_expired'], expect: ['expired:A:0'] }],
  },
];

for (const c of CASES) test(`policy: ${c.name}`, () => run(c));

test('policy: a collapsed catch-up message names every threshold it covers', () => {
  const history: Observation[] = [
    {
      id: '1',
      subscriptionId: '1',
      at: day(88),
      verdict: 'ok',
      codes: [],
      critical: [],
      endpoints: [endpoint('x', 'A')],
    },
  ];
  const [owed] = owedReminders({
    subscription: { target: 'a.example', thresholds: [30, 14, 7, 3, 1] },
    history,
    ledger: [],
    now: day(88),
  });
  assert.equal(owed?.key, 'threshold:A:3');
  assert.deepEqual(owed?.covers.sort(), ['stuck:A', 'threshold:A:14', 'threshold:A:30', 'threshold:A:7']);
  assert.equal(owed?.facts.renewalStuck, true);
  assert.deepEqual(owed?.facts.thresholds, [30, 14, 7, 3]);
  assert.equal(owed?.facts.daysLeft, 2);
});

test('forgetting: a reminder not yet delivered is never forgotten, however old its certificate', () => {
  const entry = (id: string, status: 'intended' | 'sent' | 'dropped'): StoredLedgerEntry => ({
    id,
    key: `threshold:A:${id}`,
    covers: [],
    kind: 'threshold',
    createdAt: day(60),
    status,
    fingerprint: 'A',
    notAfter: day(90).toISOString(),
  });
  const gone = forgettable([], [entry('1', 'intended'), entry('2', 'sent'), entry('3', 'dropped')], day(200));
  // its certificate's thread stays for it
  assert.deepEqual(gone, { ids: ['2', '3'], fingerprints: [] });
  assert.deepEqual(forgettable([], [entry('2', 'sent'), entry('3', 'dropped')], day(200)).fingerprints, ['A']);
  // 30 days after its expiry, not before
  assert.deepEqual(forgettable([], [entry('2', 'sent')], day(119)).ids, []);
});
