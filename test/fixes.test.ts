import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FINDING_CODES } from '../src/fixes/codes.js';
import { detectServerStack, type FixContext, remediate } from '../src/fixes/index.js';
import { STACK_KEYS } from '../src/fixes/stacks.js';
import type { Target } from '../src/probe/types.js';
import type { Fix, RuleFinding } from '../src/rules/types.js';

const CODES: readonly string[] = FINDING_CODES;

/** The bot's own address policy: it affects no client. */
/** Findings about the bot's own limits, not the server's effect on clients. */
const NO_CLIENT_IMPACT = new Set(['address_blocked', 'check_deadline_exceeded']);
/** The only findings a trust-store change can mend, hence the only ones allowed a verification-off last resort. */
const MAY_DISABLE_VERIFICATION = new Set(['cert_self_signed', 'chain_untrusted_root']);
const INSECURE =
  /\bcurl\b[^\n]*[\s`]-k\b|--insecure|verify\s*=\s*False|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*0|InsecureSkipVerify/;

const target = (over: Partial<Target> = {}): Target => ({
  input: 'api.example.com',
  host: 'api.example.com',
  port: 443,
  sni: 'api.example.com',
  protocol: 'https',
  ipVersion: null,
  unicodeHost: null,
  ...over,
});

function finding(code: string, params: RuleFinding['params'] = {}, certIndex = 0): RuleFinding {
  return { code, severity: 'critical', certIndex, summary: '', params, causes: [] };
}

const ctx = (serverStack: string | null, t = target()): FixContext => ({ target: t, serverStack });
const text = (f: Fix) => [f.title, ...f.steps, f.command ?? ''].join('\n');
const contexts = [null, ...STACK_KEYS];

test("the code list is DESIGN.md's 33 (ocsp_staple_invalid included), client_cert_required, handshake_timeout, check_deadline_exceeded, then issue 9's 9 path codes: 45 unique codes", () => {
  assert.equal(new Set(CODES).size, 45);
  assert.equal(CODES[33], 'client_cert_required');
  assert.deepEqual(CODES.slice(34, 36), ['handshake_timeout', 'check_deadline_exceeded']);
  assert.equal(CODES.at(-1), 'key_mismatch');
});

test('every finding code gets a server fix and, when it breaks clients, a client impact', () => {
  for (const code of CODES) {
    for (const stack of contexts) {
      const r = remediate(finding(code), ctx(stack));
      assert.ok(
        r.fixes.some((f) => f.audience === 'server'),
        `${code} @ ${stack}: no server fix`,
      );
    }
    const { clients } = remediate(finding(code), ctx(null));
    if (!NO_CLIENT_IMPACT.has(code)) assert.ok(clients.length > 0, `${code}: no client impact`);
    for (const c of clients) assert.ok(['fails', 'works', 'warns'].includes(c.effect), `${code}: ${c.effect}`);
  }
});

test('the detected stack comes first whenever it has a fix; otherwise the generic fix leads', () => {
  for (const code of CODES) {
    const unknown = remediate(finding(code), ctx(null)).fixes;
    for (const stack of STACK_KEYS) {
      const fixes = remediate(finding(code), ctx(stack)).fixes;
      const hasOwn = fixes.some((f) => f.stack === stack && f.audience === 'server');
      assert.equal(fixes[0]!.stack, hasOwn ? stack : 'generic', `${code} @ ${stack}`);
    }
    assert.equal(unknown[0]!.stack, 'generic', `${code}: unknown stack starts generic`);
  }
});

test('server stack order per detected stack', () => {
  const cases: { stack: string | null; code: string; order: string[] }[] = [
    { stack: 'nginx', code: 'chain_incomplete', order: ['nginx', 'generic', 'kubernetes'] },
    { stack: 'apache', code: 'chain_incomplete', order: ['apache', 'generic'] },
    { stack: 'iis', code: 'chain_incomplete', order: ['iis', 'generic'] },
    { stack: 'haproxy', code: 'legacy_tls_only', order: ['haproxy', 'generic', 'kubernetes'] },
    { stack: 'caddy', code: 'hsts_missing', order: ['caddy', 'generic'] },
    { stack: 'envoy', code: 'cert_expired', order: ['envoy', 'generic', 'kubernetes'] },
    { stack: 'traefik', code: 'hostname_mismatch', order: ['traefik', 'generic', 'kubernetes'] },
    { stack: 'awselb', code: 'hsts_missing', order: ['awselb', 'generic'] },
    { stack: 'cloudflare', code: 'legacy_tls_enabled', order: ['cloudflare', 'generic'] },
    { stack: 'nginx/1.25.3', code: 'weak_key', order: ['nginx', 'generic', 'kubernetes'] },
    {
      stack: 'gws',
      code: 'cert_expired',
      order: ['generic', 'nginx', 'apache', 'iis', 'haproxy', 'caddy', 'kubernetes'],
    },
    { stack: null, code: 'clock_skew', order: ['generic', 'iis', 'kubernetes'] },
  ];
  for (const c of cases) {
    const server = remediate(finding(c.code), ctx(c.stack)).fixes.filter((f) => f.audience === 'server');
    assert.deepEqual(
      server.map((f) => f.stack),
      c.order,
      `${c.code} @ ${c.stack}`,
    );
  }
});

test('client workarounds come after every server fix, verification-off ones last', () => {
  for (const code of CODES) {
    for (const stack of contexts) {
      const audiences = remediate(finding(code), ctx(stack)).fixes.map((f) => (f.warning ? 'risky' : f.audience));
      const rank = { server: 0, client: 1, risky: 2 } as const;
      const ranks = audiences.map((a) => rank[a]);
      assert.deepEqual(ranks, [...ranks].sort(), `${code} @ ${stack}: ${audiences.join(',')}`);
    }
  }
});

test('a fix that turns verification off always carries a warning, and only for self-signed/untrusted roots', () => {
  for (const code of CODES) {
    for (const stack of contexts) {
      for (const f of remediate(finding(code), ctx(stack)).fixes) {
        if (INSECURE.test(text(f)))
          assert.ok(f.warning, `${code} @ ${stack}: ${f.stack} disables verification silently`);
        if (f.warning) assert.ok(MAY_DISABLE_VERIFICATION.has(code), `${code}: offers ${f.stack} with a warning`);
      }
    }
  }
  for (const code of MAY_DISABLE_VERIFICATION) {
    const last = remediate(finding(code), ctx(null)).fixes.at(-1)!;
    assert.ok(last.warning && INSECURE.test(text(last)), `${code}: last resort present and marked`);
  }
});

test('chain_incomplete: browsers and .NET work, curl/python/java/node/go fail', () => {
  const effects = Object.fromEntries(
    remediate(finding('chain_incomplete'), ctx(null)).clients.map((c) => [c.client, c.effect]),
  );
  for (const client of ['browsers', 'dotnet']) assert.equal(effects[client], 'works', client);
  for (const client of ['curl', 'python', 'java', 'node', 'go']) assert.equal(effects[client], 'fails', client);
  const stacks = remediate(finding('chain_incomplete'), ctx(null)).fixes.filter((f) => f.audience === 'client');
  for (const s of ['python', 'node', 'java', 'curl', 'go', 'os'])
    assert.ok(
      stacks.some((f) => f.stack === s),
      s,
    );
});

test('client impact tables', () => {
  const cases: { code: string; params?: RuleFinding['params']; effects: Record<string, string> }[] = [
    {
      code: 'hostname_mismatch',
      effects: { browsers: 'fails', curl: 'fails', python: 'fails', java: 'fails', go: 'fails' },
    },
    { code: 'cert_expired', effects: { browsers: 'fails', node: 'fails', dotnet: 'fails' } },
    { code: 'chain_untrusted_root', effects: { browsers: 'fails', python: 'fails', java: 'fails', node: 'fails' } },
    {
      code: 'legacy_tls_only',
      effects: { browsers: 'fails', python: 'fails', java: 'fails', go: 'fails', curl: 'fails' },
    },
    { code: 'weak_signature_algorithm', effects: { browsers: 'fails', go: 'fails' } },
    { code: 'weak_key', params: { algorithm: 'RSA', bits: 1024 }, effects: { curl: 'fails', python: 'fails' } },
    { code: 'weak_key', params: { algorithm: 'RSA', bits: 512 }, effects: { all: 'fails' } },
    { code: 'no_san', effects: { browsers: 'fails', go: 'fails', python: 'works', curl: 'works' } },
    { code: 'sni_required', effects: { legacy: 'fails', health_checks: 'fails', browsers: 'works' } },
    { code: 'hsts_missing', effects: { browsers: 'works' } },
    { code: 'cert_expiring_soon', params: { daysLeft: 5 }, effects: { all: 'works' } },
    { code: 'chain_order', params: { leafFirst: false }, effects: { all: 'fails' } },
    { code: 'chain_order', effects: { browsers: 'works', embedded: 'warns' } },
    { code: 'client_cert_required', params: { required: true }, effects: { browsers: 'fails', curl: 'fails' } },
    { code: 'client_cert_required', params: { required: null }, effects: { java: 'fails', go: 'fails' } },
    { code: 'client_cert_required', params: { required: false }, effects: { all: 'works', browsers: 'warns' } },
  ];
  for (const c of cases) {
    const got = Object.fromEntries(
      remediate(finding(c.code, c.params), ctx(null)).clients.map((i) => [i.client, i.effect]),
    );
    for (const [client, effect] of Object.entries(c.effects)) assert.equal(got[client], effect, `${c.code}: ${client}`);
  }
});

test('observed values and the target are woven into the steps', () => {
  const cases: { code: string; params: RuleFinding['params']; t?: Target; expect: string[] }[] = [
    {
      code: 'hostname_mismatch',
      params: { host: 'api.example.com', names: '*.example.org, example.org' },
      expect: ['api.example.com', '*.example.org', 'DNS:api.example.com,DNS:*.example.org'],
    },
    {
      code: 'chain_incomplete',
      params: { missingIssuer: "CN=R11, O=Let's Encrypt", aiaUrl: 'http://r11.i.lencr.org/' },
      expect: ['CN=R11', 'http://r11.i.lencr.org/'],
    },
    {
      code: 'cert_expiring_soon',
      params: { daysLeft: 6, notAfter: '2026-09-01T00:00:00Z' },
      expect: ['6 days', '2026-09-01T00:00:00Z'],
    },
    { code: 'weak_key', params: { algorithm: 'RSA', bits: 1024 }, expect: ['RSA 1024'] },
    {
      code: 'client_cert_required',
      params: { required: true, caNames: 'CN=Mesh Client CA, O=Example' },
      expect: ['CN=Mesh Client CA, O=Example', '-cert client.crt -key client.key', 'ssl_verify_client'],
    },
    { code: 'cert_self_signed', params: { sha256: 'AB:CD:EF' }, expect: ['AB:CD:EF'] },
    { code: 'chain_untrusted_root', params: { root: 'CN=Corp Root CA' }, expect: ['CN=Corp Root CA'] },
    { code: 'legacy_tls_only', params: { supported: 'TLSv1, TLSv1.1' }, expect: ['TLSv1, TLSv1.1'] },
    { code: 'cert_expired', params: {}, expect: ['certbot renew --cert-name api.example.com'] },
    { code: 'connection_refused', params: {}, t: target({ port: 8443 }), expect: ['sport = :8443'] },
    {
      code: 'handshake_failed',
      params: {},
      t: target({ protocol: 'smtp', port: 587 }),
      expect: ['-connect api.example.com:587', '-starttls smtp'],
    },
    {
      code: 'legacy_tls_only',
      params: {},
      t: target({ host: '2001:db8::1', sni: null, ipVersion: 6 }),
      expect: ["-connect '[2001:db8::1]:443'"],
    },
  ];
  for (const c of cases) {
    const all = remediate(finding(c.code, c.params), ctx(null, c.t ?? target()))
      .fixes.map(text)
      .join('\n');
    for (const e of c.expect) assert.ok(all.includes(e), `${c.code}: ${e}`);
  }
  const ipv6 = remediate(
    finding('legacy_tls_only'),
    ctx(null, target({ host: '2001:db8::1', sni: null, ipVersion: 6 })),
  );
  assert.ok(!ipv6.fixes.map(text).join('\n').includes('-servername'), 'no SNI for an IP literal (RFC 6066 §3)');
});

test('missing, odd or hostile params never throw nor leak undefined/null/NaN into the text', () => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const keys = fc.constantFrom(
    'host',
    'sans',
    'missingIssuer',
    'aiaUrl',
    'aiaCompleted',
    'daysLeft',
    'notAfter',
    'bits',
    'algorithm',
    'subject',
    'validityDays',
    'skewSeconds',
    'addresses',
    'leafFirst',
    'onlyPath',
    'error',
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...CODES),
      fc.dictionary(keys, value),
      fc.constantFrom(...contexts),
      (code, params, stack) => {
        const r = remediate(finding(code, params), ctx(stack));
        const out = [...r.fixes.map(text), ...r.clients.map((c) => c.note)].join('\n');
        assert.ok(!/\bundefined\b|\bNaN\b|: null\b/.test(out), out);
      },
    ),
    { numRuns: 300 },
  );
});

test('an unknown finding code gets a generic inspection step, no client claims', () => {
  const r = remediate(finding('some_future_code'), ctx('nginx'));
  assert.deepEqual(r.clients, []);
  assert.equal(r.fixes[0]?.stack, 'generic');
});

test('detectServerStack normalises Server headers', () => {
  const cases: [string | null, string | null][] = [
    ['nginx', 'nginx'],
    ['nginx/1.25.3', 'nginx'],
    ['NGINX', 'nginx'],
    ['openresty/1.21.4.1', 'nginx'],
    ['Tengine/2.3.3', 'nginx'],
    ['cloudflare', 'cloudflare'],
    ['cloudflare-nginx', 'cloudflare'],
    ['Apache', 'apache'],
    ['Apache/2.4.57 (Debian)', 'apache'],
    ['Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f', 'apache'],
    ['Apache-Coyote/1.1', null],
    ['Microsoft-IIS/10.0', 'iis'],
    ['Microsoft-HTTPAPI/2.0', 'iis'],
    ['Kestrel', 'iis'],
    ['HAProxy', 'haproxy'],
    ['Caddy', 'caddy'],
    ['envoy', 'envoy'],
    ['istio-envoy', 'envoy'],
    ['Traefik', 'traefik'],
    ['awselb/2.0', 'awselb'],
    ['gws', null],
    ['GFE/2.0', null],
    ['AkamaiGHost', null],
    ['  nginx/1.18.0 (Ubuntu)  ', 'nginx'],
    ['', null],
    [null, null],
  ];
  for (const [header, stack] of cases) assert.equal(detectServerStack(header), stack, String(header));
});

test('address_blocked suggests allowing the range the policy named, not a stock one', () => {
  const blocked = finding('address_blocked', { addresses: '127.0.0.1', blockedBy: '127.0.0.0/8 (loopback)' }, -1);
  const fix = remediate(blocked, ctx(null, target({ host: '127.0.0.1', sni: null, ipVersion: 4 }))).fixes[0]!;
  assert.match(fix.command ?? '', /--allow 127\.0\.0\.0\/8$/);
  const unknown = remediate(finding('address_blocked', {}, -1), ctx(null)).fixes[0]!;
  assert.match(unknown.command ?? '', /--allow 10\.0\.0\.0\/8$/);
});
