import type { Target } from '../probe/types.js';
import type { ClientImpact, Fix } from '../rules/types.js';
import type { Params } from './params.js';
import type { StackKey } from './stacks.js';

/** A server-side fix before it is tagged with its audience and stack. */
export interface FixSpec {
  title: string;
  steps: string[];
  command?: string;
}

/** What every recipe gets: the finding's observed values and the target (for copyable commands). */
export interface RecipeInput {
  p: Params;
  t: Target;
  /** the finding's certIndex: 0 = leaf, n = n-th chain certificate, -1 = not about one certificate */
  certIndex: number;
}

/** Server fixes for one finding code, keyed by stack; a stack without an entry falls back to the others. */
export type ServerRecipe = (x: RecipeInput) => Partial<Record<StackKey, FixSpec>>;

/** Client-side workarounds for one finding code, safest first. */
export type ClientRecipe = (x: RecipeInput) => Fix[];

/** The clients one finding code breaks (or not), from its observed values. */
export type ImpactRecipe = (x: RecipeInput) => ClientImpact[];
