import { type ClientStack, cause } from './types.js';

/**
 * .NET (System.Net.Security.SslPolicyErrors, X509ChainStatusFlags) and Windows SChannel (SEC_E_* / CERT_E_* HRESULTs
 * as Win32Exception messages; SqlClient prints them after "(provider: SSL Provider, error: 0 - …)").
 */
export const dotnet: ClientStack = {
  key: 'dotnet',
  label: '.NET / Windows SChannel',
  impact: 'dotnet',
  versions: '.NET Framework 4.x, .NET 5–9, Windows SChannel',
  markers: [
    /RemoteCertificate(NameMismatch|ChainErrors|NotAvailable)/,
    /System\.(Net|Security)\./,
    /AuthenticationException/,
    /The SSL connection could not be established/,
    /SqlClient|SSL Provider/,
    /0x8009[0-9A-F]{4}|0x800B[0-9A-F]{4}|SEC_E_|CERT_E_/,
    /Invoke-WebRequest|Invoke-RestMethod/,
  ],
  errors: [
    {
      id: 'NameMismatch',
      text: 'RemoteCertificateNameMismatch',
      pattern:
        /RemoteCertificateNameMismatch|The target principal name is incorrect|SEC_E_WRONG_PRINCIPAL|CERT_E_CN_NO_MATCH|0x80090322|0x800B010F/i,
      causes: [
        cause(
          'hostname_mismatch',
          'The certificate does not list the name the client connected to (an IP address, or an internal alias).',
        ),
      ],
    },
    {
      id: 'NotTimeValid',
      text: 'RemoteCertificateChainErrors (NotTimeValid)',
      pattern:
        /NotTimeValid|The received certificate has expired|SEC_E_CERT_EXPIRED|CERT_E_EXPIRED|0x80090328|0x800B0101/i,
      causes: [
        cause('cert_expired', 'A certificate in the chain is outside its validity period.'),
        cause('cert_not_yet_valid', 'Or not valid yet.'),
        cause('clock_skew', "The machine's clock is wrong."),
      ],
    },
    {
      id: 'UntrustedRoot',
      text: 'RemoteCertificateChainErrors (UntrustedRoot)',
      pattern:
        /UntrustedRoot|issued by an authority that is not trusted|SEC_E_UNTRUSTED_ROOT|CERT_E_UNTRUSTEDROOT|0x80090325|0x800B0109/i,
      causes: [
        cause(
          'chain_untrusted_root',
          "The root is not in the Windows (or Linux) trust store: a private CA, or SQL Server's self-generated certificate.",
        ),
        cause(
          'cert_self_signed',
          'The server uses a self-signed certificate (SQL Server does when none is configured).',
        ),
      ],
    },
    {
      id: 'PartialChain',
      text: 'RemoteCertificateChainErrors (PartialChain)',
      pattern:
        /PartialChain|A certificate chain could not be built to a trusted root authority|CERT_E_CHAINING|0x800B010A/i,
      causes: [
        cause('chain_incomplete', 'An intermediate is missing and could not be downloaded (AIA blocked or absent).'),
        cause('chain_untrusted_root', 'Or the root is unknown.'),
      ],
    },
    {
      id: 'NotSignatureValid',
      text: 'RemoteCertificateChainErrors (NotSignatureValid)',
      pattern: /NotSignatureValid/,
      causes: [cause('chain_signature_invalid', 'A signature in the chain does not verify.')],
    },
    {
      id: 'NotValidForUsage',
      text: 'RemoteCertificateChainErrors (NotValidForUsage)',
      pattern: /NotValidForUsage|CERT_E_WRONG_USAGE|0x800B0110/i,
      causes: [cause('wrong_key_usage', 'The certificate is not valid for server authentication.')],
    },
    {
      id: 'Revoked',
      text: 'RemoteCertificateChainErrors (Revoked)',
      pattern: /\bRevoked\b|CRYPT_E_REVOKED|0x80092010/,
      causes: [cause('cert_revoked', 'The CA revoked the certificate.')],
    },
    {
      id: 'RevocationStatusUnknown',
      text: 'RemoteCertificateChainErrors (RevocationStatusUnknown / OfflineRevocation)',
      pattern: /RevocationStatusUnknown|OfflineRevocation|CRYPT_E_REVOCATION_OFFLINE|0x80092013/i,
      causes: [cause('revocation_unchecked', 'The CRL/OCSP responder could not be reached from the client.')],
    },
    {
      id: 'AlgorithmMismatch',
      text: 'The client and server cannot communicate, because they do not possess a common algorithm',
      pattern: /do not possess a common algorithm|SEC_E_ALGORITHM_MISMATCH|0x80090331/i,
      causes: [
        cause('legacy_tls_only', 'The server offers only TLS 1.0/1.1 or old ciphers that this Windows has disabled.'),
        cause('handshake_failed', 'Or no cipher suite is shared.'),
      ],
    },
    {
      id: 'ChainErrors',
      text: 'The remote certificate is invalid according to the validation procedure: RemoteCertificateChainErrors',
      pattern: /RemoteCertificateChainErrors/,
      causes: [
        cause(
          'chain_untrusted_root',
          'The most common chain error: the root is not in the machine store (private CA, proxy).',
        ),
        cause('cert_expired', 'An expired certificate is reported the same way.'),
        cause('chain_incomplete', 'A missing intermediate that could not be downloaded.'),
        cause('cert_self_signed', 'A self-signed server certificate.'),
      ],
    },
    {
      id: 'ValidationProcedure',
      text: 'The remote certificate is invalid according to the validation procedure.',
      pattern: /The remote certificate is invalid according to the validation procedure/i,
      fallback: true,
      causes: [
        cause(
          'chain_untrusted_root',
          'Without the SslPolicyErrors value, the most common cause is a root missing from the machine store.',
        ),
        cause('hostname_mismatch', 'A name mismatch is reported with the same sentence.'),
        cause('cert_expired', 'So is an expired certificate.'),
      ],
    },
  ],
};
