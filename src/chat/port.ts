/**
 * The seam between transports (Slack, shell) and the transport-agnostic command handlers in `commands/`.
 *
 * Handlers talk through a {@link ConversationPort} bound to one invocation (a slash command, a button
 * click, an app mention). They hand it VIEW-MODELS ({@link ChatMessage}), never Block Kit and never
 * formatted text: `src/render/blocks.ts` turns them into Slack messages (text fallback included),
 * `src/render/chat-text.ts` into terminal lines. Keeping the view-models plain data means one handler
 * test covers both transports.
 *
 * Stability: this file is a contract shared by parallel work. Change it additively only.
 */
import type { CheckOptions, CheckPhase, check } from '../check.js';
import type { Config } from '../config.js';
import type { Explanation } from '../explain/types.js';
import type { Logger } from '../log.js';
import type { Target } from '../probe/types.js';
import type { Diagnosis, Verdict } from '../rules/types.js';
import type { CheckObservation } from '../scheduler/observe.js';
import type {
  EventDedup,
  IncidentStatus,
  IncidentStore,
  PendingCheckStore,
  ReminderFacts,
  WatchContext,
} from '../store/types.js';

// The store interfaces live in src/store/types.ts (async, so a PostgreSQL store can follow); re-exported here
// for the transports and handlers that imported them from the port.
export type {
  EventDedup,
  Incident,
  IncidentStatus,
  IncidentStore,
  NewIncident,
  PendingCheck,
  PendingCheckStore,
} from '../store/types.js';

/** Where a posted message lives. In Slack, `ts` is the message timestamp string ("1700000000.000100"). */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** Button / numbered-action ids. Persisted in Slack messages (`action_id`), so never renamed. */
export type ActionId = 'recheck' | 'fix_guide' | 'show_chain' | 'watch';

export const ACTION_IDS: readonly ActionId[] = ['recheck', 'fix_guide', 'show_chain', 'watch'];

/** One action a message offers. `value` is the incident id the action applies to. */
export interface MessageAction {
  id: ActionId;
  /** a short label for a button ("Re-check"); renderers may use it verbatim */
  label: string;
  value: string;
}

/** The actions a diagnosis parent offers, in display order. */
export function incidentActions(incidentId: string): MessageAction[] {
  return [
    { id: 'recheck', label: 'Re-check', value: incidentId },
    { id: 'fix_guide', label: 'Fix guide', value: incidentId },
    { id: 'show_chain', label: 'Show chain', value: incidentId },
    { id: 'watch', label: 'Watch expiry', value: incidentId },
  ];
}

/** What a message needs to show about an incident (the parent's status line). */
export interface IncidentView {
  id: string;
  status: IncidentStatus;
  /** user id of whoever asked for the first check */
  requestedBy: string;
  /** user id of whoever ran the re-check that found nothing critical; set when resolved */
  resolvedBy?: string;
  /** ISO time of that re-check; set when resolved */
  resolvedAt?: string;
}

/** How findings changed between two diagnoses, by finding code; each list sorted, no duplicates. */
export interface FindingDelta {
  /** codes present before and gone now */
  fixed: string[];
  /** codes present before and now */
  still: string[];
  /** codes absent before and present now */
  appeared: string[];
}

/** One subcommand as `/cert help` lists it. */
export interface CommandHelp {
  name: string;
  /** e.g. "/cert check TARGET" */
  usage: string;
  summary: string;
  /** full command lines, e.g. "/cert check example.com:8443" */
  examples: string[];
}

/**
 * Machine-readable reason of a notice (tests and transports match on it, never on `text`).
 * Extend additively.
 */
export type NoticeCode =
  /** the target (or other input) could not be parsed; `text` quotes the input */
  | 'bad_input'
  /** the per-user check rate was exceeded; `retryAfterSec` is set */
  | 'rate_limited'
  /** the global concurrent-probe cap was reached; `retryAfterSec` is set */
  | 'busy'
  /** an action or mention named an incident the store does not know */
  | 'incident_not_found'
  /** a thread-only command (recheck, …) was used outside an incident thread */
  | 'not_in_thread'
  /** check() itself failed (our bug, not the server's fault) */
  | 'check_failed'
  /** the bot cannot post in the channel; `text` explains how to invite it */
  | 'not_in_channel'
  /** the answer had more parts than the transport could deliver (a response_url takes 5 posts) */
  | 'answer_truncated'
  /** neutral information (e.g. "already resolved") */
  | 'info'
  /** a re-check found the same corrected fullchain.pem already handed over in the thread: not uploaded again */
  | 'fullchain_unchanged'
  /** the channel already watches as many endpoints as it may; `text` names the cap */
  | 'watch_cap'
  /** unwatch / history named a target the channel does not watch */
  | 'not_watched'
  /** watching needs the scheduler's store, which this transport was started without */
  | 'watch_unavailable';

