/**
 * At start: the "Checking…" messages a crash left in flight (pending_checks) are updated in place to say
 * the check was interrupted, then forgotten. The shell's own rows are the shell's (src/chat/shell).
 * A message Slack no longer has (deleted, channel archived) is forgotten too: there is nothing to fix.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { PendingCheckStore } from '../port.js';
import { SHELL_CHANNEL } from '../shell/port.js';
import { errorNotice } from '../views.js';
import { SlackConversation } from './slack-port.js';

export async function recoverPending(
  client: webApi.WebClient,
  pending: PendingCheckStore,
  log: Logger,
): Promise<number> {
  const left = (await pending.list()).filter((p) => p.channel !== SHELL_CHANNEL);
  for (const p of left) {
    const port = new SlackConversation({ client, channel: p.channel, user: p.requestedBy, log });
    const notice = errorNotice(
      'check_failed',
      `The check of ${p.target} (started ${p.startedAt}) was interrupted: cert-doctor stopped before it finished. Run \`/cert check ${p.target}\` again.`,
    );
    try {
      await port.update({ channel: p.channel, ts: p.ts }, notice);
    } catch (err) {
      log.warn({ err, channel: p.channel, ts: p.ts }, 'could not mark an interrupted check failed');
    }
    await pending.remove(p);
  }
  if (left.length > 0) log.info({ count: left.length }, 'checks interrupted by the last stop marked failed');
  return left.length;
}
