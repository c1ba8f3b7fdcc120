import { err } from './support/report.js';
import { fires, notEvaluated, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const rsa = (bits: number) => ({ key: { type: 'rsa' as const, bits } });

const cases: RuleCase[] = [
  {
    code: 'weak_signature_algorithm',
    name: 'SHA-1 leaf',
    spec: { leaf: { signatureHash: 'SHA-1' } },
    want: fires('critical', 0, { hash: 'SHA-1' }),
  },
  {
    code: 'weak_signature_algorithm',
    name: 'SHA-1 intermediate',
    spec: { intermediates: [{ signatureHash: 'SHA-1' }] },
    want: fires('critical', 1),
  },
  {
    code: 'weak_signature_algorithm',
    name: 'RSA SHA-1 leaf and intermediate: the lowest index',
    spec: { intermediates: [{ signatureHash: 'SHA-1', key: rsa(2048).key }], leaf: { signatureHash: 'SHA-1' } },
    want: fires('critical', 0),
  },
  {
    code: 'weak_signature_algorithm',
    name: 'SHA-1 self-signature of a store root is ignored',
    spec: { root: { signatureHash: 'SHA-1' } },
    want: passes,
  },
  { code: 'weak_signature_algorithm', name: 'healthy', spec: {}, want: passes },
  {
    code: 'weak_signature_algorithm',
    name: 'handshake failed',
    spec: { handshake: err('handshake_failed'), chain: err('bug') },
    want: notEvaluated,
  },
  { code: 'weak_key', name: 'RSA 1024 leaf', spec: { leaf: rsa(1024) }, want: fires('critical', 0, { bits: 1024 }) },
  { code: 'weak_key', name: 'RSA 1024 intermediate', spec: { intermediates: [rsa(1024)] }, want: fires('critical', 1) },
  { code: 'weak_key', name: 'RSA 1024 root in the store is ignored', spec: { root: rsa(1024) }, want: passes },
  { code: 'weak_key', name: 'RSA 2048 leaf', spec: { leaf: rsa(2048) }, want: passes },
  { code: 'weak_key', name: 'P-256 (healthy)', spec: {}, want: passes },
  { code: 'weak_key', name: 'Ed25519 leaf', spec: { leaf: { key: { type: 'ed25519' } } }, want: passes },
  {
    code: 'wrong_key_usage',
    name: 'leaf EKU clientAuth only',
    spec: { leaf: { extKeyUsage: ['clientAuth'] } },
    want: fires('critical', 0, { check: 'leaf_eku' }),
  },
  {
    code: 'wrong_key_usage',
    name: 'leaf EKU anyExtendedKeyUsage',
    spec: { leaf: { extKeyUsage: ['anyExtendedKeyUsage'] } },
    want: passes,
  },
  {
    code: 'wrong_key_usage',
    name: 'EC leaf with keyEncipherment only',
    spec: { leaf: { keyUsage: ['keyEncipherment'] } },
    want: fires('critical', 0, { check: 'leaf_ku' }),
  },
  {
    code: 'wrong_key_usage',
    name: 'RSA leaf without digitalSignature',
    spec: { leaf: { ...rsa(2048), keyUsage: ['keyEncipherment'] } },
    want: fires('critical', 0, { check: 'leaf_ku' }),
  },
  {
    code: 'wrong_key_usage',
    name: 'no KU and no EKU at all',
    spec: { leaf: { keyUsage: null, extKeyUsage: null } },
    want: passes,
  },
  {
    code: 'wrong_key_usage',
    name: 'intermediate EKU excludes serverAuth',
    spec: { intermediates: [{ extKeyUsage: ['clientAuth', 'emailProtection'] }] },
    want: fires('critical', 1, { check: 'intermediate_eku' }),
  },
  {
    code: 'wrong_key_usage',
    name: 'intermediate EKU serverAuth',
    spec: { intermediates: [{ extKeyUsage: ['serverAuth'] }] },
    want: passes,
  },
  { code: 'wrong_key_usage', name: 'healthy', spec: {}, want: passes },
  { code: 'leaf_is_ca', name: 'leaf with cA=TRUE', spec: { leaf: { ca: true } }, want: fires('warning', 0) },
  { code: 'leaf_is_ca', name: 'no basicConstraints', spec: { leaf: { omitBasicConstraints: true } }, want: passes },
  { code: 'leaf_is_ca', name: 'healthy', spec: {}, want: passes },
];

ruleCases(cases);
