import type { Socket } from 'node:net';
import { quote } from './errors.js';
import { decodeLdapResponse, LDAP_STARTTLS_REQUEST, ldapResultName } from './starttls-ldap.js';
import { mysql } from './starttls-mysql.js';
import { LF, line, numericReplyParser, type Parsed, printable, Wire } from './starttls-wire.js';
import type { TargetProtocol } from './types.js';

export interface StarttlsOptions {
  /** the server's name, sent as the XMPP stream's `to` (RFC 6120 §4.7.2); null omits it */
  host: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
  /** cap on plaintext read before TLS (default 16 KiB) */
  maxBytes?: number;
}

/** Protocols that start in plaintext and upgrade in band. */
export type StarttlsProtocol = Exclude<TargetProtocol, 'https' | 'tls'>;

/** What we call ourselves in EHLO: RFC 5321 §4.1.1.1 wants the client's name; RFC 2606 reserves .invalid. */
const EHLO_NAME = 'cert-doctor.invalid';

export function needsStarttls(protocol: TargetProtocol | undefined): protocol is StarttlsProtocol {
  return protocol !== undefined && protocol !== 'https' && protocol !== 'tls';
}

/**
 * Speak the plaintext upgrade on a connected socket. Resolves when the next byte on the wire should be
 * our ClientHello, with the socket paused and none of the plaintext left in it. Rejects with a
 * ProbeError: not_tls (STARTTLS not offered or refused; the server's reply is quoted), connection_timeout,
 * connection_reset, too_large. 'https' and 'tls' need no upgrade and resolve at once.
 */
export async function negotiateStarttls(
  socket: Socket,
  protocol: TargetProtocol,
  opts: StarttlsOptions,
): Promise<void> {
  if (!needsStarttls(protocol)) return;
  const wire = new Wire(socket, protocol, opts);
  try {
    await DIALOGUES[protocol](wire, opts);
  } catch (err) {
    wire.detach();
    throw err;
  }
  wire.finish();
}

type Dialogue = (w: Wire, opts: StarttlsOptions) => Promise<void>;

const DIALOGUES: Record<StarttlsProtocol, Dialogue> = {
  smtp,
  submission: smtp,
  imap,
  pop3,
  ftp,
  postgres,
  mysql,
  xmpp,
  ldap,
};

function said(lines: string[]): string {
  return quote(printable(lines.join(' ')));
}

/** Read a numeric reply and insist on `want`; `command` is what it answers (null: the greeting). */
async function expectReply(w: Wire, want: string, command: string | null): Promise<string[]> {
  const reply = await w.read(numericReplyParser(), command === null ? 'the greeting' : `the reply to ${command}`, LF);
  if (reply.code === want) return reply.lines;
  if (command === null) throw w.refused(`greeted with ${said(reply.lines)}; expected a ${want} greeting`);
  throw w.refused(`answered ${said(reply.lines)} to ${command}; expected ${want}`);
}

/** RFC 3207 §4 (SMTP STARTTLS), over RFC 5321 §4.1.1.1 EHLO. */
async function smtp(w: Wire): Promise<void> {
  await expectReply(w, '220', null);
  w.write(`EHLO ${EHLO_NAME}\r\n`);
  const ehlo = await expectReply(w, '250', 'EHLO');
  // RFC 5321 §4.1.1.1: the first line is the greeting; each later line names one extension.
  if (!ehlo.slice(1).some((l) => /^250[- ]STARTTLS\s*$/i.test(l))) {
    const offered = ehlo.slice(1).map((l) => l.slice(4));
    throw w.refused(`does not offer STARTTLS: its EHLO reply lists ${said(offered.length ? offered : ['nothing'])}`);
  }
  w.write('STARTTLS\r\n');
  await expectReply(w, '220', 'STARTTLS');
}

/** RFC 3501 §6.2.1 (IMAP STARTTLS); a PREAUTH greeting forbids it (§7.1.4). */
async function imap(w: Wire): Promise<void> {
  const greeting = await w.read(line, 'the greeting', LF);
  if (!/^\* OK\b/i.test(greeting)) throw w.refused(`greeted with ${said([greeting])}; expected "* OK"`);
  w.write('a001 STARTTLS\r\n');
  for (;;) {
    const reply = await w.read(line, 'the reply to a001 STARTTLS', LF);
    if (/^\* /.test(reply)) continue;
    if (/^a001 OK\b/i.test(reply)) return;
    throw w.refused(`answered ${said([reply])} to STARTTLS; expected "a001 OK"`);
  }
}

/** RFC 2595 §4 (POP3 STLS). */
async function pop3(w: Wire): Promise<void> {
  const greeting = await w.read(line, 'the greeting', LF);
  if (!/^\+OK\b/i.test(greeting)) throw w.refused(`greeted with ${said([greeting])}; expected "+OK"`);
  w.write('STLS\r\n');
  const reply = await w.read(line, 'the reply to STLS', LF);
  if (!/^\+OK\b/i.test(reply)) throw w.refused(`answered ${said([reply])} to STLS; expected "+OK"`);
}

