/**
 * Issue 7 item 3: suggested commands are paste-safe. A seeded property generates hostile names, SANs, URLs,
 * paths and ports (every shell metacharacter, quotes, line breaks, `$(`, backticks, Unicode look-alikes),
 * injects them into real rule output and into the target, renders every fix of every code, and for each
 * POSIX command: `bash -n`, then runs it with bash in a scratch directory (HOME and TMPDIR there) under a
 * PATH of stub programs that only log their argv. It asserts no side effect (no file but the stub log and
 * the files the commands name themselves, canaries untouched) and that each hostile value a command
 * carries reached a stub intact inside one argument. IIS/.NET commands are PowerShell: `pwsh` is not on
 * this machine, so they are checked here by their quoting (every value inside one psQuote'd literal) and
 * the quoting itself by a table and a reference unquoter in fixes-commands.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { diagnose } from '../src/diagnose.js';
import { FINDING_CODES } from '../src/fixes/codes.js';
import { remediate } from '../src/fixes/index.js';
import { pasteSafe, psQuote, WITHHELD_NOTE } from '../src/fixes/shell.js';
import type { Target } from '../src/probe/types.js';
import type { Fix, RuleFinding } from '../src/rules/types.js';
import { reportWith } from './support/report.js';
import { triggeredFindings } from './support/rule-triggers.js';

const BASH = '/bin/bash';
const STUBS = [
  'openssl',
  'curl',
  'keytool',
  'kubectl',
  'systemctl',
  'nginx',
  'apachectl',
  'a2enmod',
  'haproxy',
  'caddy',
  'certbot',
  'acme.sh',
  'aws',
  'cmctl',
  'istioctl',
  'dig',
  'nc',
  'traceroute',
  'ss',
  'cat',
  'cp',
  'grep',
  'tail',
  'base64',
  'journalctl',
  'timedatectl',
  'chronyc',
  'python',
  'node',
  'update-ca-certificates',
  'security',
  'cert-doctor',
  'sha256sum',
];
/** A step's inline code span is a command when it starts with one of these (or VAR=value then one). */
const RUNNABLE = new RegExp(`^(?:[A-Z_]+=\\S+ )*(?:${STUBS.map((s) => s.replace('.', '\\.')).join('|')}|for) `);
/** Files the commands themselves write by name (`> fullchain.pem`, `> bundle.pem`). */
const NAMED_OUTPUTS = new Set(['fullchain.pem', 'bundle.pem']);
const PWNED_ABS = join(tmpdir(), 'cert-doctor-pwned');

/** Hostile fragments: shell metacharacters, quotes, expansions, line breaks, controls, look-alikes. */
const FRAGMENTS = [
  '$(',
  ')',
  '`',
  "'",
  '"',
  ';',
  '&',
  '|',
  '>',
  '<',
  '\\',
  ' ',
  '\t',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '#',
  '!',
  '%s',
  '%n',
  '=',
  ',',
  '@',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a JS template
  '${IFS}',
  '$((1))',
  '\n',
  '\r',
  '\u0000',
  '\u001b[31m',
  '\u0430',
  '\u202e',
  '\u2019',
  '\u200b',
  '-',
  'a',
  'b.example',
  '>pwned',
  '$(>pwned)',
  '`>pwned`',
  ';>pwned;',
  "';>pwned;'",
  '";>pwned;"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a JS template
  '$(touch${IFS}pwned)',
  `>${PWNED_ABS}`,
  "'\\''",
  '\\$(>pwned)',
];
const hostile = (tag: string) =>
  fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 }).map((parts) => `${tag}${parts.join('')}`);

interface Hostile {
  host: string;
  name: string;
  url: string;
  path: string;
  port: number;
  protocol: Target['protocol'];
}

/** Each value carries a tag in safe characters, so a command that holds it can be found in its text. */
const hostileValues: fc.Arbitrary<Hostile> = fc.record({
  host: hostile('hZq'),
  name: hostile('nZq'),
  url: fc.oneof(
    hostile('uZq'),
    hostile('uZq').map((h) => `http://ca.example/${h}`),
  ),
  path: hostile('pZq').map((h) => `/etc/pki/${h}.pem`),
  port: fc.constantFrom(443, 8452, 1, 65535, -1, Number.NaN, 1.5),
  protocol: fc.constantFrom<Target['protocol']>('https', 'https', 'smtp', 'imap'),
});
const TAGS = { host: 'hZq', name: 'nZq', url: 'uZq', path: 'pZq' } as const;

/** The finding with its cert-derived strings replaced by hostile ones (URLs for URL keys, names for names). */
function inject(f: RuleFinding, h: Hostile): RuleFinding {
  const params: RuleFinding['params'] = {};
  for (const [key, value] of Object.entries(f.params)) {
    if (typeof value !== 'string') params[key] = value;
    else if (/url/i.test(key)) params[key] = h.url;
    else if (key === 'names') params[key] = `${h.name}, ok.example`;
    else if (key === 'host') params[key] = h.host;
    else params[key] = h.name;
  }
  return { ...f, params };
}

