import { parseTarget } from '../probe/target.js';
import type { ExplainTarget } from './types.js';

/**
 * The endpoint an error message names, in the forms clients print it. Specific forms first (they say which host
 * the client meant); a bare URL or host:port last, skipping documentation links and source positions
 * ("_ssl.c:1006", "Alert.java:131").
 */
type Extract = (m: RegExpExecArray) => string;

const hostPort: Extract = (m) => `${m[1]}:${m[2]}`;
const hostOnly: Extract = (m) => m[1]!;

const FORMS: [RegExp, Extract][] = [
  [/host='([^'\s]+)', port=(\d{1,5})\)/, hostPort], // urllib3 / requests: HTTPSConnectionPool(host='x', port=443)
  [/Cannot connect to host (\[[0-9a-f:.]+\]|[^\s:]+):(\d{1,5})/i, hostPort], // aiohttp
  [/unable to access '([a-z][a-z0-9+.-]*:\/\/[^']+)'/i, hostOnly], // git
  [/\b(?:Get|Post|Head|Put|Patch|Delete|Options) "?(https?:\/\/[^\s"]{1,2048}?)"?:? /, hostOnly], // Go net/http
  [/request to (https?:\/\/\S+) failed/, hostOnly], // node-fetch, npm
  [/peeraddr=(\[[0-9a-f:.]+\]|[\d.]+):(\d{1,5})/i, hostPort], // Ruby
  [/(?:Failed to connect|connect) to (\S+) port (\d{1,5})/, hostPort], // curl
  [/Hostname (\S+) not verified/, hostOnly], // OkHttp
  [/pretending to be (?:[\u201c"]|\\u201c)(.{1,253}?)(?:[\u201d"]|\\u201d)/, hostOnly], // Apple (as printed, or JSON-escaped)
  [/\bHost: ?(\S+?)\.? is not in the cert's altnames/, hostOnly], // Node
  [/\bIP: (\S+) is not in the cert's list/, hostOnly], // Node
  [/No subject alternative DNS name matching (\S+) found/, hostOnly], // Java
  [/certificate is not valid for '([^']+)'/, hostOnly], // Python
  [/target host name '([^']+)'/, hostOnly], // curl
  [/x509: certificate is valid for [^\n]{0,2000}?, not (\S+)/, hostOnly], // Go
  [/cannot validate certificate for (\S+) because/, hostOnly], // Go
  [/could not prove that it is (\S+?);/, hostOnly], // Chrome
  [/steal your information from (\S+)/, hostOnly], // Chrome
  [/hostname "([^"]+)" does not match/, hostOnly], // Ruby
  [/expected CN=`([^']+)'/, hostOnly], // PHP
  [/(?<!\S)(\S{1,300}) uses an invalid security certificate/, hostOnly], // Firefox
  [/identity of the website [\u201c"](.{1,253}?)[\u201d"]/, hostOnly], // Safari
];

const URL_FORM = /\b(?:https|wss|ldaps|imaps|smtps|pop3s|ftps):\/\/[^\s'"<>)\]`]{1,2048}/gi;
/**
 * host:port as one token. The lookbehind lets a match start only where a token starts and the length is bounded,
 * so hostile input costs one scan, not one per character; the token's shape is checked afterwards.
 */
const HOST_PORT_FORM = /(?<![\w/.-])([a-z0-9][a-z0-9.-]{0,252}):(\d{2,5})(?!\d)/gi;
/** a DNS name with a letter TLD, or an IPv4 literal */
const HOST_SHAPE = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}|\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Hosts that appear in error texts as "more details here", never as the endpoint that failed. */
const DOC_HOSTS =
  /(^|\.)(curl\.se|curl\.haxx\.se|stackoverflow\.com|learn\.microsoft\.com|docs\.microsoft\.com|aka\.ms|go\.dev|golang\.org|nodejs\.org|docs\.python\.org|letsencrypt\.org|support\.google\.com)$/;
/** Source-file extensions: "tls.js:297" and "connector.py:1611" are positions, not host:port. */
const SOURCE_EXT = new Set(
  'c cc cpp cs h hpp go java kt js jsx mjs cjs ts tsx py pyx rb php rs swift scala m mm pl sh lua ex exs erl dart zig vb fs clj groovy'.split(
    ' ',
  ),
);

export function extractTarget(text: string): ExplainTarget | null {
  const loose = [...urls(text), ...hostPorts(text)];
  for (const [pattern, pick] of FORMS) {
    const m = pattern.exec(text);
    const t = m ? toTarget(pick(m)) : null;
    // A form that names only the host ("pretending to be “10.0.0.1”") takes the port from a URL naming it too.
    if (t) return loose.find((l) => l.host === t.host) ?? t;
  }
  return loose[0] ?? null;
}

function urls(text: string): ExplainTarget[] {
  return [...text.matchAll(URL_FORM)].flatMap((m) => toTarget(m[0].replace(/[.,;:]+$/, '')) ?? []);
}

function hostPorts(text: string): ExplainTarget[] {
  return [...text.matchAll(HOST_PORT_FORM)].flatMap((m) =>
    !HOST_SHAPE.test(m[1]!) || SOURCE_EXT.has(m[1]!.split('.').at(-1)!.toLowerCase())
      ? []
      : (toTarget(`${m[1]}:${m[2]}`) ?? []),
  );
}

function toTarget(raw: string): ExplainTarget | null {
  try {
    const t = parseTarget(raw.trim());
    if (DOC_HOSTS.test(t.host)) return null;
    return { host: t.host, port: t.port };
  } catch {
    return null;
  }
}
