#!/usr/bin/env node
// Runs the compiled program in dist/ (built by `npm install` / `npm ci` through the `prepare` script, or
// `npm run build`). TypeScript is never compiled at run time: start-up is part of the tool's speed.
// One-shot commands run dist/cli-bundle.cjs with a V8 code cache (bin/code-cache.mjs); the bot, a
// long-running process with worker threads, runs the ES module build (dist/cli.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const trace = process.env.CERT_DOCTOR_TRACE === '1';
const stamp = (step) => process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  ${step}\n`);
if (trace) {
  // src/trace.ts: the steps of a run in ms since the process started; here its first and last moments
  stamp('bin: starts');
  process.on('exit', () => stamp('exit'));
}
// Configuration may live in ./.env (DESIGN.md); real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');
const args = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
const BOT = new Set(['start', 'serve', 'shell']);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

let bundle;
if (!BOT.has(args[0]) && existsSync(`${dist}cli-bundle.cjs`)) {
  const { loadCliBundle } = await import('./code-cache.mjs');
  bundle = loadCliBundle(dist, args);
  if (trace) stamp(`bin: bundle loaded (code cache ${bundle.cache})`);
}
let cli = bundle;
if (!cli) {
  try {
    cli = await import('../dist/cli.js');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
    process.stderr.write('cert-doctor: dist/cli.js is missing; run `npm run build` (npm install runs it)\n');
    process.exit(3);
  }
}
process.exitCode = await cli.main(args, io);
bundle?.save();
