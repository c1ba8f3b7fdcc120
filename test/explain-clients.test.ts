/**
 * The catalogue's patterns against what real clients on this machine print: loopback TLS servers with an expired,
 * untrusted, wrong-host, incomplete-chain and self-signed certificate; node, python (ssl and requests), curl,
 * openssl s_client, java and git fetch them (test/support/clients.ts runners, plus requests and git here); each
 * printed error goes through `explain`, which must name the client and the scenario's finding code. Where the error
 * names host:port (requests, git), the live check runs against the same server and must confirm that code. Then
 * `/cert explain` end to end: in a channel, in a thread, and in the shell bot.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { routeCommand } from '../commands/router.js';
import { chatCore } from '../src/chat/core.js';
import { check } from '../src/check.js';
import { endpointOf, explain } from '../src/explain/explain.js';
import { explanationJson } from '../src/render/explain-json.js';
import { makeContext } from './support/chat.js';
import { runCli } from './support/cli-io.js';
import { type ClientName, type ClientOutcome, LOOPBACK, RUNNERS, runClients } from './support/clients.js';
import { schemaErrors, validateExplanation } from './support/explanation-schema.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';
import { driveShell } from './support/shell.js';

const DAY = 86_400_000;
const now = new Date();
const ago = (days: number) => new Date(+now - days * DAY);

interface Scenario {
  name: string;
  code: string;
  certPem: string;
  keyPem: string;
  /** the only root clients (and the live check) trust */
  caPem: string;
}

const unrelatedRoot = async () =>
  (await makeChain({ root: { subject: 'CN=Unrelated Root CA,O=elsewhere' }, intermediates: [] }, now)).root.pem;
const served = (c: Chain, pem: string, code: string, name: string, caPem = c.root.pem): Scenario => ({
  name,
  code,
  certPem: pem,
  keyPem: c.leaf.keyPem,
  caPem,
});

async function scenarios(): Promise<Scenario[]> {
  const expired = await makeChain({ leaf: { notBefore: ago(90), notAfter: ago(2) } }, now);
  const untrusted = await makeChain({}, now);
  const wrongHost = await makeChain({ leaf: { dnsNames: ['other.test'], ipAddresses: [] } }, now);
  const incomplete = await makeChain({}, now);
  const self = await makeCert({ subject: 'CN=localhost', dnsNames: ['localhost'], notBefore: ago(1) });
  return [
    served(expired, expired.fullchainPem, 'cert_expired', 'expired'),
    served(
      untrusted,
      pemOf(untrusted.leaf, ...untrusted.intermediates, untrusted.root),
      'chain_untrusted_root',
      'untrusted root',
      await unrelatedRoot(),
    ),
    served(wrongHost, wrongHost.fullchainPem, 'hostname_mismatch', 'wrong host'),
    served(incomplete, incomplete.leaf.pem, 'chain_incomplete', 'incomplete chain'),
    {
      name: 'self-signed',
      code: 'cert_self_signed',
      certPem: self.pem,
      keyPem: self.keyPem,
      caPem: await unrelatedRoot(),
    },
  ];
}

/** What each client is expected to be recognised as. */
const CLIENT_KEY: Record<ClientName | 'requests' | 'git', string> = {
  node: 'node',
  python: 'python',
  curl: 'curl',
  openssl: 'openssl',
  java: 'java',
  requests: 'python',
  git: 'git',
};

function exec(file: string, args: string[], input: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; missing: boolean }>((resolve) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, missing: e.code === 'ENOENT' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, missing: false });
    });
  });
}

/** requests.get(url, verify=cafile) per job; prints str() of the exception as a user's log shows it. */
const REQUESTS = `
import json, sys
try:
    import requests
except ImportError:
    print('MISSING'); sys.exit(0)
for job in json.loads(sys.stdin.read()):
    try:
        requests.get(job['url'], verify=job['caFile'], timeout=10)
        print(json.dumps({'outcome': 'works', 'error': ''}))
    except Exception as e:
        print(json.dumps({'outcome': 'fails', 'error': f'{type(e).__module__}.{type(e).__name__}: {e}'}))
`;

