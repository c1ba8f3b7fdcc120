/** The finding codes remediation knowledge covers: exactly DESIGN.md's list ("extend, never rename"). */
export const FINDING_CODES = [
  'dns_not_found',
  'connection_refused',
  'connection_timeout',
  'not_tls',
  'handshake_failed',
  'address_blocked',
  'cert_expired',
  'cert_not_yet_valid',
  'cert_expiring_soon',
  'chain_cert_expired',
  'validity_too_long',
  'chain_incomplete',
  'chain_untrusted_root',
  'cert_self_signed',
  'chain_order',
  'chain_includes_root',
  'chain_signature_invalid',
  'hostname_mismatch',
  'no_san',
  'weak_signature_algorithm',
  'weak_key',
  'wrong_key_usage',
  'leaf_is_ca',
  'cert_revoked',
  'ocsp_must_staple_missing',
  'ocsp_staple_invalid',
  'revocation_unchecked',
  'legacy_tls_only',
  'legacy_tls_enabled',
  'sni_required',
  'backends_inconsistent',
  'clock_skew',
  'hsts_missing',
  'client_cert_required',
  'handshake_timeout',
  'check_deadline_exceeded',
  // path validation (issue 9) and bounded chain work (issue 7 item 2)
  'chain_cert_not_yet_valid',
  'ca_not_ca',
  'ca_cannot_sign',
  'path_length_exceeded',
  'unknown_critical_extension',
  'name_constraints_violation',
  'key_refused',
  'chain_too_complex',
  'key_mismatch',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(FINDING_CODES);

export function isFindingCode(code: string): code is FindingCode {
  return KNOWN.has(code);
}

/** rules/params.ts types exactly these codes: a code added to one list and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const PARAMS_COVER_EVERY_CODE: Same<FindingCode, import('../rules/params.js').ParamCode> = true;
