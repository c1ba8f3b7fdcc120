/**
 * The reminder policy, table-driven: each case is a sequence of sweeps (what every address served, the
 * critical codes, when) and the reminder keys owed after each. The ledger is what earlier sweeps owed,
 * as the store would hold it, so "never twice" is tested across sweeps, not assumed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { owedReminders } from '../src/scheduler/policy.js';
import type { EndpointObservation, LedgerEntry, Observation, OwedReminder } from '../src/store/types.js';

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
  const ledger: LedgerEntry[] = [];
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
    const owed = owedReminders({
      subscription: { target: 'a.example', thresholds: c.thresholds ?? [30, 14, 7, 3, 1] },
      history: history.slice(-6),
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
      ...owed.map((o: OwedReminder) => ({ key: o.key, covers: o.covers, kind: o.facts.kind, createdAt: day(s.at) })),
    );
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
