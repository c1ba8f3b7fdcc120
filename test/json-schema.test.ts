/**
 * src/render/diagnosis.schema.json is the published contract of `cert-doctor check --json`: every golden
 * file, the JSON of real check() runs against loopback servers and the real CLI's stdout must validate, and
 * the schema must reject a document that breaks it (so a pass means something).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type CheckOptions, check } from '../src/check.js';
import { FINDING_CODES } from '../src/fixes/codes.js';
import type { ProbeErrorCode } from '../src/probe/types.js';
import { JSON_FORMAT, renderJson } from '../src/render/json.js';
import { rules } from '../src/rules/index.js';
import type { Diagnosis } from '../src/rules/types.js';
import { FIXTURES } from './support/diagnosis-fixtures.js';
import { type Chain, makeCert, makeChain } from './support/pki.js';
import {
  closedPort,
  type Route,
  type Running,
  startHttpServer,
  startPlainHttp,
  startRaw,
  startTlsServer,
  type TlsServerOptions,
} from './support/servers.js';
import { certificate12, message, record, serverHello } from './support/tls-bytes.js';

const root = new URL('../', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('src/render/diagnosis.schema.json', root), 'utf8'));
const GOLDEN = new URL('test/golden/', root);

/** RFC 3339 date-time, as Date#toISOString writes it (ajv without ajv-formats knows no formats). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const validate = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', (s: string) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile(schema);
})();

const DAY = 86_400_000;
const now = new Date();
// Set up before any test() is registered: a top-level await after one would let the file's `after` run first.
const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});
const healthy = await makeChain({}, now);

function assertValid(doc: unknown, what: string): void {
  const ok = validate(doc);
  assert.equal(ok, true, `${what}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 2)}`);
}

test('the finding code enum is exactly FINDING_CODES (a new code must be added to the schema too)', () => {
  assert.deepEqual(schema.$defs.findingCode.enum, [...FINDING_CODES]);
  for (const rule of rules) assert.ok(FINDING_CODES.includes(rule.meta.code as never), rule.meta.code);
});

test('the probe error code enum is exactly ProbeErrorCode', () => {
  // A Record over the union: tsc fails here when a ProbeErrorCode is added or removed.
  const all: Record<ProbeErrorCode, true> = {
    dns_not_found: true,
    dns_failed: true,
    address_blocked: true,
    connection_refused: true,
    connection_timeout: true,
    connection_reset: true,
    not_tls: true,
    handshake_failed: true,
    too_large: true,
    malformed: true,
    fetch_failed: true,
    bad_input: true,
    bug: true,
    client_cert_required: true,
    handshake_timeout: true,
  };
  assert.deepEqual([...schema.$defs.probeErrorCode.enum].sort(), Object.keys(all).sort());
});

test('the schema pins the format version json.ts writes', () => {
  assert.equal(schema.properties.format.const, JSON_FORMAT);
});

test('every golden JSON validates', () => {
  const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 5, files.join());
  for (const f of files) assertValid(JSON.parse(readFileSync(new URL(f, GOLDEN), 'utf8')), f);
});

test('fixture diagnoses validate with DER included', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    const doc = JSON.parse(renderJson(make(), { includeDer: true }));
    assert.equal(JSON.stringify(doc).includes('"der"'), doc.chain !== null && doc.chain.sent.length > 0, name);
    assertValid(doc, name);
  }
});

async function serve(opts: TlsServerOptions): Promise<Running> {
  const s = await startTlsServer({ headers: { 'Strict-Transport-Security': 'max-age=63072000' }, ...opts });
  open.push(s);
  return s;
}

const loopback = async () => [{ address: '127.0.0.1', family: 4 as const }];
const base: Omit<CheckOptions, 'now'> = { allow: ['127.0.0.0/8'], timeoutMs: 5_000, lookup: loopback };

interface Case {
  name: string;
  /** the finding that shows the case is what it claims to be */
  code: string;
  run: (chain: Chain) => Promise<Diagnosis>;
}

const runChain = async (chain: Chain, opts: Partial<TlsServerOptions>, ca = [chain.root.pem]) => {
  const s = await serve({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem, ...opts });
  return check(`localhost:${s.port}`, { ...base, now: () => now, extraCaPem: ca });
};

const rawServer = async (flight: Buffer[]) => {
  const s = await startRaw(record(22, Buffer.concat(flight)));
  open.push(s);
  return check(`localhost:${s.port}`, { ...base, now: () => now });
};

