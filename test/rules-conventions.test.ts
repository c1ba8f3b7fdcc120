import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rules } from '../src/rules/index.js';
import type { Rule } from '../src/rules/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rulesDir = join(root, 'src/rules');
/** Rule files: everything in src/rules but the registry, the shared types and the params type map. */
const NOT_RULES = new Set(['index.ts', 'types.ts', 'params.ts']);
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.ts') && !NOT_RULES.has(f));

/** DESIGN.md "Codes in use", minus the revocation codes that belong to a later issue. */
const DESIGN_CODES = [
  'dns_not_found',
  'connection_refused',
  'connection_timeout',
  'not_tls',
  'handshake_failed',
  'address_blocked',
  'cert_expired',
  'cert_not_yet_valid',
  'cert_expiring_soon',
  'chain_cert_expired',
  'validity_too_long',
  'chain_incomplete',
  'chain_untrusted_root',
  'cert_self_signed',
  'chain_order',
  'chain_includes_root',
  'chain_signature_invalid',
  'hostname_mismatch',
  'no_san',
  'weak_signature_algorithm',
  'weak_key',
  'wrong_key_usage',
  'leaf_is_ca',
  'legacy_tls_only',
  'legacy_tls_enabled',
  'sni_required',
  'backends_inconsistent',
  'clock_skew',
  'hsts_missing',
  // added after DESIGN.md's first list (codes are extended, never renamed)
  'client_cert_required',
  // accepted-then-silent, split from connection_timeout (issue 6)
  'handshake_timeout',
];

const isRule = (v: unknown): v is Rule =>
  typeof v === 'object' && v !== null && 'meta' in v && 'evaluate' in v && 'applies' in v;

test('every rule file exports exactly one rule, named by its file, and it is registered once', async () => {
  for (const file of ruleFiles) {
    const mod = (await import(pathToFileURL(join(rulesDir, file)).href)) as Record<string, unknown>;
    const exported = Object.values(mod).filter(isRule);
    assert.equal(exported.length, 1, `${file} exports ${exported.length} rules`);
    const rule = exported[0]!;
    assert.equal(rule.meta.code, basename(file, '.ts'), `${file}: meta.code`);
    assert.match(rule.meta.code, /^[a-z][a-z0-9_]*$/);
    assert.ok(rule.meta.citation.trim().length > 0, `${file}: citation`);
    assert.ok(rule.meta.title.trim().length > 0, `${file}: title`);
    assert.equal(rules.filter((r) => r === rule).length, 1, `${file}: registered once in rules/index.ts`);
  }
  assert.equal(rules.length, ruleFiles.length, 'every registered rule has its own file');
});

test('rule codes are unique', () => {
  const codes = rules.map((r) => r.meta.code);
  assert.deepEqual([...new Set(codes)], codes);
});

test('every DESIGN.md code (except revocation) has a rule, and the README lists every rule', () => {
  const codes = new Set(rules.map((r) => r.meta.code));
  for (const code of DESIGN_CODES) assert.ok(codes.has(code), `no rule for ${code}`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const code of codes) assert.ok(readme.includes(`\`${code}\``), `README does not list ${code}`);
});

test('rule files stay small and quote their requirement', () => {
  for (const file of ruleFiles) {
    const text = readFileSync(join(rulesDir, file), 'utf8');
    assert.ok(text.split('\n').length <= 100, `${file} has ${text.split('\n').length} lines`);
    assert.match(text, /\/\*\*[\s\S]*?(RFC|BR|DESIGN\.md)[\s\S]*?\*\//, `${file}: a doc comment citing its source`);
    assert.doesNotMatch(text, /new Date\(\s*\)|Date\.now\(/, `${file} reads the clock`);
  }
});

test('rules/ and render/ import only types from probe/ (DESIGN.md: data flows one way)', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const offenders: string[] = [];
  for (const file of [...files('src/rules'), ...files('src/render')]) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      if (!m[1] && /(^|\/)probe\//.test(m[2]!)) offenders.push(`${file}: ${m[2]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
