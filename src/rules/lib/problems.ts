import type { CertInfo, ChainReport, PathProblem } from '../../probe/types.js';
import type { RuleContext } from '../types.js';
import { chainInput, type Input, notEvaluated } from './inputs.js';

export interface FoundProblem {
  problem: PathProblem;
  cert: CertInfo;
  chain: ChainReport;
}

/**
 * The first §6.1 problem of `code` that the path builder recorded on the built path (chain-checks.ts), or
 * null when there is none. Reports stored before path problems were recorded are `not_evaluated`.
 */
export function pathProblem(ctx: RuleContext, code: string): Input<FoundProblem | null> {
  const chain = chainInput(ctx);
  if (!chain.ok) return chain;
  const { problems, built } = chain.value;
  if (problems === undefined) return notEvaluated('this report predates path validation checks');
  const problem = problems.find((p) => p.code === code);
  const cert = problem ? built[problem.certIndex] : undefined;
  return { ok: true, value: problem && cert ? { problem, cert, chain: chain.value } : null };
}

/** "(#2, from the trust store)" for a certificate on the built path. */
export function where(chain: ChainReport, index: number): string {
  const source = chain.sources[index];
  return source === 'trust_store'
    ? `#${index}, a trust anchor`
    : source === 'aia'
      ? `#${index}, fetched via AIA`
      : `#${index}`;
}
