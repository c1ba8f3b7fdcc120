/**
 * Everything the Slack app registers with Bolt, in one place, so `test/manifest.test.ts` can prove
 * manifest.yml and the code agree (a command missing from the manifest never reaches the app; an event
 * listed but not handled is noise that costs rate-limit budget).
 */

import { WATCH_EVENTS } from './watch-listeners.js';

export const SLASH_COMMAND = '/cert';

/** Events API types the app listens to (manifest `settings.event_subscriptions.bot_events`). */
export const BOT_EVENTS = ['app_mention', ...WATCH_EVENTS] as const;

/** Button action_ids on the diagnosis message (interactivity must be enabled in the manifest). */
export { ACTION_IDS } from '../port.js';

/**
 * Bot scopes: commands (/cert), chat:write (post/update/thread), app_mentions:read; for watched endpoints
 * channels:history + groups:history (finding a reminder whose post outcome was lost, exactly once) and
 * channels:read + groups:read (membership and archive events that pause and resume reminders); files:read
 * (download a file shared with "@cert-doctor inspect", src/chat/slack/files.ts); files:write (the corrected
 * fullchain.pem in the diagnosis thread).
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'app_mentions:read',
  'channels:history',
  'groups:history',
  'channels:read',
  'groups:read',
  'files:read',
  'files:write',
] as const;

/** Web API methods the app calls, each with the scope it needs (checked against BOT_SCOPES by the tests). */
export const WEB_API_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.history': 'channels:history',
  'conversations.replies': 'channels:history',
  'views.publish': null,
  // files.uploadV2: the corrected fullchain.pem in the diagnosis thread
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};