/** A name whose lookup fails with this resolver error code (no real DNS). */
const dnsFailure = (code: string) =>
  check('no-such-name.invalid', {
    now: () => now,
    timeoutMs: 3_000,
    lookup: async () => {
      throw Object.assign(new Error(`getaddrinfo ${code} no-such-name.invalid`), { code });
    },
  });

const CASES: Case[] = [
  { name: 'healthy', code: '', run: (c) => runChain(c, {}) },
  {
    name: 'expired leaf',
    code: 'cert_expired',
    run: async () => {
      const leaf = { notBefore: new Date(+now - 90 * DAY), notAfter: new Date(+now - 2 * DAY) };
      return runChain(await makeChain({ leaf }, now), {});
    },
  },
  { name: 'incomplete chain', code: 'chain_incomplete', run: (c) => runChain(c, { certPem: c.leaf.pem }) },
  {
    name: 'incomplete chain completed through AIA',
    code: 'chain_incomplete',
    run: async () => {
      const routes: Record<string, Route> = {};
      const aia = await startHttpServer(routes);
      open.push(aia);
      const chain = await makeChain({ leaf: { aiaIssuerUrl: `${aia.url}/inter.der` } }, now);
      routes['/inter.der'] = { body: Buffer.from(chain.intermediates[0]!.der) };
      return runChain(chain, { certPem: chain.leaf.pem });
    },
  },
  {
    name: 'root sent along, not trusted',
    code: 'chain_untrusted_root',
    run: (c) => runChain(c, { certPem: c.fullchainPem + c.root.pem }, []),
  },
  {
    name: 'self-signed',
    code: 'cert_self_signed',
    run: async () => {
      const leaf = await makeCert({ subject: 'CN=localhost', dnsNames: ['localhost'], notAfter: new Date(+now + DAY) });
      const s = await serve({ certPem: leaf.pem, keyPem: leaf.keyPem });
      return check(`localhost:${s.port}`, { ...base, now: () => now });
    },
  },
  {
    name: 'hostname mismatch',
    code: 'hostname_mismatch',
    run: async () => runChain(await makeChain({ leaf: { dnsNames: ['other.example'], ipAddresses: [] } }, now), {}),
  },
  {
    name: 'mTLS required',
    code: 'client_cert_required',
    run: (c) => runChain(c, { maxVersion: 'TLSv1.2', clientCert: { ca: [c.root.pem] } }),
  },
  {
    name: 'connection refused',
    code: 'connection_refused',
    run: async () => check(`127.0.0.1:${await closedPort()}`, { ...base, now: () => now }),
  },
  {
    name: 'not TLS',
    code: 'not_tls',
    run: async () => {
      const s = await startPlainHttp();
      open.push(s);
      return check(`127.0.0.1:${s.port}`, { ...base, now: () => now });
    },
  },
  {
    name: 'handshake failed after the certificate (partial chain)',
    code: 'handshake_failed',
    run: async (c) =>
      rawServer([serverHello(), certificate12([Buffer.from(c.leaf.der)]), message(14, Buffer.alloc(0))]),
  },
  {
    name: 'malformed certificate sent',
    code: 'handshake_failed',
    run: () =>
      rawServer([serverHello(), certificate12([Buffer.from([0x30, 0x03, 1, 2, 3])]), message(14, Buffer.alloc(0))]),
  },
  {
    name: 'address blocked',
    code: 'address_blocked',
    run: () => check('127.0.0.1:443', { now: () => now, timeoutMs: 5_000 }),
  },
  { name: 'dns not found (injected lookup)', code: 'dns_not_found', run: () => dnsFailure('ENOTFOUND') },
  { name: 'dns failed (SERVFAIL, injected lookup)', code: 'dns_not_found', run: () => dnsFailure('ESERVFAIL') },
];

