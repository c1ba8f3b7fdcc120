/**
 * Test fixtures for whole-process runs of the program: a scratch install (what `npm install` leaves: bin/,
 * package.json, node_modules, dist/ built there) and a loopback TLS endpoint with its root in a PEM file.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Chain, makeChain } from './pki.js';
import { type Running, startTlsServer } from './servers.js';

const exec = promisify(execFile);
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN_FILES = ['bin/cert-doctor', 'bin/cert-doctor.mjs', 'bin/cert-doctor.cjs', 'bin/code-cache.cjs'];

/** Copies the program's entry files into `root` and builds dist/ there; node_modules is a link to ours. */
export async function scratchInstall(root: string): Promise<void> {
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const f of [...BIN_FILES, 'package.json']) copyFileSync(join(REPO, f), join(root, f));
  chmodSync(join(root, 'bin/cert-doctor'), 0o755);
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  await exec(process.execPath, [join(REPO, 'bin/build.mjs'), '--outdir', join(root, 'dist')], { timeout: 60_000 });
}

/** A loopback TLS server with a complete chain; its root is written to `dir`/root.pem for `--ca`. */
export async function servedChain(dir: string): Promise<{ chain: Chain; server: Running; caFile: string }> {
  const chain = await makeChain();
  const caFile = join(dir, 'root.pem');
  writeFileSync(caFile, chain.root.pem);
  const server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  return { chain, server, caFile };
}
