import { isIP } from 'node:net';
import type { Target, TargetProtocol } from '../probe/types.js';

/**
 * Copyable commands, paste-safe. People paste these into root shells, and names, URLs and paths in them come
 * from the network (certificates, DNS) or from a user, so every such value goes through one of two tagged
 * templates: `sh` (POSIX shell: bash, zsh, dash) or `ps` (PowerShell, for IIS/.NET). The literal text of the
 * template is ours and trusted; every interpolated string or number is a value and is quoted:
 *
 * - sh: a value made only of `[A-Za-z0-9_@%+=:,./-]` stays bare (it cannot be split, expanded or globbed),
 *   anything else is single-quoted, `'` written as `'\''` (POSIX.1-2017 XCU §2.2.2: nothing inside single
 *   quotes is special).
 * - ps: always single-quoted, `'` doubled (about_Quoting_Rules: nothing inside single quotes is expanded).
 *
 * A value is withheld instead, and with it the whole command, when quoting cannot make it safe to paste:
 * - any character outside printable ASCII (0x20–0x7E): line breaks and NUL end or split the line in a
 *   terminal; other control characters (ESC, bidi overrides U+202E, zero-width U+200B) make what is shown
 *   differ from what runs; PowerShell treats the typographic quotes U+2018/U+2019/U+201A/U+201B as `'` (so
 *   they would end a quoted string) and U+2013/U+2014 as `-`; and a Unicode look-alike of a host name
 *   (Cyrillic `а` for Latin `a`) would send the command to another machine than the reader thinks. Host
 *   names reach us as punycode and URLs in certificates are IA5String, so real values never hit this.
 * - a backtick: harmless inside sh single quotes, but commands are shown in Markdown/Slack mrkdwn code
 *   spans and blocks, which a backtick ends, so the reader would copy a cut line.
 * - a leading `-`: quoting protects from the shell, not from the program, which would read it as an option
 *   (`curl '-o/etc/cron.d/x'`).
 * A withheld command renders as a note saying why (index.ts), never as a partial line.
 *
 * Placeholders the reader fills in are written quoted, `'<namespace>'`: pasted unedited, a bare `<namespace>`
 * is a redirection (reads a file named `namespace`, and `>` after it creates a file).
 */

/** What a withheld command turns into inside text; index.ts replaces it with WITHHELD_NOTE. */
export const WITHHELD_MARK = '\u0000cert-doctor:withheld\u0000';
export const WITHHELD_NOTE =
  'command withheld: a value in it (from the certificate, DNS or your input) holds characters that cannot be pasted into a shell safely (a line break, a control or non-ASCII character, a backtick, or a leading "-")';

export type Shell = 'sh' | 'powershell';

/** A command line, or a withheld one (`text` null). Interpolating a Cmd into `sh`/`ps` inserts it verbatim. */
export class Cmd {
  constructor(
    readonly text: string | null,
    readonly shell: Shell = 'sh',
  ) {}
  toString(): string {
    return this.text ?? WITHHELD_MARK;
  }
}

/** A value that can never be pasted: withholds any command it is interpolated into. */
export const UNSAFE = new Cmd(null);

export type Arg = string | number | Cmd;

/** True when `value` may appear in a command at all (printable ASCII but the backtick, no leading `-`). */
export function pasteSafe(value: string): boolean {
  return /^[\x20-\x5f\x61-\x7e]*$/.test(value) && !value.startsWith('-');
}

const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX single-quoting; bare when nothing in the value is special to the shell. */
export function shQuote(value: string): string {
  return BARE.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** PowerShell single-quoting (a verbatim string). */
export function psQuote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function build(shell: Shell, quote: (v: string) => string, strings: TemplateStringsArray, values: Arg[]): Cmd {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let piece: string | null;
    if (v instanceof Cmd) piece = v.text;
    else if (typeof v === 'number') piece = Number.isSafeInteger(v) && v >= 0 ? String(v) : null;
    else piece = pasteSafe(v) ? quote(v) : null;
    if (piece === null) return new Cmd(null, shell);
    out += piece + strings[i + 1]!;
  }
  return new Cmd(out, shell);
}

/** A POSIX shell command; every interpolated string/number is quoted as one word. */
export function sh(strings: TemplateStringsArray, ...values: Arg[]): Cmd {
  return build('sh', shQuote, strings, values);
}

/** A PowerShell command; every interpolated string is a single-quoted verbatim string. */
export function ps(strings: TemplateStringsArray, ...values: Arg[]): Cmd {
  return build('powershell', (v) => psQuote(v), strings, values);
}

/** Trusted literal text chosen by us (flags), for splicing into `sh`. Never pass a value here. */
export function literal(text: string): Cmd {
  return new Cmd(text);
}

/** A command that is either ours as a constant string or already built with `sh`. */
export function asCmd(command: string | Cmd): Cmd {
  return command instanceof Cmd ? command : literal(command);
}

/** An http(s) URL from a certificate, or UNSAFE: anything else (file:, ldap:, `-o…`) is not fetched by curl. */
export function httpUrl(url: string): Arg {
  return /^https?:\/\/[\x21-\x7e]+$/i.test(url) ? url : UNSAFE;
}

/** A host name a CA can put in a SAN (LDH labels, optional leading `*.`), or an IP address. */
export function validSanName(name: string): boolean {
  if (isIP(name) !== 0) return true;
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
  return name.length <= 253 && new RegExp(`^(?:\\*\\.)?(?:${label}\\.)*${label}$`, 'i').test(name);
}

