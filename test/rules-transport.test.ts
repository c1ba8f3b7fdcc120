import { err, ok, skipped } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const blocked = (address: string, blockedBy: string) => ({ address, family: 4 as const, allowed: false, blockedBy });

const cases: RuleCase[] = [
  { code: 'dns_not_found', name: 'NXDOMAIN', spec: { resolution: err('dns_not_found') }, want: fires('critical', -1) },
  {
    code: 'dns_not_found',
    name: 'resolver failure (SERVFAIL)',
    spec: { resolution: err('dns_failed') },
    want: fires('critical', -1, { resolverFailed: true }),
  },
  { code: 'dns_not_found', name: 'resolves', spec: {}, want: passes },
  {
    code: 'dns_not_found',
    name: 'blocked is not "not found"',
    spec: { resolution: err('address_blocked') },
    want: passes,
  },
  { code: 'dns_not_found', name: 'resolution skipped', spec: { resolution: skipped() }, want: notEvaluated },
  {
    code: 'address_blocked',
    name: 'every address private',
    spec: { resolution: ok([blocked('10.0.0.5', '10.0.0.0/8'), blocked('fd00::5', 'fc00::/7')]) },
    want: fires('warning', -1, { addresses: '10.0.0.5, fd00::5' }),
  },
  {
    code: 'address_blocked',
    name: 'one address allowed',
    spec: {
      resolution: ok([
        blocked('10.0.0.5', '10.0.0.0/8'),
        { address: '203.0.113.10', family: 4, allowed: true, blockedBy: null },
      ]),
    },
    want: passes,
  },
  {
    code: 'address_blocked',
    name: 'probe reports the policy refusal as an error',
    spec: { resolution: err('address_blocked', '169.254.169.254 is link-local') },
    want: fires('warning', -1),
  },
  { code: 'address_blocked', name: 'public address', spec: {}, want: passes },
  {
    code: 'connection_refused',
    name: 'RST',
    spec: { handshake: err('connection_refused') },
    want: fires('critical', -1),
  },
  {
    code: 'connection_refused',
    name: 'timeout is not refused',
    spec: { handshake: err('connection_timeout') },
    want: passes,
  },
  { code: 'connection_refused', name: 'healthy', spec: {}, want: passes },
  {
    code: 'connection_refused',
    name: 'nothing resolved',
    spec: { resolution: err('dns_not_found') },
    want: notEvaluated,
  },
  {
    code: 'connection_timeout',
    name: 'silent peer',
    spec: { handshake: err('connection_timeout') },
    want: fires('critical', -1),
  },
  { code: 'connection_timeout', name: 'healthy', spec: {}, want: passes },
  {
    code: 'connection_timeout',
    name: 'accepted, then silent, is not an unanswered SYN',
    spec: { handshake: err('handshake_timeout') },
    want: passes,
  },
  {
    code: 'handshake_timeout',
    name: 'accepted, then silent',
    spec: { handshake: err('handshake_timeout') },
    want: fires('critical', -1, { errorCode: 'handshake_timeout' }),
  },
  {
    code: 'handshake_timeout',
    name: 'an unanswered SYN is connection_timeout',
    spec: { handshake: err('connection_timeout') },
    want: passes,
  },
  { code: 'handshake_timeout', name: 'healthy', spec: {}, want: passes },
  {
    code: 'handshake_timeout',
    name: 'nothing resolved',
    spec: { resolution: err('dns_not_found') },
    want: notEvaluated,
  },
  { code: 'not_tls', name: 'plain HTTP on 443', spec: { handshake: err('not_tls') }, want: fires('critical', -1) },
  { code: 'not_tls', name: 'healthy', spec: {}, want: passes },
  {
    code: 'handshake_failed',
    name: 'fatal alert',
    spec: { handshake: err('handshake_failed', 'alert 40 handshake_failure') },
    want: fires('critical', -1, { reason: 'alert' }),
  },
  {
    code: 'handshake_failed',
    name: 'reset mid-handshake',
    spec: { handshake: err('connection_reset') },
    want: fires('critical', -1, { reason: 'reset' }),
  },
  {
    code: 'handshake_failed',
    name: 'refused is not a handshake failure',
    spec: { handshake: err('connection_refused') },
    want: passes,
  },
  { code: 'handshake_failed', name: 'healthy', spec: {}, want: passes },
  { code: 'handshake_failed', name: 'handshake skipped', spec: { handshake: skipped() }, want: notEvaluated },
];

ruleCases(cases);
