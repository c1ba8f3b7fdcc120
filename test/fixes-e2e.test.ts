/**
 * Issue 6 item 6 end to end: the CLI checks a real loopback server on a random (non-default) port with a
 * private CA given as `--ca "<file with a space>"`, and the fixes in its JSON name that host, port and SNI
 * and that file, quoted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-fixes-e2e-'));
const servers: Running[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface JsonFix {
  stack: string;
  steps: string[];
  command?: string;
}

test('fixes from a real check name the checked port, SNI and --ca file (leaf-only chain)', async () => {
  const chain = await makeChain();
  const server = await startTlsServer({ certPem: chain.leaf.pem, keyPem: chain.leaf.keyPem });
  servers.push(server);
  const caFile = join(dir, 'corp root.pem');
  writeFileSync(caFile, chain.root.pem);
  const r = await runCli([
    'check',
    `localhost:${server.port}`,
    '--allow',
    '127.0.0.0/8',
    '--ca',
    caFile,
    '--json',
    '--timeout',
    '5000',
  ]);
  const d = JSON.parse(r.stdout) as { findings: { code: string; fixes: JsonFix[] }[] };
  const fixesOf = (code: string) => {
    const f = d.findings.find((x) => x.code === code);
    assert.ok(f, `${code} missing: ${d.findings.map((x) => x.code).join(', ')}`);
    return f.fixes;
  };
  const generic = fixesOf('chain_incomplete').find((f) => f.stack === 'generic')!;
  assert.match(
    generic.command ?? '',
    new RegExp(`openssl verify -CAfile '${caFile}' -untrusted intermediate\\.crt leaf\\.crt$`),
  );
  assert.ok(
    generic.steps.some((s) =>
      s.includes(`openssl s_client -connect localhost:${server.port} -servername localhost -showcerts`),
    ),
    generic.steps.join('\n'),
  );
  // HTTP is not requested on an unknown port on this branch (issue 6 item 4), so hsts_missing's curl is
  // covered by fixes-commands.test.ts; the chain fix must still not speak of port 443 anywhere.
  const nginx = fixesOf('chain_incomplete').filter((f) => f.stack === 'nginx');
  assert.ok(nginx.length > 0);
  for (const f of nginx) assert.doesNotMatch([...f.steps, f.command ?? ''].join('\n'), /\b443\b/);
});
