/**
 * Servers that ask for a client certificate (mutual TLS), end to end through check() against real loopback
 * node:tls servers: the server's certificate is diagnosed as for any endpoint, client_cert_required says
 * what the server wants, and no sub-probe mistakes the refusal for a fault.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { check } from '../src/check.js';
import type { HandshakeResult } from '../src/probe/types.js';
import { renderJson } from '../src/render/json.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Chain, makeCert, makeChain } from './support/pki.js';
import { type Running, startRaw, startTlsServer, type TlsServerOptions } from './support/servers.js';
import { certificate12, certificateRequest12, message, record, serverHello } from './support/tls-bytes.js';

const DAY = 86_400_000;
const now = new Date();
const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const healthy = await makeChain({}, now);
const expired = await makeChain(
  { leaf: { notBefore: new Date(+now - 90 * DAY), notAfter: new Date(+now - DAY) } },
  now,
);
const elsewhere = await makeChain({ leaf: { dnsNames: ['other.example'], ipAddresses: [] } }, now);
const mesh = await makeChain({ root: { subject: 'CN=Mesh Client Root,O=Example' } }, now);
const partner = await makeChain({ root: { subject: 'CN=Partner Client Root,O=Partner' } }, now);

async function serve(chain: Chain, opts: Partial<TlsServerOptions>): Promise<Running> {
  const s = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    ...opts,
  });
  open.push(s);
  return s;
}

function run(input: string, chain: Chain = healthy): Promise<Diagnosis> {
  return check(input, { now: () => now, allow: ['127.0.0.0/8'], extraCaPem: [chain.root.pem], timeoutMs: 5_000 });
}

// The test PKI's certificates name no CRL or OCSP URL, so every check also carries revocation_unchecked (info);
// these tests are about client certificates, and test/revocation*.test.ts covers that code.
const codes = (d: Diagnosis) => d.findings.map((f) => f.code).filter((c) => c !== 'revocation_unchecked');
const status = (d: Diagnosis, code: string) => d.results.find((r) => r.code === code)?.status;
function handshakeOf(d: Diagnosis): HandshakeResult {
  const hs = d.report.endpoints[0]?.handshake;
  assert.equal(hs?.status, 'completed', JSON.stringify(hs));
  return hs.result;
}

describe('a server that requires or requests a client certificate', () => {
  const cases: { name: string; version: SecureVersion; required: boolean }[] = [
    { name: 'TLS 1.2, required', version: 'TLSv1.2', required: true },
    { name: 'TLS 1.3, required', version: 'TLSv1.3', required: true },
    { name: 'TLS 1.2, optional', version: 'TLSv1.2', required: false },
    { name: 'TLS 1.3, optional', version: 'TLSv1.3', required: false },
  ];
  for (const c of cases) {
    test(`${c.name} → client_cert_required (info) and the server certificate diagnosed, no false alarm`, async () => {
      const clientCert = { ca: [mesh.root.pem], rejectUnauthorized: c.required };
      const s = await serve(healthy, { maxVersion: c.version, clientCert });
      const d = await run(`https://localhost:${s.port}/`);
      assert.deepEqual(codes(d), ['client_cert_required']);
      const f = d.findings.find((x) => x.code === 'client_cert_required')!;
      assert.equal(f.severity, 'info');
      assert.equal(f.certIndex, -1);
      assert.equal(f.params.required, c.required);
      assert.equal(d.verdict, 'ok');
      const hs = handshakeOf(d);
      assert.equal(hs.protocol, c.version);
      assert.equal(hs.sentChain.length, 2);
      assert.deepEqual(hs.clientCertRequest?.caNames, [mesh.root.info.subject]);
      assert.equal(d.report.endpoints[0]?.chain.status, 'completed');
      for (const code of ['cert_expired', 'hostname_mismatch', 'chain_untrusted_root', 'handshake_failed']) {
        assert.equal(status(d, code), 'pass', code);
      }
      const scan = d.report.protocols;
      assert.equal(scan.status, 'completed');
      assert.deepEqual(scan.result[c.version], { status: 'completed', result: true });
      assert.equal(status(d, 'sni_required'), 'pass');
      assert.equal(status(d, 'legacy_tls_enabled'), 'pass');
      if (c.required) {
        assert.equal(d.report.http.status === 'error' && d.report.http.code, 'client_cert_required');
        assert.equal(status(d, 'hsts_missing'), 'not_evaluated');
        assert.equal(status(d, 'clock_skew'), 'not_evaluated');
      } else {
        assert.equal(d.report.http.status, 'completed');
        assert.equal(status(d, 'hsts_missing'), 'pass');
      }
    });
  }

  test('required, expired server certificate → cert_expired (leaf) and client_cert_required', async () => {
    const s = await serve(expired, { maxVersion: 'TLSv1.2', clientCert: { ca: [mesh.root.pem] } });
    const d = await run(`https://localhost:${s.port}/`, expired);
    assert.deepEqual(codes(d), ['cert_expired', 'client_cert_required']);
    assert.equal(d.findings[0]!.certIndex, 0);
    assert.equal(d.verdict, 'critical');
  });

  test('required, certificate for another name → hostname_mismatch and client_cert_required', async () => {
    const s = await serve(elsewhere, { clientCert: { ca: [mesh.root.pem] } });
    const d = await run(`https://localhost:${s.port}/`, elsewhere);
    assert.deepEqual(codes(d), ['hostname_mismatch', 'client_cert_required']);
    assert.equal(d.findings[0]!.certIndex, 0);
  });

  test('the accepted CAs are exactly the ones the server was given', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const ca = [mesh.root.pem, partner.root.pem, mesh.intermediates[0]!.pem];
      const s = await serve(healthy, { maxVersion: version, clientCert: { ca } });
      const d = await run(`https://localhost:${s.port}/`);
      const want = [mesh.root, partner.root, mesh.intermediates[0]!].map((c) => c.info.subject);
      assert.deepEqual([...(handshakeOf(d).clientCertRequest?.caNames ?? [])].sort(), want.sort(), version);
      assert.equal(d.findings.find((x) => x.code === 'client_cert_required')?.params.caCount, 3, version);
      const request = JSON.parse(renderJson(d)).endpoints[0].handshake.clientCertRequest;
      assert.deepEqual([request.required, [...request.caNames].sort()], [true, want.sort()], version);
    }
  });

  test('a plain server carries no client certificate request', async () => {
    const s = await serve(healthy, {});
    const d = await run(`https://localhost:${s.port}/`);
    assert.equal(handshakeOf(d).clientCertRequest, undefined);
    assert.equal(status(d, 'client_cert_required'), 'pass');
  });
});

describe('a handshake that fails after the server sent its certificate', () => {
  test('the chain is kept: cert rules judge it and handshake_failed still reports the failure', async () => {
    const leaf = await makeCert({
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      key: { type: 'rsa', bits: 2048 },
      notBefore: new Date(+now - 90 * DAY),
      notAfter: new Date(+now - DAY),
    });
    const der = Buffer.from(leaf.der);
    // ECDHE without its ServerKeyExchange: our side aborts after reading the Certificate.
    const flights = [
      [serverHello(), certificate12([der]), message(14, Buffer.alloc(0))],
      [serverHello(), certificate12([der]), certificateRequest12([]), message(14, Buffer.alloc(0))],
    ];
    for (const [i, flight] of flights.entries()) {
      const s = await startRaw(record(22, Buffer.concat(flight)));
      open.push(s);
      const d = await run(`localhost:${s.port}`);
      const hs = d.report.endpoints[0]?.handshake;
      assert.equal(hs?.status, 'error', `flight ${i}`);
      assert.equal(hs.status === 'error' && hs.partial?.sentChain.length, 1, `flight ${i}`);
      assert.ok(codes(d).includes('handshake_failed'), `flight ${i}: ${codes(d)}`);
      assert.ok(codes(d).includes('cert_expired'), `flight ${i}: ${codes(d)}`);
      assert.equal(codes(d).includes('client_cert_required'), i === 1, `flight ${i}: ${codes(d)}`);
      const json = JSON.parse(renderJson(d));
      assert.equal(json.chain.sent.length, 1, `flight ${i}: the JSON shows the chain as sent`);
      assert.equal(json.endpoints[0].handshake.partial.sentCount, 1, `flight ${i}`);
    }
  });
});
