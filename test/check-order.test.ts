/**
 * Issue 12: a CLI check's first connection goes out before the work that only has to be ready when the server
 * answers (src/event-loop.ts afterPoll): the main handshake's loopback connect completes, and its ClientHello
 * is written, before the no-SNI handshake and the protocol scan open theirs. Read from CERT_DOCTOR_TRACE's
 * steps of a real CLI run against a loopback server (a name target, so both handshakes run).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { servedChain } from './support/install.js';
import type { Running } from './support/servers.js';

const exec = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-order-'));
let server: Running;
let caFile: string;

before(async () => {
  ({ server, caFile } = await servedChain(dir));
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the main handshake connects before the no-SNI handshake starts, run after run, with the same findings', async () => {
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  const script = `const { main } = await import(${JSON.stringify(cli)});
    process.exitCode = await main(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });`;
  const codes: string[] = [];
  for (let run = 0; run < 3; run++) {
    const r = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
      env: { ...process.env, CERT_DOCTOR_TRACE: '1', NO_COLOR: '1' },
      timeout: 30_000,
    }).catch((e: { stdout: string; stderr: string }) => e);
    const steps = r.stderr.split('\n').map((l) => l.replace(/^trace .* ms {2}/, ''));
    const at = (prefix: string) => steps.findIndex((s) => s.startsWith(prefix));
    const mainConnected = at('tls: connected (SNI localhost');
    const noSniStarts = at('tls: connecting (SNI null)');
    assert.ok(mainConnected >= 0 && noSniStarts >= 0, r.stderr);
    assert.ok(mainConnected < noSniStarts, `main connected after the no-SNI handshake started:\n${r.stderr}`);
    assert.ok(at('probe: resolved') < at('tls: connecting (SNI localhost'), r.stderr);
    const diagnosis = JSON.parse(r.stdout) as { verdict: string; findings: { code: string }[] };
    codes.push(`${diagnosis.verdict}: ${diagnosis.findings.map((f) => f.code).sort()}`);
  }
  assert.equal(new Set(codes).size, 1, `the same findings every run: ${codes.join(' | ')}`);
});
