/**
 * The check command's options and the inputs read from them (--allow, --ca, their environment variables):
 * shared by the CLI (src/cli.ts, src/cli-explain.ts) and the pre-connect step (src/cli-preconnect.ts), which
 * must accept exactly what the CLI accepts and read the same allow-list and CA bundles.
 */

import { quote } from './probe/errors.js';
import type { HttpMode } from './probe/http-plan.js';
import { FileInputError, readRegularFileSync } from './read-file.js';
import { escapeControl } from './render/format.js';
import { defaultRuleOptions, type RuleOptions } from './rules/types.js';

/** A mistake in how the tool was called: one line on stderr, exit 3. */
export class UsageError extends Error {}

const MAX_CA_BYTES = 10 * 1024 * 1024;
const PEM_CERT = '-----BEGIN CERTIFICATE-----';

export const CHECK_OPTIONS = {
  json: { type: 'boolean' },
  targets: { type: 'string' },
  ca: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  'warn-days': { type: 'string' },
  'crit-days': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  http: { type: 'boolean' },
  'no-http': { type: 'boolean' },
} as const;

export function intOption(flag: string, raw: string | undefined, min: number, max: number): number | null {
  if (raw === undefined) return null;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${quote(raw)}`);
  }
  return n;
}

export function httpMode(on: boolean | undefined, off: boolean | undefined): HttpMode {
  if (on && off) throw new UsageError('--http and --no-http contradict each other; give one');
  return on ? 'on' : off ? 'off' : 'auto';
}

export function ruleOptions(warnRaw: string | undefined, critRaw: string | undefined): Partial<RuleOptions> {
  const warn = intOption('--warn-days', warnRaw, 0, 3650);
  const crit = intOption('--crit-days', critRaw, 0, 3650);
  if (warn === null && crit === null) return {};
  const warnDays = warn ?? defaultRuleOptions.expiringWarnDays;
  const critDays = crit ?? Math.min(defaultRuleOptions.expiringCriticalDays, warnDays);
  if (critDays > warnDays) {
    throw new UsageError(`--crit-days (${critDays}) must not be more than --warn-days (${warnDays})`);
  }
  return { expiringWarnDays: warnDays, expiringCriticalDays: critDays };
}

export function oneLine(message: string): string {
  return escapeControl(message.split('\n')[0] ?? '');
}

/**
 * `--allow` and CERT_DOCTOR_ALLOW, through the bot's parser (parseAllowList, which src/config.ts uses too), so
 * both accept and refuse the same entries. Loaded on demand: the address-range data (ipaddr.js) is not for `--help`.
 */
export async function allowList(flags: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const { parseAllowList, parseCidr } = await import('./probe/address-policy.js');
  for (const cidr of flags) assertCidr(cidr, '--allow', parseCidr);
  const fromEnv = parseAllowList(env.CERT_DOCTOR_ALLOW);
  if (fromEnv.problems.length > 0) throw new UsageError(oneLine(fromEnv.problems[0]!));
  return [...flags, ...fromEnv.allow];
}

function assertCidr(value: string, source: string, parseCidr: (cidr: string) => unknown): void {
  try {
    parseCidr(value);
  } catch (err) {
    throw new UsageError(`${source}: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  }
}

/** The paths behind caBundles, for fix commands (CERT_DOCTOR_CA may hold the PEM itself: no path then). */
export function caFiles(files: string[], env: NodeJS.ProcessEnv): string[] {
  const fromEnv = env.CERT_DOCTOR_CA?.trim();
  return fromEnv && !fromEnv.includes(PEM_CERT) ? [...files, fromEnv] : files;
}

export async function caBundles(files: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const bundles: string[] = [];
  for (const file of files) bundles.push(await readCaFile(file, '--ca file'));
  const fromEnv = env.CERT_DOCTOR_CA?.trim();
  if (fromEnv) {
    bundles.push(fromEnv.includes(PEM_CERT) ? fromEnv : await readCaFile(fromEnv, 'CERT_DOCTOR_CA file'));
  }
  return bundles;
}

async function readCaFile(path: string, what: string): Promise<string> {
  let pem: string;
  try {
    pem = readRegularFileSync(path, { what, maxBytes: MAX_CA_BYTES }).toString('utf8');
  } catch (err) {
    throw err instanceof FileInputError ? new UsageError(oneLine(err.message)) : err;
  }
  if (!pem.includes(PEM_CERT)) throw new UsageError(`${what} ${quote(path)} holds no PEM certificate (${PEM_CERT})`);
  return pem;
}