interface Scratch {
  root: string;
  bin: string;
  work: string;
  log: string;
  canary: string;
}
let scratch: Scratch;
const CANARY = 'canary: must stay exactly this\n';

before(() => {
  const root = mkdtempSync(join(tmpdir(), 'cert-doctor-paste-'));
  scratch = {
    root,
    bin: join(root, 'bin'),
    work: join(root, 'work'),
    log: join(root, 'stub.log'),
    canary: join(root, 'canary.txt'),
  };
  mkdirSync(scratch.bin);
  mkdirSync(scratch.work);
  // Each stub appends one record — \x1e, its name, \x1f before every argument, a newline — in a single
  // write, so stubs running side by side in a pipeline do not interleave (O_APPEND; records < PIPE_BUF).
  const stub = [
    '#!/bin/sh',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a JS template
    'rec="\u001e${0##*/}"',
    'for a in "$@"; do rec="$rec\u001f$a"; done',
    'printf \'%s\\n\' "$rec" >> "$STUB_LOG"',
    '',
  ].join('\n');
  for (const name of STUBS) {
    writeFileSync(join(scratch.bin, name), stub);
    chmodSync(join(scratch.bin, name), 0o755);
  }
  writeFileSync(scratch.canary, CANARY);
  writeFileSync(join(scratch.work, 'canary.txt'), CANARY);
});

after(() => rmSync(scratch.root, { recursive: true, force: true }));

const TARGET = (h: Hostile): Target => ({
  input: h.host,
  host: h.host,
  port: h.port,
  sni: h.host,
  protocol: h.protocol,
  ipVersion: null,
  unicodeHost: null,
});

