import { type ClientError, type ClientStack, cause } from './types.js';

/**
 * Go's crypto/x509 and crypto/tls (verify.go: UnknownAuthorityError, CertificateInvalidError, HostnameError;
 * Go 1.20+ prefixes "tls: failed to verify certificate: "), as printed by net/http ("Get \"https://x/\": …")
 * and by programs written in Go: Docker, containerd, kubectl, Terraform, Helm.
 */
const GO_ERRORS: ClientError[] = [
  {
    id: 'expired',
    text: 'x509: certificate has expired or is not yet valid',
    pattern: /x509: certificate has expired or is not yet valid/i,
    causes: [
      cause('cert_expired', 'The certificate (or an intermediate) is past its notAfter ("current time … is after …").'),
      cause('chain_cert_expired', 'An intermediate in the chain has expired.'),
      cause('cert_not_yet_valid', '"current time … is before …": the certificate is not valid yet.'),
      cause('clock_skew', "The client's clock is wrong."),
    ],
  },
  {
    id: 'cn_legacy',
    text: 'x509: certificate relies on legacy Common Name field, use SANs instead',
    pattern: /certificate relies on legacy Common Name field/i,
    versions: 'Go 1.15+ (GODEBUG=x509ignoreCN=0 was removed in Go 1.17)',
    causes: [
      cause('no_san', 'The certificate has the host name only in its Common Name; Go 1.15+ requires a subjectAltName.'),
    ],
  },
  {
    id: 'hostname',
    text: 'x509: certificate is valid for …, not <host>',
    pattern:
      /x509: certificate is valid for [^\n]{0,2000}?, not |x509: cannot validate certificate for \S+ because it doesn't contain any IP SANs/i,
    causes: [
      cause('hostname_mismatch', 'The certificate lists other names than the one the client asked for.'),
      cause('sni_required', 'Without the right SNI name the server sent its default certificate.'),
    ],
  },
  {
    id: 'bad_signature',
    text: 'x509: certificate signed by unknown authority (possibly because of a verification error)',
    pattern: /signed by unknown authority \(possibly because of .*(verification error|crypto\/rsa|signature)/i,
    causes: [cause('chain_signature_invalid', 'A candidate issuer was found but its signature did not verify.')],
  },
  {
    id: 'unknown_authority',
    text: 'x509: certificate signed by unknown authority',
    pattern: /x509: certificate signed by unknown authority/i,
    causes: [
      cause(
        'chain_untrusted_root',
        'The chain leads to a root not in the system store (or SSL_CERT_FILE): a private registry CA or a TLS-intercepting proxy.',
      ),
      cause('chain_incomplete', 'On Linux, Go does not fetch a missing intermediate.'),
      cause('cert_self_signed', 'The server sends a self-signed certificate.'),
    ],
  },
  {
    id: 'key_usage',
    text: 'x509: certificate specifies an incompatible key usage',
    pattern: /certificate specifies an incompatible key usage/i,
    causes: [cause('wrong_key_usage', 'The extended key usage lacks serverAuth.')],
  },
  {
    id: 'sha1',
    text: 'x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with GODEBUG=x509sha1=1)',
    pattern: /insecure algorithm (SHA1|MD5)/i,
    versions: 'Go 1.18+ (the GODEBUG override was removed in Go 1.24)',
    causes: [cause('weak_signature_algorithm', 'A certificate is signed with SHA-1 or MD5.')],
  },
  {
    id: 'not_standards_compliant',
    text: 'x509: “<host>” certificate is not standards compliant',
    pattern: /certificate is not standards compliant/i,
    versions: 'Go on macOS (the platform verifier)',
    causes: [
      cause('validity_too_long', 'macOS refuses TLS certificates valid for more than 825 days (398 for public CAs).'),
      cause('no_san', 'macOS also requires a subjectAltName.'),
    ],
  },
  {
    id: 'protocol_version',
    text: 'tls: server selected unsupported protocol version 301',
    pattern: /server selected unsupported protocol version|tls: protocol version not supported/i,
    causes: [cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1; Go 1.18+ clients require TLS 1.2.')],
  },
  {
    id: 'certificate_required',
    text: 'remote error: tls: certificate required',
    pattern: /remote error: tls: (certificate required|bad certificate|unknown certificate authority)/i,
    causes: [cause('client_cert_required', 'The server requires (or rejected) a client certificate.')],
  },
  {
    id: 'not_tls',
    text: 'tls: first record does not look like a TLS handshake',
    pattern: /first record does not look like a TLS handshake|server gave HTTP response to HTTPS client/i,
    causes: [cause('not_tls', 'The port speaks plain HTTP (or another protocol), not TLS.')],
  },
];

export const go: ClientStack = {
  key: 'go',
  label: 'Go (crypto/tls, net/http; kubectl, Terraform, Helm)',
  impact: 'go',
  versions: 'Go 1.15–1.23',
  markers: [
    /\bx509: /,
    /\btls: (failed to verify|first record|handshake|server selected)/,
    /\b(Get|Post|Head|Put) "https?:\/\//,
    /\bdial tcp /,
  ],
  errors: GO_ERRORS,
};

/** Docker, containerd, BuildKit and Podman are Go programs: the same x509 errors, behind registry requests. */
export const docker: ClientStack = {
  key: 'docker',
  label: 'Docker / containerd (registry pulls and logins)',
  impact: 'go',
  versions: 'Docker 17+, containerd 1.x',
  markers: [
    /Error response from daemon/,
    /\bdocker(:| (login|pull|push|run|build))/i,
    /failed to do request: (Head|Get|Post)/,
    /\b(ctr|crictl|containerd|buildkit|podman)\b/i,
    /\/v2\/\S*(manifests|blobs)|\/v1\/users\//,
    /\bdocker\.io\b/,
    /failed to (solve|resolve source metadata)/,
  ],
  errors: GO_ERRORS,
};