/** One watched endpoint as `/cert list`, `/cert watch` and App Home show it. */
export interface WatchRow {
  target: string;
  channel: string;
  /** per address: the certificate served and its verdict (empty before the first check) */
  addresses: {
    address: string;
    notAfter: string | null;
    verdict: Verdict;
    /** handshake error code when no certificate was seen */
    error: string | null;
  }[];
  /** the latest check's verdict; null before the first check */
  verdict: Verdict | null;
  /** the latest check's finding codes (they say why no certificate was seen when no address was probed) */
  codes: string[];
  /** the earliest notAfter served anywhere, ISO; null when none seen */
  nextExpiry: string | null;
  pausedReason: string | null;
  lastCheckedAt: string | null;
  thresholds: number[];
}

/** One change `/cert history` reports, per address. */
export interface HistoryChange {
  /** ISO time of the check that saw the change */
  at: string;
  address: string;
  what: 'first_seen' | 'leaf' | 'chain' | 'issuer' | 'key_type' | 'protocols' | 'verdict' | 'address_gone';
  from: string | null;
  to: string | null;
}

/**
 * The view-models handlers send. Renderers switch on `kind`; every kind must be rendered by both
 * `render/blocks.ts` and `render/chat-text.ts`.
 */
export type ChatMessage =
  /** "Checking host:port…", updated in place as `phase` advances (resolving → resolved → handshake → chain → done) */
  | { kind: 'progress'; target: Target; phase: CheckPhase; detail?: string }
  /**
   * The parent summary of an incident: verdict headline, key facts (subject, issuer, expiry, chain), the
   * top fix, the incident status line (resolved by whom and when), and `actions` as buttons.
   */
  | { kind: 'diagnosis'; diagnosis: Diagnosis; incident: IncidentView; actions: MessageAction[] }
  /** Thread detail: every finding with its causes, affected clients and fixes. Overflow is the renderer's job. */
  | { kind: 'findings'; diagnosis: Diagnosis }
  /** Thread reply after a re-check: what changed by finding code, with the new diagnosis. */
  | {
      kind: 'delta';
      fixed: string[];
      still: string[];
      appeared: string[];
      diagnosis: Diagnosis;
      /** the incident after the re-check (resolved or not) */
      incident: IncidentView;
      /** user id of whoever asked for the re-check */
      by: string;
    }
  /** Thread reply: step-by-step fixes for `stack` (the detected server software, or null = generic) first. */
  | { kind: 'fix_guide'; diagnosis: Diagnosis; stack: string | null }
  /** Thread reply: the chain as the server sent it and as we built it. */
  | { kind: 'chain'; diagnosis: Diagnosis }
  /** Usage. `unknown` is the subcommand the user typed when it was not recognised. */
  | { kind: 'help'; commands: CommandHelp[]; unknown?: string }
  /** `/cert explain`: the client and error recognised in pasted text, likely causes, the live check, the fix. */
  | { kind: 'explanation'; explanation: Explanation }
  /** One line for the requester: errors, limits, "invite the bot". */
  | { kind: 'notice'; level: 'info' | 'error'; code: NoticeCode; text: string; retryAfterSec?: number }
  /** A scheduled reminder about a watched endpoint (expiry threshold, renewed, breakage, …). */
  | { kind: 'reminder'; facts: ReminderFacts }
  /** Watched endpoints, most urgent first (`/cert list`, the `/cert watch` answer). `now` is ISO. */
  | { kind: 'watch_list'; title: string; rows: WatchRow[]; now: string }
  /** What changed between checks of a watched endpoint, oldest first. */
  | { kind: 'watch_history'; target: string; changes: HistoryChange[] };

export type ChatMessageKind = ChatMessage['kind'];

/**
 * One conversation, bound by the transport to the invocation (channel, requesting user, Slack's
 * response_url). Methods may reject; a transport does its own fallbacks (e.g. response_url on
 * `not_in_channel`, Retry-After on 429) before rejecting. A renderer may split one view-model over
 * several Slack messages (Block Kit limits): the returned ref is the first one.
 */
export interface ConversationPort {
  /** Post in the channel. */
  post(msg: ChatMessage): Promise<MessageRef>;
  /** Replace a message posted earlier (in place). */
  update(ref: MessageRef, msg: ChatMessage): Promise<void>;
  /** Reply in the thread of `parent` (the parent's ref, not a reply's). */
  reply(parent: MessageRef, msg: ChatMessage): Promise<MessageRef>;
  /** Show a message to the requesting user only. */
  ephemeral(msg: ChatMessage): Promise<void>;
  /**
   * Attach a file in the thread of `parent` (Slack: files.uploadV2; shell: written to disk, path printed).
   * Optional: transports without files skip it. Returns where the file went (Slack file id or a path).
   */
  uploadFile?(parent: MessageRef, file: UploadFile): Promise<string | null>;
}

