#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx cert-doctor …` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
