/**
 * Issue 12, "fewer handshakes, same findings": the probe before issue 12 (test/support/reference/, a full
 * handshake per scanned version and the GET on its own connection) and today's probe (ClientHello probes,
 * the GET on the main connection) diagnose the same loopback servers; the finding codes, their cert indexes
 * and the protocol versions found must be identical. Each server serves both probes, one after the other.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { diagnose } from '../src/diagnose.js';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { probe } from '../src/probe/index.js';
import { parseTarget } from '../src/probe/target.js';
import { loadTrustStore } from '../src/probe/trust.js';
import type { Attempt, ProbeReport, ProtocolSupport } from '../src/probe/types.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import { probe as referenceProbe } from './support/reference/index.js';
import {
  type Running,
  startPlainHttp,
  startResetting,
  startSilent,
  startTlsServer,
  type TlsServerOptions,
} from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const open: Running[] = [];
let chain: Chain;
before(async () => {
  chain = await makeChain({}, now);
});
after(() => Promise.all(open.map((s) => s.close())));

const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
type Probe = typeof probe;

const REVOCATION_CODES = new Set([
  'cert_revoked',
  'ocsp_must_staple_missing',
  'ocsp_staple_invalid',
  'revocation_unchecked',
]);

async function findings(run: Probe, input: string, ca: string[], timeoutMs: number) {
  const policy = createAddressPolicy(['127.0.0.0/8']);
  const trust = loadTrustStore({ extraCaPem: ca });
  const report: ProbeReport = await run(parseTarget(input), { now, timeoutMs, policy, trust, lookup });
  const d = diagnose(report, { now });
  return {
    // revocation (issue 10) is a step the reference probe never had: its codes are not part of the comparison
    codes: d.findings
      .filter((f) => !REVOCATION_CODES.has(f.code))
      .map((f) => `${f.code}@${f.certIndex}`)
      .sort(),
    versions: summary(report.protocols),
    http: report.http.status === 'completed',
  };
}

function summary(scan: Attempt<ProtocolSupport>): Record<string, string> | string {
  if (scan.status !== 'completed') return scan.status;
  return Object.fromEntries(
    Object.entries(scan.result).map(([v, a]) => [
      v,
      a.status === 'completed' ? String(a.result) : a.status === 'error' ? a.code : a.status,
    ]),
  );
}

async function tls(opts: Partial<TlsServerOptions>, c: Chain = chain): Promise<Running> {
  const s = await startTlsServer({ certPem: c.fullchainPem, keyPem: c.leaf.keyPem, ...opts });
  open.push(s);
  return s;
}

interface Case {
  name: string;
  start: () => Promise<Running>;
  ca?: () => string[];
  timeoutMs?: number;
  input?: (port: number) => string;
  /** a code both probes must find (so the comparison cannot pass on two empty lists) */
  expect?: string;
}

