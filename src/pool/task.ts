/** What crosses between the main thread and a check worker: plain, structured-cloneable data only. */
import { parentPort } from 'node:worker_threads';
import type { CheckOptions } from '../check.js';

export type TransferableOptions = Pick<
  CheckOptions,
  'allow' | 'extraCaPem' | 'ruleOptions' | 'caFiles' | 'http' | 'profile' | 'lane'
>;

export interface WorkerTask {
  /** the pool's number for this check: phase messages carry it back */
  taskId: number;
  input: string;
  options: TransferableOptions;
  /** the caller's `now()` when the check was asked for */
  nowIso: string;
  /** epoch ms by which the probe must be done (the worker's share of the one deadline) */
  deadlineAt: number;
  /**
   * 'observation': answer the observation (scheduler/observe.ts observedOf) instead of the Diagnosis: what the
   * sweep stores, made from the rules' judgement without fixes, and a fraction of a diagnosis to clone back
   */
  reduce?: 'observation';
  /**
   * 'deadline': post only the phases the pool's partial diagnosis reads (deadline.ts: resolved, handshake,
   * chain), not 'resolving' (the pool knows the check started) or 'done' (the answer follows at once). Set when
   * the caller has no onPhase (every sweep check): a postMessage costs both threads about 0.1 ms.
   * 'none': post none. Set for an observation without onPhase (the sweep's): an observation of a partial
   * diagnosis is the same whatever phases it saw (its endpoints are empty and its only code is
   * check_deadline_exceeded; the phases only fill the finding's reached/unfinished, which no observation keeps),
   * so the three messages (~0.3 ms of both threads per sweep check) bought nothing. test/sweep-observe.test.ts.
   */
  phases?: 'deadline' | 'none';
}

/** The phases partialDiagnosis (deadline.ts) reads. */
export const DEADLINE_PHASES: ReadonlySet<string> = new Set(['resolved', 'handshake', 'chain']);

/**
 * A phase message: posted by the worker on its parentPort, which piscina re-emits as the pool's 'message'
 * event. One port for every check of the thread, where a MessageChannel per check (created, transferred,
 * closed) cost the main thread more than the phases themselves; the pool keeps the phases of every check
 * (a partial diagnosis at the hard deadline is built from them) and forwards them to `onPhase` when given.
 */
export interface PhaseMessage {
  certDoctorPhase: number;
  phase: string;
  detail: string;
}

export function isPhaseMessage(m: unknown): m is PhaseMessage {
  return typeof m === 'object' && m !== null && typeof (m as PhaseMessage).certDoctorPhase === 'number';
}

/** In a worker: report a phase of task `taskId` to the pool. */
export function postPhase(taskId: number, phase: string, detail: string): void {
  parentPort?.postMessage({ certDoctorPhase: taskId, phase, detail } satisfies PhaseMessage);
}
