import type { ExplainMatch, Explanation } from '../explain/types.js';
import { headlineOf } from './format.js';

/**
 * An explanation as terminal lines (the CLI's text output and the shell bot's). Pure; the caller escapes
 * control characters. Finding codes appear verbatim in brackets.
 */
export function explanationLines(e: Explanation): string[] {
  const lines: string[] = [clientLine(e)];
  if (!e.recognised) {
    lines.push('Not recognised: no catalogued client error matches this text, so cert-doctor names no cause.');
    if (e.guesses.length > 0) {
      lines.push('Closest catalogued errors (guesses to compare, not causes):');
      for (const g of e.guesses) lines.push(`  - ${g.client}: ${g.text}`);
    }
  } else {
    lines.push(`Your client says: ${e.matches[0]!.error.text}`);
    lines.push('Likely causes, most likely first:');
    e.matches.forEach((m, i) => {
      lines.push(...matchLines(m, i + 1));
    });
  }
  if (e.diagnosis) {
    const h = headlineOf(e.diagnosis, new Date(e.diagnosis.checkedAt));
    lines.push(`The server at ${e.checked}: ${h.verdict.label} — ${h.code ? `[${h.code}] ` : ''}${h.text}`);
  }
  if (e.fixes.length > 0) {
    lines.push('Fix (verification stays on):');
    for (const f of e.fixes) {
      lines.push(`  • ${f.audience === 'server' ? 'Server' : 'Client'} · ${f.stack}: ${f.title}`);
      if (f.steps[0]) lines.push(`      ${f.steps[0]}`);
      if (f.command) {
        const [first, ...rest] = f.command.split('\n');
        lines.push(`      $ ${first}`, ...rest.map((r) => `        ${r}`));
      }
    }
  }
  for (const n of e.notes) lines.push(`Note: ${n}`);
  return lines;
}

function clientLine(e: Explanation): string {
  if (!e.client) return 'Client: not recognised';
  const lib = e.client.library ? ` — ${e.client.library}` : '';
  return `Client: ${e.client.label}${lib}${e.client.quic ? ' [QUIC / HTTP/3]' : ''}`;
}

const FAULT: Record<ExplainMatch['fault'], string> = {
  server: "server's fault",
  client: 'client has to change',
  either: 'server or client',
};

function matchLines(m: ExplainMatch, n: number): string[] {
  const seen = m.confirmed === null ? '' : m.confirmed ? ' ✔ seen on the server' : ' ✘ not seen on the server';
  return [`  ${n}. [${m.code}] (${FAULT[m.fault]})${seen} ${m.why}`, `     Tell apart: ${m.check}`];
}