interface Job {
  url: string;
  caFile: string;
}

async function runRequests(jobs: Job[]): Promise<ClientOutcome[] | string> {
  const r = await exec('python3', ['-c', REQUESTS], JSON.stringify(jobs), {});
  if (r.missing) return 'python3 is not installed';
  if (r.stdout.startsWith('MISSING')) return 'python requests is not installed';
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ClientOutcome);
}

async function runGit(jobs: Job[]): Promise<ClientOutcome[] | string> {
  const out: ClientOutcome[] = [];
  for (const j of jobs) {
    const env = { GIT_SSL_CAINFO: j.caFile, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() };
    const r = await exec('git', ['ls-remote', `${j.url}repo.git`], '', env);
    if (r.missing) return 'git is not installed';
    out.push(r.code === 0 ? { outcome: 'works', error: '' } : { outcome: 'fails', error: r.stderr.trim() });
  }
  return out;
}

interface Measured {
  list: Scenario[];
  ports: number[];
  outcomes: Map<string, ClientOutcome[] | string>;
}

const open: Running[] = [];
let dir = '';
let measured: Measured;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cert-doctor-explain-'));
  const list = await scenarios();
  const ports: number[] = [];
  for (const s of list) {
    const running = await startTlsServer({ certPem: s.certPem, keyPem: s.keyPem });
    open.push(running);
    ports.push(running.port);
  }
  const available = [];
  const outcomes = new Map<string, ClientOutcome[] | string>();
  for (const r of RUNNERS) {
    const a = await r.availability();
    if (a.available) available.push(r);
    else outcomes.set(r.name, a.why);
  }
  const endpoints = list.map((s, i) => ({ host: 'localhost', port: ports[i]!, caPem: s.caPem }));
  const jobs = await Promise.all(
    list.map(async (s, i) => {
      const caFile = join(dir, `ca-${i}.pem`);
      await writeFile(caFile, s.caPem);
      return { url: `https://localhost:${ports[i]}/`, caFile };
    }),
  );
  const [real, requests, git] = await Promise.all([runClients(endpoints, available), runRequests(jobs), runGit(jobs)]);
  for (const [name, o] of real) outcomes.set(name, o);
  outcomes.set('requests', requests);
  outcomes.set('git', git);
  measured = { list, ports, outcomes };
});

