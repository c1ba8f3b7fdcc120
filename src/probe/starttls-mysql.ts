/**
 * MySQL / MariaDB TLS upgrade (MySQL client/server protocol, "Connection Phase"): the server speaks first
 * with Protocol::HandshakeV10; when its capability flags carry CLIENT_SSL the client answers with the 32-byte
 * Protocol::SSLRequest (sequence id 1) and the very next bytes are its ClientHello. An ERR packet (0xff) in
 * place of the greeting ("Host … is not allowed to connect", "Too many connections") is quoted.
 */
import { quote } from './errors.js';
import { type Parsed, printable, type Wire } from './starttls-wire.js';

/** Protocol::HandshakeV10 / CLIENT_* capability flags (include/mysql_com.h). */
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
/** utf8mb4_general_ci */
const CHARSET = 45;
/** a real greeting is under 200 bytes; 16 MiB is the protocol's own packet limit */
const MAX_GREETING = 4096;

interface Packet {
  seq: number;
  payload: Buffer;
}

/** One packet: 3-byte little-endian payload length, 1-byte sequence id, payload. */
function packet(buf: Buffer): Parsed<Packet> {
  if (buf.length < 4) return null;
  const len = buf.readUIntLE(0, 3);
  if (len > MAX_GREETING) return { value: { seq: -1, payload: Buffer.alloc(0) }, used: buf.length };
  if (buf.length < 4 + len) return null;
  return { value: { seq: buf[3]!, payload: buf.subarray(4, 4 + len) }, used: 4 + len };
}

/** The SSLRequest packet (sequence id 1). */
export function sslRequest(): Buffer {
  const out = Buffer.alloc(4 + 32);
  out.writeUIntLE(32, 0, 3);
  out[3] = 1;
  out.writeUInt32LE(
    CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH,
    4,
  );
  out.writeUInt32LE(16 * 1024 * 1024, 8);
  out[12] = CHARSET;
  return out;
}

export async function mysql(w: Wire): Promise<void> {
  const greeting = await w.read(packet, 'the server greeting');
  const p = greeting.payload;
  if (greeting.seq < 0) throw w.refused(`sent a greeting packet over ${MAX_GREETING} bytes; expected a HandshakeV10`);
  if (p[0] === 0xff) throw w.refused(`refused the connection: ${errPacket(p)}`);
  if (p[0] !== 10) {
    throw w.refused(
      `greeted with protocol version ${p[0] ?? 'none'} (${quote(printable(p.subarray(0, 32).toString('latin1')))}); expected HandshakeV10`,
    );
  }
  const versionEnd = p.indexOf(0, 1);
  if (versionEnd < 0 || p.length < versionEnd + 1 + 4 + 8 + 1 + 2)
    throw w.refused('sent a truncated HandshakeV10 greeting');
  const version = printable(p.subarray(1, versionEnd).toString('latin1'));
  const caps = p.readUInt16LE(versionEnd + 1 + 4 + 8 + 1);
  if (!(caps & CLIENT_SSL)) {
    throw w.refused(
      `(server ${quote(version)}) does not offer TLS: CLIENT_SSL is not in its capability flags (likely no ssl_cert/ssl_key, or require_secure_transport off with TLS disabled)`,
    );
  }
  w.write(sslRequest());
}

/** ERR_Packet: 0xff, error code (2 bytes LE), '#' + SQLSTATE (5), message. */
function errPacket(p: Buffer): string {
  const code = p.length >= 3 ? p.readUInt16LE(1) : 0;
  const text = p.subarray(p[3] === 0x23 ? 9 : 3).toString('utf8');
  return `ERR ${code} ${quote(printable(text))}`;
}
