import type { Target } from '../probe/types.js';
import type { ClientImpact, Fix, RuleFinding } from '../rules/types.js';

/** What remediation knowledge needs to know beyond the finding itself. */
export interface FixContext {
  target: Target;
  /** normalised server stack from the `Server` header ('nginx', 'apache', …), or null */
  serverStack: string | null;
}

/**
 * CONTRACT (implementation lands with the fixes work): the clients a finding breaks and the fix steps,
 * server fixes for the detected stack first, client workarounds after, a warning on any fix that
 * turns verification off.
 */
export function remediate(_finding: RuleFinding, _ctx: FixContext): { clients: ClientImpact[]; fixes: Fix[] } {
  return { clients: [], fixes: [] };
}

/** CONTRACT: normalise a `Server` header ("nginx/1.25.3", "Microsoft-IIS/10.0") to a stack key, or null. */
export function detectServerStack(_serverHeader: string | null): string | null {
  return null;
}
