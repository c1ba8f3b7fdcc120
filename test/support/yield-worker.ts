/**
 * A pool thread stand-in for test/yield-gate.test.ts (a piscina task file, as src/pool/check-worker.ts is):
 * installs the gate from its workerData as check-worker does; each task says it is about to yield, yields (the
 * real yieldToPeople), and answers how long that step waited.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installYieldGate, yieldedMs, yieldToPeople } from '../../src/yield-gate.js';

installYieldGate((workerData as { yieldGate?: unknown }).yieldGate);

export default async function step(): Promise<number> {
  const before = yieldedMs();
  parentPort!.postMessage({ aboutToYield: true });
  // a macrotask boundary so the message leaves before the thread blocks
  await new Promise((r) => setTimeout(r, 5));
  yieldToPeople();
  return yieldedMs() - before;
}
