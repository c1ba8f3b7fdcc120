import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose, orderFindings } from '../src/diagnose.js';
import { rules, runRules } from '../src/rules/index.js';
import type { Rule, RuleContext, RuleFinding } from '../src/rules/types.js';
import { at, err, NOW, ok, type ReportSpec, reportWith, skipped } from './support/report.js';

async function run(spec: ReportSpec, extra: { rules?: Rule[] } = {}) {
  const { report, now } = await reportWith(spec);
  return diagnose(report, { now, ...extra });
}

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);

test('a healthy endpoint raises no warning or critical finding, and every rule reports', async () => {
  for (const spec of [
    {},
    { target: { protocol: 'smtp' as const, port: 587 } },
    { leaf: { key: { type: 'rsa' as const, bits: 2048 } } },
  ]) {
    const d = await run(spec);
    assert.deepEqual(codes(d.findings), []);
    assert.equal(d.verdict, 'ok');
    assert.equal(d.headline, null);
    assert.equal(d.results.length, rules.length);
    assert.deepEqual(
      d.results.filter((r) => r.status !== 'pass' && r.status !== 'not_applicable'),
      [],
      'nothing unevaluated on a healthy endpoint',
    );
    assert.equal(d.checkedAt, NOW.toISOString());
  }
});

test('info-only findings keep the verdict ok and the headline empty', async () => {
  const d = await run({ http: { strictTransportSecurity: null } });
  assert.deepEqual(codes(d.findings), ['hsts_missing']);
  assert.equal(d.verdict, 'ok');
  assert.equal(d.headline, null);
});

test('a DNS failure is the headline, the verdict unknown, and certificate rules are not_evaluated, never pass', async () => {
  const d = await run({ resolution: err('dns_not_found') });
  assert.equal(d.verdict, 'unknown');
  assert.equal(d.headline?.code, 'dns_not_found');
  const status = (code: string) => d.results.find((r) => r.code === code)?.status;
  for (const code of ['cert_expired', 'hostname_mismatch', 'chain_incomplete', 'legacy_tls_enabled', 'clock_skew']) {
    assert.equal(status(code), 'not_evaluated', code);
  }
});

test('verdict is unknown when no certificate was seen and nothing explains why', async () => {
  for (const spec of [
    { handshake: err('bug') },
    { resolution: skipped('deadline') },
    { handshake: err('too_large') },
  ]) {
    const d = await run(spec);
    assert.equal(d.verdict, 'unknown', JSON.stringify(spec));
    assert.equal(
      d.findings.some((f) => f.severity !== 'info'),
      false,
    );
  }
});

test('verdict follows the worst severity; unknown (with the reason as headline) when nothing was examined', async () => {
  const cases: [ReportSpec, string, string][] = [
    [
      { resolution: ok([{ address: '10.0.0.5', family: 4, allowed: false, blockedBy: '10.0.0.0/8' }]) },
      'unknown',
      'address_blocked',
    ],
    [{ resolution: err('dns_failed') }, 'unknown', 'dns_not_found'],
    [{ leaf: { notBefore: at(-80), notAfter: at(20) } }, 'warning', 'cert_expiring_soon'],
    [{ leaf: { notBefore: at(-80), notAfter: at(-1) } }, 'critical', 'cert_expired'],
    [{ handshake: err('connection_refused') }, 'unknown', 'connection_refused'],
    [
      { handshake: err('connection_refused'), backends: [{ address: '203.0.113.11', serve: 'same' }] },
      'critical',
      'connection_refused',
    ],
    [{ handshake: err('connection_timeout') }, 'critical', 'connection_timeout'],
    [{ leaf: { omitSan: true } }, 'critical', 'no_san'],
    [{ selfSignedLeaf: true }, 'critical', 'cert_self_signed'],
  ];
  for (const [spec, verdict, headline] of cases) {
    const d = await run(spec);
    assert.deepEqual([d.verdict, d.headline?.code], [verdict, headline]);
  }
});

