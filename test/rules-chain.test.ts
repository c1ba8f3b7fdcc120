import type { ChainReport } from '../src/probe/types.js';
import type { Chain } from './support/pki.js';
import { at, err, trustedPath } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const leafOnly = (c: Chain) => [c.leaf.info];
const withRoot = (c: Chain) => [c.leaf.info, ...c.intermediates.map((i) => i.info), c.root.info];

/** The server sent only the leaf and nothing could fetch the intermediate. */
const missingIntermediate = (c: Chain): Partial<ChainReport> => ({
  built: [c.leaf.info],
  sources: ['sent'],
  links: [],
  trusted: false,
  anchorStore: null,
  missingIssuer: c.intermediates[0]!.info.subject,
  aia: { needed: true, fetches: [], completedChain: false },
});

/** The server sent only the leaf and the AIA URL supplied the intermediate. */
const aiaCompleted = (c: Chain): Partial<ChainReport> => ({
  sources: ['sent', 'aia', 'trust_store'],
  aia: {
    needed: true,
    fetches: [
      { url: 'http://ca.example/int.der', status: 'ok', error: null, certs: [c.intermediates[0]!.info.sha256] },
    ],
    completedChain: true,
  },
});

/** The chain ends at a self-signed root the store does not hold (sent by the server). */
const privateRoot = (c: Chain): Partial<ChainReport> => ({
  ...trustedPath(c),
  sources: ['sent', 'sent', 'sent'],
  trusted: false,
  anchorStore: null,
  untrustedRoot: true,
  rootSentAt: 2,
  unusedSent: [],
});

const cases: RuleCase[] = [
  {
    code: 'chain_incomplete',
    name: 'leaf only, AIA could not help',
    spec: { send: leafOnly, chain: missingIntermediate },
    want: fires('critical', 0, { aiaCompleted: false }),
  },
  {
    code: 'chain_incomplete',
    name: 'leaf only, AIA completed it (works in browsers only)',
    spec: { send: leafOnly, chain: aiaCompleted },
    want: fires('critical', 0, { aiaCompleted: true }),
  },
  {
    code: 'chain_incomplete',
    name: 'second intermediate missing',
    spec: {
      intermediates: [{}, {}],
      send: (c) => [c.leaf.info, c.intermediates[0]!.info],
      chain: (c) => ({
        built: [c.leaf.info, c.intermediates[0]!.info],
        sources: ['sent', 'sent'],
        trusted: false,
        missingIssuer: c.intermediates[1]!.info.subject,
      }),
    },
    want: fires('critical', 1),
  },
  { code: 'chain_incomplete', name: 'healthy', spec: {}, want: passes },
  { code: 'chain_incomplete', name: 'chain building failed', spec: { chain: err('bug') }, want: notEvaluated },
  {
    code: 'chain_incomplete',
    name: 'handshake failed',
    spec: { handshake: err('handshake_failed') },
    want: notEvaluated,
  },
  {
    code: 'chain_untrusted_root',
    name: 'private root',
    spec: { send: withRoot, chain: privateRoot },
    want: fires('critical', 2),
  },
  { code: 'chain_untrusted_root', name: 'self-signed leaf is not this', spec: { selfSignedLeaf: true }, want: passes },
  { code: 'chain_untrusted_root', name: 'healthy', spec: {}, want: passes },
  { code: 'cert_self_signed', name: 'self-signed leaf', spec: { selfSignedLeaf: true }, want: fires('critical', 0) },
  {
    code: 'cert_self_signed',
    name: 'self-signed leaf pinned with --ca',
    spec: { selfSignedLeaf: true, chain: { trusted: true, anchorStore: 'custom', untrustedRoot: false } },
    want: passes,
  },
  {
    code: 'cert_self_signed',
    name: 'private root is not this',
    spec: { send: withRoot, chain: privateRoot },
    want: passes,
  },
  { code: 'cert_self_signed', name: 'healthy', spec: {}, want: passes },
  {
    code: 'chain_order',
    name: 'intermediate before leaf',
    spec: { send: (c) => [c.intermediates[0]!.info, c.leaf.info], chain: { outOfOrder: true } },
    want: fires('warning', -1, { outOfOrder: true }),
  },
  {
    code: 'chain_order',
    name: 'unrelated certificate sent',
    spec: { send: (c) => [c.leaf.info, c.intermediates[0]!.info, c.leaf.info], chain: { unusedSent: [2] } },
    want: fires('warning', -1, { unusedSentIndexes: '2' }),
  },
  {
    code: 'chain_order',
    name: 'a sent root is not counted',
    spec: { send: withRoot, chain: { rootSentAt: 2, unusedSent: [2] } },
    want: passes,
  },
  { code: 'chain_order', name: 'healthy', spec: {}, want: passes },
  {
    code: 'chain_order',
    name: 'order unknown: the chain came from the TLS library, not the records',
    spec: {
      send: (c) => [c.intermediates[0]!.info, c.leaf.info],
      chain: { outOfOrder: true },
      sentChainSource: 'tls_library',
    },
    want: notEvaluated,
  },
  {
    code: 'chain_includes_root',
    name: 'root sent',
    spec: { send: withRoot, chain: { rootSentAt: 2 } },
    want: fires('info', 2, { sentIndex: 2 }),
  },
  {
    code: 'chain_includes_root',
    name: 'expired root sent',
    spec: { root: { notAfter: at(-2) }, send: withRoot, chain: { rootSentAt: 2 } },
    want: fires('warning', 2, { expired: true }),
  },
  { code: 'chain_includes_root', name: 'healthy', spec: {}, want: passes },
  {
    code: 'chain_signature_invalid',
    name: 'leaf signature broken',
    spec: { leaf: { badSignature: true } },
    want: fires('critical', 0),
  },
  {
    code: 'chain_signature_invalid',
    name: 'intermediate signature broken',
    spec: { intermediates: [{ badSignature: true }] },
    want: fires('critical', 1),
  },
  { code: 'chain_signature_invalid', name: 'healthy', spec: {}, want: passes },
  {
    code: 'chain_signature_invalid',
    name: 'chain building failed',
    spec: { chain: err('malformed') },
    want: notEvaluated,
  },
];

ruleCases(cases);
