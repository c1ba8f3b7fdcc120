/**
 * "Which clients it breaks", checked against real clients. Each scenario is served on loopback and diagnosed by
 * check() exactly as a user would get it; then node, python3, curl, openssl s_client and java fetch the same
 * server trusting only the scenario's root. For every claim the finding makes about one of those clients:
 * - the effect must match what the client did: 'fails' means the request failed, 'works' and 'warns' mean it got
 *   through ('warns' is a caveat for some setups, not an error this client prints);
 * - when the client failed, the claim's note must quote the distinctive tokens of the error it printed
 *   (test/support/clients.ts defines them per client: node's err.code, python's verify reason, curl's and
 *   s_client's OpenSSL reason, Java's exception message and root-cause class).
 * A claim for 'all' stands in for a client without its own entry; its note is generic, so only the effect is
 * checked. A client missing from this machine skips with the reason; a finding without a claim for a client skips.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { check } from '../src/check.js';
import type { ClientImpact, Diagnosis } from '../src/rules/types.js';
import {
  type Availability,
  type ClientName,
  type ClientOutcome,
  type ClientRunner,
  LOOPBACK,
  RUNNERS,
  runClients,
} from './support/clients.js';
import { type Chain, type ChainSpec, makeCert, makeChain, pemOf } from './support/pki.js';
import { type Running, startTlsServer, type TlsServerOptions } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const ago = (days: number) => new Date(+now - days * DAY);

interface Served {
  server: Omit<TlsServerOptions, 'host' | 'port'>;
  /** the only root the clients trust */
  clientCa: string;
  /** the roots check() trusts (default: clientCa) */
  checkCa?: string[];
  /** the name clients and check() ask for (always reached at 127.0.0.1) */
  host?: string;
}

interface Scenario {
  name: string;
  /** the findings check() must raise, whose client claims are checked */
  codes: string[];
  build(): Promise<Served>;
}

const unrelatedRoot = async () =>
  (await makeChain({ root: { subject: 'CN=Unrelated Root CA,O=elsewhere' }, intermediates: [] }, now)).root.pem;

/** The chain served as `served(chain)` (default: leaf + intermediates), trusted by its own root. */
function chainScenario(
  name: string,
  spec: ChainSpec,
  served: (c: Chain) => string = (c) => c.fullchainPem,
  server: Partial<TlsServerOptions> = {},
  codes = [name],
): Scenario {
  return {
    name,
    codes,
    build: async () => {
      const chain = await makeChain(spec, now);
      return { server: { certPem: served(chain), keyPem: chain.leaf.keyPem, ...server }, clientCa: chain.root.pem };
    },
  };
}

const SNI_HOST = 'www.cert-doctor.test';

const scenarios: Scenario[] = [
  chainScenario('cert_expired', { leaf: { notBefore: ago(90), notAfter: ago(2) } }),
  chainScenario('cert_not_yet_valid', { leaf: { notBefore: ago(-7), notAfter: ago(-90) } }),
  chainScenario('chain_incomplete', {}, (c) => c.leaf.pem),
  {
    name: 'chain_incomplete (intermediate sent, its root unknown)',
    codes: ['chain_incomplete'],
    build: async () => {
      const chain = await makeChain({}, now);
      const server = { certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem };
      return { server, clientCa: await unrelatedRoot(), checkCa: [] };
    },
  },
  {
    name: 'chain_untrusted_root',
    codes: ['chain_untrusted_root'],
    build: async () => {
      const chain = await makeChain({}, now);
      const server = { certPem: pemOf(chain.leaf, ...chain.intermediates, chain.root), keyPem: chain.leaf.keyPem };
      return { server, clientCa: await unrelatedRoot(), checkCa: [] };
    },
  },
  {
    name: 'cert_self_signed',
    codes: ['cert_self_signed'],
    build: async () => {
      const leaf = await makeCert({ subject: 'CN=localhost', dnsNames: ['localhost'], notBefore: ago(1) });
      return { server: { certPem: leaf.pem, keyPem: leaf.keyPem }, clientCa: await unrelatedRoot(), checkCa: [] };
    },
  },
  chainScenario('hostname_mismatch', { leaf: { dnsNames: ['other.test', '*.example.test'], ipAddresses: [] } }),
  chainScenario('chain_cert_expired', { intermediates: [{ notBefore: ago(400), notAfter: ago(1) }] }),
  chainScenario(
    'weak_signature_algorithm',
    { intermediates: [{ key: { type: 'rsa', bits: 2048 } }], leaf: { signatureHash: 'SHA-1' } },
    undefined,
    { ciphers: 'DEFAULT:@SECLEVEL=0' },
  ),
  chainScenario('weak_key', { leaf: { key: { type: 'rsa', bits: 1024 } } }, undefined, {
    ciphers: 'DEFAULT:@SECLEVEL=0',
  }),
  chainScenario('wrong_key_usage', { leaf: { extKeyUsage: ['clientAuth'] } }),
  // No SAN at all, CN=localhost: the bot (no CN fallback) also raises hostname_mismatch; clients fall back to the CN.
  chainScenario('no_san', { leaf: { omitSan: true } }, undefined, {}, ['no_san', 'hostname_mismatch']),
  chainScenario('leaf_is_ca', { leaf: { ca: true } }),
  chainScenario('chain_order', { intermediates: [{}, {}] }, (c) =>
    pemOf(c.leaf, c.intermediates[1]!, c.intermediates[0]!),
  ),
  chainScenario('chain_includes_root', {}, (c) => pemOf(c.leaf, ...c.intermediates, c.root)),
  chainScenario('chain_signature_invalid', { leaf: { badSignature: true } }),
  chainScenario('validity_too_long', { leaf: { notBefore: ago(100), notAfter: ago(-400) } }),
  chainScenario('legacy_tls_only', {}, undefined, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }),
  {
    // A dotted name: Java sends no SNI for a single-label host such as localhost.
    name: 'sni_required',
    codes: ['sni_required'],
    build: async () => {
      const named = await makeChain({ leaf: { dnsNames: [SNI_HOST], ipAddresses: [] } }, now);
      const fallback = await makeChain({ leaf: { subject: 'CN=default.test', dnsNames: ['default.test'] } }, now);
      const server = {
        certPem: fallback.fullchainPem,
        keyPem: fallback.leaf.keyPem,
        sniCerts: { [SNI_HOST]: { certPem: named.fullchainPem, keyPem: named.leaf.keyPem } },
      };
      return { server, clientCa: named.root.pem, checkCa: [named.root.pem, fallback.root.pem], host: SNI_HOST };
    },
  },
];