test('legacy-only servers headline the protocol, not the bare handshake failure', async () => {
  const d = await run({
    handshake: err('handshake_failed'),
    protocols: { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false },
  });
  assert.deepEqual(codes(d.findings), ['legacy_tls_only', 'handshake_failed']);
  assert.equal(d.headline?.code, 'legacy_tls_only');
});

const manyProblems: ReportSpec = {
  leaf: { notBefore: at(-100), notAfter: at(-3), ca: true },
  intermediates: [{ signatureHash: 'SHA-1', key: { type: 'rsa', bits: 2048 } }],
  target: { host: 'api.example.org' },
  send: (c) => [c.leaf.info, ...c.intermediates.map((i) => i.info), c.root.info],
  chain: { rootSentAt: 2 },
  protocols: { TLSv1: true },
  http: { strictTransportSecurity: null },
};
const manyProblemsOrder = [
  'cert_expired',
  'hostname_mismatch',
  'weak_signature_algorithm',
  'leaf_is_ca',
  'legacy_tls_enabled',
  'chain_includes_root',
  'hsts_missing',
];

test('findings are ordered by severity, then certIndex (−1 last), then rule order', async () => {
  const d = await run(manyProblems);
  assert.deepEqual(codes(d.findings), manyProblemsOrder);
  assert.deepEqual(
    d.findings.map((f) => [f.severity, f.certIndex]),
    [
      ['critical', 0],
      ['critical', 0],
      ['critical', 1],
      ['warning', 0],
      ['warning', -1],
      ['info', 2],
      ['info', -1],
    ],
  );
  assert.equal(d.headline?.code, 'cert_expired');
  assert.equal(d.verdict, 'critical');
  for (const f of d.findings) assert.ok(Array.isArray(f.clients) && Array.isArray(f.fixes));
});

test('the order does not depend on the order rules or findings arrive in', async () => {
  const d = await run(manyProblems);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 25; i++) {
    const shuffled = [...d.findings].sort(() => random() - 0.5);
    assert.deepEqual(codes(orderFindings(shuffled)), manyProblemsOrder);
  }
  const again = await run(manyProblems);
  assert.deepEqual(codes(again.findings), codes(d.findings));
});

const throwing: Rule = {
  scope: 'endpoint',
  meta: { code: 'test_throws', title: 'throws', citation: 'none', severity: 'critical' },
  applies: () => true,
  evaluate: () => {
    throw new TypeError('boom');
  },
};
const foreign: Rule = {
  scope: 'endpoint',
  meta: { code: 'test_foreign', title: 'wrong code', citation: 'none', severity: 'critical' },
  applies: () => true,
  evaluate: () => ({
    status: 'fail',
    finding: { code: 'cert_expired', severity: 'critical', certIndex: 0, summary: '', params: {}, causes: [] },
  }),
};
const throwsInApplies: Rule = {
  ...throwing,
  meta: { ...throwing.meta, code: 'test_applies' },
  applies: () => {
    throw new Error('x');
  },
};

test('a throwing rule becomes rule_error and never crashes the diagnosis', async () => {
  const { report, now } = await reportWith({});
  const ctx: RuleContext = {
    report,
    primary: report.endpoints[0]!,
    now,
    options: { expiringWarnDays: 30, expiringCriticalDays: 7, clockSkewSeconds: 300 },
  };
  const { findings, results } = runRules(ctx, [throwing, foreign, throwsInApplies]);
  assert.deepEqual(findings, [] as RuleFinding[]);
  assert.deepEqual(
    results.map((r) => [r.code, r.status]),
    [
      ['test_throws', 'rule_error'],
      ['test_foreign', 'rule_error'],
      ['test_applies', 'rule_error'],
    ],
  );
  const d = diagnose(report, { now, rules: [...rules, throwing] });
  assert.equal(d.verdict, 'unknown', 'a crashed rule must not read as ok');
  const bad = await reportWith({ leaf: { notBefore: at(-80), notAfter: at(-1) } });
  assert.equal(diagnose(bad.report, { now: bad.now, rules: [...rules, throwing] }).verdict, 'critical');
});
