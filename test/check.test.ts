/**
 * End-to-end diagnosis against real loopback servers: every finding code fires from a real peer, and
 * a healthy endpoint raises no warning. Certificates are minted at test time.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { check } from '../src/check.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import {
  type Route,
  type Running,
  startHttpServer,
  startPlainHttp,
  startRaw,
  startResetting,
  startSilent,
  startTlsServer,
  startTrickle,
  type TlsServerOptions,
} from './support/servers.js';
import { certificate12, message, record, serverHello } from './support/tls-bytes.js';

const DAY = 86_400_000;
const now = new Date();
const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function serve(opts: TlsServerOptions): Promise<Running> {
  const s = await startTlsServer({ headers: { 'Strict-Transport-Security': 'max-age=63072000' }, ...opts });
  open.push(s);
  return s;
}

async function diagnoseChain(
  chain: Chain,
  served = chain.fullchainPem,
  extra: Partial<TlsServerOptions> = {},
  host = 'localhost',
): Promise<Diagnosis> {
  const server = await serve({ certPem: served, keyPem: chain.leaf.keyPem, ...extra });
  return run(`https://${host}:${server.port}/`, [chain.root.pem]);
}

function run(input: string, ca: string[] = [], timeoutMs = 5_000, extra = {}): Promise<Diagnosis> {
  return check(input, { now: () => now, allow: ['127.0.0.0/8', '::1/128'], extraCaPem: ca, timeoutMs, ...extra });
}

const codes = (d: Diagnosis) => d.findings.map((f) => f.code);
function expectFinding(d: Diagnosis, code: string, certIndex?: number) {
  const f = d.findings.find((x) => x.code === code);
  assert.ok(f, `expected ${code}, got [${codes(d).join(', ')}]`);
  if (certIndex !== undefined) assert.equal(f.certIndex, certIndex, `${code} certIndex`);
  return f;
}
const serious = (d: Diagnosis) => d.findings.filter((f) => f.severity !== 'info').map((f) => f.code);

describe('healthy endpoint', () => {
  test('a complete chain to a trusted private root raises no warning or critical finding', async () => {
    const d = await diagnoseChain(await makeChain({}, now));
    assert.deepEqual(serious(d), []);
    assert.equal(d.verdict, 'ok');
    assert.equal(d.report.endpoints[0]?.chain.status, 'completed');
  });
});

describe('validity', () => {
  test('expired leaf → cert_expired (critical, leaf)', async () => {
    const d = await diagnoseChain(
      await makeChain({ leaf: { notBefore: new Date(+now - 90 * DAY), notAfter: new Date(+now - 2 * DAY) } }, now),
    );
    assert.equal(expectFinding(d, 'cert_expired', 0).severity, 'critical');
    assert.equal(d.verdict, 'critical');
  });
  test('leaf not valid until next week → cert_not_yet_valid', async () => {
    const d = await diagnoseChain(
      await makeChain({ leaf: { notBefore: new Date(+now + 7 * DAY), notAfter: new Date(+now + 90 * DAY) } }, now),
    );
    expectFinding(d, 'cert_not_yet_valid', 0);
  });
  test('expiring in 5 days is critical, in 20 days a warning, in 60 days nothing', async () => {
    const in5 = await diagnoseChain(await makeChain({ leaf: { notAfter: new Date(+now + 5 * DAY) } }, now));
    assert.equal(expectFinding(in5, 'cert_expiring_soon', 0).severity, 'critical');
    const in20 = await diagnoseChain(await makeChain({ leaf: { notAfter: new Date(+now + 20 * DAY) } }, now));
    assert.equal(expectFinding(in20, 'cert_expiring_soon', 0).severity, 'warning');
    const in60 = await diagnoseChain(await makeChain({ leaf: { notAfter: new Date(+now + 60 * DAY) } }, now));
    assert.ok(!codes(in60).includes('cert_expiring_soon'));
  });
  test('expired intermediate → chain_cert_expired at index 1', async () => {
    const d = await diagnoseChain(
      await makeChain(
        { intermediates: [{ notBefore: new Date(+now - 400 * DAY), notAfter: new Date(+now - DAY) }] },
        now,
      ),
    );
    expectFinding(d, 'chain_cert_expired', 1);
  });
  test('500-day leaf issued after 2020-09-01 → validity_too_long', async () => {
    const d = await diagnoseChain(
      await makeChain({ leaf: { notBefore: new Date(+now - 100 * DAY), notAfter: new Date(+now + 400 * DAY) } }, now),
    );
    expectFinding(d, 'validity_too_long', 0);
  });
});

describe('chain and trust', () => {
  test('leaf without its intermediate and no AIA → chain_incomplete', async () => {
    const chain = await makeChain({}, now);
    const d = await diagnoseChain(chain, chain.leaf.pem);
    assert.equal(expectFinding(d, 'chain_incomplete').severity, 'critical');
  });
  test('missing intermediate that AIA can fetch → still chain_incomplete (curl, Python, Java fail)', async () => {
    const routes: Record<string, Route> = {};
    const aia = await startHttpServer(routes);
    open.push(aia);
    const chain = await makeChain({ leaf: { aiaIssuerUrl: `${aia.url}/inter.der` } }, now);
    routes['/inter.der'] = {
      body: Buffer.from(chain.intermediates[0]!.der),
      headers: { 'content-type': 'application/pkix-cert' },
    };
    const d = await diagnoseChain(chain, chain.leaf.pem);
    expectFinding(d, 'chain_incomplete');
    assert.deepEqual(aia.requests, ['/inter.der']);
    const built = d.report.endpoints[0]?.chain;
    assert.equal(built?.status === 'completed' && built.result.aia.completedChain, true);
  });
  test('private root (sent along) not in the trust store → chain_untrusted_root', async () => {
    const chain = await makeChain({}, now);
    const server = await serve({
      certPem: pemOf(chain.leaf, ...chain.intermediates, chain.root),
      keyPem: chain.leaf.keyPem,
    });
    const d = await run(`localhost:${server.port}`, []);
    expectFinding(d, 'chain_untrusted_root');
  });
  test('self-signed leaf → cert_self_signed', async () => {
    const leaf = await makeCert({
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      notBefore: new Date(+now - DAY),
      notAfter: new Date(+now + 30 * DAY),
    });
    const server = await serve({ certPem: leaf.pem, keyPem: leaf.keyPem });
    const d = await run(`localhost:${server.port}`);
    expectFinding(d, 'cert_self_signed', 0);
  });
  test('intermediates sent in the wrong order → chain_order', async () => {
    const chain = await makeChain({ intermediates: [{}, {}] }, now);
    const [i1, i2] = chain.intermediates;
    const d = await diagnoseChain(chain, pemOf(chain.leaf, i2!, i1!));
    expectFinding(d, 'chain_order');
  });
  test('root sent along → chain_includes_root', async () => {
    const chain = await makeChain({}, now);
    const d = await diagnoseChain(chain, pemOf(chain.leaf, ...chain.intermediates, chain.root));
    expectFinding(d, 'chain_includes_root');
  });
  test('tampered leaf signature → chain_signature_invalid', async () => {
    const chain = await makeChain({ leaf: { badSignature: true } }, now);
    const d = await diagnoseChain(chain);
    expectFinding(d, 'chain_signature_invalid');
  });
});

describe('identity, keys and usage', () => {
  test('certificate for other names → hostname_mismatch', async () => {
    const d = await diagnoseChain(
      await makeChain({ leaf: { dnsNames: ['other.test', '*.example.test'], ipAddresses: [] } }, now),
    );
    expectFinding(d, 'hostname_mismatch', 0);
  });
  test('no subjectAltName → no_san', async () => {
    const d = await diagnoseChain(await makeChain({ leaf: { omitSan: true } }, now));
    expectFinding(d, 'no_san', 0);
  });
  test('IP target matched against IP SANs only', async () => {
    const chain = await makeChain({}, now);
    const server = await serve({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
    const d = await run(`127.0.0.1:${server.port}`, [chain.root.pem]);
    assert.ok(!codes(d).includes('hostname_mismatch'), codes(d).join());
  });
  test('SHA-1 signed leaf → weak_signature_algorithm', async () => {
    const chain = await makeChain(
      { intermediates: [{ key: { type: 'rsa', bits: 2048 } }], leaf: { signatureHash: 'SHA-1' } },
      now,
    );
    const d = await diagnoseChain(chain, chain.fullchainPem, { ciphers: 'DEFAULT:@SECLEVEL=0' });
    expectFinding(d, 'weak_signature_algorithm', 0);
  });
  test('RSA 1024 leaf → weak_key', async () => {
    const chain = await makeChain({ leaf: { key: { type: 'rsa', bits: 1024 } } }, now);
    const d = await diagnoseChain(chain, chain.fullchainPem, { ciphers: 'DEFAULT:@SECLEVEL=0' });
    expectFinding(d, 'weak_key', 0);
  });
  test('clientAuth-only EKU → wrong_key_usage', async () => {
    const d = await diagnoseChain(await makeChain({ leaf: { extKeyUsage: ['clientAuth'] } }, now));
    expectFinding(d, 'wrong_key_usage', 0);
  });
  test('leaf with cA=TRUE → leaf_is_ca', async () => {
    const d = await diagnoseChain(await makeChain({ leaf: { ca: true } }, now));
    expectFinding(d, 'leaf_is_ca', 0);
  });
});

describe('protocols and deployment', () => {
  test('TLS 1.0/1.1 only → legacy_tls_only', async () => {
    const d = await diagnoseChain(await makeChain({}, now), undefined, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    expectFinding(d, 'legacy_tls_only');
  });
  test('TLS 1.0 accepted next to 1.2/1.3 → legacy_tls_enabled', async () => {
    const d = await diagnoseChain(await makeChain({}, now), undefined, {
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    expectFinding(d, 'legacy_tls_enabled');
    assert.ok(!codes(d).includes('legacy_tls_only'));
  });
  test('a different certificate without SNI → sni_required', async () => {
    const good = await makeChain({}, now);
    const other = await makeChain(
      { leaf: { subject: 'CN=default.test', dnsNames: ['default.test'], ipAddresses: [] } },
      now,
    );
    const d = await diagnoseChain(other, other.fullchainPem, {
      sniCerts: { localhost: { certPem: good.fullchainPem, keyPem: good.leaf.keyPem } },
    });
    expectFinding(d, 'sni_required');
    assert.ok(!codes(d).includes('hostname_mismatch'), codes(d).join());
  });
  test('two addresses serving different certificates → backends_inconsistent', async () => {
    const a = await makeChain({}, now);
    const b = await makeChain({ leaf: { notAfter: new Date(+now + 3 * DAY) } }, now);
    const one = await serve({ certPem: a.fullchainPem, keyPem: a.leaf.keyPem });
    const two = await startTlsServer({
      certPem: b.fullchainPem,
      keyPem: b.leaf.keyPem,
      host: '127.0.0.2',
      port: one.port,
    });
    open.push(two);
    const lookup = async () => [
      { address: '127.0.0.1', family: 4 as const },
      { address: '127.0.0.2', family: 4 as const },
    ];
    const d = await run(`localhost:${one.port}`, [a.root.pem, b.root.pem], 5_000, { lookup });
    expectFinding(d, 'backends_inconsistent', -1);
    assert.equal(d.report.endpoints.length, 2);
  });
  test('server Date an hour off → clock_skew', async () => {
    const d = await diagnoseChain(await makeChain({}, now), undefined, {
      date: new Date(+now + 3600_000).toUTCString(),
    });
    expectFinding(d, 'clock_skew', -1);
  });
  test('no Strict-Transport-Security → hsts_missing (info only)', async () => {
    const d = await diagnoseChain(await makeChain({}, now), undefined, { headers: {} });
    assert.equal(expectFinding(d, 'hsts_missing').severity, 'info');
    assert.equal(d.verdict, 'ok');
  });
});

describe('transport failures and hostile peers', () => {
  test('closed port → connection_refused', async () => {
    const s = await startSilent();
    const port = s.port;
    await s.close();
    expectFinding(await run(`127.0.0.1:${port}`), 'connection_refused');
  });
  test('silent listener (accepted, then nothing) → handshake_timeout within the deadline', async () => {
    const s = await startSilent();
    open.push(s);
    const t0 = Date.now();
    const d = await run(`127.0.0.1:${s.port}`, [], 1_500);
    expectFinding(d, 'handshake_timeout');
    assert.ok(!codes(d).includes('connection_timeout'), codes(d).join());
    assert.ok(Date.now() - t0 < 4_000, `took ${Date.now() - t0} ms`);
  });
  test('plain HTTP on the port → not_tls', async () => {
    const s = await startPlainHttp();
    open.push(s);
    expectFinding(await run(`127.0.0.1:${s.port}`), 'not_tls');
  });
  test('TLS alert handshake_failure → handshake_failed', async () => {
    const s = await startRaw(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
    open.push(s);
    expectFinding(await run(`127.0.0.1:${s.port}`), 'handshake_failed');
  });
  test('reset mid-handshake → a transport finding, not a crash', async () => {
    const s = await startResetting();
    open.push(s);
    const d = await run(`127.0.0.1:${s.port}`);
    assert.equal(d.verdict, 'critical');
    assert.ok(
      codes(d).some((c) => ['handshake_failed', 'connection_refused'].includes(c)),
      codes(d).join(),
    );
  });
  test('a server trickling one byte a second → handshake_timeout within the deadline', async () => {
    const s = await startTrickle(1000);
    open.push(s);
    const t0 = Date.now();
    const d = await run(`127.0.0.1:${s.port}`, [], 2_000);
    expectFinding(d, 'handshake_timeout');
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  });
  test('a chain of 200 certificates ends in a finding within the deadline', async () => {
    const chain = await makeChain({}, now);
    const junk = await makeCert({ subject: 'CN=padding', ca: true });
    const t0 = Date.now();
    const d = await diagnoseChain(chain, chain.fullchainPem + junk.pem.repeat(198));
    assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
    assert.ok(d.findings.length > 0, 'expected a finding (chain_order or a transport error)');
  });
  test('a malformed certificate in the handshake → handshake_failed, not a crash', async () => {
    const flight = Buffer.concat([
      serverHello(),
      certificate12([Buffer.from([0x30, 0x03, 1, 2, 3])]),
      message(14, Buffer.alloc(0)),
    ]);
    const s = await startRaw(record(22, flight));
    open.push(s);
    const d = await run(`127.0.0.1:${s.port}`);
    expectFinding(d, 'handshake_failed');
    assert.equal(d.verdict, 'critical');
  });
  test('loopback without an allow-list → address_blocked', async () => {
    const d = await check('127.0.0.1:443', { now: () => now });
    expectFinding(d, 'address_blocked');
  });
  test('a name that does not exist → dns_not_found', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND does-not-exist.invalid'), { code: 'ENOTFOUND' });
    };
    const d = await check('does-not-exist.invalid', { now: () => now, timeoutMs: 3_000, lookup });
    expectFinding(d, 'dns_not_found');
  });
});
