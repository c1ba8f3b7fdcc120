/** Which clients the path-validation codes break (issue 9); each verifier names the failure its own way. */
import type { ClientImpact } from '../rules/types.js';
import type { ImpactRecipe } from './types.js';

const fails = (client: string, note: string): ClientImpact => ({ client, effect: 'fails', note });

const everywhere =
  (errors: Record<string, string>): ImpactRecipe =>
  () =>
    Object.entries(errors).map(([client, note]) => fails(client, note));

export const PATH_IMPACT = {
  chain_cert_not_yet_valid: everywhere({
    browsers: 'NET::ERR_CERT_DATE_INVALID (Chrome), SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE (Firefox)',
    curl: 'curl: (60) SSL certificate problem: certificate is not yet valid',
    java: 'CertPathValidatorException: validity check failed (CertificateNotYetValidException)',
    go: 'x509: certificate has expired or is not yet valid',
  }),
  ca_not_ca: everywhere({
    browsers: 'NET::ERR_CERT_INVALID (Chrome), SEC_ERROR_CA_CERT_INVALID (Firefox)',
    curl: 'curl: (60) SSL certificate problem: invalid CA certificate',
    java: 'CertPathValidatorException: basic constraints check failed: this is not a CA certificate',
    go: 'x509: certificate signed by unknown authority (possibly because … is not a CA)',
  }),
  ca_cannot_sign: everywhere({
    browsers: 'NET::ERR_CERT_INVALID (Chrome), SEC_ERROR_INADEQUATE_KEY_USAGE (Firefox)',
    curl: 'curl: (60) SSL certificate problem: key usage does not include certificate signing',
    java: 'CertPathValidatorException: KeyUsage does not allow key certificate signing',
  }),
  path_length_exceeded: everywhere({
    browsers: 'NET::ERR_CERT_INVALID (Chrome), SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID (Firefox)',
    curl: 'curl: (60) SSL certificate problem: path length constraint exceeded',
    java: 'CertPathValidatorException: path length constraint violated',
    go: 'x509: too many intermediates for path length constraint',
  }),
  unknown_critical_extension: everywhere({
    browsers: 'NET::ERR_CERT_INVALID (Chrome), SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION (Firefox)',
    curl: 'curl: (60) SSL certificate problem: unhandled critical extension',
    go: 'x509: unhandled critical extension',
  }),
  name_constraints_violation: everywhere({
    browsers:
      'NET::ERR_CERT_INVALID / ERR_CERT_NAME_CONSTRAINT_VIOLATION (Chrome), SEC_ERROR_CERT_NOT_IN_NAME_SPACE (Firefox)',
    curl: 'curl: (60) SSL certificate problem: permitted subtree violation',
    go: 'x509: a root or intermediate certificate is not authorized to sign for this name',
  }),
  key_refused: everywhere({
    browsers: 'NET::ERR_CERT_INVALID (Chrome refuses RSA exponents over 33 bits)',
    curl: 'curl: (35) OpenSSL refuses or takes seconds to verify such keys',
  }),
  chain_too_complex: everywhere({
    browsers: 'Chrome stops path building after a fixed budget: NET::ERR_CERT_AUTHORITY_INVALID',
    curl: 'OpenSSL limits the chain depth and may fail: curl: (60) certificate chain too long',
  }),
  key_mismatch: everywhere({
    all: 'The server cannot start or every handshake fails (nginx: "key values mismatch", Apache: "does not match")',
  }),
} satisfies Record<string, ImpactRecipe>;
