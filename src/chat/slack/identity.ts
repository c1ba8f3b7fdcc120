/**
 * Start-up checks against Slack, each failing with one line that names the setting to fix.
 * - The bot token is checked with auth.test once, before the app starts. Bolt would otherwise call it in
 *   its constructor and keep the promise: one failed call at start (a network blip) was an unhandled
 *   rejection, then the same rejection for every later request. The identity found is given to Bolt.
 * - A Socket Mode start that Slack refuses (apps.connections.open) is told apart from an unreachable API.
 */
import type { webApi } from '@slack/bolt';

export class SlackStartError extends Error {
  /** refused: a token or setting is wrong (exit 3); unreachable: Slack's API could not be reached (exit 1) */
  constructor(
    readonly kind: 'refused' | 'unreachable',
    message: string,
  ) {
    super(message);
    this.name = 'SlackStartError';
  }
}

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

const SLACK_API = 'https://slack.com/api/';

export async function botIdentity(client: webApi.WebClient, apiUrl: string | null): Promise<BotIdentity> {
  let res: webApi.AuthTestResponse;
  try {
    res = await client.auth.test();
  } catch (err) {
    throw startError(
      err,
      'SLACK_BOT_TOKEN',
      'auth.test',
      apiUrl,
      'the Bot User OAuth Token (xoxb-…) from OAuth & Permissions',
    );
  }
  if (!res.bot_id || !res.user_id) {
    throw new SlackStartError(
      'refused',
      'SLACK_BOT_TOKEN is not a bot token (auth.test named no bot); use the Bot User OAuth Token (xoxb-…)',
    );
  }
  return { botId: res.bot_id, botUserId: res.user_id };
}

/** Maps what app.start() threw in Socket Mode; anything else is returned unchanged. */
export function socketStartError(err: unknown, apiUrl: string | null): unknown {
  const e = err as { code?: string };
  if (e?.code !== 'slack_webapi_platform_error' && e?.code !== 'slack_webapi_request_error') return err;
  return startError(
    err,
    'SLACK_APP_TOKEN',
    'apps.connections.open',
    apiUrl,
    'an app-level token (xapp-…) with connections:write',
  );
}

function startError(err: unknown, setting: string, method: string, apiUrl: string | null, want: string): unknown {
  const e = err as { code?: string; data?: { error?: string }; original?: { message?: string } };
  if (e?.code === 'slack_webapi_platform_error') {
    return new SlackStartError(
      'refused',
      `${setting} was refused by Slack's ${method} (${e.data?.error ?? 'error'}); use ${want}`,
    );
  }
  if (e?.code === 'slack_webapi_request_error' || e?.code === 'slack_webapi_http_error') {
    const why = e.original?.message ?? (err as Error).message;
    return new SlackStartError(
      'unreachable',
      `cannot reach Slack's Web API at ${apiUrl ?? SLACK_API} (${why}); check the network or SLACK_API_URL`,
    );
  }
  return err;
}
