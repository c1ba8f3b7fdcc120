import type { Diagnosis, RuleOptions } from './rules/types.js';

/** Phases reported while a check runs, so a chat message can be updated in place. */
export type CheckPhase = 'resolving' | 'resolved' | 'handshake' | 'chain' | 'done';

export interface CheckOptions {
  /** the injected clock; defaults to the real one at the entry point only */
  now: () => Date;
  /** overall deadline for the probe, ms (default 10 000) */
  timeoutMs?: number;
  /** CIDRs the address policy lets through in addition to public addresses */
  allow?: string[];
  /** PEM bundles (file contents) of extra trust anchors */
  extraCaPem?: string[];
  ruleOptions?: Partial<RuleOptions>;
  /** called as phases complete; errors thrown by it are ignored */
  onPhase?: (phase: CheckPhase, detail: string) => void;
}

/**
 * CONTRACT (the orchestrator lands with the probe core): parse the target (throws InputError with a
 * one-line message quoting the input), probe it, run every rule, attach fixes, return the Diagnosis.
 * Never throws for anything the server does: hostile servers become findings.
 */
export async function check(_input: string, _opts: CheckOptions): Promise<Diagnosis> {
  throw new Error('check() is not wired yet');
}
