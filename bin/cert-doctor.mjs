#!/usr/bin/env node
// Runs the compiled program in dist/ (built by `npm install` / `npm ci` through the `prepare` script, or
// `npm run build`). TypeScript is never compiled at run time: start-up is part of the tool's speed.
import { existsSync } from 'node:fs';

if (process.env.CERT_DOCTOR_TRACE === '1') {
  // src/trace.ts: the steps of a run in ms since the process started; here its first and last moments
  process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  bin: starts\n`);
  process.on('exit', () => process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  exit\n`));
}
// Configuration may live in ./.env (DESIGN.md); real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
  process.stderr.write('cert-doctor: dist/cli.js is missing; run `npm run build` (npm install runs it)\n');
  process.exit(3);
}
process.exitCode = await cli.main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
