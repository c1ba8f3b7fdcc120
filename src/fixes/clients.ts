import { dnsNameMatches } from '../rules/lib/hostname.js';
import type { ClientImpact } from '../rules/types.js';
import { say } from './catalogue/index.js';
import { verifyReason } from './catalogue/openssl.js';
import type { FindingCode } from './codes.js';
import { PATH_IMPACT } from './path-clients.js';
import type { ImpactRecipe, RecipeInput } from './types.js';

/**
 * Which client stacks each finding breaks, and the error each one shows (so a user can match what they see).
 * The error texts are not written here: `say(stack, id)` quotes them from the client catalogue
 * (src/fixes/catalogue/), the same data `cert-doctor explain` matches pasted errors against.
 * Keys: browsers, curl (curl/wget/openssl s_client), python, java, node, go, dotnet, android, legacy (clients
 * without modern TLS/SNI), embedded, health_checks, all.
 *
 * The curl, python, java and node claims below are measured, not remembered: test/client-claims.test.ts serves
 * each scenario on loopback and checks the effect and the quoted error against curl 7.88 + openssl s_client
 * (OpenSSL 3.0), python 3.11 (ssl, OpenSSL 3.0), OpenJDK 17 (HttpsURLConnection) and node 20. Errors are quoted
 * as printed, with the host written <host>; versions are named where the behaviour depends on them.
 */

const fails = (client: string, note: string): ClientImpact => ({ client, effect: 'fails', note });
const works = (client: string, note: string): ClientImpact => ({ client, effect: 'works', note });
const warns = (client: string, note: string): ClientImpact => ({ client, effect: 'warns', note });

/** One line per client when every stack rejects it, each with the error text it prints. */
function failsEverywhere(errors: Record<'browsers' | 'curl' | 'python' | 'java' | 'node' | 'go' | 'dotnet', string>) {
  return Object.entries(errors).map(([client, note]) => fails(client, note));
}

/** What Java's default PKIX validation reports for a certificate outside its validity period. */
const JAVA_VALIDITY = say('java', 'validity');
/** What Java reports when it cannot build a path to a root in its truststore (missing issuer or unknown root). */
const JAVA_NO_PATH = say('java', 'pkix_no_path');
/** OpenSSL's verify reason text alone (when a note names two reasons after one prefix). */
const reason = (name: string) => verifyReason(name).text;

const unreachable: ImpactRecipe = () => [fails('all', 'No client can connect: nothing TLS-related happens yet.')];

const expired = failsEverywhere({
  browsers: `${say('chrome', 'ERR_CERT_DATE_INVALID')} (Chrome/Edge), ${say('firefox', 'SEC_ERROR_EXPIRED_CERTIFICATE')} (Firefox); click-through only`,
  curl: say('curl', 'CERT_HAS_EXPIRED'),
  python: say('python', 'CERT_HAS_EXPIRED'),
  java: `${JAVA_VALIDITY} (caused by ${say('java', 'expired_cause')})`,
  node: say('node', 'CERT_HAS_EXPIRED'),
  go: say('go', 'expired'),
  dotnet: say('dotnet', 'NotTimeValid'),
});

const notYetValid = failsEverywhere({
  browsers: `${say('chrome', 'ERR_CERT_DATE_INVALID')}; a client whose clock runs ahead may accept it`,
  curl: say('curl', 'CERT_NOT_YET_VALID'),
  python: say('python', 'CERT_NOT_YET_VALID'),
  java: `${JAVA_VALIDITY} (caused by ${say('java', 'not_yet_valid_cause')})`,
  node: say('node', 'CERT_NOT_YET_VALID'),
  go: say('go', 'expired'),
  dotnet: say('dotnet', 'NotTimeValid'),
});

const untrusted = failsEverywhere({
  browsers: `${say('chrome', 'ERR_CERT_AUTHORITY_INVALID')} / ${say('firefox', 'SEC_ERROR_UNKNOWN_ISSUER')} unless the root is in the OS (Chrome/Edge/Safari) or Firefox store`,
  curl: `${say('curl', 'SELF_SIGNED_CERT_IN_CHAIN')} (root sent) / ${reason('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')} (root not sent)`,
  python: `${say('python', 'SELF_SIGNED_CERT_IN_CHAIN')} (root sent) / ${reason('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')}; requests/httpx use certifi and ignore the OS store`,
  java: `${JAVA_NO_PATH}: the JDK has its own cacerts`,
  node: 'SELF_SIGNED_CERT_IN_CHAIN (root sent) / UNABLE_TO_GET_ISSUER_CERT_LOCALLY: bundled roots unless NODE_EXTRA_CA_CERTS or --use-openssl-ca',
  go: `${say('go', 'unknown_authority')} (system store, or SSL_CERT_FILE)`,
  dotnet: `${say('dotnet', 'UntrustedRoot')} unless the root is in the Windows/Linux store`,
});