/** RFC 4217 §4 (FTP AUTH TLS); RFC 959 §4.2 allows a 120 "ready in n minutes" before the 220. */
async function ftp(w: Wire): Promise<void> {
  const first = await w.read(numericReplyParser(), 'the greeting', LF);
  if (first.code === '120') await expectReply(w, '220', null);
  else if (first.code !== '220') throw w.refused(`greeted with ${said(first.lines)}; expected a 220 greeting`);
  w.write('AUTH TLS\r\n');
  await expectReply(w, '234', 'AUTH TLS');
}

/** PostgreSQL protocol §55.2.10 (SSL Session Encryption): SSLRequest, then one byte 'S' or 'N'. */
async function postgres(w: Wire): Promise<void> {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  w.write(request);
  const answer = await w.read(
    (b): Parsed<number> => (b.length > 0 ? { value: b[0]!, used: 1 } : null),
    'the answer to SSLRequest',
  );
  if (answer === 0x53) return;
  if (answer === 0x4e)
    throw w.refused('refused SSL: answered "N" to SSLRequest (likely `ssl = off` in postgresql.conf)');
  throw w.refused(`answered byte 0x${answer.toString(16).padStart(2, '0')} to SSLRequest; expected "S" or "N"`);
}

const STREAM_HEADER = (to: string | null) =>
  `<?xml version='1.0'?><stream:stream${to ? ` to='${to}'` : ''} xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

const GT = 0x3e;

/**
 * Text up to the end of the first match of `end`, as a parser for one read (it remembers how far it
 * scanned). Every `end` here is `<`, then no `>`, then `>`: a match not found in what already arrived
 * starts after the last `>` of it, so each retry scans only the new tail (a peer dripping bytes costs
 * O(n), not O(n²)). Latin-1 keeps string offsets equal to bytes.
 */
function upTo(end: RegExp): (buf: Buffer) => Parsed<string> {
  let from = 0;
  return (buf) => {
    const tail = buf.toString('latin1', from);
    const m = end.exec(tail);
    if (m) {
      const used = from + m.index + m[0].length;
      return { value: buf.toString('latin1', 0, used), used };
    }
    from += tail.lastIndexOf('>') + 1;
    return null;
  };
}

const STREAM_END = /<\/stream:error>|<\/stream:stream>/;

/** RFC 6120 §5.4 (XMPP STARTTLS negotiation). Host names reach `to` only after target parsing (LDH). */
async function xmpp(w: Wire, opts: StarttlsOptions): Promise<void> {
  w.write(STREAM_HEADER(opts.host !== null && /^[a-z0-9.-]+$/i.test(opts.host) ? opts.host : null));
  const features = await w.read(
    upTo(/<\/stream:features>|<stream:features\s*\/>|<\/stream:error>|<\/stream:stream>/),
    'the stream features',
    GT,
  );
  if (STREAM_END.test(features)) throw w.refused(`closed the stream: ${said([lastElement(features)])}`);
  if (!/<starttls[\s/>]/.test(features)) {
    throw w.refused(`does not offer STARTTLS: its stream features are ${said([lastElement(features)])}`);
  }
  w.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
  const answer = await w.read(
    upTo(/<proceed\b[^>]*\/>|<\/proceed>|<failure\b[^>]*\/>|<\/failure>|<\/stream:stream>/),
    'the answer to <starttls/>',
    GT,
  );
  if (!/<proceed\b/.test(answer)) throw w.refused(`answered ${said([answer])} to <starttls/>; expected <proceed/>`);
}

/** The features or error element, without the stream header that precedes it. */
function lastElement(text: string): string {
  const at = text.search(/<stream:(features|error)\b/);
  return at >= 0 ? text.slice(at) : text;
}

/** RFC 4511 §4.14 (StartTLS extended operation). */
async function ldap(w: Wire): Promise<void> {
  w.write(LDAP_STARTTLS_REQUEST);
  const res = await w.read((buf) => {
    const got = decodeLdapResponse(buf);
    if (got !== null && 'error' in got.value) throw w.refused(got.value.error);
    return got as Parsed<{ resultCode: number; diagnostic: string; notice: boolean }>;
  }, 'the StartTLS extended response');
  if (res.resultCode === 0 && !res.notice) return;
  const diag = res.diagnostic ? `, diagnosticMessage ${quote(printable(res.diagnostic))}` : '';
  const what = res.notice ? 'sent a notice of disconnection' : 'answered the StartTLS extended request';
  throw w.refused(
    `${what} with resultCode ${res.resultCode} (${ldapResultName(res.resultCode)})${diag}; expected 0 (success)`,
  );
}
