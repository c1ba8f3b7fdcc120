import { err } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const wildcard = { dnsNames: ['*.example.com', 'example.com'] };
const host = (h: string, ipVersion: 4 | 6 | null = null) => ({ target: { host: h, ipVersion } });

const cases: RuleCase[] = [
  { code: 'hostname_mismatch', name: 'exact SAN', spec: {}, want: passes },
  {
    code: 'hostname_mismatch',
    name: 'other domain',
    spec: host('api.example.org'),
    want: fires('critical', 0, { host: 'api.example.org' }),
  },
  {
    code: 'hostname_mismatch',
    name: 'wildcard covers one label',
    spec: { leaf: wildcard, ...host('a.example.com') },
    want: passes,
  },
  {
    code: 'hostname_mismatch',
    name: 'wildcard does not cover two labels',
    spec: { leaf: wildcard, ...host('a.b.example.com') },
    want: fires('critical', 0, { hint: 'a wildcard covers one label', closest: '*.example.com' }),
  },
  {
    code: 'hostname_mismatch',
    name: 'wildcard does not cover the bare domain',
    spec: { leaf: { dnsNames: ['*.example.com'] }, ...host('example.com') },
    want: fires('critical', 0),
  },
  {
    code: 'hostname_mismatch',
    name: 'partial-label wildcard never matches',
    spec: { leaf: { dnsNames: ['f*.example.com'] }, ...host('foo.example.com') },
    want: fires('critical', 0),
  },
  {
    code: 'hostname_mismatch',
    name: 'wildcard over a TLD never matches',
    spec: { leaf: { dnsNames: ['*.com'] }, ...host('example.com') },
    want: fires('critical', 0),
  },
  {
    code: 'hostname_mismatch',
    name: 'upper-case host with trailing dot',
    spec: host('WWW.Example.COM.'),
    want: passes,
  },
  {
    code: 'hostname_mismatch',
    name: 'IP target matches an iPAddress SAN',
    spec: { leaf: { ipAddresses: ['192.0.2.10'] }, ...host('192.0.2.10', 4) },
    want: passes,
  },
  {
    code: 'hostname_mismatch',
    name: 'IP target does not match a dNSName holding the IP',
    spec: { leaf: { dnsNames: ['192.0.2.10'] }, ...host('192.0.2.10', 4) },
    want: fires('critical', 0, { ipTarget: true }),
  },
  {
    code: 'hostname_mismatch',
    name: 'IPv6 target, differently written SAN',
    spec: { leaf: { ipAddresses: ['2001:db8:0:0:0:0:0:1'] }, ...host('2001:db8::1', 6) },
    want: passes,
  },
  {
    code: 'hostname_mismatch',
    name: 'IDN host compares in punycode',
    spec: {
      leaf: { dnsNames: ['xn--bcher-kva.example'] },
      target: { host: 'xn--bcher-kva.example', unicodeHost: 'bücher.example' },
    },
    want: passes,
  },
  {
    code: 'hostname_mismatch',
    name: 'IDN host not covered',
    spec: { target: { host: 'xn--bcher-kva.example', unicodeHost: 'bücher.example' } },
    want: fires('critical', 0),
  },
  {
    code: 'hostname_mismatch',
    name: 'no SAN: no Common Name fallback',
    spec: { leaf: { omitSan: true } },
    want: fires('critical', 0, { hint: 'clients ignore the legacy Common Name' }),
  },
  {
    code: 'hostname_mismatch',
    name: 'no SAN and another CN',
    spec: { leaf: { omitSan: true, subject: 'CN=other.example.net' } },
    want: fires('critical', 0),
  },
  {
    code: 'hostname_mismatch',
    name: 'handshake failed',
    spec: { handshake: err('handshake_failed') },
    want: notEvaluated,
  },
  {
    code: 'no_san',
    name: 'CN only',
    spec: { leaf: { omitSan: true } },
    want: fires('critical', 0, { subjectCN: 'example.com' }),
  },
  { code: 'no_san', name: 'healthy', spec: {}, want: passes },
  {
    code: 'no_san',
    name: 'IP SAN only is still a SAN',
    spec: { leaf: { dnsNames: [], ipAddresses: ['192.0.2.10'] } },
    want: passes,
  },
];

ruleCases(cases);
