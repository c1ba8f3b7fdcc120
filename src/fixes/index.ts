import type { Target } from '../probe/types.js';
import type { ClientImpact, Fix, RuleFinding } from '../rules/types.js';
import { CLIENT_RECIPES } from './client-trust.js';
import { CLIENT_IMPACT } from './clients.js';
import { isFindingCode } from './codes.js';
import { readParams } from './params.js';
import { SERVER_RECIPES } from './server/index.js';
import { leafSummary } from './shell.js';
import { detectServerStack as detect, isStackKey, type StackKey, stackOrder } from './stacks.js';
import type { FixSpec, RecipeInput } from './types.js';

/** What remediation knowledge needs to know beyond the finding itself. */
export interface FixContext {
  target: Target;
  /** normalised server stack from the `Server` header ('nginx', 'apache', …), or null */
  serverStack: string | null;
}

/**
 * The clients a finding breaks and the fix steps, in this order: the detected stack's server fix, the generic
 * (OpenSSL) fix, stacks the detected one usually runs on (see stacks.ts; all common ones when unknown),
 * then client workarounds, then — only for self-signed/untrusted roots — the verification-off last resort.
 */
export function remediate(finding: RuleFinding, ctx: FixContext): { clients: ClientImpact[]; fixes: Fix[] } {
  const input: RecipeInput = { p: readParams(finding.params), t: ctx.target, certIndex: finding.certIndex ?? -1 };
  if (!isFindingCode(finding.code)) return { clients: [], fixes: [unknownCodeFix(ctx.target)] };
  const server = SERVER_RECIPES[finding.code](input);
  const fixes = stackOrder(normaliseStack(ctx.serverStack)).flatMap((stack) => {
    const spec = server[stack];
    return spec ? [serverFix(stack, spec)] : [];
  });
  const clientFixes = CLIENT_RECIPES[finding.code]?.(input) ?? [];
  const [safe, risky] = [clientFixes.filter((f) => !f.warning), clientFixes.filter((f) => f.warning)];
  return { clients: CLIENT_IMPACT[finding.code](input), fixes: [...fixes, ...safe, ...risky] };
}

/** Normalise a `Server` header ("nginx/1.25.3", "Microsoft-IIS/10.0") to a stack key, or null. */
export function detectServerStack(serverHeader: string | null): string | null {
  return detect(serverHeader);
}

/** Accept a stack key, or (defensively) a raw `Server` header value. */
function normaliseStack(stack: string | null): StackKey | null {
  if (stack === null) return null;
  return isStackKey(stack) ? stack : detect(stack);
}

function serverFix(stack: StackKey, spec: FixSpec): Fix {
  const fix: Fix = { audience: 'server', stack, title: spec.title, steps: [...spec.steps] };
  if (spec.command) fix.command = spec.command;
  return fix;
}

/** A code this module does not know yet (a newer rule): point at the raw evidence rather than guess. */
function unknownCodeFix(t: Target): Fix {
  return {
    audience: 'server',
    stack: 'generic',
    title: 'Inspect what the server sends',
    steps: ['Look at the certificate the server sends and compare it with the finding above.'],
    command: leafSummary(t),
  };
}
