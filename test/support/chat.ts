/**
 * A transport for handler tests: a ConversationPort that records every call (the shell and Slack
 * transports have their own end-to-end tests), plus a context builder over a real in-memory store.
 */
import { chatCore } from '../../src/chat/core.js';
import { Limiter } from '../../src/chat/limits.js';
import type {
  ChatCore,
  ChatMessage,
  CommandContext,
  ConversationPort,
  MessageRef,
  ProbeLimiter,
} from '../../src/chat/port.js';
import { openDb } from '../../src/store/db.js';
import { SqliteIncidentStore } from '../../src/store/incidents.js';

export type Call =
  | { op: 'post'; ref: MessageRef; msg: ChatMessage }
  | { op: 'update'; ref: MessageRef; msg: ChatMessage }
  | { op: 'reply'; parent: MessageRef; ref: MessageRef; msg: ChatMessage }
  | { op: 'ephemeral'; msg: ChatMessage };

export class RecordingPort implements ConversationPort {
  calls: Call[] = [];
  #seq = 0;
  constructor(readonly channel = 'C1') {}

  async post(msg: ChatMessage): Promise<MessageRef> {
    const ref = this.#next();
    this.calls.push({ op: 'post', ref, msg });
    return ref;
  }
  async update(ref: MessageRef, msg: ChatMessage): Promise<void> {
    this.calls.push({ op: 'update', ref, msg });
  }
  async reply(parent: MessageRef, msg: ChatMessage): Promise<MessageRef> {
    const ref = this.#next();
    this.calls.push({ op: 'reply', parent, ref, msg });
    return ref;
  }
  async ephemeral(msg: ChatMessage): Promise<void> {
    this.calls.push({ op: 'ephemeral', msg });
  }

  /** "op:kind" per call, e.g. ['post:progress', 'update:diagnosis', 'reply:findings'] */
  get trace(): string[] {
    return this.calls.map((c) => `${c.op}:${c.msg.kind}`);
  }

  /** per call, the message it acts on: a post's own ref, an update's ref, a reply's parent; null for ephemeral */
  anchors(): (MessageRef | null)[] {
    return this.calls.map((c) => (c.op === 'reply' ? c.parent : c.op === 'ephemeral' ? null : c.ref));
  }

  last<K extends ChatMessage['kind']>(kind: K): Extract<ChatMessage, { kind: K }> {
    const found = this.calls.findLast((c) => c.msg.kind === kind);
    if (!found) throw new Error(`no ${kind} message in ${this.trace.join(', ')}`);
    return found.msg as Extract<ChatMessage, { kind: K }>;
  }

  #next(): MessageRef {
    return { channel: this.channel, ts: `1700000000.${String(++this.#seq).padStart(6, '0')}` };
  }
}

export const NOW = new Date('2026-03-01T10:00:00Z');

/** A context over a real in-memory SQLite store and the real core, loopback allowed. */
export function makeContext(over: Partial<CommandContext> & { core?: ChatCore; limits?: ProbeLimiter } = {}) {
  const port = new RecordingPort();
  const db = openDb(':memory:');
  const ctx: CommandContext = {
    userId: 'U1',
    channelId: 'C1',
    text: '',
    port,
    core: chatCore({ allow: ['127.0.0.0/8'], probeTimeoutMs: 5_000 }),
    store: new SqliteIncidentStore(db),
    clock: () => new Date(),
    limits: new Limiter({ checksPerMinute: 100, maxConcurrentProbes: 8, clock: () => new Date() }),
    ...over,
  };
  return { ctx, port: (over.port as RecordingPort | undefined) ?? port, db };
}
