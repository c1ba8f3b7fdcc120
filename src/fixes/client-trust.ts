import type { Target } from '../probe/types.js';
import type { Fix } from '../rules/types.js';
import { client, clientCertFixes } from './client-cert.js';
import type { FindingCode } from './codes.js';
import { httpsUrl, literal, saveLeaf, sh } from './shell.js';
import type { ClientRecipe } from './types.js';

/**
 * Client-side workarounds: make each client stack trust what it should (a private root, the server's own
 * self-signed certificate, or the missing intermediate while the server is fixed). Each stack has its own
 * trust store: Python's certifi ignores the OS store, Java has cacerts, Node ships its own roots.
 * Turning verification off is offered only for self-signed/untrusted cases, last, and always with a warning.
 */

interface TrustFile {
  /** file name used in the commands */
  file: string;
  /** how to obtain it */
  origin: string;
  /** true when the file only completes a chain, so it must be added to (not replace) the default roots */
  addToDefaults: boolean;
}

function trustFixes(f: TrustFile, t: Target): Fix[] {
  const base = f.file.replace(/\.pem$/, '');
  const bundle = f.addToDefaults ? 'bundle.pem' : f.file;
  const pyBundle = f.addToDefaults
    ? sh`cat "$(python -m certifi)" ${f.file} > bundle.pem`
    : sh`cp ${f.file} bundle.pem`;
  // A comment must end the line: anything after `#` is not run.
  const pyNote = f.addToDefaults ? '' : '  # add "$(python -m certifi)" too if the app also calls public hosts';
  return [
    client('any', `Get ${f.file}`, [f.origin]),
    client(
      'python',
      `Python: trust ${f.file}`,
      [
        `requests: \`requests.get(url, verify='/path/${bundle}')\`; ssl/httpx/aiohttp: \`ssl.create_default_context(cafile='/path/${bundle}')\` or \`ctx.load_verify_locations('/path/${bundle}')\`.`,
        'Process-wide: `REQUESTS_CA_BUNDLE` (requests) and `SSL_CERT_FILE` (ssl, httpx) point at the bundle; both replace certifi, so the bundle must include the public roots you still need.',
      ],
      sh`${pyBundle} && export REQUESTS_CA_BUNDLE="$PWD/bundle.pem" SSL_CERT_FILE="$PWD/bundle.pem"${literal(pyNote)}`,
    ),
    client(
      'node',
      `Node.js: trust ${f.file}`,
      [
        '`NODE_EXTRA_CA_CERTS` adds to the bundled roots (read once at start-up); `--use-openssl-ca` uses the OS store instead.',
      ],
      sh`NODE_EXTRA_CA_CERTS=${`/path/${f.file}`} node app.js`,
    ),
    client(
      'java',
      `Java: trust ${f.file}`,
      [
        ...(f.addToDefaults ? ['Or let the JDK fetch it via AIA: `-Dcom.sun.security.enableAIAcaIssuers=true`.'] : []),
        'Import into the JDK cacerts (command below), or into a copy passed with `-Djavax.net.ssl.trustStore=/path/truststore.jks`; restart the JVM.',
      ],
      sh`keytool -importcert -alias ${base} -file ${f.file} -keystore "$JAVA_HOME/lib/security/cacerts" -storepass changeit -noprompt`,
    ),
    client(
      'curl',
      `curl: trust ${f.file}`,
      ['`--cacert` replaces the default bundle for that call (`CURL_CA_BUNDLE` for every call).'],
      t.protocol === 'https' ? sh`curl --cacert ${bundle} ${httpsUrl(t)}` : undefined,
    ),
    client('go', `Go: trust ${f.file}`, [
      'Linux: `SSL_CERT_FILE=/path/bundle.pem` replaces the system file (include the public roots).',
      'In code: `pool, _ := x509.SystemCertPool(); pool.AppendCertsFromPEM(pemBytes)`, then `tls.Config{RootCAs: pool}`.',
    ]),
    client(
      'os',
      `Operating system store (curl, Go, .NET, OpenSSL apps): trust ${f.file}`,
      [
        'Debian/Ubuntu: command below (the file must end in `.crt`); RHEL: copy to `/etc/pki/ca-trust/source/anchors/` and run `update-ca-trust`.',
        f.addToDefaults
          ? `Windows (certutil reads PEM): \`certutil -addstore CA ${f.file}\` (Intermediate Certification Authorities).`
          : `Windows (certutil reads PEM): \`certutil -addstore Root ${f.file}\`; macOS: \`security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${f.file}\`.`,
      ],
      sh`cp ${f.file} ${`/usr/local/share/ca-certificates/${base}.crt`} && update-ca-certificates`,
    ),
  ];
}

/** Last resort for a one-off test; never for expired or mismatched certificates, which no trust fix can mend. */
const insecure: Fix = {
  audience: 'client',
  stack: 'any',
  title: 'Last resort for a one-off manual test: skip verification',
  steps: [
    'curl: `-k` / `--insecure`; Python: `verify=False`; Node: `NODE_TLS_REJECT_UNAUTHORIZED=0`; Go: `InsecureSkipVerify: true`.',
  ],
  warning:
    'This turns off every certificate check: anyone on the path can impersonate the server and read the traffic. Never ship it; use the trust fixes above.',
};

export const CLIENT_RECIPES: { [C in FindingCode]?: ClientRecipe<C> } = {
  chain_untrusted_root: ({ p, t }) => [
    ...trustFixes(
      {
        file: 'internal-ca.pem',
        origin: `Get the root certificate${p.str('root') ? ` \`${p.str('root')}\`` : ''} from your PKI team or its published URL — not from this connection (that would trust whoever answers)${p.str('rootSha256') ? `; its SHA-256 fingerprint must be \`${p.str('rootSha256')}\`` : ''}.`,
        addToDefaults: false,
      },
      t,
    ),
    insecure,
  ],
  cert_self_signed: ({ p, t }) => [
    ...trustFixes(
      {
        file: 'server.pem',
        origin: `Save the server's certificate (\`${saveLeaf(t, 'server.pem')}\`) and confirm with the server owner that \`openssl x509 -noout -fingerprint -sha256 -in server.pem\` shows ${p.str('sha256') ? `\`${p.str('sha256')}\`` : 'their fingerprint'} before trusting it.`,
        addToDefaults: false,
      },
      t,
    ),
    insecure,
  ],
  chain_incomplete: ({ t }) =>
    trustFixes(
      {
        file: 'intermediate.pem',
        origin:
          "Until the server sends its chain: download the missing intermediate from the CA (the leaf's AIA CA Issuers URL) and add it to what clients trust.",
        addToDefaults: true,
      },
      t,
    ),
  client_cert_required: clientCertFixes,
};