interface Measured {
  availability: Map<ClientName, Availability>;
  diagnoses: Diagnosis[];
  outcomes: Map<ClientName, ClientOutcome[]>;
  hosts: string[];
}

const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function prepare(): Promise<Measured> {
  const availability = new Map(await Promise.all(RUNNERS.map(async (r) => [r.name, await r.availability()] as const)));
  const served: Served[] = [];
  for (const s of scenarios) served.push(await s.build());
  const ports: number[] = [];
  for (const s of served) {
    const running = await startTlsServer({ headers: { 'Strict-Transport-Security': 'max-age=63072000' }, ...s.server });
    open.push(running);
    ports.push(running.port);
  }
  const hosts = served.map((s) => s.host ?? 'localhost');
  const lookup = async () => [{ address: LOOPBACK, family: 4 as const }];
  const diagnosing = Promise.all(
    served.map((s, i) =>
      check(`https://${hosts[i]}:${ports[i]}/`, {
        now: () => now,
        allow: ['127.0.0.0/8'],
        extraCaPem: s.checkCa ?? [s.clientCa],
        timeoutMs: 10_000,
        lookup,
      }),
    ),
  );
  const available = RUNNERS.filter((r) => availability.get(r.name)?.available);
  const endpoints = served.map((s, i) => ({ host: hosts[i]!, port: ports[i]!, caPem: s.clientCa }));
  const [diagnoses, outcomes] = await Promise.all([diagnosing, runClients(endpoints, available)]);
  return { availability, diagnoses, outcomes, hosts };
}

let measured: Promise<Measured> | undefined;
const measure = () => {
  measured ??= prepare();
  return measured;
};

/** The claim a finding makes about one client: its own entry, else the one for 'all'. */
function claimFor(clients: ClientImpact[], key: string): { impact: ClientImpact; generic: boolean } | null {
  const own = clients.find((c) => c.client === key);
  if (own) return { impact: own, generic: false };
  const all = clients.find((c) => c.client === 'all');
  return all ? { impact: all, generic: true } : null;
}

function checkClaims(runner: ClientRunner, scenario: Scenario, index: number, m: Measured): string[] {
  const seen = m.outcomes.get(runner.name)![index]!;
  const checked: string[] = [];
  for (const code of scenario.codes) {
    const finding = m.diagnoses[index]!.findings.find((f) => f.code === code);
    assert.ok(finding, `check() did not raise ${code}`);
    const claim = claimFor(finding.clients, runner.impactKey);
    if (!claim) continue;
    const { impact, generic } = claim;
    const claimed = impact.effect === 'fails' ? 'fails' : 'works';
    const where = `${code} × ${runner.name} (claim under '${impact.client}': ${impact.effect} "${impact.note}")`;
    assert.equal(seen.outcome, claimed, `${where}: the client ${seen.outcome === 'works' ? 'connected' : seen.error}`);
    if (seen.outcome === 'fails' && !generic) {
      for (const token of runner.tokens(seen.error, m.hosts[index]!)) {
        assert.ok(impact.note.includes(token), `${where}: the note does not quote "${token}" (printed: ${seen.error})`);
      }
    }
    checked.push(code);
  }
  return checked;
}

for (const [index, scenario] of scenarios.entries()) {
  describe(scenario.name, () => {
    test(`check() raises ${scenario.codes.join(', ')}`, async () => {
      const d = (await measure()).diagnoses[index]!;
      const codes = d.findings.map((f) => f.code);
      for (const code of scenario.codes) assert.ok(codes.includes(code), `expected ${code}, got [${codes.join(', ')}]`);
    });
    for (const runner of RUNNERS) {
      test(`${runner.name}: observed outcome and error match the claim`, async (t) => {
        const m = await measure();
        const availability = m.availability.get(runner.name)!;
        if (!availability.available) return t.skip(availability.why);
        const seen = m.outcomes.get(runner.name)![index]!;
        t.diagnostic(`${availability.version}: ${seen.outcome}${seen.error ? ` — ${seen.error}` : ''}`);
        const checked = checkClaims(runner, scenario, index, m);
        if (checked.length === 0) t.skip(`no claim about '${runner.impactKey}' for ${scenario.codes.join(', ')}`);
      });
    }
  });
}