/** Branches of the schema the real runs must reach between them, so their passing covers those branches. */
const BRANCHES: Record<string, RegExp> = {
  'partial result of a failed step': /"partial": \{/,
  'malformed sent certificate': /"malformed": true/,
  'client certificate request': /"clientCertRequest": \{/,
  'skipped step': /"status": "skipped"/,
  'probe error': /"status": "error"/,
  'no chain at all': /"chain": null/,
  'built chain with links': /"link": \{/,
  'DER included': /"der": "/,
  'AIA fetch': /"fetches": \[\s*\{/,
};
const reached = new Set<string>();

for (const c of CASES) {
  test(`check() JSON validates: ${c.name}`, async () => {
    const d = await c.run(healthy);
    const codes = d.findings.map((f) => f.code);
    if (c.code === '') assert.equal(d.verdict, 'ok', codes.join());
    else assert.ok(codes.includes(c.code), `${c.code} in [${codes.join()}]`);
    for (const includeDer of [false, true]) {
      const text = renderJson(d, { includeDer });
      assertValid(JSON.parse(text), c.name);
      for (const [branch, pattern] of Object.entries(BRANCHES)) if (pattern.test(text)) reached.add(branch);
    }
  });
}

test('the real runs reach every branch of the schema listed', () => {
  assert.deepEqual([...reached].sort(), Object.keys(BRANCHES).sort());
});

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real executable in a child process (async: the loopback server answers from this process). */
function spawnCli(args: string[]): Promise<Spawned> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CERT_DOCTOR_')));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [new URL('bin/cert-doctor.mjs', root).pathname, ...args],
      { cwd: new URL('.', root).pathname, env: { ...env, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('the CLI stdout of `cert-doctor check … --json` validates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-schema-'));
  const ca = join(dir, 'root.pem');
  writeFileSync(ca, healthy.root.pem);
  const s = await serve({ certPem: healthy.leaf.pem, keyPem: healthy.leaf.keyPem });
  const r = await spawnCli(['check', `127.0.0.1:${s.port}`, '--json', '--allow', '127.0.0.0/8', '--ca', ca]);
  assert.equal(r.code, 2, r.stderr || r.stdout);
  const doc = JSON.parse(r.stdout);
  assert.ok(
    doc.findings.some((f: { code: string }) => f.code === 'chain_incomplete'),
    r.stdout,
  );
  assertValid(doc, 'CLI stdout');
});

const DELETE = Symbol('delete');
type Path = (string | number)[];

/** Documents that break the contract in one place each: a wrong value at `path`, or the key removed. */
const MUTATIONS: [name: string, path: Path, value: unknown][] = [
  ['unknown verdict', ['verdict'], 'fine'],
  ['finding without code', ['findings', 0, 'code'], DELETE],
  ['unknown finding code', ['findings', 0, 'code'], 'chain_broken'],
  ['unknown severity', ['findings', 0, 'severity'], 'high'],
  ['certIndex below -1', ['findings', 0, 'certIndex'], -2],
  ['client effect unknown', ['findings', 0, 'clients', 0, 'effect'], 'breaks'],
  ['unknown top-level field', ['extra'], 1],
  ['missing results', ['results'], DELETE],
  ['wrong format version', ['format'], 'cert-doctor.diagnosis/2'],
  ['unknown probe error code', ['protocols'], { status: 'error', code: 'oops', message: 'x' }],
  ['attempt with an unknown status', ['http'], { status: 'pending' }],
  ['completed handshake with a stray field', ['endpoints', 0, 'handshake', 'stray'], true],
  ['built cert without its link', ['chain', 'built', 'certs', 0, 'link'], DELETE],
  ['sha256 in upper case', ['chain', 'sent', 0, 'sha256'], 'A'.repeat(64)],
  ['checkedAt not a date-time', ['checkedAt'], 'yesterday'],
];

function mutated(doc: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(doc);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}

test('the schema rejects documents that break the contract (it is not vacuous)', () => {
  const good: unknown = JSON.parse(readFileSync(new URL('chain-incomplete.json', GOLDEN), 'utf8'));
  assertValid(good, 'baseline');
  for (const [name, path, value] of MUTATIONS) {
    assert.equal(validate(mutated(good, path, value)), false, `accepted: ${name}`);
  }
});

test("a completed http step says 'completed' in status; the response's code is httpStatus", () => {
  const good: unknown = JSON.parse(readFileSync(new URL('chain-incomplete.json', GOLDEN), 'utf8'));
  const response = { date: null, server: null, strictTransportSecurity: null, receivedAt: '2026-03-01T12:00:00.000Z' };
  assertValid(mutated(good, ['http'], { status: 'completed', httpStatus: 200, ...response }), 'completed http');
  assert.equal(validate(mutated(good, ['http'], { status: 200, ...response })), false, 'the HTTP code as the status');
});