/** A file for a thread (the corrected fullchain.pem): the content and the message that goes with it. */
export interface UploadFile {
  filename: string;
  title: string;
  content: string;
  /** plain text posted with the file (inline `code` spans allowed); transports escape their own markup */
  comment: string;
}

/** Refusal from the abuse limits. `retryAfterSec` ≥ 1. */
export interface LimitRefusal {
  ok: false;
  reason: 'rate_limited' | 'busy';
  retryAfterSec: number;
}

/** A granted probe slot. Call `release()` exactly once when the probe ends (extra calls are ignored). */
export interface LimitGrant {
  ok: true;
  release(): void;
}

/** Per-user check rate plus a global cap on concurrent probes (src/chat/limits.ts). */
export interface ProbeLimiter {
  acquire(userId: string): LimitGrant | LimitRefusal;
}

/** What handlers need from the probing core. Injected so tests and transports choose the wiring. */
export interface ChatCore {
  check: typeof check;
  /**
   * check() answered as the observation the sweep stores (src/pool observe: reduced in the worker); absent,
   * the sweep reduces check()'s diagnosis itself
   */
  observe?: (input: string, opts: CheckOptions) => Promise<CheckObservation>;
  /**
   * the transport is answering a burst of requests (true) or done (false): background checks hold their heavy
   * synchronous steps meanwhile (src/pool holdForPeople, yield-gate.ts); absent: nothing to hold
   */
  holdChecks?: (busy: boolean) => void;
  /** `inspect` of certificate files (src/inspect); absent: the subcommand says it is unavailable */
  inspect?: typeof import('../inspect/index.js').inspect;
  /** the shell bot only: read a local file for `inspect PATH` (regular files, size-capped) */
  readLocalFile?: (path: string) => Promise<Uint8Array>;
  /** src/probe/target.ts parseTarget: throws InputError (code bad_input) with a message quoting the input */
  parseTarget: (input: string) => Target;
  /** options every chat-triggered probe gets (address-policy allow-list, extra CAs, deadline) */
  checkDefaults?: Pick<CheckOptions, 'allow' | 'extraCaPem' | 'timeoutMs' | 'ruleOptions'>;
}

/** A file shared in Slack with a mention of the bot (`files:read`). */
export interface SharedFile {
  name: string;
  /** bytes, as Slack reports it */
  size: number;
  /** fetch with the bot token; rejects past `maxBytes` */
  download(maxBytes: number): Promise<Uint8Array>;
}

/** Everything a subcommand handler gets. */
export interface CommandContext {
  userId: string;
  channelId: string;
  /** the text after `/cert` (or after the bot mention), e.g. "check example.com" */
  text: string;
  /** set when the command came from inside a thread (an app mention): the thread's parent message */
  thread?: MessageRef;
  /** files shared with an app mention (Slack), downloaded only when a handler asks */
  files?: SharedFile[];
  port: ConversationPort;
  core: ChatCore;
  store: IncidentStore;
  clock: () => Date;
  limits: ProbeLimiter;
  /** where "Checking…" messages are recorded while in flight; absent = not recorded (tests) */
  pending?: PendingCheckStore;
  /** watched endpoints (`/cert watch`, list, history); absent where the transport runs without them */
  watch?: WatchContext;
  /**
   * Resolves when the transport's pending acks are out (Slack: the burst of requests is over, listeners.ts
   * AckFirst). Work a finished check brings to the main thread — storing a diagnosis, rendering, posting —
   * waits for it; absent = no wait (the shell).
   */
  afterAcks?: () => Promise<void>;
}

/** A button click (or numbered action in the shell) on an incident message. */
export interface ActionContext extends Omit<CommandContext, 'text'> {
  actionId: ActionId;
  /** the button's value: the incident id */
  incidentId: string;
}

/** Entry points transports call (commands/router.ts: routeCommand; commands/actions.ts: handleAction). */
export type CommandHandler = (ctx: CommandContext) => Promise<void>;
export type ActionHandler = (ctx: ActionContext) => Promise<void>;

/** What `startSlackApp` (src/chat/slack/app.ts) receives besides the config. */
export interface SlackAppDeps {
  core: ChatCore;
  store: IncidentStore;
  events: EventDedup;
  limits: ProbeLimiter;
  log: Logger;
  clock: () => Date;
  /** "Checking…" messages in flight; those a crash left are marked failed at start */
  pending?: PendingCheckStore;
  /** watched endpoints and the scheduler's stores (issue 8); absent: watch commands answer "unavailable" */
  watch?: WatchContext;
  /** HTTP mode: GET /metrics (Prometheus text format) */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

/** A running transport. `port` is the bound HTTP port in HTTP mode (useful with PORT=0 in tests). */
export interface RunningApp {
  stop(): Promise<void>;
  port?: number;
}

/** The signature src/chat/slack/app.ts exports as `startSlackApp`. */
export type StartSlackApp = (config: Config, deps: SlackAppDeps) => Promise<RunningApp>;
