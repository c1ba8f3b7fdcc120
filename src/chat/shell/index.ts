/**
 * The shell bot: a terminal chat (as Hubot's shell adapter) over the same router and handlers as Slack.
 * `/cert check example.com` or just `check example.com`; after a diagnosis, `1`/`recheck`, `2`/`fix`,
 * `3`/`chain` act on the latest incident; `exit`, `quit` or EOF end the session.
 *
 * The prompt never waits on a probe: a line that is still running after READY_AFTER_MS (a check, once its
 * "Checking…" is printed) goes on in the background and the next line is read at once, as in Slack, where
 * another command can be typed while a check runs. Its diagnosis is printed when it arrives (console.ts).
 * `exit`/EOF wait for the checks still running, so piped input (`echo "check x" | cert-doctor start`) still
 * gets every answer.
 */
import { createInterface } from 'node:readline';
import { handleAction } from '../../../commands/actions.js';
import { routeCommand } from '../../../commands/router.js';
import { readCappedFile } from '../../inspect/read-file.js';
import { escapeControl } from '../../render/format.js';
import type { WatchContext } from '../../store/types.js';
import type { ActionId, ChatCore, IncidentStore, PendingCheckStore, ProbeLimiter } from '../port.js';
import { errorNotice } from '../views.js';
import { ShellConsole, type TextSink } from './console.js';
import { SHELL_CHANNEL, ShellPort } from './port.js';

export const PROMPT = 'cert-doctor> ';

/** How long a line may keep the prompt before it goes on in the background; quick commands finish well within. */
export const READY_AFTER_MS = 100;

export interface ShellOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  core: ChatCore;
  store: IncidentStore;
  clock: () => Date;
  limits: ProbeLimiter;
  /** who "you" are in incident records; default "shell" */
  userId?: string;
  /** watched endpoints (`watch`, `list`, `history`); reminders are printed by the scheduler's shell sink */
  watch?: WatchContext;
  /** unexpected handler failures (already shown to the user as a notice) */
  onError?: (err: unknown) => void;
  /** the highest message number earlier runs used on this database: numbering continues after it */
  lastRef?: number;
  /** "Checking…" messages in flight; rows a crash left for this channel are reported at start and dropped */
  pending?: PendingCheckStore;
}

export interface ShellSession {
  /** resolves when the session ends (exit, quit, EOF, close()) */
  done: Promise<void>;
  close(): void;
  /** resolves when no line is running any more (background checks included) */
  idle(): Promise<void>;
  /** the terminal: messages written here appear above the prompt (the scheduler's reminders use it) */
  out: TextSink;
}

/** Words that name an action on the latest incident, besides its number. */
const ACTION_WORDS: Record<string, ActionId> = {
  recheck: 'recheck',
  're-check': 'recheck',
  fix: 'fix_guide',
  fix_guide: 'fix_guide',
  guide: 'fix_guide',
  chain: 'show_chain',
  show_chain: 'show_chain',
};

export function startShell(opts: ShellOptions): ShellSession {
  const rl = createInterface({ input: opts.input, output: opts.output, terminal: Boolean(opts.output.isTTY) });
  rl.setPrompt(PROMPT);
  const term = new ShellConsole(rl, opts.output);
  const port = new ShellPort(term, { lastRef: opts.lastRef ?? 0 });
  // Ctrl-C ends the session like `exit` (readline would otherwise only pause input).
  rl.on('SIGINT', () => rl.close());
  const base = {
    userId: opts.userId ?? 'shell',
    channelId: SHELL_CHANNEL,
    port,
    // the terminal is the operator's own machine: `inspect PATH` may read a local file (capped, regular only)
    core: { ...opts.core, readLocalFile: (path: string) => readCappedFile(path) },
    store: opts.store,
    clock: opts.clock,
    limits: opts.limits,
    ...(opts.pending ? { pending: opts.pending } : {}),
    ...(opts.watch ? { watch: opts.watch } : {}),
  };

  async function handle(line: string): Promise<boolean> {
    const text = line.trim();
    if (text === '') return true;
    if (/^(exit|quit)$/i.test(text)) return false;
    const action = actionFor(text, port);
    if (action === 'none') {
      await port.ephemeral(errorNotice('incident_not_found', 'No diagnosis yet: run "check HOST" first.'));
    } else if (action) {
      await handleAction({ ...base, ...action }, opts.onError);
    } else {
      await routeCommand({ ...base, text }, opts.onError);
    }
    return true;
  }

  const running = new Set<Promise<boolean>>();
  const idle = async () => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };
  /** Runs the line; resolves with whether the session goes on, or 'background' once it has run too long. */
  function start(line: string): Promise<boolean | 'background'> {
    const task = handle(line);
    running.add(task);
    void task.then(
      () => {
        running.delete(task);
        term.settle();
      },
      () => running.delete(task),
    );
    let timer: NodeJS.Timeout | undefined;
    const later = new Promise<'background'>((ok) => {
      timer = setTimeout(() => ok('background'), READY_AFTER_MS);
    });
    return Promise.race([task, later]).finally(() => clearTimeout(timer));
  }

  const done = (async () => {
    opts.output.write('cert-doctor shell. Type "help", "check example.com", or "exit".\n');
    await reportInterrupted(opts);
    term.prompt();
    for await (const line of rl) {
      term.lineRead();
      if ((await start(line)) === false) break;
      term.prompt();
    }
    rl.close();
    term.close(running.size > 0);
    await idle();
    opts.output.write('bye\n');
  })();
  return { done, close: () => rl.close(), idle, out: term };
}

/** A numbered or named action on the latest incident; 'none' when there is no incident yet; null = a command. */
function actionFor(text: string, port: ShellPort): { actionId: ActionId; incidentId: string } | 'none' | null {
  const word = text.toLowerCase();
  const byNumber = /^\d{1,2}$/.test(word) ? port.latestActions[Number(word) - 1] : undefined;
  const id = byNumber?.id ?? ACTION_WORDS[word];
  if (!id) return /^\d{1,2}$/.test(word) && port.latestActions.length === 0 ? 'none' : null;
  const chosen = port.latestActions.find((a) => a.id === id);
  return chosen ? { actionId: id, incidentId: chosen.value } : 'none';
}

/** Checks a crash interrupted in an earlier run: their "Checking…" lines cannot be updated; say so once. */
async function reportInterrupted(opts: ShellOptions): Promise<void> {
  const left = (await opts.pending?.list())?.filter((p) => p.channel === SHELL_CHANNEL) ?? [];
  for (const p of left) {
    opts.output.write(
      `#${p.ts} ✗ the check of ${escapeControl(p.target)} (started ${p.startedAt}) was interrupted when cert-doctor stopped; run it again\n`,
    );
    await opts.pending?.remove(p);
  }
}
