/**
 * The worker entry piscina loads: runs check() off the main thread and forwards its phases over the
 * MessagePort the task carries, so a chat message can still be updated in place. Bundles emit this file
 * as its own entry point, `check-worker.js`, next to the module holding src/pool/index.ts (see workerFile).
 */
import type { MessagePort } from 'node:worker_threads';
import { check } from '../check.js';
import type { Diagnosis } from '../rules/types.js';
import type { WorkerTask } from './task.js';

export default async function runCheck(task: WorkerTask & { port: MessagePort }): Promise<Diagnosis> {
  const { port } = task;
  const start = Date.now();
  const now = new Date(task.nowIso);
  try {
    return await check(task.input, {
      ...task.options,
      // the caller's clock, advanced by the time spent here, for the rules' "now"
      now: () => new Date(now.getTime() + (Date.now() - start)),
      // what is left of the caller's deadline: time spent queued counts against it
      timeoutMs: Math.max(1, task.deadlineAt - Date.now()),
      onPhase: (phase, detail) => port.postMessage({ phase, detail }),
    });
  } finally {
    port.close();
  }
}