after(async () => {
  await Promise.all(open.map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The live check as the client saw it: same root, the name pinned to loopback. */
const liveCheck = (caPem: string) => (endpoint: string) =>
  check(endpoint, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [caPem],
    timeoutMs: 10_000,
    lookup: async () => [{ address: LOOPBACK, family: 4 as const }],
  });

const SCENARIO_NAMES = ['expired', 'untrusted root', 'wrong host', 'incomplete chain', 'self-signed'];

describe('real clients: their errors are recognised and explained', () => {
  for (const client of Object.keys(CLIENT_KEY) as (keyof typeof CLIENT_KEY)[]) {
    for (const [index, scenario] of SCENARIO_NAMES.entries()) {
      test(`${client} × ${scenario}`, async (t) => {
        const got = measured.outcomes.get(client);
        if (typeof got === 'string' || got === undefined) return t.skip(got ?? `${client} did not run`);
        const s = measured.list[index]!;
        const seen = got[index]!;
        assert.equal(seen.outcome, 'fails', `${client} connected to the ${scenario} server`);
        t.diagnostic(seen.error.slice(0, 300));
        const names = client === 'requests' || client === 'git';
        const x = await explain(seen.error, names ? { check: liveCheck(s.caPem) } : {});
        assert.equal(x.client?.key, CLIENT_KEY[client], `client for: ${seen.error}`);
        if (client === 'requests') assert.equal(x.client?.library, 'requests');
        const codes = x.matches.map((m) => m.code);
        assert.ok(codes.includes(s.code as (typeof codes)[number]), `${s.code} not in [${codes}] for: ${seen.error}`);
        if (names) {
          assert.deepEqual(x.target, { host: 'localhost', port: measured.ports[index] }, 'target');
          assert.equal(x.checked, endpointOf(x.target!));
          assert.equal(x.matches.find((m) => m.code === s.code)?.confirmed, true, `the live check confirms ${s.code}`);
          const doc = JSON.parse(JSON.stringify(explanationJson(x)));
          assert.equal(validateExplanation(doc), true, `schema: ${schemaErrors()}`);
        }
      });
    }
  }
});

/** A requests-style error naming 127.0.0.1:port (the chat core resolves names itself; an IP needs no lookup). */
const requestsError = (port: number) =>
  `requests.exceptions.SSLError: HTTPSConnectionPool(host='127.0.0.1', port=${port}): Max retries exceeded with url: / (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))`;

test('/cert explain in a channel posts the explanation with the live check; in a thread it replies there', async () => {
  const port = measured.ports[0]!;
  const core = chatCore({ allow: ['127.0.0.0/8'], probeTimeoutMs: 5_000 }, [measured.list[0]!.caPem]);
  const { ctx, port: chat, db } = makeContext({ text: `explain ${requestsError(port)}`, core });
  await routeCommand(ctx);
  assert.deepEqual(chat.trace, ['post:explanation']);
  const e = chat.last('explanation').explanation;
  assert.equal(e.checked, `127.0.0.1:${port}`);
  assert.equal(e.matches[0]?.code, 'cert_expired');
  assert.equal(e.matches[0]?.confirmed, true);
  db.close();

  const thread = { channel: 'C1', ts: '1700000000.000001' };
  const inThread = makeContext({ text: `<@U0BOT> explain \`\`\`${requestsError(port)}\`\`\``, core, thread });
  await routeCommand(inThread.ctx);
  assert.deepEqual(inThread.port.trace, ['reply:explanation']);
  assert.deepEqual(inThread.port.calls[0]?.op === 'reply' && inThread.port.calls[0].parent, thread);
  inThread.db.close();

  const empty = makeContext({ text: 'explain' });
  await routeCommand(empty.ctx);
  assert.deepEqual(empty.port.trace, ['ephemeral:notice']);
  assert.equal(empty.port.last('notice').code, 'bad_input');
  empty.db.close();
});

test('shell bot: "explain …" answers with the causes and what the server shows', async () => {
  const shell = driveShell({ extraCaPem: [measured.list[0]!.caPem] });
  const out = await shell.send(`explain ${requestsError(measured.ports[0]!)}`, 30_000);
  assert.match(out, /Client: Python/);
  assert.match(out, /\[cert_expired\] \(server's fault\) ✔ seen on the server/);
  assert.match(out, new RegExp(`The server at 127\\.0\\.0\\.1:${measured.ports[0]}: CRITICAL`));
  await shell.end();
});

test('CLI: explain runs the live check against the host the text names (--allow, --ca) and exits with its verdict', async () => {
  const dir2 = await mkdtemp(join(tmpdir(), 'cert-doctor-explain-cli-'));
  try {
    const ca = join(dir2, 'ca.pem');
    await writeFile(ca, measured.list[0]!.caPem);
    const args = ['explain', '--allow', '127.0.0.0/8', '--ca', ca, '--timeout', '10000'];
    const text = await runCli([...args, requestsError(measured.ports[0]!)]);
    assert.equal(text.code, 2, `critical: ${text.stderr}`);
    assert.match(text.stdout, /\[cert_expired\] \(server's fault\) ✔ seen on the server/);
    const json = await runCli([...args, '--json', requestsError(measured.ports[0]!)]);
    const doc = JSON.parse(json.stdout);
    assert.equal(validateExplanation(doc), true, `schema: ${schemaErrors()}`);
    assert.equal(doc.checked, `127.0.0.1:${measured.ports[0]}`);
    assert.equal(doc.diagnosis.headline, 'cert_expired');
    const skipped = await runCli(['explain', '--no-check', requestsError(measured.ports[0]!)]);
    assert.equal(skipped.code, 0);
    assert.match(skipped.stdout, /Not checked \(--no-check was given\)/);
  } finally {
    await rm(dir2, { recursive: true, force: true });
  }
});
