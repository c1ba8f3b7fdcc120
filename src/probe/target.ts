import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { InputError, quote } from './errors.js';
import type { Target, TargetProtocol } from './types.js';

/**
 * Parses what a person typed (terminal or Slack) into a Target, once, at the boundary.
 * Anything we cannot understand becomes an InputError whose one-line message quotes the input.
 */

interface SchemeSpec {
  port: number;
  protocol: TargetProtocol;
}

/** Default ports: IANA service names registry; implicit-TLS variants per RFC 8314 §3.3 and §7.3. */
const SCHEMES: Readonly<Record<string, SchemeSpec>> = {
  https: { port: 443, protocol: 'https' },
  tls: { port: 443, protocol: 'tls' },
  smtp: { port: 25, protocol: 'smtp' },
  smtps: { port: 465, protocol: 'tls' },
  submission: { port: 587, protocol: 'submission' },
  submissions: { port: 465, protocol: 'tls' },
  imap: { port: 143, protocol: 'imap' },
  imaps: { port: 993, protocol: 'tls' },
  pop3: { port: 110, protocol: 'pop3' },
  pop3s: { port: 995, protocol: 'tls' },
  ftp: { port: 21, protocol: 'ftp' },
  ftps: { port: 990, protocol: 'tls' },
  ldap: { port: 389, protocol: 'ldap' },
  ldaps: { port: 636, protocol: 'tls' },
  xmpp: { port: 5222, protocol: 'xmpp' },
  postgres: { port: 5432, protocol: 'postgres' },
  postgresql: { port: 5432, protocol: 'postgres' },
  mysql: { port: 3306, protocol: 'mysql' },
  mariadb: { port: 3306, protocol: 'mysql' },
};

/**
 * A STARTTLS scheme pointed at the port of its implicit-TLS sibling (smtp://host:465) means implicit TLS:
 * the server sends no banner there and waits for a ClientHello (RFC 8314 §3.3).
 */
const IMPLICIT_TLS_PORTS: Readonly<Partial<Record<TargetProtocol, number>>> = {
  smtp: 465,
  submission: 465,
  imap: 993,
  pop3: 995,
  ftp: 990,
  ldap: 636,
};

/** Ports on which a bare `host:port` is taken to be HTTPS rather than some other TLS service. */
const HTTPS_PORTS: ReadonlySet<number> = new Set([443, 8443, 4443, 9443]);

const MAX_INPUT = 2048;
const MAX_HOST = 253;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

interface HostPort {
  host: string;
  port: string | null;
  bracketed: boolean;
}

interface ParsedHost {
  host: string;
  ipVersion: 4 | 6 | null;
  unicodeHost: string | null;
}

function reject(problem: string, input: string): never {
  throw new InputError(`${problem} in ${quote(input)}`);
}

/** Slack escapes only `& < >` in user text, and only after control sequences are extracted (page formatting). */
function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * What to try parsing, best first. For a Slack link `<url|label>` the label is what the person typed,
 * while the URL may carry a scheme Slack invented (`http://` for a bare domain), so the label comes first.
 */
function candidatesOf(input: string): string[] {
  const text = input
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .trim()
    .replace(/^[`'"\u201c\u2018]+|[`'"\u201d\u2019,;]+$/g, '');
  const link = /^<([^<>]*)>$/.exec(text);
  if (!link) return [decodeEntities(text)];
  const [url = '', label] = link[1]!.split('|', 2);
  if (/^mailto:/i.test(url)) reject('an e-mail address is not a TLS endpoint; give a host name', input);
  return label ? [decodeEntities(label), decodeEntities(url)] : [decodeEntities(url)];
}

function splitScheme(text: string, input: string): { scheme: string | null; rest: string } {
  if (/^mailto:/i.test(text)) reject('an e-mail address is not a TLS endpoint; give a host name', input);
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!m) return { scheme: null, rest: text };
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'http') reject('http:// is plain text, not TLS; use https:// to check the certificate', input);
  if (!(scheme in SCHEMES)) {
    reject(`unknown scheme ${quote(scheme)} (known: ${Object.keys(SCHEMES).join(', ')})`, input);
  }
  return { scheme, rest: text.slice(m[0].length) };
}

function splitHostPort(authority: string, input: string): HostPort {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) reject('IPv6 address opened with "[" is missing its "]"', input);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) reject(`unexpected ${quote(after)} after "]"`, input);
    return { host: authority.slice(1, close), port: after === '' ? null : after.slice(1), bracketed: true };
  }
  const colons = authority.split(':').length - 1;
  if (colons === 0) return { host: authority, port: null, bracketed: false };
  if (colons === 1) {
    const at = authority.indexOf(':');
    return { host: authority.slice(0, at), port: authority.slice(at + 1), bracketed: false };
  }
  if (isIPv6(authority) && !authority.includes('%')) return { host: authority, port: null, bracketed: true };
  return reject('an IPv6 address with a port must be written in brackets, e.g. "[2001:db8::1]:443"', input);
}

