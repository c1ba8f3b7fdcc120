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
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type App, HTTPModuleFunctions as http, type Logger, type Receiver } from '@slack/bolt';
import { isObject } from './socket-screen.js';
import { payloadProblem } from './validate.js';

export const EVENTS_PATH = '/slack/events';

/** Slack's replay window is 5 minutes (api.slack.com/authentication/verifying-requests-from-slack). */
const FUTURE_SKEW_SEC = 5 * 60;

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}

/**
 * A verified request's identity: its signature covers timestamp and body, so an exact replay has the same
 * one, while Slack's own retries (new timestamp) do not; those are deduplicated by event_id (listeners.ts).
 */
function fingerprint(req: IncomingMessage): string {
  const ts = header(req, 'x-slack-request-timestamp');
  const sig = header(req, 'x-slack-signature');
  return `req:${createHash('sha256').update(`${ts}:${sig}`).digest('hex')}`;
}

export interface AckAtOnceOptions {
  signingSecret: string;
  logger: Logger;
  /**
   * true when this request fingerprint was seen before (it then gets 200 and is not processed): a signed
   * request replayed within the 5-minute window, a slash command or a click, must not run twice
   */
  seen?: (fingerprint: string) => Promise<boolean>;
  /** the interface to bind (CERT_DOCTOR_HOST); default 127.0.0.1, behind the TLS-terminating proxy */
  host?: string;
  /** the clock for the timestamp window; default Date.now */
  nowMs?: () => number;
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
    const host = this.opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
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
    // Bolt refuses timestamps older than 5 minutes only; one from the future would stay replayable longer
    const stamp = Number(header(req, 'x-slack-request-timestamp'));
    const nowSec = Math.floor((this.opts.nowMs ?? Date.now)() / 1000);
    if (Number.isFinite(stamp) && stamp - nowSec > FUTURE_SKEW_SEC) {
      this.opts.logger.warn(`request refused: x-slack-request-timestamp ${stamp} is ${stamp - nowSec} s in the future`);
      http.buildNoBodyResponse(res, 401);
      return;
    }
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
    const problem = payloadProblem(body);
    if (problem) {
      this.opts.logger.warn(`malformed Slack payload: ${problem}`);
      http.buildNoBodyResponse(res, 400);
      return;
    }
    if (await this.opts.seen?.(fingerprint(req))) {
      this.opts.logger.info('replayed request ignored (same signature and timestamp as one already processed)');
      http.buildNoBodyResponse(res, 200);
      return;
    }
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
