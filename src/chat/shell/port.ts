/**
 * The shell's ConversationPort: every message is printed. Thread replies are indented under a marker
 * naming their parent, updates re-print the parent compactly, and the latest incident's actions are
 * remembered so typing `1` or `recheck` can trigger them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { renderChatText } from '../../render/chat-text.js';
import type { ChatMessage, ConversationPort, MessageAction, MessageRef, UploadFile } from '../port.js';
import type { TextSink } from './console.js';

export const SHELL_CHANNEL = 'shell';

export class ShellPort implements ConversationPort {
  #out: TextSink;
  #seq = 0;
  #kinds = new Map<string, ChatMessage['kind']>();
  /** the actions of the most recently printed diagnosis: what numbers and action words refer to */
  latestActions: MessageAction[] = [];

  #fileDir: string | undefined;

  /**
   * `lastRef`: the highest message number already used in this channel (earlier runs on the same database);
   * `fileDir`: where thread files (fullchain.pem) are written; default a fresh directory under the OS temp dir
   */
  constructor(out: TextSink, opts: { lastRef?: number; fileDir?: string } = {}) {
    this.#out = out;
    this.#seq = opts.lastRef ?? 0;
    this.#fileDir = opts.fileDir;
  }

  async post(msg: ChatMessage): Promise<MessageRef> {
    const ref = this.#ref(msg);
    this.#print(this.#lines(msg), '', `#${ref.ts} `);
    return ref;
  }

  async update(ref: MessageRef, msg: ChatMessage): Promise<void> {
    const before = this.#kinds.get(ref.ts);
    this.#kinds.set(ref.ts, msg.kind);
    const lines = this.#lines(msg);
    // Same kind again (progress → progress, diagnosis after a re-check): the headline, status and actions
    // are what changed; the full body was printed already.
    const compact = before === msg.kind ? compactOf(msg, lines) : lines;
    this.#print(compact, '', `#${ref.ts} ↻ `);
  }

  async reply(parent: MessageRef, msg: ChatMessage): Promise<MessageRef> {
    const ref = this.#ref(msg);
    this.#print(this.#lines(msg), '    │ ', `    ↳ (thread of #${parent.ts}) `);
    return ref;
  }

  async ephemeral(msg: ChatMessage): Promise<void> {
    this.#print(this.#lines(msg), '', '');
  }

  /** The shell has no file shelf: the file goes to disk and its path is printed in the thread. */
  async uploadFile(parent: MessageRef, file: UploadFile): Promise<string> {
    this.#fileDir ??= mkdtempSync(join(tmpdir(), 'cert-doctor-'));
    const path = join(this.#fileDir, `thread-${parent.ts}-${basename(file.filename)}`);
    writeFileSync(path, file.content, { mode: 0o644 });
    this.#print(
      [`📎 ${file.title} written to ${path}`, ...file.comment.split('\n')],
      '    │ ',
      `    ↳ (thread of #${parent.ts}) `,
    );
    return path;
  }

  #ref(msg: ChatMessage): MessageRef {
    const ref = { channel: SHELL_CHANNEL, ts: String(++this.#seq) };
    this.#kinds.set(ref.ts, msg.kind);
    return ref;
  }

  #lines(msg: ChatMessage): string[] {
    if (msg.kind === 'diagnosis') this.latestActions = msg.actions;
    return renderChatText(msg, { numberActions: true });
  }

  #print(lines: string[], indent: string, firstPrefix: string): void {
    const [first = '', ...rest] = lines;
    const text = [`${firstPrefix}${first}`, ...rest.map((l) => `${indent || '    '}${l}`)].join('\n');
    this.#out.write(`${text}\n`);
  }
}

/** A diagnosis re-printed after an update: its headline, incident status and actions (first, last two lines). */
function compactOf(msg: ChatMessage, lines: string[]): string[] {
  if (msg.kind !== 'diagnosis' || lines.length <= 3) return lines;
  return [lines[0]!, ...lines.slice(-2)];
}
