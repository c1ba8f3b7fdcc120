/**
 * Reminders in the terminal (shell bot): printed as they are delivered, threaded under the
 * certificate's first reminder like Slack threads. Tags are remembered for this process only: the
 * terminal scrollback cannot be searched after a restart, so a reminder cut off by a crash is printed
 * again rather than lost.
 */
import { renderChatText } from '../../render/chat-text.js';
import type { ReminderPost, ReminderSink, ReminderTag } from '../../scheduler/sink.js';
import type { TextSink } from './console.js';

export class ShellReminderSink implements ReminderSink {
  #seq = 0;
  readonly #posted = new Map<string, string>();

  constructor(private readonly out: TextSink) {}

  async post(p: ReminderPost): Promise<{ ts: string }> {
    const ts = `r${++this.#seq}`;
    const lines = renderChatText({ kind: 'reminder', facts: p.facts });
    const prefix = p.threadTs ? `    ↳ (thread of #${p.threadTs}) ` : `#${ts} ⏰ `;
    const indent = p.threadTs ? '    │ ' : '    ';
    const [first = '', ...rest] = lines;
    this.out.write(`${[`${prefix}${first}`, ...rest.map((l) => `${indent}${l}`)].join('\n')}\n`);
    this.#posted.set(`${p.tag.reminderId}:${p.tag.key}`, ts);
    return { ts };
  }

  async find(_channel: string, _thread: string | null, tag: ReminderTag): Promise<string | null> {
    return this.#posted.get(`${tag.reminderId}:${tag.key}`) ?? null;
  }
}
