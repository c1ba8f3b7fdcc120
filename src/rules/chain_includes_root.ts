import { certName, chainInput, fail, isCert, isoDate, pass, primaryHandshake } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §4.4.2: "a certificate that specifies a trust anchor MAY be omitted from the chain, provided that
 * supported peers are known to possess any omitted certificates." Sending it is wasted bytes on every
 * handshake (info); an expired root in the chain breaks clients that try to use it (OpenSSL 1.0.x in the
 * 2020 AddTrust and 2021 DST Root CA X3 expiries), so that is a warning.
 */
export const chainIncludesRoot: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_includes_root',
    title: 'The server sends the root certificate',
    citation: 'RFC 8446 §4.4.2; RFC 5246 §7.4.2',
    severity: 'info',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const hs = primaryHandshake(ctx);
    if (!hs.ok) return hs.outcome;
    const sentAt = chain.value.rootSentAt;
    if (sentAt === null) return pass;
    const root = hs.value.sentChain[sentAt];
    if (!isCert(root)) return pass;
    const expired = Date.parse(root.notAfter) < ctx.now.getTime();
    const builtIndex = chain.value.built.findIndex((c) => c.sha256 === root.sha256);
    return fail({
      code: 'chain_includes_root',
      severity: expired ? 'warning' : 'info',
      certIndex: builtIndex,
      summary: expired
        ? `The server sends the root \`${certName(root)}\` (sent #${sentAt}), which expired on ${isoDate(root.notAfter)}; expected the chain to stop below the root.`
        : `The server sends the self-signed root \`${certName(root)}\` (sent #${sentAt}); expected the chain to stop below the root, which clients already have.`,
      params: { sentIndex: sentAt, builtIndex, root: root.subject, notAfter: root.notAfter, expired },
      causes: [
        'the chain file was built from the CA bundle including its root (e.g. a "full chain with root" download)',
        'the server software was given the CA bundle instead of the intermediate only',
      ],
    });
  },
};
