import { at, err } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const leafDates = (nbDays: number, naDays: number, naMs = 0) => ({
  leaf: { notBefore: at(nbDays), notAfter: at(naDays, naMs) },
});
const issued = (notBefore: string, validityMs: number) => ({
  leaf: { notBefore: new Date(notBefore), notAfter: new Date(Date.parse(notBefore) + validityMs) },
});
const DAY = 86_400_000;

const cases: RuleCase[] = [
  {
    code: 'cert_expired',
    name: 'expired 3 days ago',
    spec: leafDates(-90, -3),
    want: fires('critical', 0, { daysAgo: 3 }),
  },
  { code: 'cert_expired', name: 'expired one second ago', spec: leafDates(-90, 0, -1000), want: fires('critical', 0) },
  { code: 'cert_expired', name: 'notAfter is now (inclusive)', spec: leafDates(-90, 0), want: passes },
  { code: 'cert_expired', name: 'healthy', spec: {}, want: passes },
  { code: 'cert_expired', name: 'handshake failed', spec: { handshake: err('handshake_failed') }, want: notEvaluated },
  { code: 'cert_not_yet_valid', name: 'starts in 2 days', spec: leafDates(2, 90), want: fires('critical', 0) },
  { code: 'cert_not_yet_valid', name: 'notBefore is now (inclusive)', spec: leafDates(0, 90), want: passes },
  { code: 'cert_not_yet_valid', name: 'healthy', spec: {}, want: passes },
  {
    code: 'cert_not_yet_valid',
    name: 'handshake timed out',
    spec: { handshake: err('connection_timeout') },
    want: notEvaluated,
  },
  {
    code: 'cert_expiring_soon',
    name: 'exactly 30 days left',
    spec: leafDates(-60, 30),
    want: fires('warning', 0, { daysLeft: 30 }),
  },
  { code: 'cert_expiring_soon', name: '30 days and 1 s left', spec: leafDates(-60, 30, 1000), want: passes },
  {
    code: 'cert_expiring_soon',
    name: 'exactly 7 days left',
    spec: leafDates(-60, 7),
    want: fires('critical', 0, { daysLeft: 7 }),
  },
  { code: 'cert_expiring_soon', name: '7 days and 1 s left', spec: leafDates(-60, 7, 1000), want: fires('warning', 0) },
  { code: 'cert_expiring_soon', name: 'expires this second', spec: leafDates(-60, 0), want: fires('critical', 0) },
  { code: 'cert_expiring_soon', name: 'already expired', spec: leafDates(-60, -1), want: passes },
  { code: 'cert_expiring_soon', name: 'healthy (60 days)', spec: {}, want: passes },
  {
    code: 'cert_expiring_soon',
    name: 'custom warn threshold 90 days',
    spec: {},
    ruleOptions: { expiringWarnDays: 90 },
    want: fires('warning', 0),
  },
  {
    code: 'cert_expiring_soon',
    name: 'handshake failed',
    spec: { handshake: err('connection_reset') },
    want: notEvaluated,
  },
  {
    code: 'chain_cert_expired',
    name: 'sent intermediate expired, on the only trusted path',
    spec: { intermediates: [{ notAfter: at(-1) }] },
    want: fires('critical', 1, { onlyPath: true }),
  },
  {
    code: 'chain_cert_expired',
    name: 'expired intermediate on an untrusted path: whether another path exists is unknown',
    spec: { intermediates: [{ notAfter: at(-1) }], chain: { trusted: false } },
    want: fires('critical', 1, { onlyPath: null }),
  },
  {
    code: 'chain_cert_expired',
    name: 'expired intermediate sent beside its renewal (unused by the path): another path exists',
    spec: {
      intermediates: [{ notAfter: at(-1) }],
      send: (c) => [
        c.leaf.info,
        c.intermediates[0]!.info,
        { ...c.intermediates[0]!.info, notBefore: at(-2).toISOString(), notAfter: at(300).toISOString() },
      ],
      chain: { unusedSent: [2] },
    },
    want: fires('critical', 1, { onlyPath: false }),
  },
  {
    code: 'chain_cert_expired',
    name: 'upper of two intermediates expired',
    spec: { intermediates: [{ notAfter: at(-1) }, {}] },
    want: fires('critical', 2),
  },
  {
    code: 'chain_cert_expired',
    name: 'expired root from the store is ignored',
    spec: { root: { notAfter: at(-1) } },
    want: passes,
  },
  {
    code: 'chain_cert_expired',
    name: 'expired leaf is cert_expired, not this',
    spec: leafDates(-90, -1),
    want: passes,
  },
  { code: 'chain_cert_expired', name: 'healthy', spec: {}, want: passes },
  { code: 'chain_cert_expired', name: 'chain building failed', spec: { chain: err('bug') }, want: notEvaluated },
  {
    code: 'validity_too_long',
    name: 'exactly 398 days (inclusive)',
    spec: issued('2024-06-01T00:00:00Z', 398 * DAY - 1000),
    want: passes,
  },
  {
    code: 'validity_too_long',
    name: '398 days + 1 s',
    spec: issued('2024-06-01T00:00:00Z', 398 * DAY),
    want: fires('critical', 0, { publiclyTrusted: true }),
  },
  {
    code: 'validity_too_long',
    name: 'issued 2020-08-31 for 800 days',
    spec: issued('2020-08-31T23:59:59Z', 800 * DAY),
    want: passes,
  },
  {
    code: 'validity_too_long',
    name: 'issued 2020-09-01 for 800 days',
    spec: issued('2020-09-01T00:00:00Z', 800 * DAY),
    want: fires('critical', 0),
  },
  {
    code: 'validity_too_long',
    name: 'private CA: warning only',
    spec: { ...issued('2025-01-01T00:00:00Z', 825 * DAY), chain: { anchorStore: 'custom' } },
    want: fires('warning', 0, { publiclyTrusted: false }),
  },
  { code: 'validity_too_long', name: 'healthy (90 days)', spec: {}, want: passes },
];

ruleCases(cases);
