/**
 * Pool threads run below the main thread. The main thread answers Slack (3 s for an ack, nothing for a
 * late one), the shell prompt and the scheduler; a check has seconds to spare. Being off the event loop is
 * not enough on a small machine: with 4 pool threads busy on 2 cores, the bot's main thread waited for a
 * core several times longer during a burst of acks than with the threads idle, nice +10 included
 * (bench/hostile.ts prints the wait, from /proc/thread-self/schedstat).
 *
 * - `idle` (default): Linux SCHED_IDLE for the calling thread — it runs only when no normal thread wants the
 *   core (sched(7): "for running very low priority background jobs"); allowed without privileges since
 *   Linux 2.6.39. Node has no sched_setattr binding, so chrt(1) sets it on this thread's id
 *   (/proc/thread-self). Where that fails (not Linux, no chrt, a seccomp filter), `low` applies.
 * - `low`: nice +10. On Linux a nice value is per thread (setpriority(2), NOTES): setpriority(PRIO_PROCESS, 0)
 *   changes the calling thread only; elsewhere it may be the whole process.
 * - `normal`: unchanged — for a host so busy that idle-priority checks would starve (they would still end
 *   at their deadline, which the main thread enforces).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export type WorkerPriority = 'idle' | 'low' | 'normal';
export const WORKER_PRIORITIES: readonly WorkerPriority[] = ['idle', 'low', 'normal'];
export const LOW_NICE = 10;
/** sched(7) policy number of SCHED_IDLE, as /proc/…/stat field 41 shows it */
export const SCHED_IDLE = 5;

/** Lowers the calling thread; returns what it got (`normal` when asked for, or when nothing could be lowered). */
export function lowerThisThread(wanted: WorkerPriority): WorkerPriority {
  if (wanted === 'normal') return 'normal';
  if (wanted === 'idle' && process.platform === 'linux' && schedIdle()) return 'idle';
  try {
    setPriority(Math.min(19, getPriority() + LOW_NICE));
    return 'low';
  } catch {
    return 'normal';
  }
}

/** This thread's id (Linux), from /proc/thread-self → "<pid>/task/<tid>". */
export function threadId(): string | undefined {
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    return /^\d+$/.test(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

function schedIdle(): boolean {
  const tid = threadId();
  if (!tid) return false;
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 2000 });
  } catch {
    return false;
  }
  return threadPolicy(tid) === SCHED_IDLE;
}

/** The scheduling policy of one of this process's threads (Linux), from its stat line; undefined elsewhere. */
export function threadPolicy(tid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // the fields after "(comm)" start at field 3; the policy is field 41
    const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
    return Number.isInteger(policy) ? policy : undefined;
  } catch {
    return undefined;
  }
}
