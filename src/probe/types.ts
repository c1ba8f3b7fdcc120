/**
 * The probe report: plain, serialisable data (it is stored in SQLite and diffed between re-checks).
 * Rules and renderers import only types from here, never probe implementations.
 * Dates are ISO-8601 strings; binary blobs are base64. `null` means "could not determine".
 */

/** Stable codes for operational failures, normalised at the probe boundary (see src/probe/errors.ts). */
export type ProbeErrorCode =
  /** results when the name has no A/AAAA record (ENOTFOUND, ENODATA) */
  | 'dns_not_found'
  /** results when DNS itself failed (SERVFAIL, resolver timeout) rather than answering "no such name" */
  | 'dns_failed'
  /** results when every resolved address is refused by the address policy */
  | 'address_blocked'
  /** results when the peer answered the TCP SYN with RST (ECONNREFUSED) */
  | 'connection_refused'
  /** results when a connect, handshake or read did not finish within its timeout or the probe deadline */
  | 'connection_timeout'
  /**
   * results when the TCP connection was accepted but the TLS (or STARTTLS) handshake got no answer within its
   * timeout: something listens and stays silent, unlike a SYN nobody answers (connection_timeout)
   */
  | 'handshake_timeout'
  /** results when the peer reset or closed the connection mid-handshake (ECONNRESET, EPIPE, early EOF) */
  | 'connection_reset'
  /** results when the port answers but does not speak TLS (plain HTTP, SSH banner, garbage) */
  | 'not_tls'
  /** results when the TLS handshake failed with an alert or protocol error (named in the message) */
  | 'handshake_failed'
  /** results when the peer sent more than a size cap allows (chain, HTTP body, AIA download) */
  | 'too_large'
  /** results when a certificate or response could not be parsed */
  | 'malformed'
  /** results when an HTTP fetch (AIA, OCSP, CRL) failed: status, content type, network */
  | 'fetch_failed'
  /** results when the input could not be understood */
  | 'bad_input'
  /** results when our own code threw: a bug, never blamed on the server */
  | 'bug'
  /** results when the server refused the connection because we presented no client certificate (mutual TLS) */
  | 'client_cert_required';

/**
 * Every probe step is an attempt. A rule whose input is not `completed` reports `not_evaluated`.
 * `partial` is what a failed step had already observed (a handshake that failed after the server's
 * Certificate message keeps that chain), for the rules that can judge it anyway.
 */
export type Attempt<T> =
  | { status: 'completed'; result: T }
  | { status: 'error'; code: ProbeErrorCode; error: string; partial?: T }
  | { status: 'skipped'; why: string };

export type TargetProtocol =
  | 'https'
  | 'tls'
  | 'smtp'
  | 'submission'
  | 'imap'
  | 'pop3'
  | 'ftp'
  | 'ldap'
  | 'xmpp'
  | 'postgres'
  | 'mysql';

/** A parsed user input. `host` is lower-case, punycode, no trailing dot, IPv6 without brackets. */
export interface Target {
  /** what the user typed, verbatim */
  input: string;
  host: string;
  port: number;
  /** server name to send in SNI; null when host is an IP literal (RFC 6066 §3 forbids IP SNI) */
  sni: string | null;
  protocol: TargetProtocol;
  /** 4 or 6 when host is an IP literal, else null */
  ipVersion: 4 | 6 | null;
  /** the Unicode form when the user typed an IDN, else null */
  unicodeHost: string | null;
}

export type KeyAlgorithm = 'RSA' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | 'unknown';

export interface CertInfo {
  /** DER, base64: enough to re-parse; everything below is derived from it */
  der: string;
  /** RFC 4514 string, e.g. "CN=example.com, O=Example" */
  subject: string;
  issuer: string;
  subjectCN: string | null;
  issuerCN: string | null;
  /** subjectAltName entries; null when the extension is absent */
  san: { dns: string[]; ip: string[]; other: string[] } | null;
  serialNumber: string;
  /** lower-case hex, no separators */
  sha256: string;
  notBefore: string;
  notAfter: string;
  key: { algorithm: KeyAlgorithm; bits: number | null; curve: string | null };
  /** e.g. { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256' } */
  signatureAlgorithm: { oid: string; name: string; hash: string | null };
  /** basicConstraints; null when absent */
  basicConstraints: { ca: boolean; pathLength: number | null; critical: boolean } | null;
  /** keyUsage names as in RFC 5280 §4.2.1.3 (digitalSignature, keyEncipherment, keyCertSign, …); null when absent */
  keyUsage: string[] | null;
  /** extendedKeyUsage OIDs; null when absent */
  extKeyUsage: string[] | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  aia: { caIssuers: string[]; ocsp: string[] };
  crlDistributionPoints: string[];
  /** TLS Feature extension with status_request (RFC 7633) */
  mustStaple: boolean;
  /** subject == issuer (names) */
  selfIssued: boolean;
  /** self-issued and the signature verifies with its own key; null when it could not be checked */
  selfSigned: boolean | null;
}

