import { addressBlocked } from './address_blocked.js';
import { backendsInconsistent } from './backends_inconsistent.js';
import { caCannotSign } from './ca_cannot_sign.js';
import { caNotCa } from './ca_not_ca.js';
import { certExpired } from './cert_expired.js';
import { certExpiringSoon } from './cert_expiring_soon.js';
import { certNotYetValid } from './cert_not_yet_valid.js';
import { certRevoked } from './cert_revoked.js';
import { certSelfSigned } from './cert_self_signed.js';
import { chainCertExpired } from './chain_cert_expired.js';
import { chainCertNotYetValid } from './chain_cert_not_yet_valid.js';
import { chainIncludesRoot } from './chain_includes_root.js';
import { chainIncomplete } from './chain_incomplete.js';
import { chainOrder } from './chain_order.js';
import { chainSignatureInvalid } from './chain_signature_invalid.js';
import { chainTooComplex } from './chain_too_complex.js';
import { chainUntrustedRoot } from './chain_untrusted_root.js';
import { checkDeadlineExceeded } from './check_deadline_exceeded.js';
import { clientCertRequired } from './client_cert_required.js';
import { clockSkew } from './clock_skew.js';
import { connectionRefused } from './connection_refused.js';
import { connectionTimeout } from './connection_timeout.js';
import { dnsNotFound } from './dns_not_found.js';
import { handshakeFailed } from './handshake_failed.js';
import { handshakeTimeout } from './handshake_timeout.js';
import { hostnameMismatch } from './hostname_mismatch.js';
import { hstsMissing } from './hsts_missing.js';
import { keyMismatch } from './key_mismatch.js';
import { keyRefused } from './key_refused.js';
import { leafIsCa } from './leaf_is_ca.js';
import { legacyTlsEnabled } from './legacy_tls_enabled.js';
import { legacyTlsOnly } from './legacy_tls_only.js';
import { nameConstraintsViolation } from './name_constraints_violation.js';
import { noSan } from './no_san.js';
import { notTls } from './not_tls.js';
import { ocspMustStapleMissing } from './ocsp_must_staple_missing.js';
import { ocspStapleInvalid } from './ocsp_staple_invalid.js';
import { pathLengthExceeded } from './path_length_exceeded.js';
import { revocationUnchecked } from './revocation_unchecked.js';
import { sniRequired } from './sni_required.js';
import type { Rule, RuleContext, RuleFinding, RuleResult } from './types.js';
import { unknownCriticalExtension } from './unknown_critical_extension.js';
import { validityTooLong } from './validity_too_long.js';
import { weakKey } from './weak_key.js';
import { weakSignatureAlgorithm } from './weak_signature_algorithm.js';
import { wrongKeyUsage } from './wrong_key_usage.js';

/**
 * Every rule, in tie-break order for the headline (after severity and certIndex): the root cause before its
 * consequences (legacy_tls_only explains a failed handshake, so it comes before handshake_failed; the
 * self-signed leaf before the untrusted chain, a missing SAN before the name mismatch it causes), then validity, trust, identity, key, protocol, http.
 *
 * Retired codes stay here as tombstones so they are never reused (none yet):
 * // retired: <code> (<date>, why)
 */
export const rules: Rule[] = [
  dnsNotFound,
  addressBlocked,
  connectionRefused,
  connectionTimeout,
  handshakeTimeout,
  notTls,
  legacyTlsOnly,
  handshakeFailed,
  clientCertRequired,
  certExpired,
  certNotYetValid,
  certRevoked,
  certSelfSigned,
  noSan,
  hostnameMismatch,
  chainIncomplete,
  chainUntrustedRoot,
  chainCertExpired,
  chainCertNotYetValid,
  keyRefused,
  chainTooComplex,
  chainSignatureInvalid,
  caNotCa,
  caCannotSign,
  pathLengthExceeded,
  unknownCriticalExtension,
  nameConstraintsViolation,
  weakSignatureAlgorithm,
  weakKey,
  wrongKeyUsage,
  keyMismatch,
  leafIsCa,
  ocspMustStapleMissing,
  ocspStapleInvalid,
  certExpiringSoon,
  validityTooLong,
  chainOrder,
  chainIncludesRoot,
  sniRequired,
  backendsInconsistent,
  legacyTlsEnabled,
  clockSkew,
  hstsMissing,
  checkDeadlineExceeded,
  revocationUnchecked,
];

/** One rule, isolated: a throw or a finding with a foreign code is our bug (`rule_error`), never the server's. */
export function runRule(rule: Rule, ctx: RuleContext): { result: RuleResult; finding: RuleFinding | null } {
  const code = rule.meta.code;
  try {
    if (!rule.applies(ctx)) return { result: { code, status: 'not_applicable' }, finding: null };
    const outcome = rule.evaluate(ctx);
    if (outcome.status === 'fail') {
      if (outcome.finding.code !== code) {
        const why = `rule ${code} returned a finding with code ${outcome.finding.code}`;
        return { result: { code, status: 'rule_error', why }, finding: null };
      }
      return { result: { code, status: 'fail' }, finding: outcome.finding };
    }
    if (outcome.status === 'not_evaluated')
      return { result: { code, status: outcome.status, why: outcome.why }, finding: null };
    return { result: { code, status: outcome.status }, finding: null };
  } catch (err) {
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { result: { code, status: 'rule_error', why }, finding: null };
  }
}

/** Run every rule (collect all findings, never stop at the first), in array order. */
export function runRules(
  ctx: RuleContext,
  list: readonly Rule[] = rules,
): { findings: RuleFinding[]; results: RuleResult[] } {
  const findings: RuleFinding[] = [];
  const results: RuleResult[] = [];
  for (const rule of list) {
    const { result, finding } = runRule(rule, ctx);
    results.push(result);
    if (finding) findings.push(finding);
  }
  return { findings, results };
}
