import type { SentCert } from '../probe/types.js';
import { chainInput, fail, isCert, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5246 §7.4.2: "The sender's certificate MUST come first in the list. Each following certificate MUST
 * directly certify the one preceding it." RFC 8446 §4.4.2 relaxes the second sentence to SHOULD, but TLS 1.2
 * clients and older libraries (OpenSSL < 1.1, Java 7, embedded stacks) still fail on a shuffled or padded
 * chain. A sent root is chain_includes_root's business and is not counted here.
 */
export const chainOrder: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_order',
    title: 'The server sends its certificates out of order or sends unrelated ones',
    citation: 'RFC 5246 §7.4.2; RFC 8446 §4.4.2',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const hs = ctx.primary?.handshake;
    if (hs?.status === 'completed' && hs.result.sentChainSource === 'tls_library') {
      // Node's own view of the chain is re-ordered and drops strays: it cannot show the order as sent.
      return { status: 'not_evaluated', why: 'the chain could not be read from the handshake records' };
    }
    const { outOfOrder, unusedSent, rootSentAt } = chain.value;
    const unused = unusedSent.filter((i) => i !== rootSentAt);
    if (!outOfOrder && unused.length === 0) return pass;
    const problems: string[] = [];
    if (outOfOrder) problems.push('sends its certificates out of path order');
    if (unused.length > 0) problems.push(`sends certificates not on the path (sent #${unused.join(', #')})`);
    return fail({
      code: 'chain_order',
      severity: 'warning',
      certIndex: -1,
      summary: `The server ${problems.join(' and ')}; expected the leaf first and then each certificate's issuer in turn.`,
      params: {
        outOfOrder,
        unusedSentIndexes: unused.join(', '),
        leafFirst: leafFirst(hs?.status === 'completed' ? hs.result.sentChain : []),
      },
      causes: [
        'the chain file was assembled by hand in the wrong order (intermediate before leaf, or root in the middle)',
        'the chain file still contains an old intermediate or a certificate for another site',
      ],
    });
  },
};

/** False when the first certificate sent is a CA that issued another sent one: the leaf came later. */
function leafFirst(sent: SentCert[]): boolean {
  const first = sent[0];
  if (!isCert(first) || first.basicConstraints?.ca !== true) return true;
  return !sent.some((c, i) => i > 0 && isCert(c) && !c.selfSigned && c.issuer === first.subject);
}
