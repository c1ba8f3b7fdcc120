/**
 * A check-worker stand-in for the pool tests: targets named `spinN.test` report a phase, then burn CPU
 * synchronously for N ms (`spinforever.test`: until terminated) before answering, `waitN.test` report a phase and
 * wait N ms without blocking (a check waiting on its server), `hog.test` allocates until its
 * thread's heap cap ends it; any other target runs the
 * real worker entry. It answers the question the pool depends on: does piscina really end a thread stuck in
 * synchronous work when the task's AbortSignal fires?
 */
import { threadId } from 'node:worker_threads';
import { diagnose } from '../../src/diagnose.js';
import realWorker from '../../src/pool/check-worker.js';
import { partialDiagnosis } from '../../src/pool/deadline.js';
import { postPhase, type WorkerTask } from '../../src/pool/task.js';
import { observedOf } from '../../src/scheduler/observe.js';

type Task = Parameters<typeof realWorker>[0];

export default async function spinOrCheck(task: Task) {
  if (task.input === 'hog.test') {
    // a check that keeps everything it allocates: past the pool's heap cap for its threads
    const kept: number[][] = [];
    for (;;) kept.push(new Array(100_000).fill(kept.length));
  }
  const m = /^(spin|wait)(\d+|forever)\.test$/.exec(task.input);
  if (!m) return realWorker(task);
  postPhase(task.taskId, 'resolved', `192.0.2.${threadId % 250}`);
  if (m[1] === 'wait') {
    await new Promise((r) => setTimeout(r, Number(m[2])));
    return answer(task);
  }
  // a macrotask boundary so the phase message leaves before the loop blocks the thread
  await new Promise((r) => setTimeout(r, 5));
  const until = m[2] === 'forever' ? Number.POSITIVE_INFINITY : Date.now() + Number(m[2]);
  while (Date.now() < until) {
    // synchronous work: no await, no timers, nothing the event loop could interrupt
  }
  return answer(task);
}

/** A diagnosis of nothing observed, without the deadline marker: the spin or wait finished in time. */
async function answer(task: WorkerTask) {
  const now = new Date(task.nowIso);
  const d = diagnose({ ...(await partialDiagnosis(stubInput(task))).report, deadline: undefined }, { now });
  return task.reduce === 'observation' ? observedOf(d) : d;
}

function stubInput(task: WorkerTask) {
  return { input: task.input, phases: [], timeoutMs: 0, elapsedMs: 0, now: new Date(task.nowIso), options: {} };
}

export { threadId };
