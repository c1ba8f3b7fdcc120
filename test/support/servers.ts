/**
 * Loopback peers for tests: real TLS servers with any chain, legacy-only servers, SNI-dependent
 * servers, plain HTTP, silent, resetting and trickling listeners, and a small HTTP server (AIA).
 * Everything listens on 127.0.0.1:0 and closes cleanly, including open sockets.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

export interface Running {
  port: number;
  /** URL base for HTTP servers, e.g. http://127.0.0.1:1234 */
  url: string;
  close(): Promise<void>;
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  return sockets;
}

async function listen(server: net.Server, scheme = 'https', host = '127.0.0.1', wanted = 0): Promise<Running> {
  const sockets = track(server);
  await new Promise<void>((resolve) => server.listen(wanted, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `${scheme}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TlsServerOptions {
  /** the chain exactly as the server should send it (PEM, concatenated, leaf first unless testing order) */
  certPem: string;
  keyPem: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher string; legacy and weak-key servers need 'DEFAULT:@SECLEVEL=0' */
  ciphers?: string;
  /** per-servername certificates; the default pair serves clients without SNI or with another name */
  sniCerts?: Record<string, { certPem: string; keyPem: string }>;
  /** per-servername contexts made by the caller (thousands of names: bench/sweep-servers.ts); before sniCerts */
  sniContext?: (servername: string) => tls.SecureContext | undefined;
  /** DER OCSP response to staple */
  ocspStaple?: Buffer;
  /** extra response headers for the HTTP responder (e.g. Strict-Transport-Security); Date is always sent */
  headers?: Record<string, string>;
  /** override the Date header (clock skew tests) */
  date?: string;
  /** the HTTP status and body `GET /` answers (default 200 "ok"); `trickle` sends the body and never ends it */
  status?: number;
  body?: string;
  trickle?: boolean;
  /** answer HTTP requests (default true) */
  http?: boolean;
  /** loopback address to bind (default 127.0.0.1; 127.0.0.2 etc. for multi-backend tests) */
  host?: string;
  /** port to bind (default 0: any free port) */
  port?: number;
  /** mutual TLS: send a CertificateRequest; `ca` is what it lists and accepts; rejectUnauthorized false makes it optional */
  clientCert?: { ca: string[]; rejectUnauthorized?: boolean };
}

/** A TLS server that also answers `GET /` with a tiny HTTP/1.1 response. */
export async function startTlsServer(opts: TlsServerOptions): Promise<Running & { server: tls.Server }> {
  const legacy =
    opts.minVersion === 'TLSv1' ||
    opts.minVersion === 'TLSv1.1' ||
    opts.maxVersion === 'TLSv1' ||
    opts.maxVersion === 'TLSv1.1';
  const ciphers = opts.ciphers ?? (legacy ? 'DEFAULT:@SECLEVEL=0' : undefined);
  const contexts = new Map<string, tls.SecureContext>();
  for (const [name, pair] of Object.entries(opts.sniCerts ?? {})) {
    contexts.set(name.toLowerCase(), tls.createSecureContext({ cert: pair.certPem, key: pair.keyPem, ciphers }));
  }
  const server = tls.createServer({
    cert: opts.certPem,
    key: opts.keyPem,
    minVersion: opts.minVersion,
    maxVersion: opts.maxVersion,
    ciphers,
    ALPNProtocols: ['http/1.1'],
    SNICallback:
      contexts.size > 0 || opts.sniContext
        ? (name, cb) => cb(null, opts.sniContext?.(name) ?? contexts.get(name.toLowerCase()))
        : undefined,
    ...(opts.clientCert
      ? { requestCert: true, ca: opts.clientCert.ca, rejectUnauthorized: opts.clientCert.rejectUnauthorized ?? true }
      : {}),
  });
  if (opts.ocspStaple) {
    const staple = opts.ocspStaple;
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer) => void) =>
      cb(null, staple),
    );
  }
  server.on('tlsClientError', () => {});
  if (opts.http !== false) server.on('secureConnection', (socket) => answerHttp(socket, opts));
  const running = await listen(server, 'https', opts.host, opts.port);
  return { ...running, server };
}

function answerHttp(socket: tls.TLSSocket, opts: TlsServerOptions): void {
  socket.on('error', () => {});
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    if (!buffered.includes('\r\n\r\n')) return;
    const headers = { Date: opts.date ?? new Date().toUTCString(), ...opts.headers };
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    const body = Buffer.from(opts.body ?? 'ok');
    const head = [`HTTP/1.1 ${opts.status ?? 200} ${STATUS_CODES[opts.status ?? 200] ?? 'Status'}`, ...lines];
    if (opts.trickle) {
      // Headers and the first bytes, then silence: the body never ends.
      socket.write([...head, 'Content-Length: 1000000', '', body.toString('latin1')].join('\r\n'));
      return;
    }
    socket.end(
      Buffer.concat([
        Buffer.from([...head, `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n')),
        body,
      ]),
    );
  });
}

/** A loopback port nobody listens on (it was bound and closed): a connect there is refused. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Plain HTTP on a port where TLS was expected (a classic misconfiguration: "wrong version number"). */
export async function startPlainHttp(): Promise<Running> {
  const server = createHttpServer((_req, res) => res.writeHead(400).end('plain HTTP here\n'));
  return listen(server, 'http');
}

/** Accepts TCP and never says anything. */
export async function startSilent(): Promise<Running> {
  return listen(
    net.createServer(() => {}),
    'tcp',
  );
}

/** Reads the ClientHello and resets the connection (RST) mid-handshake. */
export async function startResetting(): Promise<Running> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
  return listen(server, 'tcp');
}

/** Answers the ClientHello with the start of a TLS record, one byte per `intervalMs`, forever. */
export async function startTrickle(intervalMs = 1000): Promise<Running> {
  const bytes = Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc, 0x03, 0x03]);
  const server = net.createServer((socket) => {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1));
      i++;
    }, intervalMs);
    socket.on('close', () => clearInterval(timer));
  });
  return listen(server, 'tcp');
}

/** Sends these bytes in answer to anything, then closes (garbage, banners, hand-made TLS records). */
export async function startRaw(reply: Buffer): Promise<Running> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(reply));
  });
  return listen(server, 'tcp');
}

export interface Route {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** never answer (timeouts) */
  hang?: boolean;
  /** answer after this many ms */
  delayMs?: number;
}

/** An HTTP server with fixed routes (AIA, OCSP, CRL); records every request path. */
export async function startHttpServer(routes: Record<string, Route>): Promise<Running & { requests: string[] }> {
  const requests: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (!route) return void res.writeHead(404).end();
    if (route.hang) return;
    const send = () => res.writeHead(route.status ?? 200, route.headers).end(route.body ?? '');
    if (route.delayMs) setTimeout(send, route.delayMs);
    else send();
  });
  const running = await listen(server, 'http');
  return { ...running, requests };
}
