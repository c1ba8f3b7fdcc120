import { type ClientStack, cause } from './types.js';

/**
 * QUIC / HTTP/3 clients. A TLS alert in QUIC becomes the transport error CRYPTO_ERROR 0x100 + alert (RFC 9001
 * §4.8): 0x12A (298) bad_certificate, 0x12D (301) certificate_expired, 0x12E (302) certificate_unknown, 0x130
 * (304) unknown_ca, 0x174 (372) certificate_required. aioquic prints it as ConnectionTerminated(error_code=…) or
 * "Connection close code 0x…, reason …" with OpenSSL's verify reason; msquic as QUIC_STATUS_* (on Windows the
 * SChannel HRESULT, 0x80090325 = SEC_E_UNTRUSTED_ROOT). Node 20 has no QUIC: the check uses the TCP endpoint.
 */
export const quic: ClientStack = {
  key: 'quic',
  label: 'QUIC / HTTP/3 (aioquic, msquic)',
  impact: 'quic',
  versions: 'aioquic 0.9–1.x, msquic 2.x',
  quic: true,
  markers: [
    /aioquic|quic_event_received|ConnectionTerminated\(error_code=/i,
    /Connection close (received )?\(?code 0x1[0-9A-F]{2}/i,
    /QUIC Error: \d+/i,
    /msquic|QUIC_STATUS_[A-Z_]+|quicer|:transport_down/i,
    /\bHTTP\/3\b/,
  ],
  libraries: [
    {
      name: 'aioquic',
      marker:
        /aioquic|ConnectionTerminated\(error_code=|QuicConnectionState|Connection close (received )?\(?code 0x|QUIC Error: \d+, reason:/i,
      quic: true,
    },
    { name: 'msquic', marker: /msquic|QUIC_STATUS_|quicer|transport_down/i, quic: true },
  ],
  openssl: (r) => `ConnectionTerminated(error_code=298, frame_type=…, reason_phrase='${r.text}')`,
  errors: [
    {
      id: 'unknown_ca',
      text: 'ConnectionTerminated(error_code=304) — CRYPTO_ERROR 0x130, unknown_ca',
      pattern:
        /error_code=304\b|code 0x130\b|QUIC Error: 304\b|error: 304\b|cert_untrusted_root|QUIC_STATUS_CERT_UNTRUSTED_ROOT|actual=0x80090325/i,
      causes: [
        cause(
          'chain_untrusted_root',
          'The peer does not trust the root: a private or self-made CA (trustme, mkcert) not loaded into the client.',
        ),
        cause('cert_self_signed', 'A self-signed server certificate.'),
        cause('chain_incomplete', 'aioquic, like OpenSSL, does not fetch a missing intermediate.'),
      ],
    },
    {
      id: 'certificate_expired',
      text: 'ConnectionTerminated(error_code=301) — CRYPTO_ERROR 0x12D, certificate_expired',
      pattern: /error_code=301\b|code 0x12D\b|QUIC Error: 301\b|QUIC_STATUS_CERT_EXPIRED|status: :cert_expired/i,
      causes: [
        cause('cert_expired', 'The certificate has expired.'),
        cause('clock_skew', "The client's clock is wrong."),
      ],
    },
    {
      id: 'certificate_required',
      text: 'CRYPTO_ERROR 0x174 (372), certificate_required; aioquic < 1.0 closes with 266 when the server asks for one',
      pattern: /error_code=372\b|code 0x174\b|QUIC Error: (372|266)\b/i,
      causes: [
        cause(
          'client_cert_required',
          'The server requests a client certificate (older aioquic cannot answer a CertificateRequest).',
        ),
      ],
    },
    {
      id: 'bad_certificate',
      text: 'ConnectionTerminated(error_code=298) — CRYPTO_ERROR 0x12A, bad_certificate',
      pattern:
        /error_code=(298|302)\b|code 0x12[AE]\b|QUIC Error: (298|302)\b|QUIC_STATUS_BAD_CERTIFICATE|QUIC_STATUS_CERT_NO_CERT/i,
      fallback: true,
      causes: [
        cause(
          'chain_untrusted_root',
          'The certificate did not verify; the reason phrase (if any) names the OpenSSL check.',
        ),
        cause(
          'hostname_mismatch',
          "aioquic raises bad_certificate when the name does not match (\"hostname '…' doesn't match\").",
        ),
        cause('cert_expired', 'Or an expired certificate.'),
      ],
    },
  ],
};