/** A certificate the server sent that we could not parse. Kept in place so indexes stay true. */
export interface MalformedCert {
  malformed: true;
  der: string;
  error: string;
}

export type SentCert = CertInfo | MalformedCert;

export interface PhaseTimings {
  /** TCP connect, ms */
  connectMs: number | null;
  /** TLS handshake after connect (after the STARTTLS upgrade, if any), ms */
  tlsMs: number | null;
  /** plaintext STARTTLS upgrade between connect and ClientHello, ms; absent for implicit TLS */
  starttlsMs?: number | null;
}

export interface HandshakeResult {
  /** 'TLSv1.3', 'TLSv1.2', … */
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** the chain exactly as the server sent it, in order (index 0 = what it presented as leaf) */
  sentChain: SentCert[];
  /**
   * where sentChain came from: 'wire' = decoded from the server's Certificate message (true order, every
   * cert); 'tls_library' = Node's re-ordered view (fallback; order and unrelated certs are not reliable).
   * Absent when the chain was not requested.
   */
  sentChainSource?: 'wire' | 'tls_library';
  /** the stapled OCSP response, base64 DER, or null when none was stapled */
  ocspStaple: string | null;
  timings: PhaseTimings;
  /** present when the server sent a CertificateRequest (mutual TLS); absent when it did not or we could not see */
  clientCertRequest?: ClientCertRequest;
}

/**
 * A server's request for a client certificate (RFC 5246 §7.4.4; RFC 8446 §4.3.2). We never send one, so a
 * server that requires it aborts after its own flight: the handshake is then still reported `completed`
 * with `required: true`, because everything the server shows every client (version, chain) was observed.
 */
