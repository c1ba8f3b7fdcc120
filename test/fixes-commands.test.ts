/**
 * Issue 6 item 6: fix commands use what was observed — the real host, port and SNI, the --ca bundle, the
 * same file names across one fix. Issue 7 item 3: the quoting helpers (shell.ts) against tables and a
 * reference unquoter. The executing property test is fixes-paste.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { diagnose } from '../src/diagnose.js';
import { FINDING_CODES } from '../src/fixes/codes.js';
import { caFileOf, type FixContext, remediate } from '../src/fixes/index.js';
import { pasteSafe, psQuote, shQuote, WITHHELD_NOTE } from '../src/fixes/shell.js';
import { STACK_KEYS } from '../src/fixes/stacks.js';
import type { Target } from '../src/probe/types.js';
import type { Fix, RuleFinding } from '../src/rules/types.js';
import { reportWith } from './support/report.js';
import { triggeredFindings } from './support/rule-triggers.js';

const target = (over: Partial<Target> = {}): Target => ({
  input: 'api.example.com:8452',
  host: 'api.example.com',
  port: 8452,
  sni: 'api.example.com',
  protocol: 'https',
  ipVersion: null,
  unicodeHost: null,
  ...over,
});

/** Every fix of every code, from real rule output, for every stack. */
async function allFixes(ctx: Omit<FixContext, 'serverStack'>): Promise<{ code: string; fix: Fix }[]> {
  const out: { code: string; fix: Fix }[] = [];
  for (const code of FINDING_CODES) {
    for (const f of await triggeredFindings(code)) {
      for (const serverStack of [null, ...STACK_KEYS]) {
        for (const fix of remediate(f, { ...ctx, serverStack }).fixes) out.push({ code, fix });
      }
    }
  }
  return out;
}

/** The command and every inline code span of the steps. */
const commandsOf = (fix: Fix) => [
  ...(fix.command ? [fix.command] : []),
  ...fix.steps.flatMap((s) => s.match(/`[^`]+`/g) ?? []).map((s) => s.slice(1, -1)),
];

test('a non-default port and the SNI name are kept in every command: s_client, curl, nginx listen, Apache vhost', async () => {
  const fixes = await allFixes({ target: target() });
  let sClients = 0;
  let curls = 0;
  for (const { code, fix } of fixes) {
    const where = `${code} @ ${fix.stack}: ${fix.title}`;
    for (const cmd of commandsOf(fix)) {
      if (/openssl s_client/.test(cmd)) {
        sClients++;
        assert.match(cmd, /-connect (api\.example\.com|"\$ip"):8452\b/, where);
        if (!cmd.includes('-noservername')) assert.match(cmd, /-servername api\.example\.com\b/, where);
      }
      for (const url of cmd.match(/https?:\/\/api\.example\.com[^\s'"]*/g) ?? []) {
        curls++;
        assert.match(url, /^https?:\/\/api\.example\.com:8452\//, `${where}: ${url}`);
      }
    }
    const text = [fix.title, ...fix.steps, fix.command ?? ''].join('\n');
    assert.doesNotMatch(text, /listen 443\b|\*:443\b|bind :443\b|port 443\b/, where);
    for (const listen of text.match(/\blisten \d+/g) ?? []) assert.equal(listen, 'listen 8452', where);
  }
  assert.ok(sClients > 20 && curls > 5, `s_client ${sClients}, curl ${curls}: the test looked at commands`);
});

test('an IPv6 literal: bracketed and quoted in -connect, no -servername (RFC 6066 §3)', async () => {
  const t = target({ host: '2001:db8::1', sni: null, ipVersion: 6, port: 443 });
  for (const { code, fix } of await allFixes({ target: t })) {
    for (const cmd of commandsOf(fix).filter((c) => c.includes('s_client'))) {
      assert.match(cmd, /-connect '\[2001:db8::1\]:443'/, `${code}: ${cmd}`);
      assert.doesNotMatch(cmd, /-servername/, `${code}: ${cmd}`);
    }
  }
});

test('openssl verify uses the --ca bundle the check trusted, and the system roots only without one', async () => {
  const cases: { extraCa?: FixContext['extraCa']; want: RegExp }[] = [
    { want: /^openssl verify -untrusted intermediate\.crt leaf\.crt$/ },
    {
      extraCa: { files: ['/etc/pki/corp root.pem'], used: true },
      want: /^openssl verify -CAfile '\/etc\/pki\/corp root\.pem' -untrusted/,
    },
    { extraCa: { files: [], used: true }, want: /^openssl verify -CAfile ca-bundle\.pem -untrusted/ },
    { extraCa: { files: ['a.pem', 'b.pem'], used: true }, want: /^openssl verify -CAfile ca-bundle\.pem -untrusted/ },
  ];
  for (const c of cases) {
    let seen = 0;
    for (const { code, fix } of await allFixes({ target: target(), extraCa: c.extraCa })) {
      for (const cmd of commandsOf(fix)) {
        for (const verify of cmd.match(/openssl verify [^&|`]*/g) ?? []) {
          seen++;
          assert.match(verify.trim(), c.want, `${code} @ ${fix.stack}`);
        }
      }
    }
    assert.ok(seen >= 3, `openssl verify seen ${seen} times`);
  }
  assert.equal(caFileOf(undefined), null);
  assert.equal(caFileOf({ files: [], used: false }), null);
});

