import type { Fix } from '../rules/types.js';
import { type Cmd, httpsUrl, sh } from './shell.js';
import type { ClientRecipe } from './types.js';

/**
 * How each client stack presents a certificate (mutual TLS). The certificate must chain to one of the CAs
 * the server listed (RFC 8446 §4.2.4; RFC 5246 §7.4.4) and carry the clientAuth EKU (RFC 5280 §4.2.1.12).
 */

/** A client-side fix for one stack. */
export const client = (stack: string, title: string, steps: string[], command?: string | Cmd): Fix => ({
  audience: 'client',
  stack,
  title,
  steps,
  ...(command ? { command: String(command) } : {}),
});

export const clientCertFixes: ClientRecipe<'client_cert_required'> = ({ p, t }) => {
  const cas = p.str('caNames');
  const url = t.protocol === 'https' ? httpsUrl(t) : null;
  return [
    client('any', 'Get a client certificate the server accepts', [
      `Ask the service owner for a client certificate and key issued by ${cas ? `one of \`${cas}\`` : 'a CA the server trusts'}, with the clientAuth extended key usage.`,
    ]),
    client(
      'curl',
      'curl: present the certificate',
      ['`--cert client.crt --key client.key` (a PKCS#12 file: `--cert client.p12:password --cert-type P12`).'],
      url ? sh`curl --cert client.crt --key client.key ${url}` : undefined,
    ),
    client('python', 'Python: present the certificate', [
      "requests: `requests.get(url, cert=('client.crt', 'client.key'))`; ssl/httpx/aiohttp: `ctx = ssl.create_default_context(); ctx.load_cert_chain('client.crt', 'client.key')`.",
    ]),
    client('node', 'Node.js: present the certificate', [
      "`https.request(url, { cert: fs.readFileSync('client.crt'), key: fs.readFileSync('client.key') })` (or an `https.Agent` with the same options; undici: `new Agent({ connect: { cert, key } })`).",
    ]),
    client(
      'java',
      'Java: present the certificate',
      [
        'Bundle it as PKCS#12 (command below) and start the JVM with `-Djavax.net.ssl.keyStore=/path/client.p12 -Djavax.net.ssl.keyStorePassword=… -Djavax.net.ssl.keyStoreType=PKCS12`.',
      ],
      'openssl pkcs12 -export -in client.crt -inkey client.key -out client.p12 -name client',
    ),
    client('go', 'Go: present the certificate', [
      '`cert, _ := tls.LoadX509KeyPair("client.crt", "client.key")`, then `tls.Config{Certificates: []tls.Certificate{cert}}` on the transport.',
    ]),
  ];
};
