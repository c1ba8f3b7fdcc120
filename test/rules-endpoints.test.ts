/**
 * Per-endpoint judgement over synthetic reports: endpoint-scoped rules run on each address's own chain,
 * protocol scan and HTTP response; identical findings merge with their addresses; target-scoped rules run
 * once; the verdict is unknown only when nothing was examined. Codes, addresses and statuses, never prose.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose } from '../src/diagnose.js';
import { chainStatusOf } from '../src/render/backends.js';
import { renderText } from '../src/render/text.js';
import type { Diagnosis } from '../src/rules/types.js';
import { makeChain } from './support/pki.js';
import { at, err, NOW, PRIMARY, type ReportSpec, reportWith, trustedPath } from './support/report.js';

const B = '203.0.113.11';
const C = '203.0.113.12';

async function run(spec: ReportSpec): Promise<Diagnosis> {
  const { report, now } = await reportWith(spec);
  return diagnose(report, { now });
}

const holders = (d: Diagnosis, code: string) => d.findings.filter((f) => f.code === code).map((f) => f.addresses);
const status = (d: Diagnosis, code: string) => d.results.find((r) => r.code === code);
const expiredLeaf = async () =>
  (await makeChain({ leaf: { subject: 'CN=example.com', dnsNames: ['example.com'], notAfter: at(-4) } }, NOW)).leaf
    .info;

test('a finding on every address merges into one listing all of them', async () => {
  const d = await run({ leaf: { notBefore: at(-90), notAfter: at(-2) }, backends: [{ address: B, serve: 'same' }] });
  assert.deepEqual(holders(d, 'cert_expired'), [[PRIMARY, B]]);
  assert.equal(d.findings.filter((f) => f.code === 'backends_inconsistent').length, 0);
  assert.equal(d.verdict, 'critical');
});

test('an expired leaf on one backend holds on that address only; the backend verdict is critical', async () => {
  const d = await run({
    backends: [
      { address: B, serve: await expiredLeaf() },
      { address: C, serve: 'same' },
    ],
  });
  assert.deepEqual(holders(d, 'cert_expired'), [[B]]);
  assert.deepEqual(
    d.endpoints?.map((e) => [e.address, e.verdict]),
    [
      [PRIMARY, 'ok'],
      [B, 'critical'],
      [C, 'ok'],
    ],
  );
  const bi = d.findings.find((f) => f.code === 'backends_inconsistent');
  assert.equal(bi?.severity, 'critical');
  assert.deepEqual(bi?.addresses, [B]);
  assert.equal(d.verdict, 'critical');
});

test("protocol rules read each address's own scan", async () => {
  const legacy = { TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };
  const d = await run({ backends: [{ address: B, serve: 'same', protocols: legacy }] });
  assert.deepEqual(holders(d, 'legacy_tls_only'), [[B]]);
  const bi = d.findings.find((f) => f.code === 'backends_inconsistent');
  assert.deepEqual(bi?.addresses, [B], 'the same chain with other protocol versions still differs');
  assert.equal(bi?.params.reference, PRIMARY);
});

test("HTTP rules read each address's own response (a backend with a skewed clock)", async () => {
  const skewed = new Date(NOW.getTime() + 7_200_000).toUTCString();
  const d = await run({ backends: [{ address: B, serve: 'same', http: { date: skewed } }] });
  assert.deepEqual(holders(d, 'clock_skew'), [[B]]);
});

test('one refusing address: its transport finding names it; the verdict is critical, not unknown', async () => {
  const d = await run({ backends: [{ address: B, serve: err('connection_refused') }] });
  assert.deepEqual(holders(d, 'connection_refused'), [[B]]);
  assert.equal(d.verdict, 'critical');
  assert.equal(d.findings.find((f) => f.code === 'backends_inconsistent')?.params.someFail, true);
});

test('every address refusing: one merged finding and the verdict unknown (nothing examined)', async () => {
  const d = await run({
    handshake: err('connection_refused', `connect ECONNREFUSED ${PRIMARY}:443`),
    backends: [{ address: B, serve: err('connection_refused', `connect ECONNREFUSED ${B}:443`) }],
  });
  assert.deepEqual(holders(d, 'connection_refused'), [[PRIMARY, B]]);
  assert.equal(d.verdict, 'unknown');
  assert.equal(d.headline?.code, 'connection_refused');
});

test('sni_required judges every no-SNI handshake once and names the addresses that fail it', async () => {
  const d = await run({
    backends: [{ address: B, serve: 'same', noSni: err('handshake_failed', 'alert unrecognized_name (112)') }],
  });
  assert.deepEqual(holders(d, 'sni_required'), [[B]]);
  assert.equal(d.results.filter((r) => r.code === 'sni_required').length, 1);
});

test('a report stored before per-address scans: only the first address uses the report-level scan', async () => {
  const d = await run({ legacyReport: true, backends: [{ address: B, serve: 'same' }] });
  const r = status(d, 'legacy_tls_only');
  assert.equal(r?.status, 'not_evaluated');
  assert.match(r?.why ?? '', new RegExp(B.replaceAll('.', '\\.')));
  assert.deepEqual(
    d.findings.map((f) => f.code),
    [],
  );
});

test('one result per rule; a reason shared by every address is given once, naming the others', async () => {
  const d = await run({
    http: err('fetch_failed', 'HTTP request failed'),
    backends: [{ address: B, serve: 'same', http: err('fetch_failed', 'HTTP request failed') }],
  });
  const r = status(d, 'hsts_missing');
  assert.equal(r?.status, 'not_evaluated');
  assert.equal(r?.why?.split(';').length, 1, r?.why);
  assert.ok(r?.why?.includes(`the same on ${B}`), r?.why);
  const codes = d.results.map((x) => x.code);
  assert.deepEqual([...new Set(codes)], codes);
});

test('-v names the rules that did not apply to the target', async () => {
  const d = await run({ target: { protocol: 'smtp', port: 587 } });
  const text = renderText(d, { color: false, verbose: true });
  const line = text.split('\n').find((l) => l.startsWith('not applicable to smtp'));
  assert.ok(line?.includes('hsts_missing') && line.includes('clock_skew'), text);
});

test('the chain status never says trusted next to an expired or not-yet-valid certificate', async () => {
  const c = await makeChain({ intermediates: [{ notBefore: at(-400), notAfter: at(-1) }] }, NOW);
  const status = chainStatusOf(trustedPath(c), NOW);
  assert.doesNotMatch(status.text, /^trusted/);
  assert.match(status.text, /1 of 3 certificates expired/);
  assert.equal(status.grade, 'bad');
  const early = await makeChain({ leaf: { notBefore: at(2), notAfter: at(90) } }, NOW);
  assert.doesNotMatch(chainStatusOf(trustedPath(early), NOW).text, /^trusted/);
  assert.match(chainStatusOf(trustedPath(await makeChain({}, NOW)), NOW).text, /^trusted/);
});
