/**
 * The terminal the shell bot shares between the person typing and the messages that arrive on their own:
 * a check's diagnosis seconds after its "Checking…", a reminder from the scheduler. Output that arrives while
 * the prompt is on screen is written above it and the prompt is drawn again, with what the person had typed so
 * far (readline's `prompt(true)` keeps the line and the cursor), as Hubot's shell and most REPLs do. Without a
 * TTY (piped input, tests) there is no line to redraw: the message starts on a line of its own and the prompt
 * is printed again once the work that printed it is done.
 */
import { clearLine, cursorTo, type Interface } from 'node:readline';

/** Where shell messages are written: a plain stream or the prompt-aware console below. */
export interface TextSink {
  write(text: string): unknown;
}

export class ShellConsole implements TextSink {
  readonly #rl: Interface;
  readonly #out: NodeJS.WritableStream;
  readonly #tty: boolean;
  /** the prompt is the last thing on screen */
  #atPrompt = false;
  /** output went out after the prompt (no TTY): the prompt is owed again */
  #owed = false;
  /** the session ended: no prompt any more, output goes straight out */
  #closed = false;

  constructor(rl: Interface, out: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#rl = rl;
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
  }

  write(text: string): boolean {
    if (!this.#atPrompt || this.#closed) return this.#out.write(text);
    if (this.#tty) {
      clearLine(this.#out, 0);
      cursorTo(this.#out, 0);
      this.#out.write(text);
      this.#rl.prompt(true);
      return true;
    }
    this.#atPrompt = false;
    this.#owed = true;
    return this.#out.write(`\n${text}`);
  }

  /** Show the prompt: the shell is ready for the next line. */
  prompt(): void {
    if (this.#closed) return;
    this.#owed = false;
    this.#atPrompt = true;
    this.#rl.prompt();
  }

  /** A line was read: whatever it prints follows the person's input, not the prompt. */
  lineRead(): void {
    this.#atPrompt = false;
    this.#owed = false;
  }

  /** No more input: checks still running print as plain lines, and no prompt follows. */
  close(stillRunning: boolean): void {
    if (stillRunning && this.#atPrompt && !this.#tty) this.#out.write('\n');
    this.#closed = true;
    this.#atPrompt = false;
  }

  /** Work that printed in the background is done: without a TTY the prompt is printed again if it scrolled away. */
  settle(): void {
    if (this.#owed) this.prompt();
  }
}