test('diagnose hands the --ca files and the report’s extra-CA count to the fixes', async () => {
  const { report, now } = await reportWith({
    send: (c) => [c.leaf.info],
    chain: (c) => ({
      built: [c.leaf.info],
      sources: ['sent'],
      links: [],
      trusted: false,
      anchorStore: null,
      missingIssuer: c.intermediates[0]!.info.subject,
      aia: { needed: true, fetches: [], completedChain: false },
    }),
  });
  const withCa = { ...report, options: { ...report.options, extraCaCount: 1 } };
  const verifyOf = (d: ReturnType<typeof diagnose>) =>
    d.findings.find((f) => f.code === 'chain_incomplete')!.fixes.find((f) => f.stack === 'generic')!.command!;
  assert.match(verifyOf(diagnose(withCa, { now, caFiles: ['/srv/ca.pem'] })), /-CAfile \/srv\/ca\.pem /);
  assert.match(verifyOf(diagnose(withCa, { now })), /-CAfile ca-bundle\.pem /);
  assert.doesNotMatch(verifyOf(diagnose(report, { now })), /-CAfile/);
});

test('one fix uses one name per file: intermediate.crt is never also intermediate.pem/.cer in the same fix', async () => {
  for (const { code, fix } of await allFixes({ target: target() })) {
    const text = [...fix.steps, fix.command ?? ''].join('\n');
    const byStem = new Map<string, Set<string>>();
    for (const [, stem, ext] of text.matchAll(
      /(?<![/\w])(intermediate|leaf|fullchain|bundle|server|client|internal-ca|ca)\.(crt|pem|cer|key|csr)\b/g,
    )) {
      if (ext === 'key' || ext === 'csr') continue;
      byStem.set(stem!, (byStem.get(stem!) ?? new Set()).add(ext!));
    }
    for (const [stem, exts] of byStem) assert.equal(exts.size, 1, `${code} @ ${fix.stack}: ${stem}.{${[...exts]}}`);
  }
});

test('chain_incomplete: the intermediate is fetched to the file the later steps use, from the rule’s CA Issuers URL', async () => {
  const [, withUrl] = await triggeredFindings('chain_incomplete');
  const fix = remediate(withUrl!, { target: target(), serverStack: null }).fixes.find((f) => f.stack === 'generic')!;
  assert.match(
    fix.steps[0]!,
    /curl -s http:\/\/ca\.example\/int\.der \| openssl x509 -inform DER -out intermediate\.crt/,
  );
  assert.match(
    fix.command!,
    /^cat leaf\.crt intermediate\.crt > fullchain\.pem && openssl verify -untrusted intermediate\.crt leaf\.crt$/,
  );
});

