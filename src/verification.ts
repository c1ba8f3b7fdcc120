/**
 * `verification` on a Diagnosis (issue 9): whether the built path verifies for its purpose at the checked
 * time, as a browser's verifier would decide, and which finding codes make it fail. Advice (warnings,
 * info) and findings about the connection or deployment (protocols, HSTS, chain order) do not count.
 */
import type { Finding } from './rules/types.js';

/** Codes that mean a verifier refuses the path when they are critical. */
export const VERIFICATION_CODES = new Set([
  'cert_expired',
  'cert_not_yet_valid',
  'chain_cert_expired',
  'chain_cert_not_yet_valid',
  'chain_incomplete',
  'chain_untrusted_root',
  'cert_self_signed',
  'chain_signature_invalid',
  'ca_not_ca',
  'ca_cannot_sign',
  'path_length_exceeded',
  'unknown_critical_extension',
  'name_constraints_violation',
  'key_refused',
  'chain_too_complex',
  'hostname_mismatch',
  'no_san',
  'weak_signature_algorithm',
  'weak_key',
  'wrong_key_usage',
  'cert_revoked',
]);

export interface Verification {
  valid: boolean;
  /** the codes that make it fail, in findings order, each once */
  codes: string[];
}

export function verificationOf(findings: readonly Pick<Finding, 'code' | 'severity'>[]): Verification {
  const codes = [
    ...new Set(findings.filter((f) => f.severity === 'critical' && VERIFICATION_CODES.has(f.code)).map((f) => f.code)),
  ];
  return { valid: codes.length === 0, codes };
}
