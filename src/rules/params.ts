/**
 * The facts each finding code hands to src/fixes, keyed by code. `Finding.params` stays a flat record of
 * scalars in JSON (stored reports and goldens keep their shape); this map only types it. A rule returning
 * `fail({ code: 'x', params })` is checked against `FindingParams['x']`, and a fix recipe for code `x` can
 * only read keys declared here (test/fixes-params.test.ts proves at run time that every key a fix reads is
 * one its rule emits).
 *
 * Lists are joined strings (", " unless stated) because the record is flat. Codes not listed here (a newer
 * rule) get `FlatParams`.
 */

export type Scalar = string | number | boolean | null;

/** What every finding's params are in JSON. */
export type FlatParams = Record<string, Scalar>;

/** Every transport finding (rules/lib/transport.ts). */
export type TransportParams = {
  host: string;
  port: number;
  sni: string | null;
  /** the address whose handshake failed */
  address: string;
  errorCode: string;
  error: string;
};

export interface FindingParams {
  dns_not_found: { host: string; resolverFailed: boolean; error: string };
  connection_refused: TransportParams;
  connection_timeout: TransportParams & { timeoutMs: number };
  not_tls: TransportParams & { protocol: string };
  handshake_failed: TransportParams & { reason: 'reset' | 'alert' };
  /** `addresses`: the refused addresses; `blockedBy`: why, e.g. "127.0.0.0/8 (loopback)" */
  address_blocked: { host: string; addresses: string; blockedBy: string };
  cert_expired: { notAfter: string; now: string; daysAgo: number };
  cert_not_yet_valid: { notBefore: string; now: string; inSeconds: number; inDays: number };
  cert_expiring_soon: { notAfter: string; now: string; daysLeft: number; thresholdDays: number };
  chain_cert_expired: { subject: string; notAfter: string; now: string; builtIndex: number; onlyPath: boolean | null };
  validity_too_long: {
    notBefore: string;
    notAfter: string;
    validityDays: number;
    maxDays: number;
    publiclyTrusted: boolean;
  };
  /**
   * `aiaFetches`: "url (status)" joined; `aiaUrl`: the first caIssuers URL of the certificate whose issuer is
   * missing (RFC 5280 §4.2.2.1), or null when it has none.
   */
  chain_incomplete: {
    missingIssuer: string;
    issuedCertIndex: number;
    aiaNeeded: boolean;
    aiaCompleted: boolean;
    aiaFetches: string;
    aiaUrl: string | null;
  };
  chain_untrusted_root: { root: string; rootSha256: string; rootSent: boolean; builtIndex: number };
  cert_self_signed: { subject: string; sha256: string };
  /** `leafFirst`: the first certificate sent is the leaf of the path (RFC 8446 §4.4.2 "MUST come first") */
  chain_order: { outOfOrder: boolean; unusedSentIndexes: string; leafFirst: boolean };
  chain_includes_root: { sentIndex: number; builtIndex: number; root: string; notAfter: string; expired: boolean };
  chain_signature_invalid: { subject: string; issuer: string | null; builtIndex: number; issuerIndex: number };
  /** `names`: the certificate's SAN names (or CN when it has no SAN), ", " joined */
  hostname_mismatch: {
    host: string;
    names: string;
    closest: string | null;
    hint: string | null;
    ipTarget: boolean;
    subjectCN: string | null;
  };
  no_san: { subjectCN: string | null; subject: string };
  weak_signature_algorithm: { algorithm: string; hash: string | null; subject: string; indexIn: 'built' | 'sent' };
  weak_key: {
    algorithm: string;
    bits: number | null;
    minimumBits: number | null;
    subject: string;
    indexIn: 'built' | 'sent';
  };
  wrong_key_usage: { check: string; observed: string; expected: string; subject: string };
  leaf_is_ca: { subject: string; ca: boolean; pathLength: number | null };
  /** revocation codes: emitted by the revocation rules (issue 10); fixes read these */
  /** `source`: which said so (crl, ocsp, staple); `builtIndex`: the revoked certificate's place in the path */
  cert_revoked: {
    reason: string | null;
    revokedAt: string | null;
    source: string;
    url: string | null;
    sha256: string;
    builtIndex: number;
  };
  ocsp_must_staple_missing: { protocol: string | null; ocspUrl: string | null };
  ocsp_staple_invalid: {
    problem: string;
    stapleStatus: string;
    otherSource: string | null;
    otherStatus: string | null;
    thisUpdate: string | null;
    nextUpdate: string | null;
    mustStaple: boolean;
  };
  /** `sources`: "kind:outcome" joined with ", " */
  revocation_unchecked: {
    noPointers: boolean;
    status: string;
    sources: string;
    ocspUrl: string | null;
    crlUrl: string | null;
    builtIndex: number;
  };
  legacy_tls_only: { supported: string; expected: string };
  legacy_tls_enabled: { legacy: string; modern: string };
  sni_required: {
    host: string;
    noSni: 'failed' | 'other_certificate';
    error?: string;
    noSniSubject?: string;
    noSniNames?: string;
  };
  /**
   * `backends`: "address: serial …, expires …" joined with "; "; `odd`: the addresses that differ from
   * `reference`, the address whose profile most addresses share
   */
  backends_inconsistent: { addresses: string; odd: string; reference: string; backends: string; someFail: boolean };
  clock_skew: {
    serverDate: string;
    receivedAt: string;
    skewSeconds: number;
    thresholdSeconds: number;
    direction: string;
  };
  hsts_missing: { header: string | null; status: number };
  handshake_timeout: TransportParams & { timeoutMs: number };
  /** `unfinished` / `reached`: step names joined with ", " ("none" when empty) */
  check_deadline_exceeded: { timeoutMs: number; elapsedMs: number; unfinished: string; reached: string };
  // path validation (issue 9; RFC 5280 §6.1) and bounded chain work (issue 7): `builtIndex` is the certificate's
  // place in the built path
  chain_cert_not_yet_valid: { subject: string; notBefore: string; now: string; builtIndex: number };
  ca_not_ca: { subject: string; basicConstraints: string; builtIndex: number };
  ca_cannot_sign: { subject: string; keyUsage: string; builtIndex: number };
  path_length_exceeded: { subject: string; pathLength: number; below: number; builtIndex: number };
  unknown_critical_extension: { subject: string; oids: string; builtIndex: number };
  name_constraints_violation: {
    subject: string;
    name: string;
    subtree: string;
    constrainedBy: string;
    builtIndex: number;
    constrainedAt: number;
  };
  key_refused: { subject: string; sentIndex: number | null; reason: string; count: number; sha256: string };
  chain_too_complex: { exhausted: string; signatureChecks: number; maxSignatureChecks: number; trusted: boolean };
  key_mismatch: { file: string; key: string; leafKey: string };
  client_cert_required: {
    required: boolean | null;
    refusal: string | null;
    caNames: string;
    caCount: number;
    protocol: string | null;
  };
}

export type ParamCode = keyof FindingParams;

/** The params type of a code: its entry in the map, or a flat record for codes the map does not know yet. */
export type ParamsFor<C extends string> = C extends ParamCode ? FindingParams[C] : FlatParams;
