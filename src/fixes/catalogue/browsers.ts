import { type ClientStack, cause } from './types.js';

/**
 * Browser interstitials. Chrome/Edge: net/base/net_error_list.h (ERR_CERT_* = -200…; "net_error -202" in logs);
 * Firefox: NSS/mozilla::pkix error names (SEC_ERROR_*, SSL_ERROR_*, MOZILLA_PKIX_ERROR_*); Safari and Apple apps:
 * NSURLErrorDomain codes and the SecureTransport status in _kCFStreamErrorCodeKey (-9807, -9813, -9843…).
 */
export const chrome: ClientStack = {
  key: 'chrome',
  label: 'Chrome / Edge (Chromium)',
  impact: 'browsers',
  versions: 'Chromium 58+',
  markers: [
    /NET::ERR_|\bnet::ERR_|\bERR_CERT_[A-Z_]+|\bERR_SSL_[A-Z_]+/,
    /Your connection is not private/,
    /net_error -2\d\d/,
    /chromium|Chrome/,
  ],
  errors: [
    {
      id: 'ERR_CERT_DATE_INVALID',
      text: 'NET::ERR_CERT_DATE_INVALID',
      pattern: /ERR_CERT_DATE_INVALID|net_error -201\b/i,
      causes: [
        cause('cert_expired', 'The certificate has expired.'),
        cause('cert_not_yet_valid', 'Or is not valid yet.'),
        cause('clock_skew', "The computer's clock is wrong."),
      ],
    },
    {
      id: 'ERR_CERT_COMMON_NAME_INVALID',
      text: 'NET::ERR_CERT_COMMON_NAME_INVALID',
      pattern:
        /ERR_CERT_COMMON_NAME_INVALID|ER_CERT_COMMON_NAME_INVALID|net_error -200\b|This server could not prove that it is \S+; its security certificate is from/i,
      causes: [
        cause('hostname_mismatch', 'The certificate does not list this host name.'),
        cause(
          'no_san',
          'Chrome 58+ ignores the Common Name: a certificate without subjectAltName fails even when its CN matches.',
        ),
      ],
    },
    {
      id: 'ERR_CERT_AUTHORITY_INVALID',
      text: 'NET::ERR_CERT_AUTHORITY_INVALID',
      pattern: /ERR_CERT_AUTHORITY_INVALID|net_error -202\b/i,
      causes: [
        cause(
          'chain_untrusted_root',
          'The root is not in the OS/Chrome store: a private CA, or an intercepting proxy whose CA was not installed.',
        ),
        cause('cert_self_signed', 'The site uses a self-signed certificate.'),
        cause(
          'chain_incomplete',
          'Rare in Chrome, which fetches missing intermediates, but possible when AIA fetching fails.',
        ),
      ],
    },
    {
      id: 'ERR_CERT_WEAK_SIGNATURE_ALGORITHM',
      text: 'NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM',
      pattern: /ERR_CERT_WEAK_SIGNATURE_ALGORITHM/i,
      causes: [cause('weak_signature_algorithm', 'A certificate is signed with SHA-1 or MD5.')],
    },
    {
      id: 'ERR_CERT_WEAK_KEY',
      text: 'NET::ERR_CERT_WEAK_KEY',
      pattern: /ERR_CERT_WEAK_KEY/i,
      causes: [cause('weak_key', 'The key is too small (RSA < 1024).')],
    },
    {
      id: 'ERR_CERT_REVOKED',
      text: 'NET::ERR_CERT_REVOKED',
      pattern: /ERR_CERT_REVOKED/i,
      causes: [cause('cert_revoked', 'The certificate is in a CRLSet or was reported revoked.')],
    },
    {
      id: 'ERR_CERT_VALIDITY_TOO_LONG',
      text: 'NET::ERR_CERT_VALIDITY_TOO_LONG',
      pattern: /ERR_CERT_VALIDITY_TOO_LONG/i,
      causes: [cause('validity_too_long', 'A publicly trusted certificate valid for more than 398 days.')],
    },
    {
      id: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
      text: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH',
      pattern: /ERR_SSL_VERSION_OR_CIPHER_MISMATCH|ERR_SSL_OBSOLETE_VERSION/i,
      causes: [
        cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1 or obsolete ciphers.'),
        cause('handshake_failed', 'No shared cipher suite.'),
      ],
    },
    {
      id: 'ERR_BAD_SSL_CLIENT_AUTH_CERT',
      text: 'ERR_BAD_SSL_CLIENT_AUTH_CERT',
      pattern: /ERR_BAD_SSL_CLIENT_AUTH_CERT|ERR_SSL_CLIENT_AUTH_CERT_NEEDED/i,
      causes: [
        cause(
          'client_cert_required',
          'The site requires a client certificate the browser did not present or the server rejected.',
        ),
      ],
    },
    {
      id: 'ERR_CERT_INVALID',
      text: 'NET::ERR_CERT_INVALID',
      pattern: /ERR_CERT_INVALID\b/i,
      causes: [
        cause(
          'wrong_key_usage',
          'Chrome uses this for certificates it cannot use at all (wrong EKU, CA used as leaf, malformed).',
        ),
        cause('leaf_is_ca', 'A CA certificate used as the server certificate.'),
      ],
    },
    {
      id: 'ERR_SSL_PROTOCOL_ERROR',
      text: 'ERR_SSL_PROTOCOL_ERROR',
      pattern: /ERR_SSL_PROTOCOL_ERROR/i,
      causes: [
        cause('not_tls', 'The port did not answer with TLS.'),
        cause('handshake_failed', 'Or the handshake broke.'),
      ],
    },
  ],
};