test('shQuote: bare when nothing is special, single-quoted otherwise', () => {
  const cases: [string, string][] = [
    ['api.example.com', 'api.example.com'],
    ['api.example.com:8443', 'api.example.com:8443'],
    ['subjectAltName=DNS:a.example,DNS:b.example', 'subjectAltName=DNS:a.example,DNS:b.example'],
    ['', "''"],
    ['a b', "'a b'"],
    ['[::1]:443', "'[::1]:443'"],
    ['*.example.com', "'*.example.com'"],
    ['$(>pwned)a.example', "'$(>pwned)a.example'"],
    ['a";>pwned;".example', `'a";>pwned;".example'`],
    ["it's", `'it'\\''s'`],
    ['`id`', "'`id`'"],
    ['~root', "'~root'"],
    ['a\\b', "'a\\b'"],
  ];
  for (const [value, quoted] of cases) assert.equal(shQuote(value), quoted, value);
});

test('psQuote: always a verbatim single-quoted string, quotes doubled', () => {
  const cases: [string, string][] = [
    ['api.example.com', "'api.example.com'"],
    ["it's", "'it''s'"],
    ['$env:PATH', "'$env:PATH'"],
    ['$(Remove-Item C:\\)', "'$(Remove-Item C:\\)'"],
    ['`n', "'`n'"],
    ['a;b|c&d', "'a;b|c&d'"],
    ["''", "''''''"],
  ];
  for (const [value, quoted] of cases) assert.equal(psQuote(value), quoted, value);
});

/**
 * Reference unquoters: the languages' rules for one single-quoted word, written independently of shell.ts
 * (POSIX XCU §2.2.2 plus sh's word concatenation; PowerShell about_Quoting_Rules: `''` is one `'`).
 */
function shUnquote(word: string): string {
  let out = '';
  let i = 0;
  while (i < word.length) {
    if (word[i] === "'") {
      const end = word.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${word}`);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (word[i] === '\\') {
      out += word[i + 1];
      i += 2;
    } else {
      assert.match(word[i]!, /[A-Za-z0-9_@%+=:,./-]/, `unquoted special character in ${word}`);
      out += word[i];
      i++;
    }
  }
  return out;
}

function psUnquote(word: string): string {
  assert.ok(word.startsWith("'") && word.endsWith("'") && word.length >= 2, word);
  const body = word.slice(1, -1);
  assert.doesNotMatch(body.replaceAll("''", ''), /'/, `lone quote inside ${word}`);
  return body.replaceAll("''", "'");
}

test('quoting round-trips through reference unquoters for any printable value (property, seeded)', () => {
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  fc.assert(
    fc.property(printable, (value) => {
      assert.equal(shUnquote(shQuote(value)), value);
      assert.equal(psUnquote(psQuote(value)), value);
    }),
    { seed: 7, numRuns: 2000 },
  );
});

test('pasteSafe: printable ASCII without a leading dash; line breaks, controls, bidi, look-alikes, smart quotes and backticks are not', () => {
  for (const ok of ['api.example.com', "a';rm -rf /;'", '$(id)', '"$HOME"', 'http://ca.example/x.der', ''])
    assert.equal(pasteSafe(ok), true, ok);
  for (const bad of [
    'a\nb',
    'a\rb',
    'a\u0000b',
    'a\u001bb',
    '\u202eexample.com',
    'аpi.example.com',
    'a\u2019b',
    'a\u200bb',
    '-oevil',
    '-',
    'a`id`',
  ])
    assert.equal(pasteSafe(bad), false, JSON.stringify(bad));
});

test('a value that cannot be pasted withholds the command with a note, never a partial line', () => {
  const evil = target({ host: 'a\nb.example', sni: 'a\nb.example', port: 443 });
  const finding: RuleFinding = {
    code: 'hsts_missing',
    severity: 'info',
    certIndex: -1,
    summary: '',
    params: {},
    causes: [],
  };
  const generic = remediate(finding, { target: evil, serverStack: null }).fixes.find((f) => f.stack === 'generic')!;
  assert.equal(generic.command, undefined);
  assert.ok(generic.steps.at(-1)!.includes(WITHHELD_NOTE));
  const hostname = remediate({ ...finding, code: 'hostname_mismatch' }, { target: evil, serverStack: null }).fixes[0]!;
  const text = [...hostname.steps, hostname.command ?? ''].join('\n');
  assert.ok(text.includes(WITHHELD_NOTE), text);
  assert.doesNotMatch(text, /\u0000/);
});
