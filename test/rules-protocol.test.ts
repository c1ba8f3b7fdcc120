import { makeChain } from './support/pki.js';
import { at, err, NOW, skipped } from './support/report.js';
import { fires, notApplicable, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const legacyOnly = { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false };
const otherLeaf = async (dnsNames: string[], notAfterDays = 60) =>
  (await makeChain({ leaf: { subject: `CN=${dnsNames[0]}`, dnsNames, notAfter: at(notAfterDays) } }, NOW)).leaf.info;
const date = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000).toUTCString();

const cases: RuleCase[] = [
  {
    code: 'legacy_tls_only',
    name: 'TLS 1.0/1.1 only, modern handshake failed',
    spec: { handshake: err('handshake_failed', 'alert 70 protocol_version'), protocols: legacyOnly },
    want: fires('critical', -1, { supported: 'TLSv1, TLSv1.1' }),
  },
  {
    code: 'legacy_tls_only',
    name: 'TLS 1.3 support unknown',
    spec: { protocols: { ...legacyOnly, 'TLSv1.3': err('connection_timeout') } },
    want: notEvaluated,
  },
  { code: 'legacy_tls_only', name: 'legacy alongside modern', spec: { protocols: { TLSv1: true } }, want: passes },
  { code: 'legacy_tls_only', name: 'healthy', spec: {}, want: passes },
  { code: 'legacy_tls_only', name: 'scan failed', spec: { protocols: err('bug') }, want: notEvaluated },
  {
    code: 'legacy_tls_enabled',
    name: 'TLS 1.0 still on',
    spec: { protocols: { TLSv1: true } },
    want: fires('warning', -1, { legacy: 'TLSv1' }),
  },
  {
    code: 'legacy_tls_enabled',
    name: 'TLS 1.1 still on',
    spec: { protocols: { 'TLSv1.1': true } },
    want: fires('warning', -1),
  },
  { code: 'legacy_tls_enabled', name: 'healthy', spec: {}, want: passes },
  {
    code: 'legacy_tls_enabled',
    name: 'legacy versions could not be tested',
    spec: {
      protocols: { TLSv1: skipped('client cannot offer TLS 1.0'), 'TLSv1.1': skipped('client cannot offer TLS 1.1') },
    },
    want: notEvaluated,
  },
  { code: 'legacy_tls_enabled', name: 'legacy only is the other rule', spec: { protocols: legacyOnly }, want: passes },
  {
    code: 'sni_required',
    name: 'no-SNI handshake fails',
    spec: { noSni: err('handshake_failed', 'alert 112 unrecognized_name') },
    want: fires('warning', -1, { noSni: 'failed' }),
  },
  {
    code: 'sni_required',
    name: 'no-SNI gets another site',
    spec: async () => ({ noSni: await otherLeaf(['default.example.net']) }),
    want: fires('warning', -1, { noSni: 'other_certificate' }),
  },
  {
    code: 'sni_required',
    name: 'no-SNI gets another certificate that also covers the host',
    spec: async () => ({ noSni: await otherLeaf(['example.com']) }),
    want: passes,
  },
  { code: 'sni_required', name: 'healthy', spec: {}, want: passes },
  {
    code: 'sni_required',
    name: 'the SNI certificate does not cover the host either',
    spec: async () => ({ target: { host: 'api.example.org' }, noSni: await otherLeaf(['default.example.net']) }),
    want: passes,
  },
  { code: 'sni_required', name: 'no-SNI timed out', spec: { noSni: err('connection_timeout') }, want: notEvaluated },
  {
    code: 'sni_required',
    name: 'IP target sends no SNI anyway',
    spec: { target: { host: '192.0.2.10', ipVersion: 4 } },
    want: notApplicable,
  },
  {
    code: 'backends_inconsistent',
    name: 'one address refuses',
    spec: { backends: [{ address: '203.0.113.11', serve: err('connection_refused') }] },
    want: fires('critical', -1, { someFail: true }),
  },
  {
    code: 'backends_inconsistent',
    name: 'one address serves an expired certificate: critical, as its cert_expired',
    spec: async () => ({ backends: [{ address: '203.0.113.11', serve: await otherLeaf(['example.com'], -5) }] }),
    want: fires('critical', -1, { odd: '203.0.113.11', reference: '203.0.113.10' }),
  },
  {
    code: 'backends_inconsistent',
    name: 'different but valid certificates (rollout)',
    spec: async () => ({ backends: [{ address: '203.0.113.11', serve: await otherLeaf(['example.com'], 80) }] }),
    want: fires('info', -1),
  },
  {
    code: 'backends_inconsistent',
    name: 'same certificate everywhere',
    spec: { backends: [{ address: '203.0.113.11', serve: 'same' }] },
    want: passes,
  },
  { code: 'backends_inconsistent', name: 'single address', spec: {}, want: notApplicable },
  {
    code: 'clock_skew',
    name: 'server 10 min ahead',
    spec: { http: { date: date(600) } },
    want: fires('warning', -1, { direction: 'ahead of' }),
  },
  {
    code: 'clock_skew',
    name: 'server 10 min behind',
    spec: { http: { date: date(-600) } },
    want: fires('warning', -1, { direction: 'behind' }),
  },
  { code: 'clock_skew', name: '299 s is within 300 s', spec: { http: { date: date(299) } }, want: passes },
  {
    code: 'clock_skew',
    name: 'custom threshold',
    spec: { http: { date: date(120) } },
    ruleOptions: { clockSkewSeconds: 60 },
    want: fires('warning', -1),
  },
  { code: 'clock_skew', name: 'no Date header', spec: { http: { date: null } }, want: notEvaluated },
  { code: 'clock_skew', name: 'HTTP request failed', spec: { http: err('fetch_failed') }, want: notEvaluated },
  { code: 'clock_skew', name: 'not https', spec: { target: { protocol: 'smtp', port: 587 } }, want: notApplicable },
  { code: 'clock_skew', name: 'healthy', spec: {}, want: passes },
  {
    code: 'hsts_missing',
    name: 'no header',
    spec: { http: { strictTransportSecurity: null } },
    want: fires('info', -1),
  },
  {
    code: 'hsts_missing',
    name: 'max-age=0',
    spec: { http: { strictTransportSecurity: 'max-age=0' } },
    want: fires('info', -1),
  },
  { code: 'hsts_missing', name: 'healthy', spec: {}, want: passes },
  { code: 'hsts_missing', name: 'HTTP skipped', spec: { http: skipped('no http') }, want: notEvaluated },
  { code: 'hsts_missing', name: 'not https', spec: { target: { protocol: 'imap', port: 993 } }, want: notApplicable },
  { code: 'hsts_missing', name: 'handshake failed', spec: { handshake: err('handshake_failed') }, want: notEvaluated },
];

ruleCases(cases);