export const firefox: ClientStack = {
  key: 'firefox',
  label: 'Firefox (NSS / mozilla::pkix)',
  impact: 'browsers',
  versions: 'Firefox 60+',
  markers: [
    /\bSEC_ERROR_[A-Z_]+/i,
    /\bSSL_ERROR_[A-Z_]+/i,
    /MOZILLA_PKIX_ERROR_[A-Z_]+/i,
    /Warning: Potential Security Risk Ahead/,
    /uses an invalid security certificate/,
    /Peer.s Certificate/,
  ],
  errors: [
    {
      id: 'SEC_ERROR_EXPIRED_CERTIFICATE',
      text: 'SEC_ERROR_EXPIRED_CERTIFICATE',
      pattern: /SEC_ERROR_EXPIRED_CERTIFICATE|Peer.s Certificate has expired/i,
      causes: [
        cause('cert_expired', 'The certificate has expired.'),
        cause('clock_skew', "The computer's clock is wrong."),
      ],
    },
    {
      id: 'SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE',
      text: 'SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE',
      pattern: /SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE/i,
      causes: [cause('chain_cert_expired', "The issuer's certificate has expired.")],
    },
    {
      id: 'MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE',
      text: 'MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE',
      pattern: /MOZILLA_PKIX_ERROR_NOT_YET_VALID_(ISSUER_)?CERTIFICATE/i,
      causes: [
        cause('cert_not_yet_valid', 'The certificate is not valid yet.'),
        cause('clock_skew', "The computer's clock is behind."),
      ],
    },
    {
      id: 'chain_not_provided',
      text: 'The certificate is not trusted because no issuer chain was provided. (SEC_ERROR_UNKNOWN_ISSUER)',
      pattern: /no issuer chain was provided/i,
      causes: [
        cause('chain_incomplete', 'The server sent no intermediate and Firefox has no cached or preloaded copy.'),
      ],
    },
    {
      id: 'SEC_ERROR_UNKNOWN_ISSUER',
      text: 'SEC_ERROR_UNKNOWN_ISSUER',
      pattern: /SEC_ERROR_UNKNOWN_ISSUER|Peer.s Certificate issuer is not recognized/i,
      causes: [
        cause(
          'chain_untrusted_root',
          "The root is not in Firefox's own store (it ignores the OS store unless security.enterprise_roots.enabled): a private CA or a proxy.",
        ),
        cause('chain_incomplete', 'The server does not send its intermediate.'),
        cause('cert_self_signed', 'A self-signed certificate.'),
      ],
    },
    {
      id: 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT',
      text: 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT',
      pattern: /MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT/i,
      causes: [cause('cert_self_signed', 'The server sends a self-signed certificate.')],
    },
    {
      id: 'MOZILLA_PKIX_ERROR_MITM_DETECTED',
      text: 'MOZILLA_PKIX_ERROR_MITM_DETECTED',
      pattern: /MOZILLA_PKIX_ERROR_MITM_DETECTED/i,
      causes: [
        cause(
          'chain_untrusted_root',
          'Security software or a proxy on this machine re-signs TLS with a root Firefox does not trust.',
        ),
      ],
    },
    {
      id: 'SSL_ERROR_BAD_CERT_DOMAIN',
      text: 'SSL_ERROR_BAD_CERT_DOMAIN',
      pattern: /SSL_ERROR_BAD_CERT_DOMAIN|The certificate is only valid for/i,
      causes: [
        cause('hostname_mismatch', 'The certificate does not list this host name.'),
        cause('no_san', 'Firefox ignores the Common Name.'),
      ],
    },
    {
      id: 'SEC_ERROR_REVOKED_CERTIFICATE',
      text: 'SEC_ERROR_REVOKED_CERTIFICATE',
      pattern: /SEC_ERROR_REVOKED_CERTIFICATE/i,
      causes: [cause('cert_revoked', 'The certificate is revoked (OCSP or CRLite).')],
    },
    {
      id: 'SEC_ERROR_BAD_SIGNATURE',
      text: 'SEC_ERROR_BAD_SIGNATURE',
      pattern: /SEC_ERROR_BAD_SIGNATURE/i,
      causes: [cause('chain_signature_invalid', 'A signature in the chain does not verify.')],
    },
    {
      id: 'SEC_ERROR_INADEQUATE_KEY_USAGE',
      text: 'SEC_ERROR_INADEQUATE_CERT_TYPE / SEC_ERROR_INADEQUATE_KEY_USAGE',
      pattern: /SEC_ERROR_INADEQUATE_(CERT_TYPE|KEY_USAGE)/i,
      causes: [cause('wrong_key_usage', 'The certificate is not valid for TLS server authentication.')],
    },
    {
      id: 'MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY',
      text: 'MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY',
      pattern: /MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY/i,
      causes: [cause('leaf_is_ca', 'The server certificate has CA:TRUE.')],
    },
    {
      id: 'MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING',
      text: 'MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING',
      pattern: /MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING/i,
      causes: [cause('ocsp_must_staple_missing', 'The certificate demands an OCSP staple the server did not send.')],
    },
    {
      id: 'SSL_ERROR_UNSUPPORTED_VERSION',
      text: 'SSL_ERROR_UNSUPPORTED_VERSION',
      pattern: /SSL_ERROR_UNSUPPORTED_VERSION|SSL_ERROR_NO_CYPHER_OVERLAP/i,
      causes: [
        cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1.'),
        cause('handshake_failed', 'Or no shared cipher.'),
      ],
    },
    {
      id: 'SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT',
      text: 'SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT / SSL_ERROR_HANDSHAKE_FAILURE_ALERT',
      pattern: /SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT|SSL_ERROR_HANDSHAKE_FAILURE_ALERT|SSL_ERROR_BAD_CERT_ALERT/i,
      causes: [cause('client_cert_required', 'The server wants a client certificate.')],
    },
  ],
};

