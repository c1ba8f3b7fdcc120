/**
 * Whole-process timings, start-up included, as a shell user or a Nagios check feels them: medians of
 * alternated runs (so load drifts hit every command alike), each against a baseline from the same run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Timed {
  label: string;
  medianMs: number;
  p90Ms: number;
  /** exit codes seen */
  codes: number[];
}

export interface Command {
  label: string;
  cmd: string;
  args: string[];
  stdin?: 'ignore' | 'empty';
  /** environment variables removed for this command (e.g. NODE_EXTRA_CA_CERTS, to show what it costs) */
  unset?: string[];
  /** environment variables set for this command */
  set?: Record<string, string>;
  /** called before each run of this command, untimed (e.g. to give it a file it has not seen) */
  prepare?: () => void;
}

function runOnce(c: Command): Promise<{ ms: number; code: number }> {
  c.prepare?.();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...c.set };
  for (const name of c.unset ?? []) delete env[name];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = execFile(c.cmd, c.args, { timeout: 60_000, env }, (err) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ ms: performance.now() - t0, code });
    });
    if (c.stdin === 'empty') child.stdin?.end();
  });
}

/** Runs every command `runs` times, round-robin. */
export async function alternate(commands: Command[], runs: number): Promise<Timed[]> {
  const times = commands.map(() => [] as number[]);
  const codes = commands.map(() => new Set<number>());
  for (const c of commands) await runOnce(c); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of commands.entries()) {
      const { ms, code } = await runOnce(c);
      times[j]!.push(ms);
      codes[j]!.add(code);
    }
  }
  return commands.map((c, j) => {
    const sorted = times[j]!.sort((a, b) => a - b);
    return {
      label: c.label,
      medianMs: sorted[Math.floor(sorted.length / 2)]!,
      p90Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!,
      codes: [...codes[j]!],
    };
  });
}

/**
 * check_ssl_cert (Nagios plugin) when installed: the comparison the issue names. On PATH, or where Debian's
 * monitoring-plugins-contrib puts it (`apt-get install --no-install-recommends monitoring-plugins-contrib bc`).
 */
export function findCheckSslCert(): string | null {
  const plugins = ['/usr/lib/nagios/plugins', '/usr/lib/monitoring-plugins'];
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...plugins]) {
    const p = join(dir, 'check_ssl_cert');
    if (dir !== '' && existsSync(p)) return p;
  }
  return null;
}

export function fmt(t: Timed): string {
  return `${t.label.padEnd(34)} median ${t.medianMs.toFixed(0).padStart(5)} ms  p90 ${t.p90Ms.toFixed(0).padStart(5)} ms  exit ${t.codes.join('/')}`;
}
