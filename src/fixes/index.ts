import type { Target } from '../probe/types.js';
import type { ClientImpact, Fix, RuleFinding } from '../rules/types.js';
import { CLIENT_RECIPES } from './client-trust.js';
import { CLIENT_IMPACT } from './clients.js';
import { type FindingCode, isFindingCode } from './codes.js';
import { readParams } from './params.js';
import { SERVER_RECIPES } from './server/index.js';
import { type Cmd, leafSummary, WITHHELD_MARK, WITHHELD_NOTE } from './shell.js';
import { detectServerStack as detect, isStackKey, type StackKey, stackOrder } from './stacks.js';
import type { ClientRecipe, FixSpec, ImpactRecipe, RecipeInput, ServerRecipe } from './types.js';

/** What remediation knowledge needs to know beyond the finding itself: what the check was run against. */
export interface FixContext {
  /** host, port, SNI and protocol as checked: every command names these */
  target: Target;
  /** normalised server stack from the `Server` header ('nginx', 'apache', …), or null */
  serverStack: string | null;
  /**
   * The extra trust anchors the check used: the files named (`--ca`, CERT_DOCTOR_CA as a path) and whether
   * any were used at all (the bot may hold them inline). Absent: system roots only.
   */
  extraCa?: { files: readonly string[]; used: boolean };
}

/**
 * The file `openssl verify -CAfile` should name: the one --ca file, or `ca-bundle.pem` standing for several
 * (or for a bundle the bot was configured with, whose path means nothing to the reader); null: system roots.
 */
export function caFileOf(extraCa: FixContext['extraCa']): string | null {
  if (!extraCa || (!extraCa.used && extraCa.files.length === 0)) return null;
  return extraCa.files.length === 1 ? extraCa.files[0]! : 'ca-bundle.pem';
}

/**
 * The clients a finding breaks and the fix steps, in this order: the detected stack's server fix, the generic
 * (OpenSSL) fix, stacks the detected one usually runs on (see stacks.ts; all common ones when unknown),
 * then client workarounds, then — only for self-signed/untrusted roots — the verification-off last resort.
 */
export function remediate(finding: RuleFinding, ctx: FixContext): { clients: ClientImpact[]; fixes: Fix[] } {
  if (!isFindingCode(finding.code)) return { clients: [], fixes: [unknownCodeFix(ctx.target)] };
  const input: RecipeInput = {
    p: readParams(finding.params),
    t: ctx.target,
    certIndex: finding.certIndex ?? -1,
    caFile: caFileOf(ctx.extraCa),
  };
  const code = finding.code;
  const server = recipe<ServerRecipe>(SERVER_RECIPES, code)(input);
  const fixes = stackOrder(normaliseStack(ctx.serverStack)).flatMap((stack) => {
    const spec = server[stack];
    return spec ? [serverFix(stack, spec)] : [];
  });
  const clientRecipe: ClientRecipe | undefined = CLIENT_RECIPES[code] as ClientRecipe | undefined;
  const clientFixes = (clientRecipe?.(input) ?? []).map(pasteSafeFix);
  const [safe, risky] = [clientFixes.filter((f) => !f.warning), clientFixes.filter((f) => f.warning)];
  return { clients: recipe<ImpactRecipe>(CLIENT_IMPACT, code)(input), fixes: [...fixes, ...safe, ...risky] };
}

/**
 * Each table maps a code to a recipe typed by that code's params; dispatching on a runtime code needs the
 * widened type (the keys a recipe may read were checked where it was written).
 */
function recipe<R extends ServerRecipe | ImpactRecipe>(table: { [C in FindingCode]: unknown }, code: FindingCode): R {
  return table[code] as R;
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
  if (spec.command !== undefined) fix.command = String(spec.command);
  return pasteSafeFix(fix);
}

/**
 * Replace every withheld command (shell.ts) by a note: a withheld command in a step becomes the note in
 * place, a withheld `command` is dropped and the note added as the last step.
 */
function pasteSafeFix(fix: Fix): Fix {
  const steps = fix.steps.map(withheldInline);
  const out: Fix = { ...fix, steps };
  if (fix.command?.includes(WITHHELD_MARK)) {
    delete out.command;
    out.steps = [...steps, `The ${WITHHELD_NOTE}.`];
  }
  return out;
}

function withheldInline(step: string): string {
  return step.replace(
    /`[^`\n]*\u0000cert-doctor:withheld\u0000[^`\n]*`|\u0000cert-doctor:withheld\u0000/g,
    `(${WITHHELD_NOTE})`,
  );
}

/** A code this module does not know yet (a newer rule): point at the raw evidence rather than guess. */
function unknownCodeFix(t: Target): Fix {
  const command: Cmd = leafSummary(t);
  return pasteSafeFix({
    audience: 'server',
    stack: 'generic',
    title: 'Inspect what the server sends',
    steps: ['Look at the certificate the server sends and compare it with the finding above.'],
    command: String(command),
  });
}
