/**
 * The HTTP receiver: Slack's request checks from Bolt (signature, 5-minute window, body limit, ssl_check,
 * url_verification), then the HTTP answer at once, then Bolt's middleware and listeners.
 *
 * Bolt's own HTTPReceiver answers when a listener calls ack(), i.e. after the global middleware, listener
 * matching and context building: about 0.4 ms of CPU per request, so 200 commands arriving together wait up
 * to ~100 ms for their acks (bench/slack.ts). Every listener of this app acks with no payload as its first
 * step (listeners.ts), so answering before Bolt runs changes nothing Slack sees but the latency; the
 * listener's ack() is then a no-op. Bolt's processing runs after the poll phase has answered every request
 * already read (setImmediate), so a burst is acked before any of it is processed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type App, HTTPModuleFunctions as http, type Logger, type Receiver } from '@slack/bolt';
import { isObject } from './socket-screen.js';

export const EVENTS_PATH = '/slack/events';

export interface AckAtOnceOptions {
  signingSecret: string;
  logger: Logger;
  /** told of every request as it arrives (the ack-first gate) */
  onArrival?: () => void;
  bodyLimit?: number;
  /** GET routes besides the events path (e.g. /metrics); answered without signature checks */
  getRoutes?: Record<string, () => Promise<{ contentType: string; body: string }>>;
}

export class AckAtOnceReceiver implements Receiver {
  #app: App | undefined;
  #server: Server;

  constructor(private readonly opts: AckAtOnceOptions) {
    this.#server = createServer((req, res) => this.#onRequest(req, res));
  }

  init(app: App): void {
    this.#app = app;
  }

  start(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, () => {
        this.#server.off('error', reject);
        resolve(this.#server);
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  get address(): AddressInfo | null {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a : null;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.opts.onArrival?.();
    const path = (req.url ?? '/').split('?')[0];
    const route = req.method === 'GET' && path ? this.opts.getRoutes?.[path] : undefined;
    if (route) {
      route()
        .then((r) => res.writeHead(200, { 'content-type': r.contentType }).end(r.body))
        .catch(() => http.buildNoBodyResponse(res, 500));
      return;
    }
    if (req.method !== 'POST' || path !== EVENTS_PATH) {
      http.buildNoBodyResponse(res, 404);
      return;
    }
    this.#handle(req, res).catch((err: unknown) => {
      this.opts.logger.error(`request handling failed: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent) http.buildNoBodyResponse(res, 500);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let buffered: Awaited<ReturnType<typeof http.parseAndVerifyHTTPRequest>>;
    try {
      buffered = await http.parseAndVerifyHTTPRequest(
        {
          enabled: true,
          signingSecret: this.opts.signingSecret,
          bodyLimit: this.opts.bodyLimit ?? http.defaultBodyLimit,
        },
        req,
      );
    } catch (err) {
      if (http.isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413) {
        this.opts.logger.warn('request body over the limit');
        http.buildNoBodyResponse(res, 413);
        return;
      }
      this.opts.logger.warn(`request refused: ${(err as Error).message}`);
      http.buildNoBodyResponse(res, 401);
      return;
    }
    let body: unknown;
    try {
      body = http.parseHTTPRequestBody(buffered);
    } catch (err) {
      this.opts.logger.warn(`malformed request body: ${(err as Error).message}`);
      http.buildNoBodyResponse(res, 400);
      return;
    }
    // Valid JSON is not yet a Slack payload: `payload=null` or a JSON array reached the checks below as a
    // TypeError (500) or reached Bolt, which expects an object.
    if (!isObject(body)) {
      this.opts.logger.warn(
        `malformed request body: JSON ${Array.isArray(body) ? 'array' : String(body === null ? null : typeof body)}, not an object`,
      );
      http.buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check === '1') return http.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return http.buildUrlVerificationResponse(res, body);
    http.buildNoBodyResponse(res, 200);
    const event = {
      body,
      ack: async () => undefined,
      retryNum: http.extractRetryNumFromHTTPRequest(req),
      retryReason: http.extractRetryReasonFromHTTPRequest(req),
    };
    setImmediate(() => {
      this.#app?.processEvent(event).catch((err: unknown) => {
        this.opts.logger.error(`listener failed: ${(err as Error)?.message ?? String(err)}`);
      });
    });
  }
}
