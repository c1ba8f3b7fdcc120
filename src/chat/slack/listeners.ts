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
import { sharedFiles } from './files.js';
import { ACTION_IDS, BOT_EVENTS, SLASH_COMMAND } from './registry.js';
import { SlackConversation, type SlackInvocation } from './slack-port.js';
import { registerWatchListeners } from './watch-listeners.js';

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

export interface AckFirstOptions {
  /**
   * a burst is over when no request arrived for this long (and none during the next poll phase); default
   * 10 ms: above the scheduling hiccups of a busy machine, nothing next to the seconds a diagnosis takes
   */
  quietMs?: number;
  /** work acked during a long burst starts after this delay anyway */
  maxDeferMs?: number;
  /**
   * told when a burst starts (true, at its second arrival within quietMs) and when it is over (false): the
   * check pool's threads hold their heavy steps meanwhile (ChatCore.holdChecks, yield-gate.ts). A lone request
   * holds nothing: its one ack (~2 ms) goes ahead of the pool's idle-priority threads anyway (pool/priority.ts);
   * what the hold is for is acks queuing behind each other while pool threads take the cores between them. Held
   * for every lone /cert command as well, the sweep lost 10–20 ms of its threads' time per command (bench/sweep.ts
   * --bot, a command every 200 ms: 47–48 % of raw handshakes, 62–64 % without).
   */
  onBurst?: (busy: boolean) => void;
}

/**
 * Acks first: Slack allows 3 s for an ack and nothing for a late one (operation_timeout), while the work
 * after it has seconds to spare. Work acked during a burst of requests waits until the burst is over
 * (or maxDeferMs), so the acks of requests already received are not queued behind probes and Web
 * API calls on the one event loop. The receiver reports arrivals; without reports work starts at once.
 *
 * "Over" is judged twice: no arrival for quietMs of wall-clock time, and none during the poll phase that
 * follows. A wall clock alone is fooled when the process is descheduled on a busy machine: the timer
 * fires first on resuming, while the requests that came meanwhile still wait in socket buffers, and 200
 * checks would start ahead of 100 unanswered acks. setImmediate runs after that poll phase has read them.
 */
export class AckFirst {
  readonly #quietMs: number;
  readonly #maxDeferMs: number;
  #lastArrival = Number.NEGATIVE_INFINITY;
  /**
   * deferred work in arrival order, released from the front: a user's second request must never overtake
   * the first (it would take the first's rate-limit slot); one watcher timer for all of it
   */
  #queue: { since: number; release: () => void }[] = [];
  #watching = false;
  readonly #onBurst: ((busy: boolean) => void) | undefined;
  #busy = false;

  constructor(opts: AckFirstOptions = {}) {
    this.#quietMs = opts.quietMs ?? 10;
    this.#maxDeferMs = opts.maxDeferMs ?? 1000;
    this.#onBurst = opts.onBurst;
  }

  arrived(): void {
    const now = performance.now();
    const lone = now - this.#lastArrival >= this.#quietMs;
    this.#lastArrival = now;
    if (this.#onBurst && !this.#busy && !lone) {
      this.#busy = true;
      this.#tell(true);
      this.#startWatching();
    }
  }

  run(work: () => Promise<void>): Promise<void> {
    const turn = new Promise<void>((release) => this.#queue.push({ since: performance.now(), release }));
    this.#startWatching();
    return turn.then(work);
  }

  #startWatching(): void {
    if (this.#watching) return;
    this.#watching = true;
    setImmediate(() => void this.#watch());
  }

  /**
   * Releases from the front: everything once the burst is over, else only what waited maxDeferMs. Watches
   * while work waits or a burst was announced (onBurst), and announces its end.
   */
  async #watch(): Promise<void> {
    while (this.#queue.length > 0 || this.#busy) {
      const now = performance.now();
      const over = now - this.#lastArrival >= this.#quietMs && (await this.#noArrivalDuringPoll());
      if (over && this.#busy) {
        this.#busy = false;
        this.#tell(false);
      }
      while (this.#queue.length > 0 && (over || now - this.#queue[0]!.since >= this.#maxDeferMs)) {
        this.#queue.shift()!.release();
      }
      if (this.#queue.length > 0 || this.#busy) await new Promise<void>((r) => setTimeout(r, this.#quietMs));
    }
    this.#watching = false;
  }

  #tell(busy: boolean): void {
    try {
      this.#onBurst?.(busy);
    } catch {
      // a listener's failure never holds up acks or work
    }
  }

  #noArrivalDuringPoll(): Promise<boolean> {
    const seen = this.#lastArrival;
    return new Promise((r) => setImmediate(() => r(this.#lastArrival === seen)));
  }
}

/** Strip the leading bot mention(s) of an app_mention's text: "<@UBOT> recheck" → "recheck". */
export function mentionText(text: string): string {
  return text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/i, '').trim();
}

export function registerListeners(app: App, deps: SlackAppDeps, inflight: InFlight, gate = new AckFirst()): void {
  const log = deps.log.child({ component: 'slack' });
  const base = {
    core: deps.core,
    store: deps.store,
    clock: deps.clock,
    limits: deps.limits,
    ...(deps.pending ? { pending: deps.pending } : {}),
    ...(deps.watch ? { watch: deps.watch } : {}),
    afterAcks: () => gate.run(async () => {}),
  };
  const onError = (err: unknown) => log.error({ err }, 'handler failed');
  const port = (client: Client, channel: string, user: string, respond?: RespondFn, threadTs?: string) => {
    const inv: SlackInvocation = { client, channel, user, log };
    if (respond) inv.respond = respond;
    if (threadTs) inv.threadTs = threadTs;
    return new SlackConversation(inv);
  };

  app.use(async ({ body, context, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && (await deps.events.seen(eventId, deps.clock()))) {
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
        const user = body.user?.id ?? '';
        inflight.track(
          gate.run(() =>
            handleAction(
              {
                ...base,
                userId: user,
                channelId: channel,
                actionId: actionId as ActionId,
                incidentId: typeof action.value === 'string' ? action.value : '',
                port: port(client, channel, user, respond),
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
    // Grid and shared-channel deliveries may omit fields. With no user or no channel there is no one to
    // answer (an ephemeral needs both); a missing text is an empty command, answered with help.
    const { user, channel, text, thread_ts: threadTs, files } = event as unknown as Partial<Record<string, unknown>>;
    if (!isId(user) || !isId(channel)) {
      log.info({ eventTs: event.event_ts }, 'app_mention without a user or channel ignored');
      return;
    }
    const ctx: CommandContext = {
      ...base,
      userId: user,
      channelId: channel,
      text: mentionText(typeof text === 'string' ? text : ''),
      port: port(client, channel, user, undefined, isId(threadTs) ? threadTs : undefined),
    };
    if (isId(threadTs)) ctx.thread = { channel, ts: threadTs };
    const shared = sharedFiles(files, client.token);
    if (shared.length > 0) ctx.files = shared;
    inflight.track(routeCommand(ctx, onError));
  });

  registerWatchListeners(app, deps.watch, deps.clock, log);
}

const isId = (v: unknown): v is string => typeof v === 'string' && v !== '';