export const apple: ClientStack = {
  key: 'apple',
  label: 'Safari / Apple (URLSession, SecureTransport, Network.framework)',
  impact: 'browsers',
  versions: 'macOS 10.15+, iOS 13+',
  markers: [
    /NSURLErrorDomain|kCFErrorDomainCFNetwork|_kCFStream/,
    /TLS Trust (evaluation failed|encountered error)/,
    /Safari can.t verify the identity/,
    /errSSL[A-Za-z]+|errSec[A-Za-z]+/,
    /NSURLErrorServerCertificate/,
  ],
  errors: [
    {
      id: 'hostname_-9843',
      text: 'NSURLErrorDomain Code=-1202 (_kCFStreamErrorCodeKey=-9843, errSSLHostNameMismatch)',
      pattern: /-9843\b|errSSLHostNameMismatch/,
      causes: [cause('hostname_mismatch', 'The certificate does not list the host name.')],
    },
    {
      id: 'no_root_-9813',
      text: 'NSURLErrorDomain Code=-1202 (_kCFStreamErrorCodeKey=-9813, errSSLNoRootCert)',
      pattern: /-9813\b|errSSLNoRootCert/,
      causes: [
        cause('cert_self_signed', 'The server sends a self-signed certificate.'),
        cause('chain_untrusted_root', 'Or a chain to a root the device does not trust.'),
      ],
    },
    {
      id: 'chain_-9807',
      text: 'NSURLErrorDomain Code=-1202 (_kCFStreamErrorCodeKey=-9807, errSSLXCertChainInvalid)',
      pattern: /-9807\b|errSSLXCertChainInvalid/,
      causes: [
        cause('chain_untrusted_root', 'The chain does not lead to a root the device trusts.'),
        cause('chain_incomplete', 'The server does not send its intermediate.'),
        cause('validity_too_long', 'iOS 13+/macOS 10.15+ also reject TLS certificates valid over 825 days this way.'),
      ],
    },
    {
      id: 'expired_-9814',
      text: 'errSSLCertExpired (-9814) / NSURLErrorServerCertificateHasBadDate (-1201)',
      pattern: /-9814\b|errSSLCertExpired|errSecCertificateExpired|NSURLErrorServerCertificateHasBadDate|Code=-1201\b/,
      causes: [
        cause('cert_expired', 'The certificate has expired.'),
        cause('clock_skew', "The device's clock is wrong."),
      ],
    },
    {
      id: 'not_yet_valid_-1204',
      text: 'NSURLErrorServerCertificateNotYetValid (-1204)',
      pattern: /NSURLErrorServerCertificateNotYetValid|Code=-1204\b/,
      causes: [cause('cert_not_yet_valid', 'The certificate is not valid yet.')],
    },
    {
      id: 'unknown_root_-1203',
      text: 'NSURLErrorServerCertificateHasUnknownRoot (-1203)',
      pattern: /NSURLErrorServerCertificateHasUnknownRoot|Code=-1203\b/,
      causes: [
        cause('chain_untrusted_root', 'The root is unknown to the device.'),
        cause('cert_self_signed', 'Or the certificate is self-signed.'),
      ],
    },
    {
      id: 'client_cert_-1206',
      text: 'NSURLErrorClientCertificateRequired (-1206)',
      pattern: /NSURLErrorClientCertificateRequired|Code=-1206\b/,
      causes: [cause('client_cert_required', 'The server requires a client certificate.')],
    },
    {
      id: 'secure_connection_-1200',
      text: 'NSURLErrorSecureConnectionFailed (-1200): An SSL error has occurred and a secure connection to the server cannot be made.',
      pattern: /Code=-1200\b|NSURLErrorSecureConnectionFailed|a secure connection to the server cannot be made/i,
      causes: [
        cause('legacy_tls_only', 'App Transport Security requires TLS 1.2+.'),
        cause('handshake_failed', 'The handshake failed.'),
      ],
    },
    {
      id: 'untrusted_-1202',
      text: 'NSURLErrorDomain Code=-1202 "The certificate for this server is invalid. You might be connecting to a server that is pretending to be “<host>” which could put your confidential information at risk."',
      pattern:
        /Code=-1202\b|error code: -1202|The certificate for this server is invalid|NSURLErrorServerCertificateUntrusted|Safari can.t verify the identity/i,
      fallback: true,
      causes: [
        cause('chain_untrusted_root', 'The most common -1202: the chain does not lead to a trusted root.'),
        cause(
          'hostname_mismatch',
          'A name mismatch also surfaces as -1202 (look for -9843 in _kCFStreamErrorCodeKey).',
        ),
        cause('cert_self_signed', 'Or a self-signed certificate (-9813).'),
        cause('cert_expired', 'Or an expired one (-9814).'),
      ],
    },
  ],
};
