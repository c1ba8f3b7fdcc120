import type { CertRevocation, RevocationReport, RevocationSource } from '../src/probe/types.js';
import { err } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const src = (
  kind: RevocationSource['kind'],
  outcome: RevocationSource['outcome'],
  over: Partial<RevocationSource> = {},
) => ({
  kind,
  url: kind === 'staple' ? null : `http://ca.example.net/${kind}`,
  outcome,
  revokedAt: outcome === 'revoked' ? '2026-11-01T00:00:00.000Z' : null,
  reason: outcome === 'revoked' ? 'keyCompromise' : null,
  thisUpdate: null,
  nextUpdate: null,
  problem: null,
  error: null,
  ...over,
});

function cert(certIndex: number, status: CertRevocation['status'], sources: RevocationSource[], noPointers = false) {
  const revoked = sources.find((s) => s.outcome === 'revoked');
  return {
    certIndex,
    sha256: '00'.repeat(32),
    status,
    revokedAt: revoked?.revokedAt ?? null,
    reason: revoked?.reason ?? null,
    revokedBy: revoked?.kind ?? null,
    noPointers,
    sources,
  };
}

const rev = (certs: CertRevocation[], mustStaple = false) => ({
  revocation: {
    status: 'completed' as const,
    result: {
      certs,
      mustStaple,
      stapled: certs.some((c) => c.sources.some((s) => s.kind === 'staple')),
      notes: [],
    } satisfies RevocationReport,
  },
});

const goodLeaf = cert(0, 'good', [src('crl', 'good')]);
const stale = src('staple', 'invalid', { problem: 'stale', error: 'stale: nextUpdate has passed' });

const cases: RuleCase[] = [
  {
    code: 'cert_revoked',
    name: 'the CRL lists the leaf',
    spec: rev([cert(0, 'revoked', [src('crl', 'revoked')])]),
    want: fires('critical', 0, { source: 'crl', reason: 'keyCompromise' }),
  },
  {
    code: 'cert_revoked',
    name: 'OCSP revokes the intermediate',
    spec: rev([goodLeaf, cert(1, 'revoked', [src('ocsp', 'revoked')])]),
    want: fires('critical', 1, { source: 'ocsp' }),
  },
  { code: 'cert_revoked', name: 'all good', spec: rev([goodLeaf]), want: passes },
  { code: 'cert_revoked', name: 'revocation step failed', spec: { revocation: err('bug') }, want: notEvaluated },
  {
    code: 'ocsp_staple_invalid',
    name: 'stale staple',
    spec: rev([cert(0, 'good', [stale, src('ocsp', 'good')])]),
    want: fires('warning', 0, { problem: 'stale' }),
  },
  {
    code: 'ocsp_staple_invalid',
    name: 'stale staple on must-staple',
    spec: rev([cert(0, 'good', [stale, src('ocsp', 'good')])], true),
    want: fires('critical', 0, { problem: 'stale' }),
  },
  {
    code: 'ocsp_staple_invalid',
    name: 'staple good, CRL revoked',
    spec: rev([cert(0, 'revoked', [src('staple', 'good'), src('crl', 'revoked')])]),
    want: fires('warning', 0, { problem: 'disagrees', otherSource: 'crl' }),
  },
  {
    code: 'ocsp_staple_invalid',
    name: 'good staple',
    spec: rev([cert(0, 'good', [src('staple', 'good')])]),
    want: passes,
  },
  { code: 'ocsp_staple_invalid', name: 'no staple', spec: rev([goodLeaf]), want: passes },
  {
    code: 'revocation_unchecked',
    name: 'every source unreachable',
    spec: rev([
      cert(0, 'unchecked', [src('crl', 'error', { error: 'connection_timeout: …' }), src('ocsp', 'blocked')]),
    ]),
    want: fires('info', 0, { noPointers: false, sources: 'crl:error, ocsp:blocked' }),
  },
  {
    code: 'revocation_unchecked',
    name: 'no pointers',
    spec: rev([cert(0, 'unchecked', [], true)]),
    want: fires('info', 0, { noPointers: true }),
  },
  {
    code: 'revocation_unchecked',
    name: 'responder says unknown',
    spec: rev([cert(0, 'unknown', [src('ocsp', 'unknown')])]),
    want: fires('info', 0, { status: 'unknown' }),
  },
  {
    code: 'revocation_unchecked',
    name: 'intermediate unchecked',
    spec: rev([goodLeaf, cert(1, 'unchecked', [src('crl', 'error')])]),
    want: fires('info', 1),
  },
  { code: 'revocation_unchecked', name: 'all good', spec: rev([goodLeaf]), want: passes },
  {
    code: 'ocsp_must_staple_missing',
    name: 'must-staple, no staple',
    spec: { leaf: { mustStaple: true } },
    want: fires('critical', 0),
  },
  { code: 'ocsp_must_staple_missing', name: 'no must-staple', spec: {}, want: passes },
  {
    code: 'ocsp_must_staple_missing',
    name: 'handshake failed',
    spec: { leaf: { mustStaple: true }, handshake: err('connection_reset') },
    want: notEvaluated,
  },
];

ruleCases(cases);
