import { type Cause, type ClientError, type ClientStack, cause, type OpensslFormat } from './types.js';

/**
 * OpenSSL's certificate verify reasons (crypto/x509/x509_txt.c, X509_V_ERR_* in x509_vfy.h; OpenSSL 3.0
 * wording, "self-signed" — 1.1 wrote "self signed"). Every OpenSSL-based client prints these: curl, git,
 * Python's ssl, Ruby, PHP, Node (err.code is the name, err.message the text) and `openssl s_client`.
 */
export interface VerifyReason {
  num: number;
  name: string;
  text: string;
  pattern: RegExp;
  causes: Cause[];
  /** what Node puts in err.code when it differs from the name (Node has no name for some reasons) */
  nodeCode?: string;
}

const CHAIN_INCOMPLETE = cause(
  'chain_incomplete',
  'The server sends its certificate without the intermediate that links it to a root, and OpenSSL never fetches missing issuers (AIA).',
);
const PRIVATE_ROOT = cause(
  'chain_untrusted_root',
  "The chain ends at a root this client's CA bundle does not hold: a private CA, or a TLS-intercepting proxy or antivirus re-signing traffic.",
);

export const VERIFY_REASONS: VerifyReason[] = [
  {
    num: 10,
    name: 'CERT_HAS_EXPIRED',
    text: 'certificate has expired',
    pattern: /certificate has expired|\bCERT_HAS_EXPIRED\b/i,
    causes: [
      cause('cert_expired', "The server's certificate is past its notAfter date."),
      cause('chain_cert_expired', 'An intermediate or cross-signed root in the chain the client built has expired.'),
      cause('clock_skew', "The client's clock is ahead of real time."),
    ],
  },
  {
    num: 9,
    name: 'CERT_NOT_YET_VALID',
    text: 'certificate is not yet valid',
    pattern: /certificate is not yet valid|\bCERT_NOT_YET_VALID\b/i,
    causes: [
      cause(
        'cert_not_yet_valid',
        "The certificate's notBefore is in the future: it was deployed before its start date.",
      ),
      cause('clock_skew', "The client's clock is behind real time."),
    ],
  },
  {
    num: 18,
    name: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    text: 'self-signed certificate',
    pattern: /self[- ]signed certificate(?! in certificate chain)|\bDEPTH_ZERO_SELF_SIGNED_CERT\b/i,
    causes: [
      cause('cert_self_signed', 'The server sends a single self-signed certificate that this client does not trust.'),
    ],
  },
  {
    num: 19,
    name: 'SELF_SIGNED_CERT_IN_CHAIN',
    text: 'self-signed certificate in certificate chain',
    pattern: /self[- ]signed certificate in certificate chain|\bSELF_SIGNED_CERT_IN_CHAIN\b/i,
    causes: [
      PRIVATE_ROOT,
      cause('chain_includes_root', "The server also sends a root, and that root is not in this client's bundle."),
    ],
  },
  {
    num: 20,
    name: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    text: 'unable to get local issuer certificate',
    pattern: /unable to get local issuer certificate|\bUNABLE_TO_GET_ISSUER_CERT_LOCALLY\b/i,
    causes: [CHAIN_INCOMPLETE, PRIVATE_ROOT],
  },
  {
    num: 2,
    name: 'UNABLE_TO_GET_ISSUER_CERT',
    text: 'unable to get issuer certificate',
    pattern: /unable to get issuer certificate\b|\bUNABLE_TO_GET_ISSUER_CERT\b/i,
    causes: [CHAIN_INCOMPLETE, PRIVATE_ROOT],
  },
  {
    num: 21,
    name: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    text: 'unable to verify the first certificate',
    pattern: /unable to verify the first certificate|\bUNABLE_TO_VERIFY_LEAF_SIGNATURE\b/i,
    causes: [
      cause('chain_incomplete', 'The server sends only its leaf certificate, not the intermediate that issued it.'),
      PRIVATE_ROOT,
    ],
  },
  {
    num: 7,
    name: 'CERT_SIGNATURE_FAILURE',
    text: 'certificate signature failure',
    pattern: /certificate signature failure|\bCERT_SIGNATURE_FAILURE\b/i,
    causes: [
      cause(
        'chain_signature_invalid',
        'A certificate in the chain is not validly signed by the next one (a corrupted or wrongly paired chain).',
      ),
      cause(
        'weak_signature_algorithm',
        'In FIPS mode (RHEL/CentOS with fips=1) OpenSSL cannot verify SHA-1 or MD5 signatures and reports this instead of "digest too weak".',
      ),
    ],
  },
  {
    num: 26,
    name: 'INVALID_PURPOSE',
    text: 'unsuitable certificate purpose',
    pattern: /unsuitable certificate purpose|\bINVALID_PURPOSE\b/i,
    causes: [
      cause('wrong_key_usage', "The certificate's extended key usage does not include TLS server authentication."),
    ],
  },
  {
    num: 23,
    name: 'CERT_REVOKED',
    text: 'certificate revoked',
    pattern: /certificate revoked|\bCERT_REVOKED\b/i,
    causes: [cause('cert_revoked', 'The CA has revoked the certificate (the client checked a CRL or OCSP).')],
  },
  {
    num: 62,
    name: 'HOSTNAME_MISMATCH',
    text: 'hostname mismatch',
    pattern: /verify error:num=62|\bhostname mismatch\b(?!, certificate is not valid)/i,
    causes: [
      cause('hostname_mismatch', 'The certificate does not list the name the client asked for.'),
      cause('no_san', 'The certificate has the name only in its Common Name, with no subjectAltName.'),
    ],
  },
  {
    num: 64,
    name: 'IP_ADDRESS_MISMATCH',
    text: 'IP address mismatch',
    pattern: /verify error:num=64|\bIP address mismatch\b(?!, certificate is not valid)/i,
    causes: [
      cause('hostname_mismatch', 'The client connected by IP address and the certificate has no matching IP SAN.'),
    ],
  },
  {
    num: 66,
    name: 'EE_KEY_TOO_SMALL',
    text: 'EE certificate key too weak',
    pattern: /EE certificate key too weak|\bEE_KEY_TOO_SMALL\b/i,
    causes: [
      cause('weak_key', "The server's key is smaller than the client's security level allows (RSA < 2048 at level 2)."),
    ],
    nodeCode: 'UNSPECIFIED',
  },
  {
    num: 67,
    name: 'CA_KEY_TOO_SMALL',
    text: 'CA certificate key too weak',
    pattern: /CA certificate key too weak|\bCA_KEY_TOO_SMALL\b/i,
    causes: [cause('weak_key', "An intermediate's key is smaller than the client's security level allows.")],
    nodeCode: 'UNSPECIFIED',
  },
  {
    num: 68,
    name: 'CA_MD_TOO_WEAK',
    text: 'CA signature digest algorithm too weak',
    pattern: /CA signature digest algorithm too weak|\bCA_MD_TOO_WEAK\b/i,
    causes: [
      cause(
        'weak_signature_algorithm',
        'A certificate is signed with SHA-1 or MD5, refused at security level ≥ 1 (OpenSSL 3).',
      ),
    ],
    nodeCode: 'UNSPECIFIED',
  },
];

