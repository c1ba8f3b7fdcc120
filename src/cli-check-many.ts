/**
 * `cert-doctor check a b c` and `--targets FILE`: every target checked concurrently (a few at a time), one
 * summary line per target, the exit code the worst of them. Text: a first line with the counts and every
 * target's performance data (Nagios reads the first line), then one line per target. JSON: an array of the
 * single-target documents, in the order given.
 */
import { readFile } from 'node:fs/promises';
import type { CheckOptions } from './check.js';
import { quote } from './probe/errors.js';
import { parseTarget } from './probe/target.js';
import { escapeControl, headlineOf, verdictOf as verdictDescriptor } from './render/format.js';
import { toJson } from './render/json.js';
import { perfData, type Thresholds } from './render/perfdata.js';
import type { Diagnosis, Verdict } from './rules/types.js';

/** Targets checked at once: enough to overlap network waits, few enough to stay polite to a shared host. */
const CONCURRENCY = 4;
const MAX_TARGETS = 500;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Worst first for the combined exit code: a critical target outranks one that could not be checked, which
 * outranks a warning (monitoring plugins that aggregate, e.g. check_multi, rank CRITICAL above UNKNOWN).
 */
const RANK: Record<Verdict, number> = { ok: 0, warning: 1, unknown: 2, critical: 3 };

export type Outcome = { input: string; diagnosis: Diagnosis } | { input: string; error: string };

/** Targets from a file: one per line; blank lines and `#` comments are skipped. Throws one line naming the file. */
export async function readTargetsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new Error(`cannot read --targets file ${quote(path)}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (text.length > MAX_FILE_BYTES) throw new Error(`--targets file ${quote(path)} is larger than 1 MiB`);
  const targets: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    try {
      parseTarget(line);
    } catch (err) {
      throw new Error(`--targets file ${quote(path)} line ${i + 1}: ${(err as Error).message.split('\n')[0]}`);
    }
    targets.push(line);
  }
  if (targets.length === 0) throw new Error(`--targets file ${quote(path)} lists no target`);
  return targets;
}

export function assertTargetCount(n: number): void {
  if (n > MAX_TARGETS) throw new Error(`at most ${MAX_TARGETS} targets per call, got ${n}`);
}

/** Check every target, CONCURRENCY at a time, keeping the input order. A throw is that target's own failure. */
export async function checkAll(
  inputs: string[],
  check: (input: string, opts: CheckOptions) => Promise<Diagnosis>,
  opts: CheckOptions,
): Promise<Outcome[]> {
  const out: Outcome[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      const input = inputs[i]!;
      try {
        out[i] = { input, diagnosis: await check(input, opts) };
      } catch (err) {
        out[i] = { input, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '' };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));
  return out;
}

export function verdictOfOutcome(o: Outcome): Verdict {
  return 'diagnosis' in o ? o.diagnosis.verdict : 'unknown';
}

export function worstVerdict(outcomes: Outcome[]): Verdict {
  return outcomes.map(verdictOfOutcome).reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** The summary table: counts and perf data on the first line, then one aligned line per target. */
export function renderSummary(outcomes: Outcome[], t: Thresholds): string {
  const worst = worstVerdict(outcomes);
  const counts = (['critical', 'warning', 'unknown', 'ok'] as const)
    .map((v) => [v, outcomes.filter((o) => verdictOfOutcome(o) === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const perf = outcomes
    .flatMap((o) => ('diagnosis' in o ? [perfData(o.diagnosis, t, `${o.input} `)] : []))
    .filter((p) => p !== '')
    .join(' ');
  const head = `${verdictDescriptor(worst).label} ${outcomes.length} targets: ${counts}${perf ? ` | ${perf}` : ''}`;
  const rows = outcomes.map((o) => {
    const label = verdictDescriptor(verdictOfOutcome(o)).label;
    if (!('diagnosis' in o)) return [label, o.input, `could not be checked — ${o.error}`];
    const h = headlineOf(o.diagnosis, new Date(o.diagnosis.checkedAt));
    return [label, h.target, h.code ? `${h.code}: ${h.text}` : h.text];
  });
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => escapeControl(r[1]!).length));
  const lines = rows.map(
    ([v, target, text]) => `  ${v!.padEnd(w0)}  ${escapeControl(target!).padEnd(w1)}  ${escapeControl(text!)}`,
  );
  return `${escapeControl(head)}\n${lines.join('\n')}\n`;
}

/** JSON: the single-target documents in input order; a target that threw becomes {input, verdict, error}. */
export function renderManyJson(outcomes: Outcome[]): string {
  const docs = outcomes.map((o) =>
    'diagnosis' in o ? toJson(o.diagnosis) : { input: o.input, verdict: 'unknown', error: o.error },
  );
  return `${JSON.stringify(docs, null, 2)}\n`;
}
