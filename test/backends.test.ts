/**
 * One name, four loopback backends (127.0.0.1–4 on one port, through an injected resolver): .1 serves a good
 * chain, .2 a leaf from the same CA that expired 10 days ago, .3 the good leaf with a different chain (root
 * appended), .4 the good chain but only TLS 1.0. Every address is probed, judged on its own chain, protocols and
 * HTTP; the codes land on the right addresses and every renderer shows the matrix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { check } from '../src/check.js';
import { chainBlocks } from '../src/render/blocks-detail.js';
import { findingsBlocks } from '../src/render/blocks-diagnosis.js';
import { renderChatText } from '../src/render/chat-text.js';
import { renderJson } from '../src/render/json.js';
import { renderText } from '../src/render/text.js';
import type { Diagnosis } from '../src/rules/types.js';
import { makeCert, makeChain, pemOf } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const HSTS = { 'Strict-Transport-Security': 'max-age=63072000' };
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const open: Running[] = [];
let d: Diagnosis;

before(async () => {
  const a = await makeChain({}, now);
  const inter = a.intermediates[0]!;
  const stale = await makeCert(
    {
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      notBefore: new Date(+now - 100 * DAY),
      notAfter: new Date(+now - 10 * DAY),
    },
    inter,
  );
  const first = await startTlsServer({ certPem: a.fullchainPem, keyPem: a.leaf.keyPem, headers: HSTS });
  open.push(first);
  const more = [
    { host: '127.0.0.2', certPem: pemOf(stale, inter), keyPem: stale.keyPem },
    { host: '127.0.0.3', certPem: pemOf(a.leaf, inter, a.root), keyPem: a.leaf.keyPem },
    { host: '127.0.0.4', certPem: a.fullchainPem, keyPem: a.leaf.keyPem, minVersion: 'TLSv1', maxVersion: 'TLSv1' },
  ] as const;
  for (const m of more) open.push(await startTlsServer({ ...m, port: first.port, headers: HSTS }));
  const lookup = async () => ADDRESSES.map((address) => ({ address, family: 4 as const }));
  d = await check(`localhost:${first.port}`, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [a.root.pem],
    timeoutMs: 8_000,
    lookup,
  });
});

after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const on = (code: string) => d.findings.filter((f) => f.code === code).map((f) => f.addresses);

describe('per-endpoint judgement', () => {
  test('every address is probed with its own protocol scan', () => {
    assert.deepEqual(
      d.report.endpoints.map((ep) => ep.address),
      ADDRESSES,
    );
    for (const ep of d.report.endpoints) assert.equal(ep.protocols?.status, 'completed', ep.address);
    const tls10 = d.report.endpoints[3]!.protocols;
    assert.ok(tls10?.status === 'completed');
    assert.deepEqual(
      Object.entries(tls10.result)
        .filter(([, a]) => a.status === 'completed' && a.result)
        .map(([v]) => v),
      ['TLSv1'],
    );
  });

  test('codes hold on the right addresses', () => {
    assert.deepEqual(on('cert_expired'), [['127.0.0.2']]);
    assert.deepEqual(on('legacy_tls_only'), [['127.0.0.4']]);
    assert.deepEqual(on('chain_includes_root'), [['127.0.0.3']]);
    assert.equal(d.findings.find((f) => f.code === 'cert_expired')?.certIndex, 0);
  });

  test('backends_inconsistent is critical and names the odd addresses against the good one', () => {
    const f = d.findings.find((x) => x.code === 'backends_inconsistent');
    assert.ok(f, d.findings.map((x) => x.code).join());
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.addresses, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    assert.equal(f.params.reference, '127.0.0.1');
    assert.doesNotMatch(f.summary, /127\.0\.0\.2 serves serial …\w+, expires/);
  });

  test('verdict critical; each address has its own verdict', () => {
    assert.equal(d.verdict, 'critical');
    assert.deepEqual(
      d.endpoints?.map((e) => [e.address, e.verdict]),
      [
        ['127.0.0.1', 'ok'],
        ['127.0.0.2', 'critical'],
        ['127.0.0.3', 'ok'],
        ['127.0.0.4', 'critical'],
      ],
    );
  });
});

describe('the matrix in every renderer', () => {
  test('terminal: one matrix row per address, ending in its verdict', () => {
    const text = renderText(d, { color: false, now });
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.startsWith('Backends (4 addresses)'));
    assert.ok(head >= 0, text);
    const rows = lines.slice(head + 1, head + 5).map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(
      rows.map((r) => [r[0], r.at(-1)]),
      [
        ['127.0.0.1', 'OK'],
        ['127.0.0.2', 'CRITICAL'],
        ['127.0.0.3', 'OK'],
        ['127.0.0.4', 'CRITICAL'],
      ],
    );
    assert.equal(rows[3]![4], 'TLS 1.0');
    assert.match(rows[1]![2]!, /^expired /);
  });

  test('Slack thread: a backend:<verdict>:<address> block per address', () => {
    const ids = findingsBlocks(d)
      .map((b) => (b as { block_id?: string }).block_id ?? '')
      .filter((id) => id.startsWith('backend'));
    assert.deepEqual(ids, [
      'backends',
      'backend:ok:127.0.0.1',
      'backend:critical:127.0.0.2',
      'backend:ok:127.0.0.3',
      'backend:critical:127.0.0.4',
    ]);
  });

  test('chat text: a backend line per address in the diagnosis and the findings', () => {
    for (const kind of ['diagnosis', 'findings'] as const) {
      const msg =
        kind === 'findings'
          ? { kind, diagnosis: d }
          : {
              kind,
              diagnosis: d,
              incident: { id: '1', status: 'open' as const, requestedBy: 'U1' },
              actions: [],
            };
      const lines = renderChatText(msg).filter((l) => /^\s*backend /.test(l));
      assert.deepEqual(
        lines.map((l) => l.trim().split(' ').slice(1, 3)),
        [
          ['127.0.0.1', 'OK'],
          ['127.0.0.2', 'CRITICAL'],
          ['127.0.0.3', 'OK'],
          ['127.0.0.4', 'CRITICAL'],
        ],
        kind,
      );
    }
  });

  test('each distinct served chain is shown with the addresses that serve it (Slack, chat text, terminal)', () => {
    const ids = chainBlocks(d).map((b) => (b as { block_id?: string }).block_id ?? '');
    assert.deepEqual(
      ids.filter((id) => id.startsWith('chain:sent')),
      ['chain:sent', 'chain:sent:1', 'chain:sent:2'],
    );
    const chat = renderChatText({ kind: 'chain', diagnosis: d }).filter((l) =>
      l.includes('As sent by the server from'),
    );
    assert.deepEqual(
      chat.map((l) => l.replace(/.* from (.*):$/, '$1')),
      ['127.0.0.1, 127.0.0.4', '127.0.0.2', '127.0.0.3'],
    );
    const heads = renderText(d, { color: false, now })
      .split('\n')
      .filter((l) => l.startsWith('Chain as built for'));
    assert.equal(heads.length, 3);
    assert.ok(
      heads.every((h) => !/127\.0\.0\.2.*— trusted/.test(h)),
      'an expired leaf is never drawn as trusted',
    );
  });

  test('JSON: per-endpoint chains, verdicts and finding addresses, valid against the schema', () => {
    const doc = JSON.parse(renderJson(d));
    const schema = JSON.parse(readFileSync(new URL('../src/render/diagnosis.schema.json', import.meta.url), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(schema);
    assert.equal(validate(doc), true, JSON.stringify(validate.errors?.slice(0, 3)));
    const sentLengths = doc.endpoints.map((ep: { chain: { sent: unknown[] } }) => ep.chain.sent.length);
    assert.deepEqual(sentLengths, [2, 2, 3, 2]);
    const leaf = (i: number) => doc.endpoints[i].chain.sent[0].sha256;
    assert.notEqual(leaf(1), leaf(0));
    assert.equal(leaf(2), leaf(0));
    assert.equal(doc.endpoints[1].chain.built.status, 'completed');
    assert.deepEqual(
      doc.endpoints.map((ep: { verdict: string }) => ep.verdict),
      ['ok', 'critical', 'ok', 'critical'],
    );
    const expired = doc.findings.find((f: { code: string }) => f.code === 'cert_expired');
    assert.deepEqual(expired.addresses, ['127.0.0.2']);
  });
});
