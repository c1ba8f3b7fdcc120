/**
 * The Bolt listeners: ack at once, then hand the invocation to the transport-agnostic handlers
 * (commands/router.ts, commands/actions.ts) with a Slack-bound Conversation port. The handlers run
 * after the ack and are tracked, so stop() can let them finish. Events are deduplicated by event_id
 * before any listener runs (Slack redelivers with X-Slack-Retry-Num; bolt-python #731: a retry may be
 * the only delivery that got through, so retries are deduplicated, never dropped blindly).
 */
import type { AllMiddlewareArgs, App, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import { handleAction } from '../../../commands/actions.js';
import { routeCommand } from '../../../commands/router.js';
import type { ActionId, CommandContext, SlackAppDeps } from '../port.js';
import { ACTION_IDS, BOT_EVENTS, SLASH_COMMAND } from './registry.js';
import { SlackConversation, type SlackInvocation } from './slack-port.js';

/** Handler runs started after an ack and not yet finished. */
export class InFlight {
  readonly #running = new Set<Promise<void>>();

  track(p: Promise<void>): void {
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }

  get size(): number {
    return this.#running.size;
  }

  /** Waits for every tracked run, at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#running]), limit]);
    clearTimeout(timer);
  }
}

type Client = AllMiddlewareArgs['client'];

/** A burst is over when no request arrived for this long. */
const QUIET_MS = 2;
/** Work acked during a long burst starts after this delay anyway. */
const MAX_DEFER_MS = 1000;

/**
 * Acks first: Slack allows 3 s for an ack and nothing for a late one (operation_timeout), while the work
 * after it has seconds to spare. Work acked during a burst of requests waits until the burst is over
 * (or MAX_DEFER_MS), so the acks of requests already received are not queued behind probes and Web
 * API calls on the one event loop. The receiver reports arrivals; without reports work starts at once.
 */
export class AckFirst {
  #lastArrival = Number.NEGATIVE_INFINITY;
  /** deferred work in arrival order: a user's second request must never overtake the first */
  #queue: { start: number; release: () => void }[] = [];
  #timer: NodeJS.Timeout | null = null;

  arrived(): void {
    this.#lastArrival = performance.now();
  }

  run(work: () => Promise<void>): Promise<void> {
    const turn = new Promise<void>((release) => this.#queue.push({ start: performance.now(), release }));
    this.#schedule(0);
    return turn.then(work);
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#drain();
    }, delayMs);
  }

  /** Release from the front: everything once the burst is quiet, else only what waited MAX_DEFER_MS. */
  #drain(): void {
    const now = performance.now();
    const quiet = now - this.#lastArrival >= QUIET_MS;
    while (this.#queue.length > 0 && (quiet || now - this.#queue[0]!.start >= MAX_DEFER_MS)) {
      this.#queue.shift()!.release();
    }
    if (this.#queue.length > 0) this.#schedule(QUIET_MS);
  }
}

/** Strip the leading bot mention(s) of an app_mention's text: "<@UBOT> recheck" → "recheck". */
export function mentionText(text: string): string {
  return text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/i, '').trim();
}

export function registerListeners(app: App, deps: SlackAppDeps, inflight: InFlight, gate = new AckFirst()): void {
  const log = deps.log.child({ component: 'slack' });
  const base = { core: deps.core, store: deps.store, clock: deps.clock, limits: deps.limits };
  const onError = (err: unknown) => log.error({ err }, 'handler failed');
  const port = (client: Client, channel: string, user: string, respond?: RespondFn, threadTs?: string) => {
    const inv: SlackInvocation = { client, channel, user, log };
    if (respond) inv.respond = respond;
    if (threadTs) inv.threadTs = threadTs;
    return new SlackConversation(inv);
  };

  app.use(async ({ body, context, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && deps.events.seen(eventId, deps.clock())) {
      log.info({ eventId, retryNum: context.retryNum, retryReason: context.retryReason }, 'duplicate event ignored');
      return;
    }
    await next();
  });

  app.command(SLASH_COMMAND, async ({ ack, command, client, respond }) => {
    await ack();
    const ctx: CommandContext = {
      ...base,
      userId: command.user_id,
      channelId: command.channel_id,
      text: command.text ?? '',
      port: port(client, command.channel_id, command.user_id, respond),
    };
    inflight.track(gate.run(() => routeCommand(ctx, onError)));
  });

  for (const actionId of ACTION_IDS) {
    app.action<BlockButtonAction>(
      { type: 'block_actions', action_id: actionId },
      async ({
        ack,
        body,
        action,
        client,
        respond,
      }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
        await ack();
        const channel = body.channel?.id ?? body.container?.channel_id ?? '';
        inflight.track(
          gate.run(() =>
            handleAction(
              {
                ...base,
                userId: body.user.id,
                channelId: channel,
                actionId: actionId as ActionId,
                incidentId: action.value ?? '',
                port: port(client, channel, body.user.id, respond),
              },
              onError,
            ),
          ),
        );
      },
    );
  }

  const [appMention] = BOT_EVENTS;
  app.event(appMention, async ({ event, client }) => {
    const ctx: CommandContext = {
      ...base,
      userId: event.user ?? '',
      channelId: event.channel,
      text: mentionText(event.text),
      port: port(client, event.channel, event.user ?? '', undefined, event.thread_ts),
    };
    if (event.thread_ts) ctx.thread = { channel: event.channel, ts: event.thread_ts };
    inflight.track(routeCommand(ctx, onError));
  });
}
