/**
 * Issue 12, the installed command: bin/cert-doctor (package.json "bin") is a POSIX sh launcher that runs
 * bin/cert-doctor.mjs with NODE_EXTRA_CA_CERTS moved aside (Node.js would parse that bundle before any
 * JavaScript runs). It must find dist/ through symlinks, pass every argument through untouched, keep exit
 * codes, keep the variable for the bot, and the one part of a check that used Node's CA store — an https://
 * AIA/OCSP/CRL fetch — must still trust the extra CAs. A fresh install copy is built, as in startup.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchSecureContext, MOVED_VARIABLE } from '../src/probe/node-extra-ca.js';
import { scratchInstall } from './support/install.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const exec = promisify(execFile);
const _repo = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
/** the launcher reached through two symlinks in other directories, one relative, one absolute */
let linked: string;
let fakeNodeDir: string;
let extraCaFile: string;
let aiaServer: Server;
const aiaRequests: string[] = [];
let endpoint: Running;
let endpointChain: Chain;
let endpointRootFile: string;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'cert-doctor-launcher-')));
  await scratchInstall(join(dir, 'install'));
  // like `npm link`: <prefix>/bin/cert-doctor → ../lib/node_modules/cert-doctor/bin/cert-doctor, then a user's link to that
  mkdirSync(join(dir, 'prefix/bin'), { recursive: true });
  symlinkSync('../../install/bin/cert-doctor', join(dir, 'prefix/bin/cert-doctor'));
  mkdirSync(join(dir, 'home/bin'), { recursive: true });
  linked = join(dir, 'home/bin/cd');
  symlinkSync(join(dir, 'prefix/bin/cert-doctor'), linked);
  // a `node` that reports what it was given: arguments NUL-separated, then the two variables
  fakeNodeDir = join(dir, 'fake-node');
  mkdirSync(fakeNodeDir);
  writeFileSync(
    join(fakeNodeDir, 'node'),
    `#!/bin/sh\nprintf '%s\\0' "$@"\nprintf 'NODE_EXTRA_CA_CERTS=%s\\0' "\${NODE_EXTRA_CA_CERTS-<unset>}"\nprintf '${MOVED_VARIABLE}=%s\\0' "\${${MOVED_VARIABLE}-<unset>}"\nexit 7\n`,
  );
  chmodSync(join(fakeNodeDir, 'node'), 0o755);

  // The AIA server speaks https with a certificate from a CA only the NODE_EXTRA_CA_CERTS file holds.
  const aiaCa = await makeChain();
  extraCaFile = join(dir, 'extra-ca.pem');
  writeFileSync(extraCaFile, aiaCa.root.pem);
  const inter: { der?: Uint8Array } = {};
  aiaServer = createServer({ cert: aiaCa.fullchainPem, key: aiaCa.leaf.keyPem }, (req, res) => {
    aiaRequests.push(req.url ?? '');
    if (req.url === '/int.der' && inter.der) res.writeHead(200, { 'content-type': 'application/pkix-cert' });
    else res.writeHead(404);
    res.end(req.url === '/int.der' ? inter.der : undefined);
  });
  aiaServer.on('tlsClientError', () => {});
  await new Promise<void>((ok) => aiaServer.listen(0, '127.0.0.1', ok));
  const aiaPort = (aiaServer.address() as AddressInfo).port;
  // The endpoint sends its leaf only; the intermediate is at an https:// caIssuers URL.
  endpointChain = await makeChain({ leaf: { aiaIssuerUrl: `https://localhost:${aiaPort}/int.der` } });
  inter.der = endpointChain.intermediates[0]!.der;
  endpoint = await startTlsServer({ certPem: endpointChain.leaf.pem, keyPem: endpointChain.leaf.keyPem });
  endpointRootFile = join(dir, 'endpoint-root.pem');
  writeFileSync(endpointRootFile, endpointChain.root.pem);
});

