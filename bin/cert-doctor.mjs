#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx cert-doctor …` works right after `npm install`.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// Configuration may live in ./.env (DESIGN.md); real environment variables win over it.
if (existsSync('.env')) process.loadEnvFile('.env');
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
