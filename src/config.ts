/**
 * Configuration from the environment (names fixed by DESIGN.md). `loadConfig` is pure over the env it is
 * given; `readEnv` adds `.env` (dotenv) at the entry point. Validation lists every problem, one line each,
 * and never echoes a token's value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { WORKER_PRIORITIES, type WorkerPriority } from './pool/priority.js';
import { parseAllowList } from './probe/address-policy.js';

// moved to the address policy (a one-shot check reads it before the bot's configuration module loads)
export { parseAllowList };

export type Mode = 'socket' | 'http' | 'shell';

export interface LimitsConfig {
  /** checks each user may start per minute (token bucket refill rate and burst) */
  checksPerMinute: number;
  /** probes allowed to run at once across all users; more are refused, not queued */
  maxConcurrentProbes: number;
}

export interface Config {
  mode: Mode;
  slack: {
    botToken: string | null;
    signingSecret: string | null;
    appToken: string | null;
    /** Web API base URL (a staging fake), e.g. http://127.0.0.1:4000/api/ */
    apiUrl: string | null;
    /** HTTP receiver port (HTTP mode) */
    port: number;
    /**
     * interface the HTTP receiver binds (CERT_DOCTOR_HOST). Default 127.0.0.1: Slack only calls HTTPS URLs,
     * so a TLS-terminating proxy sits in front; set 0.0.0.0 (or ::) when it is on another host or the bot
     * runs in a container
     */
    host: string;
  };
  /** SQLite file, or ':memory:' */
  dbPath: string;
  /** CIDRs the address policy lets through */
  allow: string[];
  /** PEM bundle file of extra trust anchors */
  caPath: string | null;
  /** how often a watched endpoint is re-checked, ms */
  sweepEveryMs: number;
  /** endpoints one channel may watch (CERT_DOCTOR_WATCH_CAP, default 500) */
  watchCap: number;
  /** CERT_DOCTOR_DEMO=1: sweeps every 5 s and a clock that runs a day per second (README, "Reminders") */
  demo: boolean;
  logLevel: LogLevel;
  /** overall probe deadline for chat-triggered checks, ms */
  probeTimeoutMs: number;
  /** worker threads that run checks (CERT_DOCTOR_WORKERS); null = from the CPU count (src/pool) */
  workers: number | null;
  /** CPU priority of those threads (CERT_DOCTOR_WORKER_PRIORITY; src/pool/priority.ts), default `idle` */
  workerPriority: WorkerPriority;
  /** sweep checks each sweep thread runs at once (CERT_DOCTOR_SWEEP_PER_THREAD; src/pool SWEEP_PER_THREAD) */
  sweepPerThread: number;
  limits: LimitsConfig;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_DB_PATH = './data/cert-doctor.db';

/** A configuration that cannot run; `problems` has one line per problem. */
export class ConfigError extends Error {
  readonly code = 'bad_config';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** The process environment plus `.env` in `cwd` when present (the environment wins, as dotenv does). */
export function readEnv(env: Env = process.env, cwd = process.cwd()): Env {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return { ...env };
  // required here, not imported: a CLI check reads its allow-list through this module and needs no dotenv
  const dotenv = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
  const parsed = dotenv.parse(readFileSync(file, 'utf8'));
  return { ...parsed, ...env };
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse "6h", "30s", "15m", "1d", "500ms", "1h30m" into ms; null when it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (!/^(\d+(ms|s|m|h|d))+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNITS_MS[m[2]!]!;
  return total > 0 ? total : null;
}

/** Load and validate. Throws ConfigError listing every problem. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const v = env[name]?.trim();
    return v ? v : null;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
      return def;
    }
    return n;
  };

  const botToken = str('SLACK_BOT_TOKEN');
  const appToken = str('SLACK_APP_TOKEN');
  const signingSecret = str('SLACK_SIGNING_SECRET');
  checkTokenShape(problems, 'SLACK_BOT_TOKEN', botToken, 'xoxb-');
  checkTokenShape(problems, 'SLACK_APP_TOKEN', appToken, 'xapp-');
  const mode = pickMode(problems, { botToken, appToken, signingSecret });

  const apiUrl = str('SLACK_API_URL');
  if (apiUrl !== null && !isHttpUrl(apiUrl)) {
    problems.push(`SLACK_API_URL must be an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  }

  const { allow, problems: allowProblems } = parseAllowList(str('CERT_DOCTOR_ALLOW'));
  problems.push(...allowProblems);

  const sweepRaw = str('CERT_DOCTOR_SWEEP_EVERY') ?? '6h';
  const sweepEveryMs = parseDuration(sweepRaw);
  if (sweepEveryMs === null) {
    problems.push(`CERT_DOCTOR_SWEEP_EVERY must be a duration like 6h, 15m or 30s, got ${JSON.stringify(sweepRaw)}`);
  }

  const priorityRaw = (str('CERT_DOCTOR_WORKER_PRIORITY') ?? 'idle').toLowerCase();
  if (!WORKER_PRIORITIES.includes(priorityRaw as WorkerPriority)) {
    problems.push(
      `CERT_DOCTOR_WORKER_PRIORITY must be one of ${WORKER_PRIORITIES.join(', ')}, got ${JSON.stringify(priorityRaw)}`,
    );
  }

  const logRaw = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logRaw as LogLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logRaw)}`);
  }

  const config: Config = {
    mode: mode ?? 'shell',
    slack: {
      botToken,
      signingSecret,
      appToken,
      apiUrl,
      port: int('PORT', 3000, 0, 65535),
      host: bindHost(problems, str('CERT_DOCTOR_HOST')),
    },
    dbPath: str('CERT_DOCTOR_DB') ?? DEFAULT_DB_PATH,
    allow,
    caPath: str('CERT_DOCTOR_CA'),
    sweepEveryMs: sweepEveryMs ?? 6 * 3_600_000,
    watchCap: int('CERT_DOCTOR_WATCH_CAP', 500, 1, 100_000),
    demo: /^(1|true|yes|on)$/i.test(str('CERT_DOCTOR_DEMO') ?? ''),
    logLevel: LOG_LEVELS.includes(logRaw as LogLevel) ? (logRaw as LogLevel) : 'info',
    probeTimeoutMs: int('CERT_DOCTOR_TIMEOUT_MS', 10_000, 100, 120_000),
    workers: str('CERT_DOCTOR_WORKERS') === null ? null : int('CERT_DOCTOR_WORKERS', 4, 1, 256),
    workerPriority: WORKER_PRIORITIES.includes(priorityRaw as WorkerPriority)
      ? (priorityRaw as WorkerPriority)
      : 'idle',
    sweepPerThread: int('CERT_DOCTOR_SWEEP_PER_THREAD', 4, 1, 64),
    limits: {
      checksPerMinute: int('CERT_DOCTOR_CHECKS_PER_MINUTE', 5, 1, 10_000),
      maxConcurrentProbes: int('CERT_DOCTOR_MAX_PROBES', 8, 1, 1_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function pickMode(
  problems: string[],
  t: { botToken: string | null; appToken: string | null; signingSecret: string | null },
): Mode | null {
  if (!t.botToken && !t.appToken && !t.signingSecret) return 'shell';
  if (t.botToken && t.appToken) return 'socket';
  if (t.botToken && t.signingSecret) return 'http';
  if (!t.botToken) {
    problems.push(
      'SLACK_BOT_TOKEN is missing: Slack needs it with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP); unset all three for the shell bot',
    );
  } else {
    problems.push(
      'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is',
    );
  }
  return null;
}

function bindHost(problems: string[], raw: string | null): string {
  if (raw === null) return '127.0.0.1';
  if (raw === 'localhost' || isIP(raw) !== 0) return raw;
  problems.push(
    `CERT_DOCTOR_HOST must be an IP address to listen on (127.0.0.1, 0.0.0.0, ::), got ${JSON.stringify(raw)}`,
  );
  return '127.0.0.1';
}

/** Slack tokens carry a type prefix; a wrong one is the usual copy-paste mistake. The value is never echoed. */
function checkTokenShape(problems: string[], name: string, value: string | null, prefix: string): void {
  if (value !== null && !value.startsWith(prefix)) {
    const kind = prefix === 'xoxb-' ? 'a bot token' : 'an app-level token';
    problems.push(`${name} must be ${kind} starting with "${prefix}" (value not shown)`);
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The config with secrets replaced, for logging. */
export function redactConfig(c: Config): Config {
  const mask = (v: string | null) => (v === null ? null : '[redacted]');
  return {
    ...c,
    slack: {
      ...c.slack,
      botToken: mask(c.slack.botToken),
      appToken: mask(c.slack.appToken),
      signingSecret: mask(c.slack.signingSecret),
    },
  };
}
