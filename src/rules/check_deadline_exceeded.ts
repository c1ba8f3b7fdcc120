import { fail } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * DESIGN.md "Safety": a probe has one overall deadline that every sub-step shares. When it passed before
 * the check finished (a server dripping bytes, a chain that costs seconds to verify), the diagnosis is what
 * was observed up to then and this finding names the steps that did not finish, so an incomplete check is
 * never read as a clean one. No RFC governs this; the bound itself follows the issue 7 hard deadline.
 */
export const checkDeadlineExceeded: Rule = {
  scope: 'target',
  meta: {
    code: 'check_deadline_exceeded',
    title: 'The check did not finish within its deadline',
    citation: 'cert-doctor DESIGN.md "Safety": one overall deadline per probe',
    severity: 'warning',
  },
  applies: (ctx) => ctx.report.deadline !== undefined,
  evaluate(ctx) {
    const d = ctx.report.deadline!;
    const unfinished = d.unfinished.join(', ') || 'none';
    const reached = d.reached.join(', ') || 'none';
    return fail({
      code: 'check_deadline_exceeded',
      severity: 'warning',
      certIndex: -1,
      summary: `The check was stopped after ${d.elapsedMs} ms (deadline ${d.timeoutMs} ms) with ${unfinished} unfinished; steps completed: ${reached}.`,
      params: { timeoutMs: d.timeoutMs, elapsedMs: d.elapsedMs, unfinished, reached },
      causes: [
        'the server answers very slowly or drips its bytes (a tarpit, an overloaded TLS terminator)',
        'the certificate chain is built to be expensive to verify (huge keys, many same-name issuers)',
        'the deadline is too short for this network path: raise --timeout or CERT_DOCTOR_TIMEOUT_MS',
      ],
    });
  },
};
