/**
 * The path-validation rules (issue 9), each from a chain minted at test time with one defect; the §6.1
 * problems come from the real checks (test/support/report.ts runs them on the path).
 */
import { at } from './support/report.js';
import { fires, passes, type RuleCase, ruleCases } from './support/rulecases.js';

const cases: RuleCase[] = [
  {
    code: 'ca_not_ca',
    name: 'intermediate cA=FALSE',
    spec: { intermediates: [{ ca: false }] },
    want: fires('critical', 1),
  },
  {
    code: 'ca_not_ca',
    name: 'intermediate without basicConstraints',
    spec: { intermediates: [{ omitBasicConstraints: true }] },
    want: fires('critical', 1, { basicConstraints: 'absent' }),
  },
  { code: 'ca_not_ca', name: 'healthy', spec: {}, want: passes },
  {
    code: 'ca_cannot_sign',
    name: 'intermediate keyUsage without keyCertSign',
    spec: { intermediates: [{ keyUsage: ['digitalSignature'] }] },
    want: fires('critical', 1),
  },
  { code: 'ca_cannot_sign', name: 'healthy', spec: {}, want: passes },
  {
    code: 'path_length_exceeded',
    name: 'pathLen 0 on the upper intermediate (intermediates[0] is nearest the root)',
    spec: { intermediates: [{ pathLength: 0 }, {}] },
    want: fires('critical', 2, { pathLength: 0, below: 1 }),
  },
  {
    code: 'path_length_exceeded',
    name: 'pathLen 0 directly above the leaf',
    spec: { intermediates: [{ pathLength: 0 }] },
    want: passes,
  },
  {
    code: 'chain_cert_not_yet_valid',
    name: 'intermediate valid from tomorrow',
    spec: { intermediates: [{ notBefore: at(1) }] },
    want: fires('critical', 1),
  },
  { code: 'chain_cert_not_yet_valid', name: 'healthy', spec: {}, want: passes },
  { code: 'unknown_critical_extension', name: 'healthy', spec: {}, want: passes },
  { code: 'name_constraints_violation', name: 'healthy', spec: {}, want: passes },
  { code: 'key_refused', name: 'healthy', spec: {}, want: passes },
  { code: 'chain_too_complex', name: 'healthy', spec: {}, want: passes },
  {
    code: 'wrong_key_usage',
    name: 'leaf without digitalSignature over TLS 1.3: critical',
    spec: { leaf: { keyUsage: ['keyEncipherment'] } },
    want: fires('critical', 0, { check: 'leaf_ku' }),
  },
];

ruleCases(cases);
