/** What crosses from the main thread to a check worker: plain, structured-cloneable data only. */
import type { CheckOptions } from '../check.js';

export type TransferableOptions = Pick<
  CheckOptions,
  'allow' | 'extraCaPem' | 'ruleOptions' | 'caFiles' | 'http' | 'profile'
>;

export interface WorkerTask {
  input: string;
  options: TransferableOptions;
  /** the caller's `now()` when the check was asked for */
  nowIso: string;
  /** epoch ms by which the probe must be done (the worker's share of the one deadline) */
  deadlineAt: number;
}

/** A phase message the worker posts on the task's port. */
export interface PhaseMessage {
  phase: string;
  detail: string;
}
