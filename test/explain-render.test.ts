/**
 * How an explanation is shown: golden text and JSON (CLI), the JSON Schema contract, the Slack blocks and shell
 * lines of the 'explanation' chat message, and the CLI's options, stdin and exit codes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { main } from '../src/cli.js';
import { explain } from '../src/explain/explain.js';
import type { Explanation } from '../src/explain/types.js';
import { LIMITS, renderSlack } from '../src/render/blocks.js';
import { renderChatText } from '../src/render/chat-text.js';
import { explanationJson, renderExplanationJson } from '../src/render/explain-json.js';
import { explanationLines } from '../src/render/explain-lines.js';
import { Collector, runCli } from './support/cli-io.js';
import { FIXTURES } from './support/diagnosis-fixtures.js';
import { schemaErrors, validateExplanation } from './support/explanation-schema.js';

/** Their own folder: test/json-schema.test.ts validates every test/golden/*.json as a diagnosis. */
const GOLDEN = new URL('./golden/explain/', import.meta.url);

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.ok(existsSync(file), `missing golden ${name}: run UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(file, 'utf8'), name);
}

function assertValid(doc: unknown, what: string): void {
  assert.equal(validateExplanation(doc), true, `${what}: ${schemaErrors()}`);
}

/** The aiohttp wording of a missing intermediate, naming the host of the chain-incomplete fixture. */
const AIOHTTP =
  "aiohttp.client_exceptions.ClientConnectorCertificateError: Cannot connect to host api.example.com:443 ssl:True [SSLCertVerificationError: (1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')]";
const QUIC = 'Connection close code 0x12A, reason unable to get local issuer certificate';
const UNKNOWN = 'the certificate chain for this server looks invalid somehow';

async function cases(): Promise<[string, Explanation][]> {
  return [
    ['explain-checked', await explain(AIOHTTP, { check: async () => FIXTURES['chain-incomplete']!() })],
    ['explain-quic', await explain(QUIC, { noCheckReason: '--no-check was given' })],
    ['explain-unrecognised', await explain(UNKNOWN, { noCheckReason: '--no-check was given' })],
  ];
}

test('golden text and JSON; every document validates against explanation.schema.json', async () => {
  for (const [name, e] of await cases()) {
    golden(`${name.replace(/^explain-/, '')}.txt`, `${explanationLines(e).join('\n')}\n`);
    golden(`${name.replace(/^explain-/, '')}.json`, renderExplanationJson(e));
    assertValid(JSON.parse(renderExplanationJson(e)), name);
  }
});

test('joined answer: the cause the server shows is confirmed, the others are not, the fault is named', async () => {
  const [[, e]] = await cases();
  assert.equal(e!.checked, 'api.example.com:443');
  assert.equal(e!.matches[0]?.code, 'chain_incomplete');
  assert.equal(e!.matches[0]?.confirmed, true);
  assert.equal(e!.matches.find((m) => m.code === 'chain_untrusted_root')?.confirmed, false);
  assert.ok(e!.notes.some((n) => n.startsWith("The fault is the server's.") && n.includes('[chain_incomplete]')));
  assert.ok(
    e!.fixes.some((f) => f.audience === 'server'),
    'the confirmed finding brings its server fix',
  );
});

test('the schema rejects what breaks the contract', async () => {
  const [[, e]] = await cases();
  const good = explanationJson(e!);
  type Doc = Record<string, unknown>;
  const first = (d: Doc, key: string) => (d[key] as Doc[])[0]!;
  const mutations: [string, (d: Doc) => void][] = [
    [
      'unknown finding code',
      (d) => {
        first(d, 'matches').code = 'made_up_code';
      },
    ],
    [
      'a fix that carries a warning (verification off)',
      (d) => {
        first(d, 'fixes').warning = 'turns verification off';
      },
    ],
    [
      'wrong format',
      (d) => {
        d.format = 'cert-doctor.explanation/2';
      },
    ],
    [
      'extra field',
      (d) => {
        d.extra = 1;
      },
    ],
    [
      'bad port',
      (d) => {
        (d.target as Doc).port = 70000;
      },
    ],
    [
      'diagnosis not a diagnosis',
      (d) => {
        d.diagnosis = { verdict: 'ok' };
      },
    ],
  ];
  for (const [what, mutate] of mutations) {
    const doc = structuredClone(good) as Doc;
    mutate(doc);
    assert.equal(validateExplanation(doc), false, what);
  }
});

test("chat: the 'explanation' kind renders in Slack (within limits, codes verbatim) and in the shell", async () => {
  for (const [name, e] of await cases()) {
    const pages = renderSlack({ kind: 'explanation', explanation: e });
    assert.ok(pages.length >= 1);
    const blocks = pages.flatMap((p) => p.blocks);
    assert.ok(blocks.length <= LIMITS.blocksPerMessage * pages.length, name);
    const json = JSON.stringify(pages);
    for (const m of e.matches) assert.ok(json.includes(`\`${m.code}\``), `${name}: ${m.code} in blocks`);
    const lines = renderChatText({ kind: 'explanation', explanation: e });
    for (const m of e.matches)
      assert.ok(
        lines.some((l) => l.includes(`[${m.code}]`)),
        `${name}: ${m.code} in shell`,
      );
    if (!e.recognised) assert.ok(json.includes('Not recognised') && lines.some((l) => l.startsWith('Not recognised')));
  }
});

test('CLI: explain --no-check, --json, stdin "-", usage errors and exit codes', async () => {
  const text = await runCli([
    'explain',
    '--no-check',
    "fatal: unable to access 'https://git.example.com/x.git/': SSL certificate problem: certificate has expired",
  ]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\[cert_expired\]/);
  assert.match(text.stdout, /Client: git/);
  assert.match(text.stdout, /Not checked \(--no-check was given\): `cert-doctor check git\.example\.com:443`/);

  const json = await runCli(['explain', '--no-check', '--json', QUIC]);
  const doc = JSON.parse(json.stdout);
  assertValid(doc, 'cli json');
  assert.equal(doc.client.quic, true);

  const unknown = await runCli(['explain', '--no-check', 'printer on fire']);
  assert.equal(unknown.code, 3, 'not recognised and nothing checked: unknown');
  assert.match(unknown.stdout, /Not recognised/);

  const stdout = new Collector();
  const stderr = new Collector();
  const code = await main(['explain', '--no-check', '-'], {
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from('x509: certificate signed by unknown authority\n')]),
    env: {},
  });
  assert.equal(code, 0);
  assert.match(stdout.text, /Client: Go/);

  for (const args of [['explain'], ['explain', '   '], ['explain', '--frob', 'x']]) {
    const r = await runCli(args);
    assert.equal(r.code, 3, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  const help = await runCli(['--help']);
  assert.match(help.stdout, /cert-doctor explain \[--json\] \[--no-check\] TEXT \| -/);
});
