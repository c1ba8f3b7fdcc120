/**
 * The worker entry piscina loads: runs check() off the main thread and reports its phases to the pool
 * (task.ts postPhase), so a chat message can still be updated in place. Bundles emit this file
 * as its own entry point, `check-worker.js`, next to the module holding src/pool/index.ts (see workerFile).
 */
import { workerData } from 'node:worker_threads';
import { type CheckOptions, check, checkJudged, useLoadedDiagnose } from '../check.js';
import * as diagnoseModule from '../diagnose.js';
import type { Diagnosis } from '../rules/types.js';
import { type CheckObservation, observedOf } from '../scheduler/observe.js';
import { installYieldGate, yieldToPeople } from '../yield-gate.js';
import { lowerThisThread, type WorkerPriority } from './priority.js';
import { DEADLINE_PHASES, postPhase, type WorkerTask } from './task.js';

useLoadedDiagnose(diagnoseModule);
// below the main thread (priority.ts): the pool passes what its caller configured
const init = workerData as { priority?: WorkerPriority; yieldGate?: unknown } | null;
lowerThisThread(init?.priority ?? 'idle');
// heavy synchronous steps wait while the main thread answers a burst (yield-gate.ts)
installYieldGate(init?.yieldGate);

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
      if (task.phases === 'none') return;
      if (task.phases !== 'deadline' || DEADLINE_PHASES.has(phase)) postPhase(task.taskId, phase, detail);
    },
  };
  if (task.reduce === 'observation') return observedOf(await checkJudged(task.input, opts));
  const diagnosis = await check(task.input, opts);
  // the answer is cloned to the main thread next (a hostile chain's diagnosis is ~225 KB): not during a burst
  yieldToPeople();
  return diagnosis;
}
