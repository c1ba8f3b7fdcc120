import type { Target } from '../probe/types.js';
import type { FindingParams } from '../rules/params.js';
import type { ClientImpact, Fix } from '../rules/types.js';
import type { FindingCode } from './codes.js';
import type { Params } from './params.js';
import type { Cmd } from './shell.js';
import type { StackKey } from './stacks.js';

/** A server-side fix before it is tagged with its audience and stack. */
export interface FixSpec {
  title: string;
  steps: string[];
  /** a constant string, or a Cmd built with `sh`/`ps` when it holds observed values */
  command?: string | Cmd;
}

/** What every recipe gets: the finding's observed values and what the check was run against. */
export interface RecipeInput<C extends FindingCode = FindingCode> {
  /** the finding's params, readable only by the keys its code declares (rules/params.ts) */
  p: Params<FindingParams[C]>;
  /** the target as checked: host, port, SNI and protocol for every command */
  t: Target;
  /** the finding's certIndex: 0 = leaf, n = n-th chain certificate, -1 = not about one certificate */
  certIndex: number;
  /** the CA bundle the check trusted (`--ca`, CERT_DOCTOR_CA) for `openssl verify -CAfile`; null: system roots */
  caFile: string | null;
}

/** Server fixes for one finding code, keyed by stack; a stack without an entry falls back to the others. */
export type ServerRecipe<C extends FindingCode = FindingCode> = (
  x: RecipeInput<C>,
) => Partial<Record<StackKey, FixSpec>>;

/** Every code's server fixes, each recipe typed by its own code's params. */
export type ServerRecipes = { [C in FindingCode]: ServerRecipe<C> };

/** Client-side workarounds for one finding code, safest first. */
export type ClientRecipe<C extends FindingCode = FindingCode> = (x: RecipeInput<C>) => Fix[];

/** The clients one finding code breaks (or not), from its observed values. */
export type ImpactRecipe<C extends FindingCode = FindingCode> = (x: RecipeInput<C>) => ClientImpact[];
