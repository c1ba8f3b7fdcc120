/**
 * Slack events for watched endpoints: the bot removed from a channel or the channel archived pauses that
 * channel's reminders (with the reason, shown in /cert list); invited back or unarchived resumes them.
 * App Home (app_home_opened) shows the user's watched endpoints across channels via views.publish.
 */
import type { AllMiddlewareArgs, App } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { homeBlocks } from '../../render/blocks-watch.js';
import { byUrgency, watchRow } from '../../scheduler/views.js';
import type { WatchContext } from '../../store/types.js';

export const WATCH_EVENTS = [
  'member_joined_channel',
  'member_left_channel',
  'channel_left',
  'group_left',
  'channel_archive',
  'group_archive',
  'channel_unarchive',
  'group_unarchive',
  'app_home_opened',
] as const;

type Ev = Partial<Record<string, unknown>>;
/** Event payloads are read defensively: Grid and shared-channel deliveries may omit fields. */
const ev = (e: unknown): Ev => (e && typeof e === 'object' ? (e as Ev) : {});

/** Registered whether or not watching is on (the manifest lists the events); without it they do nothing. */
export function registerWatchListeners(
  app: App,
  watch: WatchContext | undefined,
  clock: () => Date,
  log: Logger,
): void {
  const pause = async (channel: unknown, reason: string) => {
    if (!watch || typeof channel !== 'string' || channel === '') return;
    if (await watch.subscriptions.pauseChannel(channel, reason, clock())) {
      const withdrawn = await watch.reminders.withdraw(channel, []);
      log.info({ channel, reason, withdrawn }, 'channel paused');
    }
  };
  const resume = async (channel: unknown) => {
    if (!watch || typeof channel !== 'string' || channel === '') return;
    if (await watch.subscriptions.resumeChannel(channel, clock())) log.info({ channel }, 'channel resumed');
  };
  const isBot = (user: unknown, ctx: AllMiddlewareArgs['context']) =>
    typeof user === 'string' && user === ctx.botUserId;

  app.event('member_joined_channel', async ({ event, context }) => {
    if (isBot(ev(event).user, context)) await resume(ev(event).channel);
  });
  app.event('member_left_channel', async ({ event, context }) => {
    if (isBot(ev(event).user, context)) await pause(ev(event).channel, 'the bot was removed from the channel');
  });
  for (const name of ['channel_left', 'group_left'] as const) {
    app.event(name, async ({ event }) => pause(ev(event).channel, 'the bot was removed from the channel'));
  }
  for (const name of ['channel_archive', 'group_archive'] as const) {
    app.event(name, async ({ event }) => pause(ev(event).channel, 'the channel was archived'));
  }
  for (const name of ['channel_unarchive', 'group_unarchive'] as const) {
    app.event(name, async ({ event }) => resume(ev(event).channel));
  }
  app.event('app_home_opened', async ({ event, client }) => {
    const { user, tab } = ev(event);
    if (!watch || typeof user !== 'string' || (tab !== undefined && tab !== 'home')) return;
    const subs = await watch.subscriptions.byUser(user);
    const latest = await watch.observations.latest(subs.map((s) => s.id));
    const rows = subs.map((s) => watchRow(s, latest.get(s.id))).sort(byUrgency);
    await client.views.publish({ user_id: user, view: { type: 'home', blocks: homeBlocks(rows, clock()) as never } });
  });
}
