/**
 * The Bolt app: wiring only. Socket Mode when SLACK_APP_TOKEN is set, the HTTP receiver (receiver.ts:
 * signature verification and the 5-minute replay window on, acks at once) otherwise. Listeners live in listeners.ts, Slack
 * messages in slack-port.ts and src/render/blocks.ts.
 */
import { App, type Logger, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { RunningApp, SlackAppDeps } from '../port.js';
import { boltLogger } from './bolt-logger.js';
import { botIdentity, socketStartError } from './identity.js';
import { AckFirst, InFlight, registerListeners } from './listeners.js';
import { AckAtOnceReceiver } from './receiver.js';
import { recoverPending } from './recover.js';
import { screenSocketMessages } from './socket-screen.js';

/** How long stop() waits for diagnoses already acked to finish posting. */
const DRAIN_MS = 15_000;
/** How long stop() waits for Slack to answer the WebSocket close frame (socket-mode itself waits 30 s). */
const CLOSE_MS = 5000;

/**
 * Web API client options. In a request path a user is waiting: a few quick retries (429s wait for
 * Retry-After, which the client honours by pausing its queue) and a request timeout, instead of the
 * default ten retries over ~30 minutes with no timeout (notes/slack-platform.md §5.2).
 */
export function clientOptions(config: Config): webApi.WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 2000 },
    timeout: 10_000,
  };
}

/**
 * The Socket Mode client's own Web API options: where apps.connections.open is, and a timeout, but not the
 * request-path retry policy above. Left unset, the client retries apps.connections.open patiently (100
 * retries, factor 1.3). With ours, a reconnect (Slack asks for one with every refresh_requested) that met
 * three 5xx or network errors within a second gave up: socket-mode 3.1 restarts from a timer and nothing
 * catches start()'s rejection, so it ended the process as an unhandled rejection.
 */
export function socketClientOptions(config: Config): webApi.WebClientOptions {
  return { ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), timeout: 10_000 };
}

/** A Socket Mode receiver that reports each envelope's arrival to the ack-first gate, as the HTTP one does. */
function socketReceiver(appToken: string, config: Config, logger: Logger, gate: AckFirst): SocketModeReceiver {
  const receiver = new SocketModeReceiver({
    appToken,
    logger,
    installerOptions: { clientOptions: socketClientOptions(config) },
  });
  receiver.client.on('slack_event', () => gate.arrived());
  screenSocketMessages(receiver, logger);
  return receiver;
}

/**
 * Resolves once the Socket Mode client has closed its WebSocket (at most CLOSE_MS). Bolt's receiver.stop()
 * starts the close handshake without waiting for it; a process exiting then leaves Slack a dropped
 * connection (1006) instead of a clean close.
 */
function socketClosed(receiver: SocketModeReceiver): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_MS);
    receiver.client.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startSlackApp(config: Config, deps: SlackAppDeps): Promise<RunningApp> {
  const { botToken, appToken, signingSecret, port } = config.slack;
  if (!botToken || (!appToken && !signingSecret)) {
    throw new Error('Slack needs SLACK_BOT_TOKEN plus SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)');
  }
  const logger = boltLogger(deps.log);
  // No conversation store: nothing reads context.conversation, and Bolt's default one throws (and
  // formats) a "Conversation not found" error for every request with a channel, before the ack.
  const web = new webApi.WebClient(botToken, clientOptions(config));
  const identity = await botIdentity(web, config.slack.apiUrl);
  if (deps.pending) await recoverPending(web, deps.pending, deps.log);
  const common = {
    token: botToken,
    ...identity,
    logger,
    clientOptions: clientOptions(config),
    convoStore: false as const,
  };
  const gate = new AckFirst({ onBurst: deps.core.holdChecks });
  const socket = appToken ? socketReceiver(appToken, config, logger, gate) : undefined;
  const http = socket
    ? undefined
    : new AckAtOnceReceiver({
        signingSecret: signingSecret!,
        logger,
        onArrival: () => gate.arrived(),
        host: config.slack.host,
        // replayed signed commands and clicks (same signature) run once; ids live as long as event ids
        seen: (fingerprint) => deps.events.seen(fingerprint, deps.clock()),
        ...(deps.metrics ? { getRoutes: { '/metrics': deps.metrics } } : {}),
      });
  const receiver = socket ?? http!;
  const app = new App({ ...common, receiver });
  const inflight = new InFlight();
  registerListeners(app, deps, inflight, gate);
  try {
    await (appToken ? app.start() : app.start(port));
  } catch (err) {
    throw appToken ? socketStartError(err, config.slack.apiUrl) : err;
  }
  const bound = http?.address?.port;
  deps.log.info({ mode: appToken ? 'socket' : 'http', port: bound }, 'Slack app started');
  return {
    port: bound,
    stop: async () => {
      const closed = socket ? socketClosed(socket) : undefined;
      await app.stop();
      await closed;
      await inflight.drain(DRAIN_MS);
    },
  };
}
