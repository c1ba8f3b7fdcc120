import { type ClientStack, cause } from './types.js';

/**
 * CPython's ssl module (Modules/_ssl.c: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: <reason>
 * (_ssl.c:NNNN)") and the libraries that wrap it: requests/urllib3 ("HTTPSConnectionPool(host='x', port=443)"),
 * aiohttp ("Cannot connect to host x:443 ssl:True"), httpx ("httpx.ConnectError"). requests and httpx use
 * certifi's bundle, not the OS store.
 */
export const python: ClientStack = {
  key: 'python',
  label: 'Python (ssl, requests, urllib3, aiohttp, httpx)',
  impact: 'python',
  versions: 'Python 3.7–3.13 (OpenSSL 1.1.1 / 3.x)',
  markers: [
    /\[SSL: [A-Z0-9_]+\]/,
    /_ssl\.c:\d+/,
    /SSLCertVerificationError/,
    /\bssl\.SSLError\b/,
    /Traceback \(most recent call last\)/,
  ],
  libraries: [
    { name: 'aiohttp', marker: /aiohttp|ClientConnector(Certificate|SSL)Error|Cannot connect to host \S+ ssl:/ },
    { name: 'requests', marker: /requests\.exceptions/ },
    { name: 'urllib3', marker: /urllib3|HTTPSConnectionPool\(/ },
    { name: 'httpx', marker: /httpx|httpcore/ },
  ],
  openssl: (r) => `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${r.text}`,
  errors: [
    {
      id: 'protocol_version',
      text: '[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version',
      pattern: /TLSV1_ALERT_PROTOCOL_VERSION|\[SSL: UNSUPPORTED_PROTOCOL\]|\[SSL: NO_PROTOCOLS_AVAILABLE\]/,
      versions: 'Python 3.10+ requires TLS 1.2',
      causes: [
        cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1; Python 3.10+ sets the minimum to TLS 1.2.'),
      ],
    },
    {
      id: 'certificate_required',
      text: '[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required',
      pattern: /TLSV13_ALERT_CERTIFICATE_REQUIRED/,
      causes: [
        cause('client_cert_required', 'The server requires a client certificate (ctx.load_cert_chain) and got none.'),
      ],
    },
    {
      id: 'handshake_failure',
      text: '[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure',
      pattern: /SSLV3_ALERT_HANDSHAKE_FAILURE/,
      causes: [
        cause('client_cert_required', 'A TLS 1.2 server that requires a client certificate answers with this alert.'),
        cause('handshake_failed', 'Or no cipher suite is shared.'),
      ],
    },
    {
      id: 'hostname_mismatch',
      text: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for '<host>'",
      pattern: /Hostname mismatch, certificate is not valid for|hostname '[^']*' doesn't match/i,
      versions: "Python 3.7+ (older: ssl.CertificateError: hostname … doesn't match …)",
      causes: [
        cause('hostname_mismatch', 'The certificate does not list the host name the client asked for.'),
        cause('no_san', 'The certificate names the host only in its Common Name.'),
      ],
    },
    {
      id: 'ip_mismatch',
      text: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '<host>'",
      pattern: /IP address mismatch, certificate is not valid for/i,
      causes: [
        cause('hostname_mismatch', 'The client connected by IP address and the certificate has no matching IP SAN.'),
      ],
    },
  ],
};
