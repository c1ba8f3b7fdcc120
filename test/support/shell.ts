/** Drive the shell bot through in-memory stdin/stdout, the way a person types. */
import { PassThrough } from 'node:stream';
import { chatCore } from '../../src/chat/core.js';
import { Limiter } from '../../src/chat/limits.js';
import { PROMPT, type ShellSession, startShell } from '../../src/chat/shell/index.js';
import { openDb } from '../../src/store/db.js';
import { SqliteIncidentStore } from '../../src/store/incidents.js';

export interface ShellDriver {
  session: ShellSession;
  /** everything printed so far */
  output(): string;
  /**
   * type one line, then wait until the bot prompts again and everything it started (a check running in the
   * background) has finished; returns what it printed in between
   */
  send(line: string, timeoutMs?: number): Promise<string>;
  /** type one line and wait only for the next prompt (a check goes on in the background); returns what it printed */
  type(line: string, timeoutMs?: number): Promise<string>;
  /** type characters without Enter (what a person has typed when a message arrives) */
  typePartial(chars: string): void;
  /** close stdin (EOF) and wait for the session to end */
  end(): Promise<void>;
}

export function driveShell(
  opts: { dbPath?: string; extraCaPem?: string[]; probeTimeoutMs?: number; isTTY?: boolean } = {},
): ShellDriver {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { isTTY: opts.isTTY ?? false, columns: 200 });
  let text = '';
  output.on('data', (c: Buffer) => {
    text += c.toString('utf8');
  });
  const db = openDb(opts.dbPath ?? ':memory:');
  const clock = () => new Date();
  const session = startShell({
    input,
    output,
    core: chatCore({ allow: ['127.0.0.0/8'], probeTimeoutMs: opts.probeTimeoutMs ?? 5_000 }, opts.extraCaPem),
    store: new SqliteIncidentStore(db),
    clock,
    limits: new Limiter({ checksPerMinute: 100, maxConcurrentProbes: 8, clock }),
  });
  void session.done.finally(() => db.close());

  const promptCount = () => text.split(PROMPT).length - 1;
  const waitFor = async (pred: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`shell did not answer in ${timeoutMs} ms; output so far:\n${text}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    session,
    output: () => text,
    async send(line, timeoutMs = 15_000) {
      const before = text.length;
      await this.type(line, timeoutMs);
      await session.idle();
      return text.slice(before);
    },
    async type(line, timeoutMs = 15_000) {
      await waitFor(() => promptCount() >= 1, timeoutMs);
      const before = text.length;
      const prompts = promptCount();
      input.write(`${line}\n`);
      await waitFor(() => promptCount() > prompts || text.endsWith('bye\n'), timeoutMs);
      return text.slice(before);
    },
    typePartial(chars) {
      input.write(chars);
    },
    async end() {
      input.end();
      await session.done;
    },
  };
}