/** `openssl s_client -starttls` protocol names (OpenSSL 1.1.1+ for ldap and postgres). */
const STARTTLS: Partial<Record<TargetProtocol, string>> = {
  smtp: 'smtp',
  submission: 'smtp',
  imap: 'imap',
  pop3: 'pop3',
  ftp: 'ftp',
  ldap: 'ldap',
  xmpp: 'xmpp',
  postgres: 'postgres',
  mysql: 'mysql',
};

export function hostPort(t: Target): string {
  return t.ipVersion === 6 || t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The name certificates must cover: the SNI name, or the IP literal. */
export function certName(t: Target): string {
  return t.sni ?? t.host;
}

/** The https URL of the check: the SNI name (what the certificate is for), with the port unless 443. */
export function httpsUrl(t: Target): string {
  const name = certName(t);
  const host = name.includes(':') ? `[${name}]` : name;
  return `https://${host}${t.port === 443 ? '' : `:${t.port}`}/`;
}

/** The target as `cert-doctor check` takes it back: `host:port`, or `smtp://host:port` for STARTTLS. */
export function targetArg(t: Target): string {
  return t.protocol === 'https' || t.protocol === 'tls' ? hostPort(t) : `${t.protocol}://${hostPort(t)}`;
}

/** `subjectAltName` value for one name: `DNS:name` or `IP:address`. */
export function sanEntry(name: string): string {
  return isIP(name) !== 0 ? `IP:${name}` : `DNS:${name}`;
}

/** `openssl s_client` to the checked host, port and SNI; `flags` are ours (literal), `address` a value. */
export function sClient(t: Target, flags = '-showcerts', address: Arg = hostPort(t)): Cmd {
  const sni = t.sni ? sh` -servername ${t.sni}` : literal('');
  const starttls = STARTTLS[t.protocol];
  const proto = starttls ? literal(` -starttls ${starttls}`) : literal('');
  return sh`openssl s_client -connect ${address}${sni}${proto}${literal(flags ? ` ${flags}` : '')} </dev/null`;
}

/** Subject, issuer, dates and SANs of the leaf the server sends now. */
export function leafSummary(t: Target): Cmd {
  return sh`${sClient(t, '')} 2>/dev/null | openssl x509 -noout -subject -issuer -dates -ext subjectAltName`;
}

/** One `s:`/`i:` pair per certificate the server sends, in order. */
export function chainSummary(t: Target): Cmd {
  return sh`${sClient(t)} 2>/dev/null | grep -E '^ *[0-9]+ s:|^ +i:'`;
}

/** Save the certificate the server sends (the leaf) to `file`. */
export function saveLeaf(t: Target, file: string): Cmd {
  return sh`${sClient(t, '')} 2>/dev/null | openssl x509 -out ${file}`;
}

/**
 * A CSR with the target in the SAN (RFC 5280 §4.2.1.6; CN alone is ignored by modern clients). Extra names
 * that are not valid host names are left out (a CA would refuse them, and `,` or `@` would be read by
 * OpenSSL's own config parser); invalidSanNames lists them. A target name that is not one withholds it.
 */
export function csrCommand(t: Target, opts: { ecdsa?: boolean; extraNames?: string[] } = {}): Cmd {
  const name = certName(t);
  if (!validSanName(name)) return UNSAFE;
  const key = opts.ecdsa ? literal('ec -pkeyopt ec_paramgen_curve:P-256') : literal('rsa:2048');
  const extra = (opts.extraNames ?? []).filter((n) => n !== name && validSanName(n));
  const san = `subjectAltName=${[name, ...extra].map(sanEntry).join(',')}`;
  return sh`openssl req -new -newkey ${key} -nodes -keyout ${`${name}.key`} -out ${`${name}.csr`} -subj ${`/CN=${name}`} -addext ${san}`;
}

/** How many of `names` csrCommand leaves out as invalid host names. */
export function invalidSanNames(names: string[]): string[] {
  return names.filter((n) => !validSanName(n));
}

/**
 * Sign a leaf with an internal CA with the extensions a TLS server certificate needs: CA:FALSE, a SAN,
 * serverAuth EKU, ≤ 397 days (CA/B BR §6.3.2; Apple enforces 825 days even for private roots). The
 * extensions go through `printf '%s\n'` as arguments, never as the format string.
 */
export function internalCaSign(t: Target): Cmd {
  const name = certName(t);
  if (!validSanName(name)) return UNSAFE;
  const ext = literal(
    "'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth'",
  );
  return sh`openssl x509 -req -in ${`${name}.csr`} -CA ca.pem -CAkey ca.key -CAcreateserial -days 397 -sha256 -extfile <(printf '%s\\n' ${ext} ${`subjectAltName=${sanEntry(name)}`}) -out ${`${name}.crt`}`;
}

/** Every A record of the host, each probed for the certificate it serves (an IP target has just the one). */
export function perAddressFingerprints(t: Target): Cmd {
  if (t.ipVersion !== null)
    return sh`${sClient(t, '')} 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -enddate`;
  const probe = sClient(t, '', sh`"$ip":${t.port}`);
  return sh`for ip in $(dig +short ${t.host} A); do echo "$ip"; ${probe} 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -enddate; done`;
}

/** `openssl verify` of `leaf` through `intermediate`, against the check's --ca bundle when it had one. */
export function opensslVerify(caFile: string | null, intermediate = 'intermediate.crt', leaf = 'leaf.crt'): Cmd {
  const ca = caFile === null ? literal('') : sh` -CAfile ${caFile}`;
  return sh`openssl verify${ca} -untrusted ${intermediate} ${leaf}`;
}

/** "the system roots" or "`the --ca file`", for prose next to opensslVerify. */
export function verifyAgainst(caFile: string | null): string {
  if (caFile === null) return 'the system roots';
  return pasteSafe(caFile) ? `the CA bundle this check trusted (\`${caFile}\`)` : 'the CA bundle this check trusted';
}