export interface ClientCertRequest {
  /** certificate_authorities (RFC 5246 §7.4.4; RFC 8446 §4.2.4) as RFC 4514 strings; empty: none listed */
  caNames: string[];
  /** true: refused us without one; false: went on without one; null: could not tell */
  required: boolean | null;
  /** how the server refused, e.g. "server sent TLS alert certificate_required (116)"; null when it did not */
  refusal: string | null;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Whether each protocol version completed a handshake; error attempts carry why it did not. */
export type ProtocolSupport = Record<TlsVersion, Attempt<boolean>>;

export interface HttpResult {
  status: number;
  /** the raw `Date` header, or null */
  date: string | null;
  server: string | null;
  strictTransportSecurity: string | null;
  /**
   * response headers, lower-case names, capped (48 headers, 256 chars each; Set-Cookie as cookie names only),
   * for recognising the stack; absent in reports stored before they were kept
   */
  headers?: Record<string, string>;
  /** the start of the response body, for error-page stack signatures; absent in reports stored before it was read */
  body?: HttpBody;
  /** our clock (the injected `now` plus elapsed time) when the response headers arrived, ISO */
  receivedAt: string;
}

/** At most 16 KiB of a response body, read within the probe's deadline (src/probe/http-body.ts). */
export interface HttpBody {
  /** bytes kept (at most 16 KiB) */
  bytes: number;
  /** true when the body ended within what was kept; false when cut by the cap or the wait */
  complete: boolean;
  /** the kept bytes as UTF-8 (invalid sequences replaced) */
  text: string;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
  /** false when the address policy refused it; the reason names the range */
  allowed: boolean;
  blockedBy: string | null;
}

export interface AiaFetch {
  url: string;
  status: 'ok' | 'error' | 'blocked' | 'cached';
  error: string | null;
  /** sha256 of each certificate the response held */
  certs: string[];
  /** with status 'blocked': the policy range that refused the address (optional: added with AIA fetching) */
  blockedBy?: string | null;
}

/** A link from built[i] to its issuer built[i+1]. */
export interface ChainLink {
  /** signature of built[i] verifies with built[i+1]'s key */
  signatureValid: boolean | null;
  /** built[i+1] asserts basicConstraints cA=TRUE */
  issuerIsCa: boolean | null;
  /** built[i+1]'s keyUsage, when present, includes keyCertSign */
  issuerCanSign: boolean | null;
  /** pathLenConstraint of built[i+1] is respected by the number of CAs below it */
  pathLenOk: boolean | null;
}

export type CertSource = 'sent' | 'aia' | 'trust_store';

/** What the path is validated for (RFC 5280 §4.2.1.12): a TLS server, a TLS client, or any purpose. */
export type Purpose = 'server' | 'client' | 'any';

/**
 * Which of a trust anchor's own fields count (RFC 5937 §2: an anchor's constraints apply when it carries
 * them). `constraints`: basicConstraints, keyUsage, pathLen, name constraints and EKU when present;
 * `expiry`: its validity period; `requireBasicConstraints`: an anchor without basicConstraints fails.
 */
export interface AnchorPolicy {
  constraints: boolean;
  expiry: boolean;
  requireBasicConstraints: boolean;
}

/** An RFC 5280 §6.1 failure on the built path, one per certificate and check (issue 9). */
export interface PathProblem {
  /** the finding code that reports it: ca_not_ca, ca_cannot_sign, path_length_exceeded, … */
  code: string;
  /** index in `built` */
  certIndex: number;
  params: Record<string, string | number | boolean | null>;
}

/** A certificate whose key was refused before any signature was verified with it (issue 7). */
export interface RefusedKey {
  sha256: string;
  subject: string;
  /** index in the sent chain, when it was sent */
  sentIndex: number | null;
  reason: string;
}

/** How much work the path search did, against its caps (a hostile chain must not stall a check). */
export interface PathSearch {
  signatureChecks: number;
  maxSignatureChecks: number;
  /** complete or dead-end paths judged */
  pathsTried: number;
  /** which cap stopped the search early, or null */
  exhausted: string | null;
}

export interface ChainReport {
  /** the path we built, leaf first; ends at an anchor when `trusted` */
  built: CertInfo[];
  /** where each built certificate came from */
  sources: CertSource[];
  /** links[i] describes built[i] -> built[i+1] */
  links: ChainLink[];
  /** the path ends at a certificate from our trust store */
  trusted: boolean;
  /** which store held the anchor */
  anchorStore: 'mozilla' | 'system' | 'custom' | null;
  /** the path ended at a non-self-signed cert whose issuer we could not find anywhere: its issuer DN */
  missingIssuer: string | null;
  /** the path ends in a self-signed cert that is not in the trust store */
  untrustedRoot: boolean;
  /** indexes in sentChain that are not on the path */
  unusedSent: number[];
  /** the sent certs that are on the path appear out of path order */
  outOfOrder: boolean;
  /** index in sentChain of a self-signed root that the server sent, or null */
  rootSentAt: number | null;
  aia: {
    /** AIA was needed (an issuer was missing from what was sent) */
    needed: boolean;
    fetches: AiaFetch[];
    /** the path could be completed (to a trusted anchor) only thanks to AIA */
    completedChain: boolean;
  };
  /** the best rejected candidate when no trusted path exists: why it was rejected */
  rejectionHint: string | null;
  /** RFC 5280 §6.1 failures on the built path (absent in reports stored before issue 9) */
  problems?: PathProblem[];
  /** keys refused before verifying with them (absent: none, or stored before issue 7) */
  refusedKeys?: RefusedKey[];
  /** the path search's work and caps */
  search?: PathSearch;
  /** which of the anchor's own fields were judged */
  anchorPolicy?: AnchorPolicy;
}

/** Why an OCSP response or CRL that arrived was not accepted. */
export type RevocationProblem =
  /** nextUpdate has passed (or, without nextUpdate, thisUpdate is older than a week) */
  | 'stale'
  /** thisUpdate is in the future (beyond five minutes of clock skew) */
  | 'not_yet_valid'
  /** the signature does not verify with the signer's key */
  | 'bad_signature'
  /** signed by neither the issuer nor a certificate the issuer delegated with id-kp-OCSPSigning */
  | 'wrong_signer'
  /** answers for another certificate (no certID / CRL issuer matches) */
  | 'wrong_cert'
  /** OCSPResponseStatus other than successful (tryLater, unauthorized, …) */
  | 'not_successful'
  /** the bytes do not parse as an OCSP response or CRL */
  | 'malformed'
  /** a delta CRL where a complete one was expected (RFC 5280 §5.2.4): ignored */
  | 'delta_crl'
  /** a signature algorithm we cannot check (RSASSA-PSS with parameters, …) */
  | 'unsupported';

/** What one source (a CRL, an OCSP responder, the staple) said about one certificate. */
export interface RevocationSource {
  kind: 'crl' | 'ocsp' | 'staple';
  /** the URL asked; null for a staple or a file given to inspect */
  url: string | null;
  /**
   * good / revoked / unknown: a verified answer; invalid: an answer that failed verification (`problem`);
   * error / blocked: no answer (network, size cap, address policy)
   */
  outcome: 'good' | 'revoked' | 'unknown' | 'invalid' | 'error' | 'blocked';
  /** with 'revoked': ISO time and RFC 5280 §5.3.1 reason name (null when none was given) */
  revokedAt: string | null;
  reason: string | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  /** with 'invalid' */
  problem: RevocationProblem | null;
  /** with invalid / error / blocked: `code: detail` */
  error: string | null;
  /** a CRL served from the cache (it is kept until its nextUpdate) */
  cached?: boolean;
  /** e.g. "delta CRL ignored" */
  notes?: string[];
}

/** The revocation status of one certificate of the built path (the anchor is never checked). */
export interface CertRevocation {
  /** index in chain.built */
  certIndex: number;
  sha256: string;
  /** verdict of the verified sources: revoked wins, then good, then unknown; unchecked when none answered */
  status: 'good' | 'revoked' | 'unknown' | 'unchecked';
  /** with 'revoked' */
  revokedAt: string | null;
  reason: string | null;
  revokedBy: 'crl' | 'ocsp' | 'staple' | null;
  /** the certificate names no CRL distribution point and no OCSP responder (and nothing was stapled for it) */
  noPointers: boolean;
  sources: RevocationSource[];
}

export interface RevocationReport {
  /** leaf first, in built-path order */
  certs: CertRevocation[];
  /** the leaf carries the TLS Feature status_request (RFC 7633 Must-Staple) */
  mustStaple: boolean;
  /** the server stapled an OCSP response in the handshake with SNI */
  stapled: boolean;
  /** things said once per check, e.g. "the issuer of X is unknown: not checked" */
  notes: string[];
}

export interface EndpointReport {
  address: string;
  family: 4 | 6;
  /** handshake with SNI = target.sni */
  handshake: Attempt<HandshakeResult>;
  /** a second handshake without SNI: its leaf, to detect SNI-dependent serving */
  noSni: Attempt<HandshakeResult>;
  chain: Attempt<ChainReport>;
  /** the protocol scan against this address (absent in reports stored before per-address scans) */
  protocols?: Attempt<ProtocolSupport>;
  /** the HTTP request to this address (absent in reports stored before per-address requests) */
  http?: Attempt<HttpResult>;
  /** CRL and OCSP checks of this endpoint's built path (absent in reports stored before revocation checks) */
  revocation?: Attempt<RevocationReport>;
}

/** A private key compared with the leaf's public key (the key itself is never stored). */
export interface KeyMatch {
  /** the key file as the user named it */
  file: string;
  matches: boolean;
  /** e.g. "RSA 2048", "EC prime256v1" */
  key: string;
  /** the leaf's key, same form */
  leafKey: string;
}

export interface ProbeReport {
  target: Target;
  /** 'file': `inspect` of a certificate file, one endpoint with no connection (absent: network) */
  source?: 'network' | 'file';
  /** the injected `now` at the start, ISO */
  startedAt: string;
  resolution: Attempt<ResolvedAddress[]>;
  /** one per allowed address probed (at most 8); endpoints[0] is the primary */
  endpoints: EndpointReport[];
  /** protocol scan against the primary address (endpoints[0]); every address's own is endpoints[i].protocols */
  protocols: Attempt<ProtocolSupport>;
  /** the HTTP request to the primary address; every address's own is endpoints[i].http */
  http: Attempt<HttpResult>;
  /** reserved for the revocation issue (OCSP/CRL) */
  revocation: Attempt<unknown>;
  timings: { totalMs: number; dnsMs: number | null };
  /** `inspect --key`: whether the private key belongs to the leaf (absent: no key given) */
  keyMatch?: KeyMatch;
  /** the options that shaped the probe, for the record */
  options: { timeoutMs: number; extraCaCount: number; purpose?: Purpose };
  /**
   * present when the check's hard deadline passed before it finished (src/pool/deadline.ts): the report
   * holds what was observed until then; `reached`/`unfinished` name the steps (resolve, handshake, chain, …)
   */
  deadline?: { timeoutMs: number; elapsedMs: number; reached: string[]; unfinished: string[] };
}