function parsePort(text: string, input: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    reject(`port must be an integer between 1 and 65535, got ${quote(text)}`, input);
  }
  return port;
}

/** The WHATWG URL serialiser gives the canonical compressed, lower-case IPv6 form (RFC 5952). */
function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

function parseName(raw: string, input: string): ParsedHost {
  const bad = /[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/.exec(raw);
  if (bad) reject(`host name may contain only letters, digits, "-" and ".", got ${quote(bad[0])}`, input);
  let ascii = domainToASCII(raw);
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (/^[0-9.]+$/.test(raw) || isIPv4(ascii)) {
    reject('not a valid IPv4 address (write four decimal numbers 0-255, e.g. 192.0.2.1)', input);
  }
  const lastLabel = raw.replace(/\.$/, '').split('.').pop() ?? '';
  // RFC 3696 §2: a top-level domain is never all-numeric, so such a name could only be a mistyped address.
  if (/^[0-9]+$/.test(lastLabel)) reject(`the last label ${quote(lastLabel)} is all digits`, input);
  if (ascii === '') reject(`${quote(raw)} is not a valid host name (IDNA conversion failed)`, input);
  if (ascii.length > MAX_HOST)
    reject(`host name is ${ascii.length} characters long, the maximum is ${MAX_HOST}`, input);
  for (const label of ascii.split('.')) {
    // RFC 1123 §2.1: letters, digits, hyphen; 1-63 octets; no leading or trailing hyphen.
    if (!LDH_LABEL.test(label))
      reject(`host name label ${quote(label)} must be 1-63 letters, digits or inner hyphens`, input);
  }
  const unicode = ascii.split('.').some((l) => l.startsWith('xn--')) ? domainToUnicode(ascii) : ascii;
  return { host: ascii, ipVersion: null, unicodeHost: unicode !== ascii ? unicode : null };
}

function parseHost(split: HostPort, input: string): ParsedHost {
  if (split.host === '') reject('no host given', input);
  if (split.bracketed) {
    if (split.host.includes('%')) reject('IPv6 zone identifiers ("%eth0") are not accepted', input);
    if (!isIPv6(split.host)) reject(`${quote(split.host)} is not a valid IPv6 address`, input);
    return { host: canonicalIPv6(split.host), ipVersion: 6, unicodeHost: null };
  }
  if (isIPv4(split.host)) return { host: split.host, ipVersion: 4, unicodeHost: null };
  return parseName(split.host, input);
}

function protocolFor(scheme: string | null, port: number | null): { protocol: TargetProtocol; port: number } {
  if (scheme === null) {
    if (port === null) return { protocol: 'https', port: 443 };
    return { protocol: HTTPS_PORTS.has(port) ? 'https' : 'tls', port };
  }
  const spec = SCHEMES[scheme]!;
  const chosen = port ?? spec.port;
  const protocol = IMPLICIT_TLS_PORTS[spec.protocol] === chosen ? 'tls' : spec.protocol;
  return { protocol, port: chosen };
}

function parseCandidate(text: string, input: string): Target {
  if (text === '') reject('no host given', input);
  if (/\s/.test(text)) reject('spaces are not allowed inside a target', input);
  if (/[\x00-\x1f\x7f]/.test(text)) reject('control characters are not allowed', input);
  const { scheme, rest } = splitScheme(text, input);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@')) reject('credentials ("user@" or "user:password@") are not accepted', input);
  const split = splitHostPort(authority, input);
  const parsed = parseHost(split, input);
  const port = split.port === null ? null : parsePort(split.port, input);
  const chosen = protocolFor(scheme, port);
  return {
    input,
    host: parsed.host,
    port: chosen.port,
    sni: parsed.ipVersion === null ? parsed.host : null,
    protocol: chosen.protocol,
    ipVersion: parsed.ipVersion,
    unicodeHost: parsed.unicodeHost,
  };
}

/** Parse a user-typed target. Throws InputError (code 'bad_input') with a one-line message quoting `input`. */
export function parseTarget(input: string): Target {
  if (input.length > MAX_INPUT) reject(`target is ${input.length} characters long, the maximum is ${MAX_INPUT}`, input);
  const candidates = candidatesOf(input);
  let first: unknown = null;
  for (const candidate of candidates) {
    try {
      return parseCandidate(candidate, input);
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

/** The canonical short form of a target, which parseTarget reads back to the same host, port and protocol. */
export function formatTarget(t: Pick<Target, 'host' | 'port' | 'protocol' | 'ipVersion'>): string {
  const host = t.ipVersion === 6 ? `[${t.host}]` : t.host;
  if (t.protocol === 'https' && t.port === 443) return host;
  if (t.protocol === 'https' && HTTPS_PORTS.has(t.port)) return `${host}:${t.port}`;
  if (t.protocol === 'tls' && !HTTPS_PORTS.has(t.port)) return `${host}:${t.port}`;
  // Every protocol name is also the scheme that parses back to it.
  return `${t.protocol}://${host}:${t.port}`;
}
