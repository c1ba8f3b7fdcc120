import { CATALOGUE, type ClientError, type ClientStack, errorsOf, type Library } from '../fixes/catalogue/index.js';
import type { Guess } from './types.js';

/** A catalogued error found in the text, with the stack whose wording it is. */
export interface Hit {
  stack: ClientStack;
  error: ClientError;
}

export interface Recognition {
  stack: ClientStack | null;
  library: Library | null;
  hits: Hit[];
}

/**
 * Which client printed the text and which of its catalogued errors it contains. The client is the stack with the
 * most markers (ties: catalogue order, most specific first); its errors are tried first. When none of them
 * matches, every stack is tried and the one whose error matched names the client ("Trust anchor for certification
 * path not found" says Android even though javax.net.ssl says Java).
 */
export function recognise(text: string): Recognition {
  const ranked = CATALOGUE.map((stack, order) => ({ stack, order, score: markerScore(stack, text) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order);
  const marked = ranked[0]?.stack ?? null;
  const candidates = [...ranked.map((r) => r.stack), ...CATALOGUE.filter((s) => !ranked.some((r) => r.stack === s))];
  for (const stack of candidates) {
    const hits = matchErrors(stack, text);
    if (hits.length > 0) return { stack, library: libraryOf(stack, text), hits };
  }
  return { stack: marked, library: marked ? libraryOf(marked, text) : null, hits: [] };
}

function markerScore(stack: ClientStack, text: string): number {
  return (
    stack.markers.filter((m) => m.test(text)).length + (stack.libraries ?? []).filter((l) => l.marker.test(text)).length
  );
}

function libraryOf(stack: ClientStack, text: string): Library | null {
  return stack.libraries?.find((l) => l.marker.test(text)) ?? null;
}

/** The stack's specific errors found in the text; its fallback errors only when no specific one is there. */
function matchErrors(stack: ClientStack, text: string): Hit[] {
  const found = errorsOf(stack).filter((e) => e.pattern.test(text));
  const specific = found.filter((e) => !e.fallback);
  return (specific.length > 0 ? specific : found).map((error) => ({ stack, error }));
}

const STOP = new Set([
  'the',
  'and',
  'for',
  'not',
  'with',
  'this',
  'that',
  'was',
  'from',
  'are',
  'ssl',
  'error',
  'failed',
]);

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z][a-z0-9_]{2,}/g) ?? []).filter((w) => !STOP.has(w)));
}

/**
 * The catalogued errors whose words overlap the text most: offered as "closest guesses" when nothing matched,
 * so a reader can compare — never turned into causes. The recognised client's own errors count half again.
 */
export function closestGuesses(text: string, client: ClientStack | null, max = 3): Guess[] {
  const input = words(text);
  if (input.size === 0) return [];
  const seen = new Set<string>();
  const scored: Guess[] = [];
  for (const stack of CATALOGUE) {
    for (const error of errorsOf(stack)) {
      if (seen.has(error.text)) continue;
      seen.add(error.text);
      const own = words(error.text);
      if (own.size === 0) continue;
      const shared = [...own].filter((w) => input.has(w)).length;
      const score = (shared / own.size) * (stack === client ? 1.5 : 1);
      if (shared >= 2 && score >= 0.3)
        scored.push({
          client: stack.key,
          id: error.id,
          text: error.text,
          score: Math.min(1, Math.round(score * 100) / 100),
        });
    }
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, max);
}
