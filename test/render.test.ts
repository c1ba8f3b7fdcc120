import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeKey, escapeControl, relativeTime } from '../src/render/format.js';
import { renderJson } from '../src/render/json.js';
import { renderText } from '../src/render/text.js';
import { FIXTURES, HOSTILE_CN, hostileDiagnosis, incompleteDiagnosis } from './support/diagnosis-fixtures.js';

const GOLDEN = new URL('./golden/', import.meta.url);
const ESC = '\u001b';
/** Any ESC that does not start one of our SGR sequences (ESC [ digits/; m). */
const FOREIGN_ESC = /\u001b(?!\[[0-9;]*m)/;

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing golden ${name}: run UPDATE_GOLDEN=1 npm run test:unit`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from golden (UPDATE_GOLDEN=1 rewrites it)`);
}

for (const [name, make] of Object.entries(FIXTURES)) {
  test(`text golden: ${name}`, () => golden(`${name}.txt`, renderText(make(), { color: false })));
  test(`json golden: ${name}`, () => golden(`${name}.json`, renderJson(make())));

  test(`text names every finding code: ${name}`, () => {
    const d = make();
    const out = renderText(d, { color: false });
    for (const f of d.findings) assert.ok(out.includes(f.code), f.code);
    assert.ok(out.startsWith(d.verdict.toUpperCase()), 'headline starts with the verdict');
  });

  test(`json parses with findings[].code and verdict: ${name}`, () => {
    const d = make();
    const parsed = JSON.parse(renderJson(d));
    assert.equal(parsed.verdict, d.verdict);
    assert.equal(parsed.headline, d.headline?.code ?? null);
    assert.deepEqual(
      parsed.findings.map((f: { code: string; certIndex: number }) => [f.code, f.certIndex]),
      d.findings.map((f) => [f.code, f.certIndex]),
    );
    assert.ok(!renderJson(d).includes('"der"'), 'DER is left out by default');
  });

  test(`no escape bytes without colour, only SGR with colour: ${name}`, () => {
    assert.ok(!renderText(make(), { color: false }).includes(ESC));
    assert.doesNotMatch(renderText(make(), { color: true, verbose: true }), FOREIGN_ESC);
  });
}

test('verbose and coloured goldens', () => {
  golden('ok.verbose.txt', renderText(FIXTURES.ok!(), { color: false, verbose: true }));
  golden('chain-incomplete.color.txt', renderText(incompleteDiagnosis(), { color: true }));
  golden('chain-incomplete.verbose.txt', renderText(incompleteDiagnosis(), { color: false, verbose: true }));
});

test('colour appears only when asked for', () => {
  assert.ok(renderText(incompleteDiagnosis(), { color: true }).includes(`${ESC}[`));
  assert.ok(!renderText(incompleteDiagnosis(), { color: false }).includes(ESC));
});

test('a hostile CN cannot forge lines or escapes in the terminal', () => {
  for (const color of [false, true]) {
    const out = renderText(hostileDiagnosis(), { color, verbose: true });
    assert.ok(!out.includes(HOSTILE_CN), 'raw CN never printed');
    assert.ok(!out.includes('\r'), 'no carriage return');
    assert.ok(!/^CRITICAL fake line/m.test(out), 'no forged line');
    assert.ok(!out.includes('\u0007'), 'no BEL');
    assert.ok(out.includes('evil\\x1b[31m.example\\nCRITICAL fake line'), 'escaped form is visible');
  }
});

test('json keeps hostile strings intact but escaped, and DER only on request', () => {
  const text = renderJson(hostileDiagnosis());
  assert.ok(!text.includes(ESC));
  assert.equal(JSON.parse(text).chain.sent[0].subjectCN, HOSTILE_CN);
  const withDer = JSON.parse(renderJson(incompleteDiagnosis(), { includeDer: true }));
  assert.equal(typeof withDer.chain.sent[0].der, 'string');
  assert.equal(typeof withDer.chain.built.certs[0].der, 'string');
});

test('json key order is stable whatever order the input objects were built in', () => {
  const a = incompleteDiagnosis();
  const b = incompleteDiagnosis();
  b.findings[0]!.params = Object.fromEntries(Object.entries(b.findings[0]!.params).reverse());
  b.target = Object.fromEntries(Object.entries(b.target).reverse()) as typeof b.target;
  assert.equal(renderJson(a), renderJson(b));
});

test('escapeControl makes C0, C1, DEL and bidi overrides visible', () => {
  const table: [string, string][] = [
    ['a\u001bb', 'a\\x1bb'],
    ['line\nnext', 'line\\nnext'],
    ['\u009b31m', '\\x9b31m'],
    ['x\u007f', 'x\\x7f'],
    ['abc\u202edcba', 'abc\\u{202e}dcba'],
    ['plain bücher.example', 'plain bücher.example'],
  ];
  for (const [input, want] of table) assert.equal(escapeControl(input), want, JSON.stringify(input));
});

test('relativeTime and describeKey', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const table: [string, string][] = [
    ['2026-03-13T12:00:00Z', 'in 12 days'],
    ['2026-02-26T12:00:00Z', '3 days ago'],
    ['2026-03-02T11:00:00Z', 'in 23 hours'],
    ['2026-03-01T12:00:30Z', 'just now'],
    ['2026-03-02T12:00:00Z', 'in 1 day'],
  ];
  for (const [iso, want] of table) assert.equal(relativeTime(iso, now), want, iso);
  assert.equal(describeKey({ algorithm: 'EC', bits: 256, curve: 'prime256v1' }), 'EC P-256');
  assert.equal(describeKey({ algorithm: 'RSA', bits: 2048, curve: null }), 'RSA 2048');
  assert.equal(describeKey({ algorithm: 'Ed25519', bits: 256, curve: null }), 'Ed25519');
});