const hsts = { 'Strict-Transport-Security': 'max-age=63072000' };
const cases: Case[] = [
  { name: 'healthy TLS 1.2–1.3 with HSTS', start: () => tls({ headers: hsts }) },
  { name: 'no HSTS', start: () => tls({}), expect: 'hsts_missing' },
  { name: 'TLS 1.2 only', start: () => tls({ headers: hsts, maxVersion: 'TLSv1.2' }) },
  { name: 'TLS 1.3 only', start: () => tls({ headers: hsts, minVersion: 'TLSv1.3' }) },
  {
    name: 'TLS 1.0–1.1 only',
    start: () => tls({ headers: hsts, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }),
    expect: 'legacy_tls_only',
  },
  {
    name: 'TLS 1.0–1.3 (legacy enabled)',
    start: () => tls({ headers: hsts, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    expect: 'legacy_tls_enabled',
  },
  {
    name: 'clock 2 h ahead',
    start: () => tls({ headers: hsts, date: new Date(+now + 2 * 3600_000).toUTCString() }),
    expect: 'clock_skew',
  },
  {
    name: 'expired leaf',
    start: async () =>
      tls(
        { headers: hsts },
        await makeChain({ leaf: { notBefore: new Date(+now - 90 * DAY), notAfter: new Date(+now - 2 * DAY) } }, now),
      ),
  },
  {
    name: 'intermediate missing',
    start: () => tls({ headers: hsts, certPem: chain.leaf.pem }),
    expect: 'chain_incomplete',
  },
  { name: 'root not trusted', start: () => tls({ headers: hsts }), ca: () => [] },
  {
    name: 'hostname mismatch',
    start: async () => tls({ headers: hsts }, await makeChain({ leaf: { dnsNames: ['other.test'], ipAddresses: [] } })),
  },
  {
    name: 'RSA 1024 leaf',
    start: async () =>
      tls(
        { headers: hsts, ciphers: 'DEFAULT:@SECLEVEL=0' },
        await makeChain({ leaf: { key: { type: 'rsa', bits: 1024 } } }, now),
      ),
  },
  {
    name: 'SNI-dependent certificate',
    start: async () => {
      const other = await makeChain({ leaf: { dnsNames: ['default.test'], ipAddresses: [] } }, now);
      return tls({
        headers: hsts,
        certPem: other.fullchainPem,
        keyPem: other.leaf.keyPem,
        sniCerts: { localhost: { certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem } },
      });
    },
  },
  {
    name: 'client certificate required (TLS 1.3)',
    start: () => tls({ headers: hsts, clientCert: { ca: [chain.root.pem] } }),
  },
  {
    name: 'client certificate required (TLS 1.2)',
    start: () => tls({ headers: hsts, maxVersion: 'TLSv1.2', clientCert: { ca: [chain.root.pem] } }),
  },
  {
    name: 'root sent along',
    start: () => tls({ headers: hsts, certPem: pemOf(chain.leaf, ...chain.intermediates, chain.root) }),
  },
  {
    name: 'self-signed leaf',
    start: async () => {
      const leaf = await makeCert({
        subject: 'CN=localhost',
        dnsNames: ['localhost'],
        notAfter: new Date(+now + 30 * DAY),
      });
      return tls({ headers: hsts, certPem: leaf.pem, keyPem: leaf.keyPem });
    },
  },
  { name: 'TLS server that never answers HTTP', start: () => tls({ http: false }), timeoutMs: 1500 },
  { name: 'plain HTTP on the port', start: async () => track(await startPlainHttp()) },
  { name: 'resetting listener', start: async () => track(await startResetting()) },
  {
    name: 'silent listener',
    start: async () => track(await startSilent()),
    timeoutMs: 800,
    expect: 'handshake_timeout',
  },
  { name: 'non-standard port (tls target)', start: () => tls({ headers: hsts }), input: (p) => `localhost:${p}` },
];

function track(s: Running): Running {
  open.push(s);
  return s;
}

for (const c of cases) {
  test(`same findings, old and new probe: ${c.name}`, async () => {
    const server = await c.start();
    const input = c.input?.(server.port) ?? `https://localhost:${server.port}/`;
    const ca = c.ca?.() ?? [chain.root.pem];
    const timeoutMs = c.timeoutMs ?? 5_000;
    const before = await findings(referenceProbe as Probe, input, ca, timeoutMs);
    const after = await findings(probe, input, ca, timeoutMs);
    assert.deepEqual(after.codes, before.codes, 'finding codes');
    if (c.expect)
      assert.ok(
        after.codes.some((x) => x.startsWith(`${c.expect}@`)),
        `${c.expect} in ${after.codes}`,
      );
    assert.deepEqual(after.versions, before.versions, 'protocol versions');
    if (c.name !== 'TLS server that never answers HTTP' && c.input === undefined) {
      assert.equal(after.http, before.http, 'HTTP step completed in both or in neither');
    }
  });
}
