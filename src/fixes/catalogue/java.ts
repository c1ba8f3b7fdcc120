import { type ClientStack, cause } from './types.js';

/**
 * JSSE (sun.security.ssl, sun.security.validator.PKIXValidator, sun.security.util.HostnameChecker), OpenJDK 8–21:
 * the messages of the SSLHandshakeException a caller catches and of its root cause. The JDK trusts its own
 * cacerts, not the OS store, and fetches missing intermediates only with -Dcom.sun.security.enableAIAcaIssuers=true.
 */
export const java: ClientStack = {
  key: 'java',
  label: 'Java (JSSE: HttpsURLConnection, HttpClient, Apache HttpClient, Spring)',
  impact: 'java',
  versions: 'OpenJDK 8–21',
  markers: [
    /javax\.net\.ssl\./,
    /sun\.security\.(validator|provider|ssl|util)/,
    /java\.security\.cert\./,
    /\bPKIX path\b/,
    /at java\.base\//,
  ],
  errors: [
    {
      id: 'pkix_no_path',
      text: 'SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target',
      pattern: /PKIX path building failed|unable to find valid certification path to requested target/i,
      causes: [
        cause(
          'chain_incomplete',
          'The server does not send its intermediate and the JDK does not fetch it (AIA fetching is off by default).',
        ),
        cause(
          'chain_untrusted_root',
          "The root is not in the JDK's cacerts: a private CA, or a TLS-intercepting proxy.",
        ),
        cause('cert_self_signed', 'The server sends a self-signed certificate that is not in the truststore.'),
      ],
    },
    {
      id: 'validity',
      text: 'SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed',
      pattern: /validity check failed|CertificateExpiredException|CertificateNotYetValidException/i,
      causes: [
        cause(
          'cert_expired',
          'A certificate in the path is past its notAfter (root cause: CertificateExpiredException).',
        ),
        cause('chain_cert_expired', 'The expired certificate is an intermediate or cross-signed root.'),
        cause('cert_not_yet_valid', 'Root cause CertificateNotYetValidException: notBefore is in the future.'),
        cause('clock_skew', "The JVM host's clock is wrong."),
      ],
    },
    {
      id: 'expired_cause',
      text: 'java.security.cert.CertificateExpiredException: NotAfter: …',
      pattern: /CertificateExpiredException/,
      causes: [cause('cert_expired', 'A certificate in the path is past its notAfter date.')],
    },
    {
      id: 'not_yet_valid_cause',
      text: 'java.security.cert.CertificateNotYetValidException: NotBefore: …',
      pattern: /CertificateNotYetValidException/,
      causes: [cause('cert_not_yet_valid', 'A certificate in the path is not valid yet.')],
    },
    {
      id: 'no_dns_san',
      text: 'SSLHandshakeException: No subject alternative DNS name matching <host> found',
      pattern: /No subject alternative (DNS name|names) matching|No name matching \S+ found/i,
      causes: [
        cause('hostname_mismatch', 'The certificate does not list the host name the client connected to.'),
        cause(
          'sni_required',
          'Java sends no SNI for single-label names: the server answered with its default certificate.',
        ),
      ],
    },
    {
      id: 'no_san',
      text: 'CertificateException: No subject alternative names present',
      pattern: /No subject alternative names present/i,
      causes: [
        cause(
          'no_san',
          'The certificate has no subjectAltName, and Java connected by IP address (or the CN does not match).',
        ),
        cause('hostname_mismatch', 'The certificate does not cover the address used.'),
      ],
    },
    {
      id: 'eku',
      text: 'SSLHandshakeException: Extended key usage does not permit use for TLS server authentication',
      pattern: /Extended key usage does not permit use for TLS server authentication/i,
      causes: [cause('wrong_key_usage', "The certificate's extended key usage lacks serverAuth.")],
    },
    {
      id: 'signature',
      text: 'SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: signature check failed (caused by java.security.SignatureException: Signature does not match.)',
      pattern: /signature check failed|Signature does not match/i,
      causes: [cause('chain_signature_invalid', 'A certificate is not validly signed by its issuer.')],
    },
    {
      id: 'algorithm_constraints',
      text: 'CertPathValidatorException: Algorithm constraints check failed on signature algorithm: SHA1withRSA',
      pattern:
        /Algorithm constraints check failed|Certificates do not conform to algorithm constraints|disabled algorithm/i,
      causes: [
        cause('weak_signature_algorithm', 'jdk.certpath.disabledAlgorithms refuses a SHA-1 or MD5 signature.'),
        cause('weak_key', 'The same property refuses RSA keys under 1024 bits.'),
      ],
    },
    {
      id: 'protocol_version',
      text: 'SSLHandshakeException: Received fatal alert: protocol_version',
      pattern:
        /Received fatal alert: protocol_version|No appropriate protocol \(protocol is disabled or cipher suites are inappropriate\)|The server selected protocol version TLS10 is not accepted/i,
      causes: [cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1, disabled since Java 8u291 / 11.0.11.')],
    },
    {
      id: 'certificate_required',
      text: 'SSLHandshakeException: Received fatal alert: certificate_required',
      pattern: /Received fatal alert: (certificate_required|bad_certificate)/i,
      causes: [
        cause(
          'client_cert_required',
          'The server requires a client certificate (javax.net.ssl.keyStore) the client did not send or it rejected.',
        ),
      ],
    },
    {
      id: 'handshake_failure',
      text: 'SSLHandshakeException: Received fatal alert: handshake_failure',
      pattern: /Received fatal alert: handshake_failure/i,
      causes: [
        cause('handshake_failed', 'Client and server share no cipher suite, curve or protocol.'),
        cause('client_cert_required', 'TLS 1.2 servers that require a client certificate answer this way too.'),
      ],
    },
    {
      id: 'not_tls',
      text: 'SSLException: Unsupported or unrecognized SSL message',
      pattern: /Unsupported or unrecognized SSL message|Unrecognized SSL message, plaintext connection\?/i,
      causes: [cause('not_tls', 'The port answered in plain text (HTTP), not TLS.')],
    },
    {
      id: 'terminated',
      text: 'SSLHandshakeException: Remote host terminated the handshake',
      pattern: /Remote host (terminated|closed connection during) the handshake/i,
      causes: [
        cause('handshake_failed', 'The server hung up during the handshake.'),
        cause(
          'sni_required',
          'A server that needs SNI may hang up on a client that sends none (single-label names in Java).',
        ),
      ],
    },
  ],
};

/**
 * Android's platform stack (Conscrypt TrustManagerImpl) and OkHttp (okhttp3.internal.connection.RealConnection:
 * "Hostname <host> not verified:", CertificatePinner). Android does not fetch missing intermediates.
 */
export const android: ClientStack = {
  key: 'android',
  label: 'Android / OkHttp',
  impact: 'android',
  versions: 'Android 7–15, OkHttp 3–4',
  markers: [
    /okhttp/i,
    /conscrypt/i,
    /Trust anchor for certification path not found/,
    /cr_X509Util|android\./,
    /Hostname \S+ not verified/,
  ],
  errors: [
    {
      id: 'trust_anchor',
      text: 'javax.net.ssl.SSLHandshakeException: java.security.cert.CertPathValidatorException: Trust anchor for certification path not found.',
      pattern: /Trust anchor for certification path not found/i,
      causes: [
        cause(
          'chain_untrusted_root',
          "The root is not in Android's system store (user-installed CAs are ignored by apps targeting API 24+ unless network_security_config trusts them).",
        ),
        cause('chain_incomplete', 'The server does not send its intermediate; Android never fetches it.'),
        cause('cert_self_signed', 'The server sends a self-signed certificate.'),
      ],
    },
    {
      id: 'hostname_not_verified',
      text: 'javax.net.ssl.SSLPeerUnverifiedException: Hostname <host> not verified',
      pattern: /Hostname \S+ not verified/i,
      causes: [
        cause(
          'hostname_mismatch',
          "The certificate's subjectAltNames do not include the host (OkHttp ignores the Common Name).",
        ),
        cause('no_san', 'subjectAltNames: [] — the certificate has the name only in its Common Name.'),
      ],
    },
    {
      id: 'chain_validation_failed',
      text: 'javax.net.ssl.SSLHandshakeException: Chain validation failed',
      pattern: /Chain validation failed/i,
      causes: [
        cause('cert_expired', 'A certificate in the chain has expired (Android 7+ wording).'),
        cause('clock_skew', "The device's clock is wrong."),
      ],
    },
  ],
};
