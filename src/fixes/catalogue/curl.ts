import { type ClientStack, cause } from './types.js';

/**
 * curl and libcurl (lib/vtls/openssl.c: "SSL certificate problem: <reason>", CURLE_PEER_FAILED_VERIFICATION = 60,
 * CURLE_SSL_CONNECT_ERROR = 35), and git over HTTPS, which prints libcurl's message after
 * "fatal: unable to access '<url>': ".
 */
const curlHostname = {
  id: 'hostname_mismatch',
  text: "curl: (60) SSL: no alternative certificate subject name matches target host name '<host>'",
  pattern:
    /no alternative certificate subject name matches target host name|SSL: certificate subject name [^\n]{0,500}? does not match target host name/i,
  causes: [
    cause('hostname_mismatch', 'The certificate does not list the host name in the URL.'),
    cause('no_san', 'The certificate names the host only in its Common Name (curl ≥ 7.77 ignores it when SANs exist).'),
  ],
};

/** libcurl built with GnuTLS (Debian's and Ubuntu's git): one sentence for every verification failure. */
const gnutlsVerify = {
  id: 'gnutls_verification_failed',
  text: 'server certificate verification failed. CAfile: /etc/ssl/certs/ca-certificates.crt CRLfile: none',
  pattern: /server certificate verification failed\. CAfile: \S+ CRLfile: \S+/i,
  versions: 'libcurl-gnutls (git on Debian and Ubuntu)',
  causes: [
    cause(
      'chain_untrusted_root',
      'GnuTLS does not say which check failed; the usual one is a root missing from the CAfile named.',
    ),
    cause('chain_incomplete', 'A server that does not send its intermediate fails the same way.'),
    cause('cert_expired', 'So does an expired certificate.'),
    cause('cert_self_signed', 'And a self-signed one.'),
  ],
};

export const curl: ClientStack = {
  key: 'curl',
  label: 'curl / libcurl',
  impact: 'curl',
  versions: 'curl 7.x–8.x with OpenSSL',
  markers: [
    /\bcurl: \(\d+\)/,
    /\blibcurl\b/,
    /\bCURLE_[A-Z_]+/,
    /curl\.(se|haxx\.se)\/docs\/sslcerts/,
    /^\* (Trying|Connected to|SSL certificate problem|Connect socket)/m,
  ],
  libraries: [{ name: 'curl --http3', marker: /over QUIC|--http3|ngtcp2|quiche/i, quic: true }],
  openssl: (r) => `curl: (60) SSL certificate problem: ${r.text}`,
  errors: [
    curlHostname,
    gnutlsVerify,
    {
      id: 'legacy_sigalg',
      text: 'curl: (35) OpenSSL/<version>: error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported',
      pattern: /legacy sigalg disallowed or unsupported/i,
      versions: 'curl 7.88 on OpenSSL 3.0',
      causes: [
        cause(
          'legacy_tls_only',
          'The server negotiates TLS 1.0 and signs its key exchange with MD5+SHA-1, refused at security level ≥ 1.',
        ),
      ],
    },
    {
      id: 'evp_lib',
      text: 'curl: (35) OpenSSL/<version>: error:06880006:asn1 encoding routines::EVP lib',
      pattern: /asn1 encoding routines::EVP lib/i,
      versions: 'curl 7.88 on OpenSSL 3.0 (prints the first queued error, not the verify reason)',
      causes: [
        cause(
          'chain_signature_invalid',
          'A certificate signature could not be verified; OpenSSL 3.0 queues this error before the verify reason.',
        ),
      ],
    },
    {
      id: 'peer_not_ok',
      text: 'curl: (60) SSL peer certificate or SSH remote key was not OK',
      pattern: /SSL peer certificate or SSH remote key was not OK/i,
      fallback: true,
      causes: [
        cause(
          'chain_untrusted_root',
          "libcurl's generic text for CURLE_PEER_FAILED_VERIFICATION: the chain did not verify.",
        ),
        cause('hostname_mismatch', 'The same code is used when the name check fails.'),
      ],
    },
  ],
};

export const git: ClientStack = {
  key: 'git',
  label: 'git (HTTPS remotes, via libcurl)',
  impact: 'curl',
  versions: 'git 2.x',
  markers: [
    /fatal: unable to access '/,
    /while accessing https?:\/\/\S+\/info\/refs/,
    /\bgit (clone|fetch|pull|push)\b/,
  ],
  openssl: (r) => `fatal: unable to access '<url>': SSL certificate problem: ${r.text}`,
  errors: [
    {
      ...curlHostname,
      text: "fatal: unable to access '<url>': SSL: no alternative certificate subject name matches target host name '<host>'",
    },
    { ...gnutlsVerify, text: `fatal: unable to access '<url>': ${gnutlsVerify.text}` },
  ],
};