const selfSigned = failsEverywhere({
  browsers: `${say('chrome', 'ERR_CERT_AUTHORITY_INVALID')} / ${say('firefox', 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT')}; click-through only`,
  curl: say('curl', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
  python: say('python', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
  java: JAVA_NO_PATH,
  node: say('node', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
  go: say('go', 'unknown_authority'),
  dotnet: say('dotnet', 'UntrustedRoot'),
});

/** "Works in the browser and C#, fails in Python": who completes a chain on its own (AIA, caches, preloads). */
const chainIncomplete: ClientImpact[] = [
  works(
    'browsers',
    'Chrome/Edge/Safari fetch the missing intermediate via AIA or use a cached one; Firefox preloads intermediates',
  ),
  works('dotnet', 'Windows CryptoAPI (and .NET on Linux) download the missing intermediate via AIA'),
  fails('curl', `${say('curl', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')}: OpenSSL never fetches AIA`),
  fails('python', `urllib/requests/httpx/aiohttp: ${say('python', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')}`),
  fails('java', `${JAVA_NO_PATH}; AIA fetching is off unless -Dcom.sun.security.enableAIAcaIssuers=true`),
  fails(
    'node',
    `${say('node', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')} (leaf sent alone); ${say('node', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')} (the last certificate sent has no known issuer)`,
  ),
  fails('go', `${say('go', 'unknown_authority')} (Linux; Windows and macOS use the OS verifier)`),
  fails('android', 'older Android versions and apps with their own TLS stack do not fetch AIA'),
];

const mismatch = failsEverywhere({
  browsers: `${say('chrome', 'ERR_CERT_COMMON_NAME_INVALID')} / ${say('firefox', 'SSL_ERROR_BAD_CERT_DOMAIN')}`,
  curl: `${say('curl', 'hostname_mismatch')}; openssl s_client -verify_hostname: ${say('openssl', 'HOSTNAME_MISMATCH')}`,
  python: say('python', 'hostname_mismatch'),
  java: say('java', 'no_dns_san'),
  node: say('node', 'ERR_TLS_CERT_ALTNAME_INVALID'),
  go: say('go', 'hostname'),
  dotnet: say('dotnet', 'NameMismatch'),
});

const badUsage = failsEverywhere({
  browsers: `rejected (Firefox: ${say('firefox', 'SEC_ERROR_INADEQUATE_KEY_USAGE')})`,
  curl: say('curl', 'INVALID_PURPOSE'),
  python: say('python', 'INVALID_PURPOSE'),
  java: say('java', 'eku'),
  node: say('node', 'INVALID_PURPOSE'),
  go: say('go', 'key_usage'),
  dotnet: say('dotnet', 'NotValidForUsage'),
});

const badSignature = failsEverywhere({
  browsers: `${say('firefox', 'SEC_ERROR_BAD_SIGNATURE')} (Firefox) / ${say('chrome', 'ERR_CERT_AUTHORITY_INVALID')} (Chrome)`,
  curl: `openssl s_client: ${say('openssl', 'CERT_SIGNATURE_FAILURE')}; curl 7.88 on OpenSSL 3.0 prints the first queued error instead: ${say('curl', 'evp_lib')}`,
  python: say('python', 'CERT_SIGNATURE_FAILURE'),
  java: say('java', 'signature'),
  node: say('node', 'CERT_SIGNATURE_FAILURE'),
  go: say('go', 'bad_signature'),
  dotnet: say('dotnet', 'NotSignatureValid'),
});

/** OpenSSL 1.1+, Java and Node look issuers up among everything sent, whatever the order or extras. */
const reorderTolerant: ClientImpact[] = [
  works('curl', 'OpenSSL 1.1+ (curl, openssl s_client) finds issuers anywhere in what was sent'),
  works('python', 'Python uses OpenSSL: it finds issuers anywhere in what was sent'),
  works('java', 'Java builds the path from the certificates sent in any order'),
  works('node', 'Node uses OpenSSL: it finds issuers anywhere in what was sent'),
];

/** A certificate with a host name only in the Common Name, no SAN: who still falls back to the CN. */
const cnOnly: ClientImpact[] = [
  fails(
    'browsers',
    `Chrome 58+ and Safari (iOS 13 / macOS 10.15+) ignore the Common Name: ${say('chrome', 'ERR_CERT_COMMON_NAME_INVALID')}`,
  ),
  fails('go', `Go 1.15+: ${say('go', 'cn_legacy')}`),
  works(
    'python',
    "Python's ssl still falls back to the Common Name when there is no SAN at all (hostname_checks_common_name defaults to True); do not rely on it",
  ),
  works('curl', 'curl, Java, Node and .NET still fall back to the Common Name today; do not rely on it'),
  works('java', 'Java falls back to the Common Name when there is no DNS SAN; do not rely on it'),
  works('node', 'Node falls back to the Common Name when there is no SAN; do not rely on it'),
];

/** hostname_mismatch raised on a SAN-less certificate whose Common Name is the host: the CN-fallback split. */
function cnFallbackMatches(p: RecipeInput<'hostname_mismatch'>['p']): boolean {
  const cn = p.str('subjectCN');
  const host = p.str('host');
  return p.list('names').length === 0 && cn !== null && host !== null && dnsNameMatches(cn, host);
}

const legacyOnly: ClientImpact[] = [
  fails(
    'browsers',
    `${say('chrome', 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH')} / ${say('firefox', 'SSL_ERROR_UNSUPPORTED_VERSION')}: TLS 1.0/1.1 removed in 2020`,
  ),
  fails('python', `Python 3.10+ requires TLS 1.2: ${say('python', 'protocol_version')}`),
  fails('java', `Java 8u291+/11.0.11+ disable TLS 1.0/1.1: ${say('java', 'protocol_version')}`),
  fails(
    'curl',
    `curl 7.88 on OpenSSL 3.0 offers TLS 1.0 but refuses its MD5+SHA-1 key-exchange signature at security level ≥ 1: ${say('curl', 'legacy_sigalg')} (an RSA-key-exchange suite such as AES128-SHA still connects)`,
  ),
  fails('go', `Go 1.18+ clients default to TLS 1.2 minimum: ${say('go', 'protocol_version')}`),
  fails(
    'node',
    `Node 12+ defaults to TLS 1.2 minimum (tls.DEFAULT_MIN_VERSION): EPROTO … SSL routines:ssl3_read_bytes:${say('node', 'protocol_version')}`,
  ),
  warns('dotnet', '.NET follows the OS: fails where Windows or OpenSSL disable TLS 1.0/1.1'),
];

export const CLIENT_IMPACT: { [C in FindingCode]: ImpactRecipe<C> } = {
  ...PATH_IMPACT,
  dns_not_found: () => [
    fails('all', 'The name does not resolve (from here; split-horizon DNS may still resolve it inside a network).'),
  ],
  connection_refused: unreachable,
  connection_timeout: unreachable,
  handshake_timeout: () => [
    fails(
      'all',
      'Every client hangs after connecting until its own timeout, then reports a handshake or read timeout.',
    ),
  ],
  not_tls: ({ t }) => {
    if (t.protocol === 'https' || t.protocol === 'tls') {
      return [
        fails('all', `Every TLS client fails with a protocol error (e.g. "${say('node', 'wrong_version_number')}").`),
      ];
    }
    const out = [
      fails('all', 'Clients that require TLS stop ("STARTTLS not supported", "server does not support SSL").'),
    ];
    // RFC 3207 §4: on port 25 STARTTLS is opportunistic, so a sending MTA without a TLS policy just delivers in clear.
    if (t.protocol === 'smtp')
      out.push(warns('mta', 'Sending mail servers without a TLS policy deliver in plaintext.'));
    return out;
  },
  handshake_failed: () => [
    fails('all', 'Clients offering the same versions and ciphers as the bot fail the same way.'),
  ],
  address_blocked: () => [],
  check_deadline_exceeded: () => [],
  cert_expired: () => [...expired, warns('all', 'A client whose clock is wrong may disagree either way')],
  cert_not_yet_valid: () => notYetValid,
  cert_expiring_soon: ({ p }) => [
    works('all', `All clients still connect; all fail from ${p.str('notAfter') ?? 'the expiry date'} on.`),
  ],
  chain_cert_expired: ({ p }) => [
    ...(p.bool('onlyPath') === true
      ? [fails('all', 'The expired certificate is on the only path to a trusted root.')]
      : p.bool('onlyPath') === false
        ? [
            works('browsers', 'Browsers build the path through the renewed certificate the server also sends'),
            warns('android', 'Old Android (< 7.1.1) and embedded clients may fail where no alternate path exists'),
          ]
        : [
            warns(
              'browsers',
              'Browsers fail too unless their own store or cache offers another path around the expired certificate',
            ),
          ]),
    fails(
      'curl',
      `${say('curl', 'CERT_HAS_EXPIRED')}; OpenSSL 1.1+ tries another path only when the client trusts one (e.g. the root behind an expired cross-sign); OpenSSL 1.0.x and GnuTLS < 3.6.14 never do`,
    ),
    fails('python', `${say('python', 'CERT_HAS_EXPIRED')} (OpenSSL: same path rules as curl)`),
    fails('java', `${JAVA_VALIDITY} (caused by ${say('java', 'expired_cause')})`),
    fails('node', `${say('node', 'CERT_HAS_EXPIRED')} (OpenSSL: same path rules as curl)`),
  ],
  validity_too_long: () => [
    fails(
      'browsers',
      'Safari and Chrome reject publicly trusted certificates valid > 398 days; Apple rejects > 825 days for any root',
    ),
    works('curl', 'curl, Python, Java, Go, Node and .NET do not check the lifetime'),
    works('python', 'Python does not check the lifetime'),
    works('java', 'Java does not check the lifetime'),
    works('node', 'Node does not check the lifetime'),
  ],
  chain_incomplete: () => chainIncomplete,
  chain_untrusted_root: () => untrusted,
  cert_self_signed: () => selfSigned,
  chain_order: ({ p }) =>
    p.bool('leafFirst') === false
      ? [fails('all', 'The first certificate sent is not the leaf: clients check the wrong certificate.')]
      : [
          works('browsers', 'Browsers, OpenSSL 1.1+, Go, Java 8+ and .NET reorder the chain themselves'),
          warns('embedded', 'Strict or old stacks (mbedTLS, Java 6, some IoT firmware) require issuer order'),
          ...reorderTolerant,
        ],
  chain_includes_root: () => [
    works('browsers', 'The extra root is ignored; it only adds bytes to every handshake'),
    warns('legacy', 'Old OpenSSL (1.0.x) can trip over an expired root sent in the chain'),
    ...reorderTolerant.map((c) => works(c.client, 'The extra root is ignored: the client trusts only its own copy')),
  ],
  chain_signature_invalid: () => badSignature,
  hostname_mismatch: ({ p }) => (cnFallbackMatches(p) ? cnOnly : mismatch),
  no_san: () => cnOnly,
  weak_signature_algorithm: () => [
    fails('browsers', `SHA-1 (and MD5) signatures are rejected: ${say('chrome', 'ERR_CERT_WEAK_SIGNATURE_ALGORITHM')}`),
    fails('go', `Go 1.18+: ${say('go', 'sha1')}`),
    fails('curl', `OpenSSL 3 at security level ≥ 1: ${say('curl', 'CA_MD_TOO_WEAK')}`),
    fails('python', `OpenSSL 3: ${say('python', 'CA_MD_TOO_WEAK')}`),
    fails('node', `Node 17+ (OpenSSL 3): ${say('node', 'CA_MD_TOO_WEAK')}`),
    warns(
      'java',
      'JDK rejects SHA-1 chains to its own cacerts roots (jdk.certpath.disabledAlgorithms); private roots still pass',
    ),
  ],
  weak_key: ({ p }) => {
    const bits = p.num('bits');
    if (bits !== null && bits < 1024) return [fails('all', `A ${bits}-bit key is rejected by every current client`)];
    return [
      fails(
        'curl',
        `OpenSSL at security level 2 (Debian, Ubuntu, RHEL defaults): ${say('curl', 'EE_KEY_TOO_SMALL')} (an RSA 1024 intermediate: ${reason('CA_KEY_TOO_SMALL')})`,
      ),
      fails('python', `Python 3.10+ sets @SECLEVEL=2 itself: ${say('python', 'EE_KEY_TOO_SMALL')}`),
      warns('browsers', 'Browsers still connect to RSA 1024–2047 but no public CA issues it'),
      works('java', 'Java, Go and Node accept RSA ≥ 1024 today'),
      works('node', "Node's bundled OpenSSL runs at security level 1: RSA 1024 still connects"),
    ];
  },
  wrong_key_usage: () => badUsage,
  leaf_is_ca: () => [
    fails('browsers', `Firefox: ${say('firefox', 'MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY')}`),
    works('curl', 'OpenSSL, Go, Java and .NET accept a CA:TRUE leaf'),
    works('python', 'Python 3.11 (OpenSSL, no VERIFY_X509_STRICT) accepts a CA:TRUE leaf'),
    works('java', 'Java accepts a CA:TRUE leaf'),
    works('node', 'Node (OpenSSL) accepts a CA:TRUE leaf'),
  ],
  cert_revoked: () => [
    fails('browsers', 'Firefox (CRLite) and Safari block it; Chrome only if the serial is in its CRLSet'),
    works('curl', 'curl, Python, Java, Go, Node and .NET do not check revocation by default: it still is revoked'),
  ],
  ocsp_must_staple_missing: () => [
    fails(
      'browsers',
      `Firefox: ${say('firefox', 'MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING')}; Chrome and Safari ignore Must-Staple`,
    ),
    works('curl', 'Other clients ignore Must-Staple'),
  ],
  revocation_unchecked: () => [works('all', 'No client fails: the status is unknown, not bad')],
  ocsp_staple_invalid: () => [
    fails(
      'browsers',
      'Firefox rejects a Must-Staple certificate whose staple is invalid; without Must-Staple browsers ignore a bad staple',
    ),
    works('curl', 'curl, Python, Java, Go and Node do not ask for staples by default'),
  ],
  legacy_tls_only: () => legacyOnly,
  legacy_tls_enabled: () => [
    works('all', 'Modern clients negotiate TLS 1.2/1.3; only very old clients use 1.0/1.1 (RFC 8996 deprecates them)'),
  ],
  sni_required: () => [
    fails('legacy', 'Clients without SNI: Python ≤ 2.7.8, Java 6, Android 2.x, Windows XP'),
    fails('health_checks', 'Load-balancer probes and monitors that connect by IP without SNI'),
    warns('curl', 'openssl s_client < 1.1.1 without -servername gets the default certificate'),
    works('browsers', 'Every current browser and library sends SNI'),
    works('python', 'Python sends SNI'),
    works('node', 'Node sends SNI'),
    warns(
      'java',
      'Java sends SNI only for names with a dot: a single-label host (localhost, an intranet short name) gets the default certificate',
    ),
  ],
  backends_inconsistent: () => [
    warns('all', 'Intermittent: clients fail or succeed depending on which address they reach'),
  ],
  clock_skew: () => [
    warns(
      'all',
      'Certificates near notBefore/notAfter look invalid from the skewed side; TOTP, JWT/OIDC and Kerberos fail',
    ),
  ],
  hsts_missing: () => [
    works('browsers', 'No client fails; browsers just allow a first plain-HTTP request (SSL stripping)'),
  ],
  client_cert_required: ({ p }) =>
    p.bool('required') === false
      ? [
          works('all', 'Clients without a certificate connect; one that sends a certificate the server rejects fails'),
          warns('browsers', 'Browsers may show a certificate picker before loading the page'),
        ]
      : failsEverywhere({
          browsers: `${say('chrome', 'ERR_BAD_SSL_CLIENT_AUTH_CERT')} (Chrome/Edge), ${say('firefox', 'SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT')} (Firefox) without an installed certificate`,
          curl: `curl: (56) … ${say('curl', 'certificate_required')} / (35) … ${say('curl', 'handshake_failure')} without --cert`,
          python: `${say('python', 'certificate_required')} / ${say('python', 'handshake_failure')} without load_cert_chain`,
          java: `${say('java', 'certificate_required')} / handshake_failure without a keyStore`,
          node: `${say('node', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')} / ${say('node', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')} without cert/key`,
          go: `${say('go', 'certificate_required')} / handshake failure without tls.Config.Certificates`,
          dotnet:
            'AuthenticationException during the handshake unless ClientCertificates holds an accepted certificate',
        }),
};