export function verifyReason(name: string): VerifyReason {
  const r = VERIFY_REASONS.find((x) => x.name === name);
  if (!r) throw new Error(`no OpenSSL verify reason ${name}`);
  return r;
}

/** The verify reasons as one client prints them (its wrapper around the reason text). */
export function wrapReasons(format: OpensslFormat): ClientError[] {
  return VERIFY_REASONS.map((r) => ({ id: r.name, text: format(r), pattern: r.pattern, causes: r.causes }));
}

/** TLS-level errors (ssl/ssl_err.c reasons and alerts) every OpenSSL-based client shows the same way. */
export const OPENSSL_SSL_ERRORS: ClientError[] = [
  {
    id: 'wrong_version_number',
    text: 'wrong version number',
    pattern: /wrong version number|WRONG_VERSION_NUMBER/i,
    causes: [
      cause(
        'not_tls',
        'The port answered with something that is not TLS: plain HTTP, or a protocol that needs STARTTLS first.',
      ),
    ],
  },
  {
    id: 'protocol_version',
    text: 'tlsv1 alert protocol version',
    pattern:
      /tlsv1 alert protocol version|TLSV1_ALERT_PROTOCOL_VERSION|unsupported protocol|UNSUPPORTED_PROTOCOL|no protocols available/i,
    causes: [
      cause(
        'legacy_tls_only',
        'Client and server share no TLS version: the server offers only TLS 1.0/1.1, which current clients refuse.',
      ),
    ],
  },
  {
    id: 'legacy_sigalg',
    text: 'legacy sigalg disallowed or unsupported',
    pattern: /legacy sigalg disallowed or unsupported/i,
    causes: [
      cause('legacy_tls_only', 'The server negotiates TLS 1.0 and signs with MD5+SHA-1, which OpenSSL 3 refuses.'),
    ],
  },
  {
    id: 'certificate_required',
    text: 'tlsv13 alert certificate required',
    pattern: /tlsv13 alert certificate required|TLSV13_ALERT_CERTIFICATE_REQUIRED|certificate required/i,
    causes: [
      cause('client_cert_required', 'The server requires a client certificate (mutual TLS) and the client sent none.'),
    ],
  },
  {
    id: 'handshake_failure',
    text: 'sslv3 alert handshake failure',
    pattern: /sslv3 alert handshake failure|SSLV3_ALERT_HANDSHAKE_FAILURE/i,
    causes: [
      cause(
        'client_cert_required',
        'TLS 1.2 servers that require a client certificate and get none answer with this alert.',
      ),
      cause('handshake_failed', 'Client and server share no cipher suite or curve.'),
    ],
  },
  {
    id: 'peer_rejected_client_cert',
    text: 'sslv3 alert certificate expired / tlsv1 alert unknown ca (sent by the server)',
    pattern: /sslv3 alert (certificate expired|bad certificate|certificate unknown)|tlsv1 alert unknown ca/i,
    causes: [
      cause(
        'client_cert_required',
        "The server rejected the client's own certificate (expired, or not issued by a CA it trusts).",
      ),
    ],
  },
  {
    id: 'unexpected_eof',
    text: 'unexpected eof while reading',
    pattern: /unexpected eof while reading|EOF occurred in violation of protocol|UNEXPECTED_EOF_WHILE_READING/i,
    causes: [
      cause('handshake_failed', 'The server closed the connection during the handshake.'),
      cause('sni_required', 'Servers that need SNI to pick a certificate may hang up on a client that sends none.'),
    ],
  },
  {
    id: 'verify_failed',
    text: 'certificate verify failed',
    pattern: /certificate verify failed|CERTIFICATE_VERIFY_FAILED/i,
    fallback: true,
    causes: [
      cause(
        'chain_untrusted_root',
        "The client's CA bundle lacks the root (common with PHP and Ruby builds that find no bundle, and python.org Python on macOS before 'Install Certificates.command').",
      ),
      CHAIN_INCOMPLETE,
      cause('cert_expired', 'An expired certificate fails the same way when the client does not print the reason.'),
      cause('cert_self_signed', 'A self-signed server certificate fails the same way.'),
    ],
  },
];

export const openssl: ClientStack = {
  key: 'openssl',
  label: 'OpenSSL (openssl s_client)',
  impact: 'curl',
  versions: 'OpenSSL 1.1.1 and 3.x',
  markers: [
    /verify error:num=\d+/,
    /verify return:\d/,
    /\bs_client\b/,
    /^[0-9A-F]{8,}:error:[0-9A-F]{8}:/m,
    /depth=\d+ /,
  ],
  openssl: (r) => `verify error:num=${r.num}:${r.text}`,
  errors: [],
};
