import { type ClientStack, cause } from './types.js';

/**
 * Node.js (lib/_tls_wrap.js, src/crypto/crypto_common.cc): err.code is the OpenSSL verify reason's name
 * (CERT_HAS_EXPIRED) and err.message its text; name checks raise ERR_TLS_CERT_ALTNAME_INVALID. fetch (undici)
 * wraps them as "TypeError: fetch failed" with the TLS error as `cause`; node-fetch as "FetchError: request to
 * <url> failed, reason: <message>"; npm prints "npm ERR! code <CODE>".
 */
export const node: ClientStack = {
  key: 'node',
  label: 'Node.js (https, fetch/undici, node-fetch, axios, npm)',
  impact: 'node',
  versions: 'Node 12–22 (OpenSSL 1.1.1 / 3.x)',
  openssl: (r) => `${r.nodeCode ?? r.name}: ${r.text}`,
  markers: [
    /node:internal|node:_tls_wrap|_tls_wrap\.js|TLSSocket\.onConnectSecure/,
    /\bERR_TLS_[A-Z_]+\b/,
    /FetchError: request to/,
    /TypeError: fetch failed/,
    /npm ERR!/,
    /\bcode: '[A-Z_]+'/,
    /\b(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED)\b/,
  ],
  errors: [
    {
      id: 'ERR_TLS_CERT_ALTNAME_INVALID',
      text: "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames",
      pattern: /ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP (does not|doesn't) match certificate's altnames/i,
      causes: [
        cause('hostname_mismatch', "The certificate's SANs do not cover the host (or IP) the client connected to."),
        cause('sni_required', 'Without the right SNI name the server sent its default certificate for another name.'),
      ],
    },
    {
      id: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      text: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      pattern: /ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/,
      causes: [
        cause('client_cert_required', 'The server requires a client certificate (the cert/key options) and got none.'),
      ],
    },
    {
      id: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      text: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      pattern: /ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE/,
      causes: [
        cause('client_cert_required', 'TLS 1.2 servers that require a client certificate send this alert.'),
        cause('handshake_failed', 'Or no cipher is shared.'),
      ],
    },
    {
      id: 'ERR_SSL_WRONG_VERSION_NUMBER',
      text: 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number',
      pattern: /ERR_SSL_WRONG_VERSION_NUMBER/,
      causes: [cause('not_tls', 'The port does not speak TLS (plain HTTP or a STARTTLS protocol).')],
    },
  ],
};