/** Every command of a fix: its `command` and each runnable inline code span of its steps. */
function commandsOf(fix: Fix): string[] {
  const spans = fix.steps.flatMap((s) => s.match(/`[^`\n]+`/g) ?? []).map((s) => s.slice(1, -1));
  return [...(fix.command ? [fix.command] : []), ...spans.filter((s) => RUNNABLE.test(s))];
}

/** Every fix of every code for the hostile values: real rule output with values injected, several stacks. */
async function render(h: Hostile, findings: Map<string, RuleFinding[]>): Promise<Fix[]> {
  const out: Fix[] = [];
  for (const code of FINDING_CODES) {
    for (const f of findings.get(code) ?? []) {
      const evil = inject(f, h);
      for (const serverStack of [null, 'iis', 'envoy', 'awselb']) {
        for (const extraCa of [undefined, { files: [h.path], used: true }]) {
          out.push(...remediate(evil, { target: TARGET(h), serverStack, extraCa }).fixes);
        }
      }
    }
  }
  return out;
}

interface Invocation {
  program: string;
  argv: string[];
}

/** `bash -n` over all of `commands` at once; on failure, name the one it rejects. */
function assertSyntax(commands: string[], lines = commands.map((c) => `(\n${c}\n)`)): void {
  const file = join(scratch.root, 'syntax.sh');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const syntax = spawnSync(BASH, ['-n', file], { encoding: 'utf8' });
  rmSync(file);
  if (syntax.status === 0) return;
  const bad = commands.find((c) => spawnSync(BASH, ['-n', '-c', c]).status !== 0);
  assert.fail(`bash -n rejects a suggested command: ${JSON.stringify(bad)}\n${syntax.stderr}`);
}

/** Run `commands` in one bash, each in its own subshell, and return each one's stub invocations. */
function runBatch(commands: string[]): Invocation[][] {
  const lines = commands.map(
    (c, i) => `printf '\\035%d\\n' ${i} >> "$STUB_LOG"\n(\n${c}\n) </dev/null >/dev/null 2>&1`,
  );
  const script = join(scratch.root, 'batch.sh');
  writeFileSync(script, `${lines.join('\n')}\n`);
  assertSyntax(commands, lines);
  writeFileSync(scratch.log, '');
  const env = { PATH: scratch.bin, HOME: scratch.work, TMPDIR: scratch.work, STUB_LOG: scratch.log };
  const run = spawnSync(BASH, [script], { cwd: scratch.work, env, encoding: 'utf8', timeout: 15_000 });
  assert.equal(run.error, undefined, String(run.error));
  const per: Invocation[][] = commands.map(() => []);
  let current = -1;
  for (const line of readFileSync(scratch.log, 'utf8').split('\n')) {
    if (line.startsWith('\u001d')) current = Number(line.slice(1));
    else if (line.startsWith('\u001e')) {
      const [program, ...argv] = line.slice(1).split('\u001f');
      per[current]!.push({ program: program!, argv });
    }
  }
  return per;
}

function assertNoSideEffects(): void {
  const created = readdirSync(scratch.work, { recursive: true, encoding: 'utf8' }).filter((f) => f !== 'canary.txt');
  assert.deepEqual(
    created.filter((f) => !NAMED_OUTPUTS.has(f)),
    [],
    'files created in the scratch directory',
  );
  assert.deepEqual(readdirSync(scratch.root).sort(), ['batch.sh', 'bin', 'canary.txt', 'stub.log', 'work']);
  assert.equal(readFileSync(scratch.canary, 'utf8'), CANARY);
  assert.equal(readFileSync(join(scratch.work, 'canary.txt'), 'utf8'), CANARY);
  assert.equal(existsSync(PWNED_ABS), false, `${PWNED_ABS} was created`);
  for (const f of NAMED_OUTPUTS) rmSync(join(scratch.work, f), { force: true });
}

test('hostile names, SANs, URLs, paths and ports never run when a suggested command is pasted (property, seeded)', async (t) => {
  const findings = new Map<string, RuleFinding[]>();
  for (const code of FINDING_CODES) findings.set(code, await triggeredFindings(code));
  let executed = 0;
  let carried = 0;
  let withheld = 0;
  await fc.assert(
    fc.asyncProperty(hostileValues, async (h) => {
      const fixes = await render(h, findings);
      const sh = new Set<string>();
      const syntaxOnly = new Set<string>();
      for (const fix of fixes) {
        if (fix.steps.some((s) => s.includes(WITHHELD_NOTE))) withheld++;
        for (const cmd of commandsOf(fix)) {
          assert.doesNotMatch(cmd, /\u0000/, 'a withheld marker leaked');
          if (fix.stack === 'iis') assertPowerShell(cmd, h);
          // Absolute redirects (`> /etc/haproxy/certs/…`) would write outside the scratch directory as root.
          else if (/>\s*'?\/(?!dev\/null)/.test(cmd)) syntaxOnly.add(cmd);
          else sh.add(cmd);
        }
      }
      const commands = [...sh];
      assertSyntax([...syntaxOnly]);
      const per = runBatch(commands);
      assertNoSideEffects();
      commands.forEach((cmd, i) => {
        executed++;
        for (const [tag, mark] of Object.entries(TAGS) as [keyof typeof TAGS, string][]) {
          // A names list is split on commas and white space before use (fixes/params.ts list()).
          const value = tag === 'name' ? h.name.split(/[,\s]+/)[0]! : h[tag];
          if (!cmd.includes(mark)) continue;
          assert.ok(pasteSafe(value), `${tag} ${JSON.stringify(value)} is unsafe yet in ${JSON.stringify(cmd)}`);
          const args = per[i]!.flatMap((inv) => inv.argv);
          assert.ok(
            args.some((a) => a.includes(value)),
            `${tag} ${JSON.stringify(value)} not intact in one argument of ${JSON.stringify(cmd)}: ${JSON.stringify(per[i])}`,
          );
          carried++;
        }
      });
    }),
    { seed: 20261203, numRuns: 10, includeErrorInReport: true },
  );
  const counts = `commands executed ${executed}, hostile values carried intact ${carried}, fixes with a withheld command ${withheld}`;
  t.diagnostic(counts);
  assert.ok(executed > 500 && carried > 50 && withheld > 0, counts);
});

/** A PowerShell command holds a hostile value only as one single-quoted verbatim literal. */
function assertPowerShell(cmd: string, h: Hostile): void {
  for (const [tag, mark] of Object.entries(TAGS) as [keyof typeof TAGS, string][]) {
    const value = h[tag];
    if (!cmd.includes(mark)) continue;
    assert.ok(pasteSafe(value) && cmd.includes(psQuote(value)), `PowerShell ${tag} not quoted: ${cmd}`);
  }
}

test('issue 7\'s attack: SANs `$(>pwned)a.example` and `a";>pwned;".example` in a real certificate run nothing', async () => {
  const attack = ['$(>pwned)a.example', 'a";>pwned;".example'];
  const built = await reportWith({
    leaf: { dnsNames: [...attack, 'ok.example'] },
    target: { host: 'api.example.org' },
  });
  const d = diagnose(built.report, { now: built.now });
  const mismatch = d.findings.find((f) => f.code === 'hostname_mismatch');
  assert.ok(mismatch, 'the real rule fires');
  const fixes = d.findings.flatMap((f) => f.fixes);
  const commands = [...new Set(fixes.filter((f) => f.stack !== 'iis').flatMap(commandsOf))].filter(
    (c) => !/>\s*'?\/(?!dev\/null)/.test(c),
  );
  const csr = mismatch.fixes.find((f) => f.stack === 'generic')!;
  assert.match(csr.command!, /-addext subjectAltName=DNS:api\.example\.org,DNS:ok\.example$/);
  assert.ok(
    csr.steps.some((s) => /leaves out 2 name\(s\)/.test(s)),
    csr.steps.join('\n'),
  );
  for (const cmd of commands) for (const san of attack) assert.ok(!cmd.includes(san), cmd);
  runBatch(commands);
  assertNoSideEffects();
});
