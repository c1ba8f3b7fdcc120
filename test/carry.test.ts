/**
 * Issue 8, flap-proof: a light sweep check (no no-SNI handshake, no version scan) cannot judge
 * `legacy_tls_only`, `legacy_tls_enabled` or `sni_required`. Their findings from the last check that judged
 * them are carried forward (src/scheduler/carry.ts), so the stored verdict does not flip between full and
 * light sweeps and the policy does not say "recovered" and "broken" every ten sweeps. Real checks against
 * loopback servers, then the pure function's edges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkJudged } from '../src/check.js';
import type { CheckProfile } from '../src/probe/profile.js';
import { carryForward } from '../src/scheduler/carry.js';
import { observedOf } from '../src/scheduler/observe.js';
import { owedReminders } from '../src/scheduler/policy.js';
import type { EndpointObservation, LedgerEntry, NewObservation, Observation } from '../src/store/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const now = new Date();
let chain: Chain;
let legacyOnly: Running;
before(async () => {
  chain = await makeChain({}, now);
  // a server that speaks only TLS 1.0/1.1: legacy_tls_only (critical) comes from the version scan alone
  legacyOnly = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.1',
  });
});
after(() => legacyOnly?.close());

async function observe(profile: CheckProfile, id: number): Promise<Observation & { unjudged?: string[] }> {
  const judged = await checkJudged(`127.0.0.1:${legacyOnly.port}`, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    profile,
    timeoutMs: 8000,
  });
  return { id: String(id), subscriptionId: '1', at: now, ...observedOf(judged) };
}

const stored = (o: NewObservation, id: number): Observation => ({ ...o, id: String(id) });

describe('a light sweep after a full one, on a TLS 1.0/1.1-only server', () => {
  test('without carrying forward the light check looks recovered (the flap this prevents)', async () => {
    const full = await observe('full', 1);
    const light = await observe('light', 2);
    assert.ok(full.critical.includes('legacy_tls_only'), `full: ${full.critical}`);
    assert.ok(!light.critical.includes('legacy_tls_only'), `light: ${light.critical}`);
    assert.ok(light.unjudged?.includes('legacy_tls_only'), `unjudged: ${light.unjudged}`);
  });

  test('carried: the same codes and verdicts, and no "recovered" owed', async () => {
    const full = stored(carryForward(undefined, await observe('full', 1)), 1);
    const light = stored(carryForward(full, await observe('light', 2)), 2);
    assert.deepEqual(light.critical, full.critical);
    assert.deepEqual(light.codes, full.codes);
    assert.equal(light.verdict, full.verdict);
    assert.deepEqual(
      light.endpoints.map((e) => [e.address, e.verdict, e.codes]),
      full.endpoints.map((e) => [e.address, e.verdict, e.codes]),
    );
    assert.equal('unjudged' in light, false, 'the unjudged list is never stored');
    const subscription = { target: `127.0.0.1:${legacyOnly.port}`, thresholds: [30, 14, 7, 3, 1] };
    const first = owedReminders({ subscription, history: [full], ledger: [], now });
    assert.deepEqual(
      first.map((o) => o.key),
      ['broken:legacy_tls_only:1'],
    );
    const ledger: LedgerEntry[] = first.map((o) => ({
      key: o.key,
      covers: o.covers,
      kind: o.facts.kind,
      createdAt: now,
    }));
    assert.deepEqual(owedReminders({ subscription, history: [full, light], ledger, now }), []);
  });
});

describe('carryForward, the edges', () => {
  const ep = (over: Partial<EndpointObservation>): EndpointObservation => ({
    address: '192.0.2.1',
    leaf: { sha256: 'A', subject: 'CN=a', issuer: 'CN=CA', notBefore: '', notAfter: '', keyType: 'EC P-256' },
    chain: ['A'],
    protocols: null,
    verdict: 'ok',
    error: null,
    codes: [],
    ...over,
  });
  const prev: Observation = {
    id: '1',
    subscriptionId: '1',
    at: now,
    verdict: 'warning',
    codes: ['hsts_missing', 'legacy_tls_enabled', 'sni_required'],
    critical: [],
    endpoints: [
      ep({ verdict: 'warning', codes: ['hsts_missing', 'legacy_tls_enabled', 'sni_required'] }),
      ep({ address: '192.0.2.2', verdict: 'warning', codes: ['hsts_missing', 'sni_required'] }),
    ],
  };
  const cur = (over: Partial<NewObservation & { unjudged: string[] }>) => ({
    subscriptionId: '1',
    at: now,
    verdict: 'ok' as const,
    codes: ['hsts_missing'],
    critical: [],
    endpoints: [ep({ codes: ['hsts_missing'] }), ep({ address: '192.0.2.2', codes: ['hsts_missing'] })],
    unjudged: ['legacy_tls_enabled', 'sni_required'],
    ...over,
  });

  test('per address: each keeps what it had; the verdicts follow', () => {
    const out = carryForward(prev, cur({}));
    assert.deepEqual(out.codes, ['hsts_missing', 'legacy_tls_enabled', 'sni_required']);
    assert.equal(out.verdict, 'warning');
    assert.deepEqual(
      out.endpoints.map((e) => [e.address, e.verdict, e.codes]),
      [
        ['192.0.2.1', 'warning', ['hsts_missing', 'legacy_tls_enabled', 'sni_required']],
        ['192.0.2.2', 'warning', ['hsts_missing', 'sni_required']],
      ],
    );
  });

  test('a rule judged again decides: passing now, its finding is gone', () => {
    const out = carryForward(prev, cur({ unjudged: ['legacy_tls_enabled'] }));
    assert.deepEqual(out.codes, ['hsts_missing', 'legacy_tls_enabled']);
    assert.deepEqual(out.endpoints[1]!.codes, ['hsts_missing']);
    assert.equal(out.endpoints[1]!.verdict, 'ok');
  });

  test('nothing onto a blind check, or onto an address that showed no certificate', () => {
    const blind = cur({ verdict: 'unknown', endpoints: [ep({ leaf: null, chain: [], error: 'connection_refused' })] });
    assert.deepEqual(carryForward(prev, blind).codes, ['hsts_missing']);
    const half = carryForward(
      prev,
      cur({ endpoints: [ep({ codes: ['hsts_missing'] }), ep({ address: '192.0.2.2', leaf: null, codes: [] })] }),
    );
    assert.deepEqual(half.endpoints[1]!.codes, []);
    assert.equal(half.endpoints[1]!.verdict, 'ok');
  });

  test('an info finding carried does not move a verdict', () => {
    const p: Observation = {
      ...prev,
      codes: ['hsts_missing'],
      verdict: 'ok',
      endpoints: [ep({ codes: ['hsts_missing'] })],
    };
    const out = carryForward(p, cur({ codes: [], endpoints: [ep({})], unjudged: ['hsts_missing'] }));
    assert.deepEqual(out.codes, ['hsts_missing']);
    assert.equal(out.verdict, 'ok');
    assert.equal(out.endpoints[0]!.verdict, 'ok');
  });

  test('an observation stored before per-address codes: carried for the target only', () => {
    const old: Observation = { ...prev, endpoints: prev.endpoints.map(({ codes: _c, ...e }) => e) };
    const out = carryForward(old, cur({}));
    assert.deepEqual(out.codes, ['hsts_missing', 'legacy_tls_enabled', 'sni_required']);
    assert.equal(out.verdict, 'warning');
    assert.deepEqual(out.endpoints[0]!.codes, ['hsts_missing']);
  });
});
