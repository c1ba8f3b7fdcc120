import type { Explanation } from '../explain/types.js';
import type { Fix } from '../rules/types.js';
import { toJson } from './json.js';

/**
 * `cert-doctor explain --json`: a documented, stable shape (src/render/explanation.schema.json), keys in a fixed
 * order, built field by field. `diagnosis` is exactly `cert-doctor check --json` for the endpoint checked.
 */
export const EXPLANATION_FORMAT = 'cert-doctor.explanation/1';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

export function renderExplanationJson(e: Explanation): string {
  return `${JSON.stringify(explanationJson(e), null, 2)}\n`;
}

export function explanationJson(e: Explanation): { [key: string]: Json | undefined } {
  return {
    format: EXPLANATION_FORMAT,
    input: e.input,
    client: e.client
      ? {
          key: e.client.key,
          label: e.client.label,
          library: e.client.library,
          versions: e.client.versions,
          quic: e.client.quic,
        }
      : null,
    recognised: e.recognised,
    matches: e.matches.map((m) => ({
      code: m.code,
      why: m.why,
      fault: m.fault,
      check: m.check,
      confirmed: m.confirmed,
      error: { client: m.error.client, id: m.error.id, text: m.error.text },
    })),
    guesses: e.guesses.map((g) => ({ client: g.client, id: g.id, text: g.text, score: g.score })),
    target: e.target ? { host: e.target.host, port: e.target.port } : null,
    checked: e.checked,
    notes: [...e.notes],
    fixes: e.fixes.map(fixJson),
    diagnosis: e.diagnosis ? (toJson(e.diagnosis) as Json) : null,
  };
}

function fixJson(f: Fix): Json {
  return { audience: f.audience, stack: f.stack, title: f.title, steps: [...f.steps], command: f.command };
}
