/**
 * One hard deadline per check, enforced from outside the check: when it passes, the check ends with what
 * was observed so far (the phases it reported) and a `check_deadline_exceeded` finding naming the steps
 * that did not finish. Used by the worker pool (which also terminates the stuck worker) and, in-process,
 * by the CLI.
 */
import { type CheckOptions, type CheckPhase, check, DEFAULT_TIMEOUT_MS, loadDiagnose } from '../check.js';
import { parseTarget } from '../probe/target.js';
import type { Attempt, ProbeReport, ResolvedAddress } from '../probe/types.js';
import type { Diagnosis } from '../rules/types.js';

/**
 * How long past the probe's own deadline the hard one waits: the probe ends itself at `timeoutMs` when its
 * steps are waiting on the network; only synchronous work (or a bug) needs the hard stop.
 */
export const HARD_DEADLINE_GRACE_MS = 250;

/** The phases a check reported, in order, with their details. */
export type PhaseLog = Array<{ phase: CheckPhase; detail: string }>;

const STEPS: ReadonlyArray<{ step: string; doneAt: CheckPhase }> = [
  { step: 'DNS resolution', doneAt: 'resolved' },
  { step: 'TLS handshake', doneAt: 'handshake' },
  { step: 'chain building and verification', doneAt: 'chain' },
  { step: 'protocol scan, HTTP request and rules', doneAt: 'done' },
];

export interface PartialInput {
  input: string;
  phases: PhaseLog;
  timeoutMs: number;
  elapsedMs: number;
  now: Date;
  options: Pick<CheckOptions, 'ruleOptions' | 'extraCaPem'>;
}

/** The Diagnosis of a check stopped at its deadline: the rules run over what the phases showed. */
export async function partialDiagnosis(p: PartialInput): Promise<Diagnosis> {
  const { diagnose } = await loadDiagnose();
  const target = parseTarget(p.input);
  const seen = new Map(p.phases.map((x) => [x.phase, x.detail]));
  const reached: string[] = [];
  const unfinished: string[] = [];
  for (const { step, doneAt } of STEPS) {
    if (!seen.has(doneAt)) {
      unfinished.push(step);
      continue;
    }
    const detail = seen.get(doneAt);
    reached.push(doneAt === 'resolved' || doneAt === 'handshake' ? `${step} (${detail})` : step);
  }
  const why = `the check's deadline (${p.timeoutMs} ms) passed before this step finished`;
  const skipped = <T>(): Attempt<T> => ({ status: 'skipped', why });
  const addresses = seen.get('resolved');
  const resolution: Attempt<ResolvedAddress[]> =
    addresses === undefined ? skipped() : { status: 'completed', result: resolvedFrom(addresses) };
  const report: ProbeReport = {
    target,
    startedAt: p.now.toISOString(),
    resolution,
    endpoints: [],
    protocols: skipped(),
    http: skipped(),
    revocation: skipped(),
    timings: { totalMs: p.elapsedMs, dnsMs: null },
    options: { timeoutMs: p.timeoutMs, extraCaCount: p.options.extraCaPem?.length ?? 0 },
    deadline: { timeoutMs: p.timeoutMs, elapsedMs: Math.round(p.elapsedMs), reached, unfinished },
  };
  return diagnose(report, { now: p.now, ruleOptions: p.options.ruleOptions });
}

/** `resolved` reports the probed addresses, comma-separated; each passed the address policy. */
function resolvedFrom(detail: string): ResolvedAddress[] {
  return detail
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
    .map((address) => ({ address, family: address.includes(':') ? 6 : 4, allowed: true, blockedBy: null }));
}

/**
 * check() in this thread under the hard deadline. Synchronous work cannot be interrupted here: the deadline
 * is noticed when the event loop gets a turn, and the abandoned probe ends at its own deadline. The bot
 * uses the worker pool instead (src/pool/index.ts), where a stuck check is terminated.
 */
export async function checkWithDeadline(input: string, opts: CheckOptions): Promise<Diagnosis> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const phases: PhaseLog = [];
  const started = performance.now();
  const now = opts.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs + HARD_DEADLINE_GRACE_MS);
  });
  const running = check(input, {
    ...opts,
    now: () => now,
    onPhase: (phase, detail) => {
      phases.push({ phase, detail });
      opts.onPhase?.(phase, detail);
    },
  });
  try {
    const first = await Promise.race([running, expired]);
    if (first !== 'expired') return first;
    running.catch(() => undefined);
    return await partialDiagnosis({
      input,
      phases,
      timeoutMs,
      elapsedMs: performance.now() - started,
      now,
      options: opts,
    });
  } finally {
    clearTimeout(timer);
  }
}
