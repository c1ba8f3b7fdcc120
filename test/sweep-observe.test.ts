/**
 * Issue 8, sweep cost: a sweep check's worker answers the observation (scheduler/observe.ts observedOf) made
 * from the rules' judgement (diagnose.ts judge: no fixes, no stack recognition), not the whole diagnosis. It
 * must be the observation the diagnosis gives: same verdict, codes, critical codes and per-address verdicts,
 * on real loopback servers that produce findings (expired, wrong name, incomplete chain, self-signed, two
 * backends that disagree, a refused port), and through the pool's workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkJudged } from '../src/check.js';
import { diagnose, judge } from '../src/diagnose.js';
import { type CheckPool, createCheckPool } from '../src/pool/index.js';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { probe } from '../src/probe/index.js';
import { parseTarget } from '../src/probe/target.js';
import { loadTrustStore } from '../src/probe/trust.js';
import type { ProbeReport } from '../src/probe/types.js';
import { observedOf } from '../src/scheduler/observe.js';
import { type Chain, makeChain, pemOf } from './support/pki.js';
import { type Running, startResetting, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const open: Running[] = [];
let chain: Chain;
let expired: Chain;
let selfSigned: Chain;
before(async () => {
  chain = await makeChain({}, now);
  expired = await makeChain({ leaf: { notAfter: new Date(now.getTime() - 2 * DAY) } }, now);
  selfSigned = await makeChain({ intermediates: [] }, now);
});
after(() => Promise.all(open.map((s) => s.close())));

async function serve(certPem: string, keyPem: string, host?: string): Promise<Running> {
  const s = await startTlsServer({ certPem, keyPem, ...(host ? { host } : {}) });
  open.push(s);
  return s;
}

async function reportOf(input: string, addresses: string[], ca: string[]): Promise<ProbeReport> {
  const lookup = async () => addresses.map((address) => ({ address, family: 4 as const }));
  return probe(parseTarget(input), {
    now,
    timeoutMs: 8000,
    policy: createAddressPolicy(['127.0.0.0/8']),
    trust: loadTrustStore({ extraCaPem: ca }),
    lookup,
  });
}

/** The same report, observed through judge() and through diagnose(). */
function bothWays(report: ProbeReport) {
  const judged = observedOf({ report, ...judge(report, { now }) });
  const diagnosed = observedOf(diagnose(report, { now }));
  return { judged, diagnosed };
}

describe('the observation from judge() is the one from diagnose()', () => {
  const cases: Array<{ name: string; setup: () => Promise<{ input: string; addresses: string[]; ca: string[] }> }> = [
    {
      name: 'a good chain',
      setup: async () => {
        const s = await serve(chain.fullchainPem, chain.leaf.keyPem);
        return { input: `localhost:${s.port}`, addresses: ['127.0.0.1'], ca: [chain.root.pem] };
      },
    },
    {
      name: 'an expired leaf',
      setup: async () => {
        const s = await serve(expired.fullchainPem, expired.leaf.keyPem);
        return { input: `localhost:${s.port}`, addresses: ['127.0.0.1'], ca: [expired.root.pem] };
      },
    },
    {
      name: 'the wrong name',
      setup: async () => {
        const s = await serve(chain.fullchainPem, chain.leaf.keyPem);
        return { input: `other.example:${s.port}`, addresses: ['127.0.0.1'], ca: [chain.root.pem] };
      },
    },
    {
      name: 'a missing intermediate',
      setup: async () => {
        const s = await serve(pemOf(chain.leaf), chain.leaf.keyPem);
        return { input: `localhost:${s.port}`, addresses: ['127.0.0.1'], ca: [chain.root.pem] };
      },
    },
    {
      name: 'an untrusted self-signed root',
      setup: async () => {
        const s = await serve(selfSigned.fullchainPem, selfSigned.leaf.keyPem);
        return { input: `localhost:${s.port}`, addresses: ['127.0.0.1'], ca: [] };
      },
    },
    {
      name: 'two backends that disagree (one expired)',
      setup: async () => {
        const a = await serve(chain.fullchainPem, chain.leaf.keyPem, '127.0.0.1');
        // the same port on 127.0.0.2: the expired chain
        const b = await startTlsServer({
          certPem: expired.fullchainPem,
          keyPem: expired.leaf.keyPem,
          host: '127.0.0.2',
          port: a.port,
        });
        open.push(b);
        return { input: `localhost:${a.port}`, addresses: ['127.0.0.1', '127.0.0.2'], ca: [chain.root.pem] };
      },
    },
    {
      name: 'a port that resets',
      setup: async () => {
        const s = await startResetting();
        open.push(s);
        return { input: `localhost:${s.port}`, addresses: ['127.0.0.1'], ca: [] };
      },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { input, addresses, ca } = await c.setup();
      const report = await reportOf(input, addresses, ca);
      const { judged, diagnosed } = bothWays(report);
      assert.deepEqual(judged, diagnosed);
      const d = diagnose(report, { now });
      const j = judge(report, { now });
      // the findings themselves: same codes, severities, certificates and addresses, in the same order
      const key = (f: { code: string; severity: string; certIndex: number; addresses?: string[] }) =>
        `${f.code}/${f.severity}@${f.certIndex}[${f.addresses?.join(',') ?? ''}]`;
      assert.deepEqual(j.findings.map(key), d.findings.map(key));
      assert.equal(j.verdict, d.verdict);
      if (c.name !== 'a good chain') assert.ok(d.findings.length > 0, `${c.name}: no finding to compare`);
    });
  }

  test('checkJudged() carries the report and the judgement check() would diagnose', async () => {
    const s = await serve(expired.fullchainPem, expired.leaf.keyPem);
    const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const out = await checkJudged(`localhost:${s.port}`, {
      now: () => now,
      allow: ['127.0.0.0/8'],
      extraCaPem: [expired.root.pem],
      lookup,
    });
    assert.equal(out.verdict, 'critical');
    assert.ok(
      out.findings.some((f) => f.code === 'cert_expired'),
      out.findings.map((f) => f.code).join(','),
    );
    assert.deepEqual(observedOf(out), observedOf(diagnose(out.report, { now })));
  });
});

