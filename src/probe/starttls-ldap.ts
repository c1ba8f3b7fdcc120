/**
 * The LDAP StartTLS extended operation (RFC 4511 §4.14) in hand-written BER: one fixed request and a
 * decoder for the one response we need, with every length checked against the bytes actually present.
 */

/** RFC 4511 §4.14.1: the StartTLS request OID. */
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** RFC 4511 §4.4.1: the Notice of Disconnection OID, sent unsolicited with messageID 0. */
const DISCONNECT_OID = '1.3.6.1.4.1.1466.20036';

/**
 * LDAPMessage ::= SEQUENCE { messageID 1, extendedReq [APPLICATION 23] { requestName [0] OID } }
 * = 30 1d 02 01 01 77 18 80 16 "1.3.6.1.4.1.1466.20037".
 */
export const LDAP_STARTTLS_REQUEST = Buffer.concat([
  Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]),
  Buffer.from(STARTTLS_OID, 'latin1'),
]);

/** RFC 4511 Appendix A result codes a StartTLS request plausibly meets. */
const RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

export function ldapResultName(code: number): string {
  return RESULT_NAMES[code] ?? 'unknown';
}

export interface LdapStartTlsResponse {
  resultCode: number;
  diagnostic: string;
  /** an unsolicited Notice of Disconnection rather than our answer */
  notice: boolean;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_ENUMERATED = 0x0a;
const TAG_OCTET_STRING = 0x04;
const TAG_EXTENDED_RESPONSE = 0x78;
const TAG_RESPONSE_NAME = 0x8a;

/** One TLV at `off`; null when its bytes have not all arrived; an error string when it cannot be BER. */
function tlv(buf: Buffer, off: number, limit: number): Tlv | null | string {
  if (off + 2 > limit) return null;
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) return `uses a multi-byte BER tag (0x${tag.toString(16)}) LDAP never sends`;
  const first = buf[off + 1]!;
  let len = first;
  let header = 2;
  if (first === 0x80) return 'uses an indefinite BER length, which RFC 4511 §5.1 forbids';
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 3) return `announces a ${n}-byte BER length`;
    if (off + 2 + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + 2 + i]!;
    header += n;
  }
  const start = off + header;
  if (start + len > limit) return null;
  return { tag, start, end: start + len };
}

function uint(buf: Buffer, t: Tlv): number {
  let v = 0;
  for (let i = t.start; i < Math.min(t.end, t.start + 4); i++) v = v * 256 + buf[i]!;
  return v;
}

/**
 * Decode `LDAPMessage { messageID, extendedResp [APPLICATION 24] { resultCode, matchedDN,
 * diagnosticMessage, …, responseName [10] } }` from the front of `buf`. null: wait for more bytes.
 */
export function decodeLdapResponse(
  buf: Buffer,
): { value: LdapStartTlsResponse | { error: string }; used: number } | null {
  const fail = (error: string, used = buf.length) => ({ value: { error: `answered with ${error}` }, used });
  if (buf.length > 0 && buf[0] !== TAG_SEQUENCE) {
    return fail(`bytes that are not an LDAP message (first byte 0x${buf[0]!.toString(16).padStart(2, '0')})`);
  }
  const msg = tlv(buf, 0, buf.length);
  if (msg === null) return null;
  if (typeof msg === 'string') return fail(`an LDAP message that ${msg}`);
  const parts: Tlv[] = [];
  for (let off = msg.start; off < msg.end && parts.length < 2; ) {
    const t = tlv(buf, off, msg.end);
    if (t === null || typeof t === 'string')
      return fail(`a malformed LDAP message (${t ?? 'truncated element'})`, msg.end);
    parts.push(t);
    off = t.end;
  }
  const [id, op] = parts;
  if (id?.tag !== TAG_INTEGER || op === undefined) return fail('a malformed LDAP message (no messageID)', msg.end);
  if (op.tag !== TAG_EXTENDED_RESPONSE) {
    return fail(`LDAP operation tag 0x${op.tag.toString(16)} instead of an ExtendedResponse (0x78)`, msg.end);
  }
  const fields: Tlv[] = [];
  for (let off = op.start; off < op.end; ) {
    const t = tlv(buf, off, op.end);
    if (t === null || typeof t === 'string') return fail('a malformed ExtendedResponse', msg.end);
    fields.push(t);
    off = t.end;
  }
  const [code, , diag] = fields;
  if (code?.tag !== TAG_ENUMERATED) return fail('an ExtendedResponse without a resultCode', msg.end);
  const name = fields.find((f) => f.tag === TAG_RESPONSE_NAME);
  const notice =
    uint(buf, id) === 0 || (name !== undefined && buf.toString('latin1', name.start, name.end) === DISCONNECT_OID);
  const diagnostic = diag?.tag === TAG_OCTET_STRING ? buf.toString('utf8', diag.start, diag.end) : '';
  return { value: { resultCode: uint(buf, code), diagnostic, notice }, used: msg.end };
}
