/**
 * The worker entry piscina loads: runs check() off the main thread and reports its phases to the pool
 * (task.ts postPhase), so a chat message can still be updated in place. Bundles emit this file
 * as its own entry point, `check-worker.js`, next to the module holding src/pool/index.ts (see workerFile).
 */
import { getPriority, setPriority } from 'node:os';
import { type CheckOptions, check, checkJudged, useLoadedDiagnose } from '../check.js';
import * as diagnoseModule from '../diagnose.js';
import type { Diagnosis } from '../rules/types.js';
import { type CheckObservation, observedOf } from '../scheduler/observe.js';
import { DEADLINE_PHASES, postPhase, WORKER_NICE, type WorkerTask } from './task.js';

/**
 * Checks yield the CPU to the main thread: a check is seconds of work at most, an ack has 3 s in all. On
 * Linux a nice value is per thread and setpriority(PRIO_PROCESS, 0) changes the calling thread only, so
 * this lowers this worker, not the process (elsewhere it may be the process: then everything is nicer).
 * Off the event loop is not enough on a small machine: four workers verifying hostile chains on two
 * cores took the main thread's CPU and doubled ack p99 (bench/hostile.ts). WORKER_NICE: task.ts.
 */
useLoadedDiagnose(diagnoseModule);
try {
  setPriority(Math.min(19, getPriority() + WORKER_NICE));
} catch {
  // not permitted (a container without CAP_SYS_NICE may still allow raising it; lowering never needs it)
}

export default async function runCheck(task: WorkerTask): Promise<Diagnosis | CheckObservation> {
  const start = Date.now();
  const now = new Date(task.nowIso);
  const opts: CheckOptions = {
    ...task.options,
    // the caller's clock, advanced by the time spent here, for the rules' "now"
    now: () => new Date(now.getTime() + (Date.now() - start)),
    // what is left of the caller's deadline: time spent queued counts against it
    timeoutMs: Math.max(1, task.deadlineAt - Date.now()),
    onPhase: (phase, detail) => {
      if (task.phases !== 'deadline' || DEADLINE_PHASES.has(phase)) postPhase(task.taskId, phase, detail);
    },
  };
  if (task.reduce === 'observation') return observedOf(await checkJudged(task.input, opts));
  return check(task.input, opts);
}
