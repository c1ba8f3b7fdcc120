/**
 * Issue 6 item 6: every key a fix reads is one its rule emits. The type level (rules/params.ts keys each
 * recipe's reads) is checked by tsc, including the @ts-expect-error lines below; at run time every fix of
 * every code is rendered from real rule output with the params behind a Proxy that records each key read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FINDING_CODES, type FindingCode } from '../src/fixes/codes.js';
import { type FixContext, remediate } from '../src/fixes/index.js';
import { readParams } from '../src/fixes/params.js';
import { STACK_KEYS } from '../src/fixes/stacks.js';
import type { ServerRecipe } from '../src/fixes/types.js';
import type { Target } from '../src/probe/types.js';
import type { FindingParams, FlatParams } from '../src/rules/params.js';
import { triggeredFindings } from './support/rule-triggers.js';

/** params behind a Proxy: every key looked up (get, hasOwn, in) lands in `reads`. */
function recording(params: FlatParams, reads: Set<string>): FlatParams {
  return new Proxy(params, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

const target = (protocol: Target['protocol']): Target => ({
  input: 'example.com',
  host: 'example.com',
  port: 8452,
  sni: 'example.com',
  protocol,
  ipVersion: null,
  unicodeHost: null,
});

const contexts: FixContext[] = (['https', 'smtp'] as const).flatMap((protocol) =>
  [null, ...STACK_KEYS].flatMap((serverStack) => [
    { target: target(protocol), serverStack },
    { target: target(protocol), serverStack, extraCa: { files: ['/etc/pki/corp-root.pem'], used: true } },
  ]),
);

test('every param key any fix reads is one its rule emits (real rule output, every stack, with and without --ca)', async () => {
  const readByCode = new Map<FindingCode, Set<string>>();
  for (const code of FINDING_CODES) {
    const findings = await triggeredFindings(code);
    assert.ok(findings.length > 0, `${code}: no trigger`);
    const emitted = new Set(findings.flatMap((f) => Object.keys(f.params)));
    const reads = new Set<string>();
    for (const f of findings) {
      for (const ctx of contexts) remediate({ ...f, params: recording(f.params, reads) }, ctx);
    }
    const unknown = [...reads].filter((k) => !emitted.has(k));
    assert.deepEqual(
      unknown,
      [],
      `${code}: fixes read ${unknown.join(', ')}, the rule emits ${[...emitted].join(', ')}`,
    );
    readByCode.set(code, reads);
  }
  // The recorder sees the reads that matter (a Proxy that saw nothing would pass the loop above vacuously).
  const expectRead: [FindingCode, string][] = [
    ['chain_incomplete', 'aiaUrl'],
    ['chain_incomplete', 'missingIssuer'],
    ['chain_order', 'leafFirst'],
    ['hostname_mismatch', 'names'],
    ['hostname_mismatch', 'host'],
    ['cert_expiring_soon', 'daysLeft'],
    ['client_cert_required', 'required'],
    ['address_blocked', 'blockedBy'],
  ];
  for (const [code, key] of expectRead) assert.ok(readByCode.get(code)?.has(key), `${code}: ${key} not read`);
});

test('the params the fixes were missing are emitted by their rules now', async () => {
  const one = async (code: FindingCode, name: number) => (await triggeredFindings(code))[name]!.params;
  assert.equal((await one('chain_incomplete', 1)).aiaUrl, 'http://ca.example/int.der');
  assert.equal((await one('chain_incomplete', 0)).aiaUrl, null);
  assert.equal((await one('chain_order', 0)).leafFirst, false);
  assert.equal((await one('hostname_mismatch', 1)).names, '*.example.com, example.com');
});

test('a recipe can only read the keys its code declares (checked by tsc)', () => {
  const recipe: ServerRecipe<'chain_incomplete'> = ({ p }) => {
    const url = p.str('aiaUrl');
    // @ts-expect-error `leafFirst` belongs to chain_order, not chain_incomplete
    p.bool('leafFirst');
    // @ts-expect-error no rule emits `sans`: hostname_mismatch emits `names`
    readParams<FindingParams['hostname_mismatch']>({}).list('sans');
    return { generic: { title: url ?? 'none', steps: [] } };
  };
  const out = recipe({
    p: readParams<FindingParams['chain_incomplete']>({ aiaUrl: 'http://x.example/' }),
    t: {
      input: 'x',
      host: 'x.example',
      port: 443,
      sni: 'x.example',
      protocol: 'https',
      ipVersion: null,
      unicodeHost: null,
    },
    certIndex: 0,
    caFile: null,
  });
  assert.equal(out.generic?.title, 'http://x.example/');
});
