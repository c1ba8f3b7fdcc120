/**
 * Whether the HTTP request is sent, and over which connection (issues 6 and 12). It rides the main
 * handshake's connection: no second connection or handshake. That handshake observes at OpenSSL security
 * level 0 (tls.ts `legacy`), so it can complete with TLS 1.0/1.1 or a cipher no default client offers; such
 * a connection is not what browsers and HTTP clients get (they refuse it), so no request is sent over it,
 * exactly as the separate default-settings request the probe used to make failed there.
 */
import type { OpenHandshake } from './tls.js';
import type { Attempt, HttpResult, Target } from './types.js';

export type HttpMode = 'auto' | 'on' | 'off';

/** Implicit-TLS ports of services that are not HTTP: `auto` sends no request there unless ALPN says HTTP. */
const NOT_HTTP_PORTS: Readonly<Record<number, string>> = {
  465: 'SMTPS',
  636: 'LDAPS',
  853: 'DNS over TLS',
  989: 'FTPS data',
  990: 'FTPS',
  992: 'Telnet over TLS',
  993: 'IMAPS',
  995: 'POP3S',
  5061: 'SIP over TLS',
  5223: 'XMPP over TLS',
  5671: 'AMQPS',
  6514: 'syslog over TLS',
  8883: 'MQTT over TLS',
};

/** How long a server whose port says nothing about HTTP gets to answer with a status line. */
export const GUESSED_HTTP_WAIT_MS = 2_000;

export type HttpPlan = { send: true; waitMs: number | null } | { send: false; outcome: Attempt<HttpResult> };

const skipped = (why: string): HttpPlan => ({ send: false, outcome: { status: 'skipped', why } });

/** waitMs null: the rest of the probe deadline. */
export function planHttp(target: Target, main: OpenHandshake, mode: HttpMode): HttpPlan {
  if (mode === 'off') return skipped('HTTP checks turned off (--no-http)');
  if (target.protocol !== 'https' && target.protocol !== 'tls') {
    return skipped(`${target.protocol} target: the connection speaks ${target.protocol} after STARTTLS, not HTTP`);
  }
  const hs = main.attempt;
  if (hs.status !== 'completed') return skipped(`no completed TLS handshake to carry the request (${hs.status})`);
  const { protocol, cipher, alpn, clientCertRequest } = hs.result;
  if (clientCertRequest?.required === true) {
    // The request makes no client certificate either; its failure is that refusal.
    return { send: false, outcome: { status: 'error', code: 'client_cert_required', error: refusal(hs.result) } };
  }
  if (main.socket === null) return skipped('the server closed the connection after the handshake');
  if (!defaultClientAccepts(protocol, cipher)) {
    return {
      send: false,
      outcome: {
        status: 'error',
        code: 'handshake_failed',
        error: `the server negotiated ${protocol ?? 'an unknown version'} with ${cipher ?? 'an unknown cipher'}, which clients at default settings (TLS 1.2+, no RC4/3DES) refuse; no HTTP request was sent`,
      },
    };
  }
  if (mode === 'on' || alpn === 'h2' || alpn === 'http/1.1' || target.protocol === 'https') {
    return { send: true, waitMs: null };
  }
  const service = NOT_HTTP_PORTS[target.port];
  if (service !== undefined) {
    return skipped(`port ${target.port} is ${service}, and ALPN named no HTTP protocol (--http sends the request)`);
  }
  return { send: true, waitMs: GUESSED_HTTP_WAIT_MS };
}

function refusal(hs: { clientCertRequest?: { refusal: string | null } }): string {
  const how = hs.clientCertRequest?.refusal;
  return `the server requires a client certificate${how ? ` (${how})` : ''}; no HTTP request was possible`;
}

/**
 * What Node's default client context (minVersion TLSv1.2, OpenSSL's HIGH cipher list without aNULL, RC4,
 * DES/3DES, CAMELLIA, PSK, SRP) would also have negotiated. Every TLS 1.3 suite qualifies.
 */
export function defaultClientAccepts(protocol: string | null, cipher: string | null): boolean {
  if (protocol === 'TLSv1.3') return true;
  if (protocol !== 'TLSv1.2' || cipher === null) return false;
  const name = cipher.toUpperCase();
  if (/^(ADH|AECDH|PSK|SRP|DHE-PSK|ECDHE-PSK|RSA-PSK)/.test(name)) return false;
  return /AES|CHACHA20/.test(name) && !/CAMELLIA|ARIA|NULL/.test(name);
}
