/**
 * The Bolt app: wiring only. Socket Mode when SLACK_APP_TOKEN is set, the HTTP receiver (signature
 * verification and the 5-minute replay window on) otherwise. Listeners live in listeners.ts, Slack
 * messages in slack-port.ts and src/render/blocks.ts.
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { RunningApp, SlackAppDeps } from '../port.js';
import { boltLogger } from './bolt-logger.js';
import { AckFirst, InFlight, registerListeners } from './listeners.js';

/** How long stop() waits for diagnoses already acked to finish posting. */
const DRAIN_MS = 15_000;

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

export async function startSlackApp(config: Config, deps: SlackAppDeps): Promise<RunningApp> {
  const { botToken, appToken, signingSecret, port } = config.slack;
  if (!botToken || (!appToken && !signingSecret)) {
    throw new Error('Slack needs SLACK_BOT_TOKEN plus SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)');
  }
  const logger = boltLogger(deps.log);
  const common = { token: botToken, logger, clientOptions: clientOptions(config) };
  const gate = new AckFirst();
  const receiver = appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: signingSecret!, port, logger, signatureVerification: true });
  if (receiver) {
    const listener = receiver.requestListener;
    receiver.requestListener = (req, res) => {
      gate.arrived();
      listener(req, res);
    };
  }
  const app = receiver
    ? new App({ ...common, receiver })
    : new App({ ...common, appToken: appToken!, socketMode: true });
  const inflight = new InFlight();
  registerListeners(app, deps, inflight, gate);
  const started = appToken ? await app.start() : await app.start(port);
  const address =
    !appToken && started && typeof started === 'object' && 'address' in started ? started.address() : null;
  const bound = address && typeof address === 'object' ? (address as AddressInfo).port : undefined;
  deps.log.info({ mode: appToken ? 'socket' : 'http', port: bound }, 'Slack app started');
  return {
    port: bound,
    stop: async () => {
      await app.stop();
      await inflight.drain(DRAIN_MS);
    },
  };
}
