/**
 * Whether a server accepts one TLS version, learned from its first answer to a ClientHello that offers only
 * that version: a ServerHello selecting it (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3) or an alert. The connection
 * is closed there, before any key exchange or certificate check on our side, so a refused or legacy version
 * costs one round trip after connect and no full handshake.
 *
 * The ClientHello is OpenSSL's own, written by a tls.connect over an in-memory stream with the same versions,
 * ciphers, SNI and ALPN the full-handshake scan offered, so the server sees exactly the offer it saw before
 * and answers the same. OpenSSL's security level is lowered only to produce the TLS 1.0/1.1 bytes (it will
 * not write a ClientHello without ciphers it allows); no connection is made at that level.
 */
import net from 'node:net';
import type { SecureVersion } from 'node:tls';
import { type ErrorContext, hostPort, normaliseError, ProbeError, quote } from './errors.js';
import { helloTemplate, remakeHello } from './hello-template.js';
import { takeConnection } from './preconnect.js';
import { needsStarttls, negotiateStarttls } from './starttls.js';
import { LEGACY_CIPHERS } from './tls-context.js';
import {
  CONTENT,
  HANDSHAKE,
  looksLikeTls,
  parseHandshakeMessages,
  parseRecords,
  parseServerHello,
  printablePrefix,
} from './tls-records.js';
import type { Attempt, TargetProtocol, TlsVersion } from './types.js';

export interface VersionProbeOptions {
  /** an IP address already checked by the address policy */
  address: string;
  port: number;
  servername: string | null;
  version: TlsVersion;
  timeoutMs: number;
  signal?: AbortSignal;
  /** speak this protocol's plaintext upgrade first */
  starttls?: TargetProtocol;
  alpn?: string[];
}

const WIRE_VERSION: Record<TlsVersion, number> = {
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};
/** A ServerHello, even split across records, arrives in the first few KiB; more without one is not an answer. */
const MAX_ANSWER_BYTES = 32 * 1024;

/**
 * OpenSSL's ClientHello record for one version, SNI and ALPN: its offer captured once per version and ALPN, the
 * name spliced in (hello-template.ts). A probe never completes a handshake, so sending the captured random and
 * unused key share again reveals nothing, as sending the same hello to many endpoints always did here.
 */
export async function clientHello(version: TlsVersion, servername: string | null, alpn?: string[]): Promise<Buffer> {
  const legacy = version === 'TLSv1' || version === 'TLSv1.1';
  const template = await helloTemplate({
    minVersion: version as SecureVersion,
    maxVersion: version as SecureVersion,
    ciphers: legacy ? LEGACY_CIPHERS : undefined,
    alpn,
  });
  return remakeHello(template, servername).record;
}

/**
 * Completed true/false when the server answered with a ServerHello or an alert; an error attempt when the
 * transport failed (refused, reset, silent, not TLS), which says nothing about the version.
 */
export async function probeVersion(opts: VersionProbeOptions): Promise<Attempt<boolean>> {
  const ctx: ErrorContext = {
    host: opts.address,
    port: opts.port,
    sni: opts.servername,
    timeoutMs: opts.timeoutMs,
    phase: 'connect',
  };
  if (net.isIP(opts.address) === 0) {
    return { status: 'error', code: 'bug', error: `version probe needs an IP address, not ${quote(opts.address)}` };
  }
  try {
    const hello = await clientHello(opts.version, opts.servername, opts.alpn);
    return { status: 'completed', result: await exchange(opts, ctx, hello) };
  } catch (err) {
    const { code, error } = normaliseError(err, ctx);
    // As the full-handshake scan did: a TLS-level refusal refuses the version.
    if (code === 'handshake_failed') return { status: 'completed', result: false };
    return { status: 'error', code, error };
  }
}

function exchange(opts: VersionProbeOptions, ctx: ErrorContext, hello: Buffer): Promise<boolean> {
  const where = `${hostPort(opts.address, opts.port)} (SNI ${opts.servername ?? 'none'})`;
  return new Promise<boolean>((resolve, reject) => {
    // a one-shot CLI check may have opened this connection before the program loaded (preconnect.ts)
    const early = takeConnection(opts.address, opts.port);
    const sock = early?.socket ?? net.connect({ host: opts.address, port: opts.port });
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (err: unknown, accepted?: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (accepted === undefined) reject(err);
      else resolve(accepted);
    };
    const timeout = (when: string) => {
      // As in tls.ts: accepted, then silent, is handshake_timeout; connection_timeout is a SYN never answered.
      const accepted = ctx.phase !== 'connect';
      const what = accepted ? 'did not answer our ClientHello' : 'did not accept a TCP connection';
      finish(new ProbeError(accepted ? 'handshake_timeout' : 'connection_timeout', `${where} ${what} ${when}`));
    };
    const onAbort = () => timeout(`before the probe deadline (step timeout ${opts.timeoutMs} ms)`);
    const timer = setTimeout(() => timeout(`within ${opts.timeoutMs} ms`), opts.timeoutMs);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => {
      const err = new Error(`${where} closed the connection before answering our ClientHello`);
      finish(Object.assign(err, { code: 'ECONNRESET' }));
    });
    const connected = () => {
      ctx.phase = 'handshake';
      const send = () => {
        if (done) return;
        sock.on('data', (chunk: Buffer) => {
          got = Buffer.concat([got, chunk]);
          try {
            const answer = readAnswer(got, WIRE_VERSION[opts.version], where);
            if (answer !== null) finish(null, answer);
          } catch (err) {
            finish(err);
          }
        });
        sock.resume();
        sock.write(hello);
      };
      if (!needsStarttls(opts.starttls)) return send();
      negotiateStarttls(sock, opts.starttls, { host: opts.servername, timeoutMs: opts.timeoutMs }).then(send, finish);
    };
    if (early !== undefined && early.connectedAt !== null) connected();
    else sock.once('connect', connected);
  });
}

/** true/false once the answer is known, null while more bytes are needed; throws when it is not TLS. */
function readAnswer(bytes: Buffer, offered: number, where: string): boolean | null {
  if (!looksLikeTls(bytes.subarray(0, 2))) {
    throw new ProbeError('not_tls', `${where} does not speak TLS: it answered ${quote(printablePrefix(bytes))}`);
  }
  if (bytes.length > MAX_ANSWER_BYTES) {
    throw new ProbeError('too_large', `${where} sent ${bytes.length} bytes without a ServerHello`);
  }
  const { records } = parseRecords(bytes);
  const first = records[0];
  if (first === undefined) return null;
  if (first.type === CONTENT.alert) return false;
  const stream = Buffer.concat(records.filter((r) => r.type === CONTENT.handshake).map((r) => r.fragment));
  const [message] = parseHandshakeMessages(stream);
  if (message === undefined) return null;
  if (message.type !== HANDSHAKE.serverHello) {
    throw new ProbeError(
      'handshake_failed',
      `${where} answered our ClientHello with handshake message ${message.type}`,
    );
  }
  // A HelloRetryRequest also selects its version through supported_versions (RFC 8446 §4.1.4).
  return parseServerHello(message.body).version === offered;
}