after(async () => {
  await endpoint?.close();
  aiaServer?.closeAllConnections();
  await new Promise((ok) => (aiaServer ? aiaServer.close(ok) : ok(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cleanEnv(over: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('CERT_DOCTOR_') || k.startsWith('SLACK_')) delete env[k];
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return exec(cmd, args, { cwd: dir, env, timeout: 30_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

/** The launcher with the reporting `node` first on PATH: what it exec'd, with which arguments and variables. */
async function launched(args: string[], over: Record<string, string | undefined> = {}) {
  const env = cleanEnv({ PATH: `${fakeNodeDir}:${process.env.PATH}`, ...over });
  const r = await run(linked, args, env);
  const parts = r.stdout.split('\0').slice(0, -1);
  const vars = Object.fromEntries(
    parts.slice(-2).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
  return { code: r.code, script: parts[0], args: parts.slice(1, -2), vars };
}

const awkward = ['check', 'a b', `it's "quoted"`, '', 'new\nline', '*', '$HOME', '--', '-x', ' lead and trail '];

test('through symlinks in other directories it runs the real bin/cert-doctor.cjs with every argument intact', async () => {
  const r = await launched(awkward);
  assert.equal(realpathSync(r.script!), join(dir, 'install/bin/cert-doctor.cjs'));
  assert.deepEqual(r.args, awkward);
  assert.equal(r.code, 7, "node's exit status is the command's");
});

test('NODE_EXTRA_CA_CERTS is moved aside for a check, kept for the bot and under --use-openssl-ca', async () => {
  const moved = await launched(['check', 'example.com'], { NODE_EXTRA_CA_CERTS: extraCaFile });
  assert.deepEqual(moved.vars, { NODE_EXTRA_CA_CERTS: '<unset>', [MOVED_VARIABLE]: extraCaFile });
  for (const bot of ['start', 'serve', 'shell']) {
    const kept = await launched([bot], { NODE_EXTRA_CA_CERTS: extraCaFile });
    assert.deepEqual(kept.vars, { NODE_EXTRA_CA_CERTS: extraCaFile, [MOVED_VARIABLE]: '<unset>' }, bot);
  }
  const openssl = await launched(['check', 'example.com'], {
    NODE_EXTRA_CA_CERTS: extraCaFile,
    NODE_OPTIONS: '--use-openssl-ca',
  });
  assert.deepEqual(openssl.vars, { NODE_EXTRA_CA_CERTS: extraCaFile, [MOVED_VARIABLE]: '<unset>' });
  const unset = await launched(['check', 'example.com']);
  assert.deepEqual(unset.vars, { NODE_EXTRA_CA_CERTS: '<unset>', [MOVED_VARIABLE]: '<unset>' });
});

test('with the real node: exit codes 0, 2 and 3 come through, and a bad argument is quoted whole', async () => {
  const env = cleanEnv({ NODE_EXTRA_CA_CERTS: extraCaFile });
  const help = await run(linked, ['--help'], env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^cert-doctor — /);
  const bad = await run(linked, ['check', `a "b" c'd`], env);
  assert.equal(bad.code, 3);
  assert.equal(bad.stderr, `cert-doctor: spaces are not allowed inside a target in "a \\"b\\" c'd"\n`);
  // no --ca: the endpoint's private root is untrusted, a critical finding
  const untrusted = await run(linked, ['check', `127.0.0.1:${endpoint.port}`, '--allow', '127.0.0.0/8', '--json'], env);
  assert.equal(untrusted.code, 2, untrusted.stderr);
  assert.equal(JSON.parse(untrusted.stdout).verdict, 'critical');
});

/** chain_incomplete's verdict on the https:// AIA fetch, and the fetch as the chain report gives it. */
async function aiaOutcome(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = await run(
    cmd,
    [...args, 'check', `127.0.0.1:${endpoint.port}`, '--allow', '127.0.0.0/8', '--ca', endpointRootFile, '--json'],
    env,
  );
  const d = JSON.parse(r.stdout) as {
    findings: { code: string; params: Record<string, unknown> }[];
    chain: { built: { aia: { fetches: { url: string; status: string; error: string | null }[] } } };
  };
  const incomplete = d.findings.find((f) => f.code === 'chain_incomplete');
  return {
    codes: d.findings.map((f) => f.code).sort(),
    aiaCompleted: incomplete?.params.aiaCompleted,
    fetches: d.chain.built.aia.fetches.map((f) => `${f.status}${f.error ? ` ${f.error.split(':')[0]}` : ''}`),
  };
}

test('an https:// AIA fetch still trusts the CAs in NODE_EXTRA_CA_CERTS, as with plain node', async () => {
  const before = aiaRequests.length;
  const viaLauncher = await aiaOutcome(linked, [], cleanEnv({ NODE_EXTRA_CA_CERTS: extraCaFile }));
  assert.equal(viaLauncher.aiaCompleted, true, JSON.stringify(viaLauncher));
  assert.deepEqual(viaLauncher.fetches, ['ok']);
  assert.ok(aiaRequests.length > before, 'the intermediate came from the https AIA server');
  const plainNode = await aiaOutcome(
    process.execPath,
    [join(dir, 'install/bin/cert-doctor.mjs')],
    cleanEnv({ NODE_EXTRA_CA_CERTS: extraCaFile }),
  );
  assert.deepEqual(plainNode, viaLauncher, 'the same findings as node with NODE_EXTRA_CA_CERTS loaded at start-up');
  // without the extra CA the same fetch fails verification: the variable is what made it succeed
  const without = await aiaOutcome(linked, [], cleanEnv({}));
  assert.equal(without.aiaCompleted, false, JSON.stringify(without));
  assert.deepEqual(without.fetches, ['error fetch_failed']);
});

test('fetchSecureContext: only for a moved variable; an unreadable bundle warns and falls back to the default store', async () => {
  assert.equal(fetchSecureContext({}), undefined);
  assert.equal(fetchSecureContext({ [MOVED_VARIABLE]: extraCaFile, NODE_EXTRA_CA_CERTS: extraCaFile }), undefined);
  assert.ok(fetchSecureContext({ [MOVED_VARIABLE]: extraCaFile }));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const missing = join(dir, 'missing.pem');
    assert.equal(fetchSecureContext({ [MOVED_VARIABLE]: missing }), undefined);
    await new Promise((ok) => setImmediate(ok));
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.startsWith(`Ignoring extra certs from \`${missing}\`, load failed:`), warnings[0]);
  } finally {
    process.off('warning', onWarning);
  }
});
