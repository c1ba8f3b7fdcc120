/**
 * Everything the Slack app registers with Bolt, in one place, so `test/manifest.test.ts` can prove
 * manifest.yml and the code agree (a command missing from the manifest never reaches the app; an event
 * listed but not handled is noise that costs rate-limit budget).
 */

export const SLASH_COMMAND = '/cert';

/** Events API types the app listens to (manifest `settings.event_subscriptions.bot_events`). */
export const BOT_EVENTS = ['app_mention'] as const;

/** Button action_ids on the diagnosis message (interactivity must be enabled in the manifest). */
export { ACTION_IDS } from '../port.js';

/** Bot scopes the Web API calls need: commands (/cert), chat:write (post/update/thread), app_mentions:read, files:write (fullchain.pem). */
export const BOT_SCOPES = ['commands', 'chat:write', 'app_mentions:read', 'files:write'] as const;

/** Web API methods the app calls, each with the scope it needs (checked against BOT_SCOPES by the tests). */
export const WEB_API_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  // files.uploadV2: the corrected fullchain.pem in the diagnosis thread
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};