describe('pool.observe()', () => {
  let pool: CheckPool;
  before(() => {
    pool = createCheckPool({ size: 2, minThreads: 1 });
  });
  after(() => pool.close());

  test('answers, from the worker, the observation of the diagnosis pool.check() answers', async () => {
    const s = await serve(expired.fullchainPem, expired.leaf.keyPem);
    const opts = { now: () => now, allow: ['127.0.0.0/8'], extraCaPem: [expired.root.pem], timeoutMs: 8000 };
    const observed = await pool.observe(`localhost:${s.port}`, { ...opts, lane: 'sweep' });
    const diagnosed = observedOf(await pool.check(`localhost:${s.port}`, opts));
    assert.deepEqual(observed, diagnosed);
    assert.deepEqual(observed.critical, ['cert_expired']);
    // only the observation crossed: no report, no findings' prose
    assert.deepEqual(Object.keys(observed).sort(), ['codes', 'critical', 'endpoints', 'unjudged', 'verdict']);
  });
});

test('a partial observation (check past its hard deadline) is the same whatever phases it reported', async () => {
  // why the pool's sweep workers post no phase (pool/task.ts phases 'none'): only a partial diagnosis reads them
  const { partialDiagnosis } = await import('../src/pool/deadline.js');
  const logs = [
    [],
    [{ phase: 'resolved' as const, detail: '127.0.0.1' }],
    [
      { phase: 'resolved' as const, detail: '127.0.0.1, 127.0.0.2' },
      { phase: 'handshake' as const, detail: 'TLSv1.3' },
    ],
    [
      { phase: 'resolved' as const, detail: '127.0.0.1' },
      { phase: 'handshake' as const, detail: 'error' },
      { phase: 'chain' as const, detail: 'completed' },
    ],
  ];
  const observed = await Promise.all(
    logs.map(async (phases) =>
      observedOf(
        await partialDiagnosis({
          input: 'partial.example:8443',
          phases,
          timeoutMs: 600,
          elapsedMs: 850,
          now,
          options: {},
        }),
      ),
    ),
  );
  assert.deepEqual(observed[0]!.codes, ['check_deadline_exceeded']);
  // which rules went unjudged differs, but nothing is carried onto a check that saw no certificate (carry.ts)
  const stored = observed.map(({ unjudged: _u, ...o }) => o);
  for (const o of stored) assert.deepEqual(o, stored[0]);
  for (const o of observed) assert.ok(o.endpoints.every((e) => e.leaf === null));
});
