/**
 * The `cert-doctor` command line. Takes its I/O as a parameter (certigo `Run(args, terminal)`) so tests call
 * `main()` directly. Exit codes follow the monitoring-plugin convention (Nagios/Icinga):
 * 0 ok, 1 warning, 2 critical, 3 unknown or usage error. No exception escapes `main`.
 */
// fs.promises, read when used: in the CommonJS bundle a top-level node:fs/promises costs a check ~2 ms before its first SYN
import { promises as fsp } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CheckOptions } from './check.js';
import {
  allowList,
  CHECK_OPTIONS,
  caBundles,
  caFiles,
  httpMode,
  intOption,
  oneLine,
  ruleOptions,
  UsageError,
} from './cli-inputs.js';
import { afterPoll } from './event-loop.js';
import { quote } from './probe/errors.js';
import { warmIsIp } from './probe/isip-warmup.js';
import { parseTarget } from './probe/target.js';
import { defaultRuleOptions, type Verdict } from './rules/types.js';
import { trace } from './trace.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

type Command = (args: string[], io: CliIo) => Promise<number>;

export { allowList, caBundles, intOption, oneLine, UsageError };

export const USAGE = `cert-doctor — diagnose a TLS endpoint: what is wrong, which clients break, and the exact fix.

Usage:
  cert-doctor check TARGET… [options]  diagnose each TARGET: example.com, host:8443, https://host/path,
                                       smtp://mail.example.com:587, [2001:db8::1]:443; several targets are
                                       checked concurrently and summarised one line each
  cert-doctor explain [--json] [--no-check] TEXT | -
                                       explain a pasted client TLS error (- reads stdin): the client,
                                       likely causes, and a live check of the host it names
  cert-doctor inspect FILE… | - [options]
                                       diagnose certificate files offline (PEM, DER, .p7b, .pfx);
                                       see cert-doctor inspect --help
  cert-doctor start                    run the chat bot: Slack when tokens are set, else a terminal chat
  cert-doctor shell                    the terminal chat, even when Slack tokens are set
  cert-doctor --help | --version

Options for check:
  --json           print the diagnosis as JSON (verdict, findings[].code, endpoints, chains, results);
                   with several targets, a JSON array of them
  --targets FILE   also check the targets listed in FILE (one per line, # comments)
  --ca FILE        also trust the CA certificates in this PEM bundle (repeatable)
  --allow CIDR     let the probe connect to addresses in this range, e.g. 127.0.0.0/8 (repeatable)
  --timeout MS     overall deadline for the probe, in milliseconds (default 10000)
  --warn-days N    warning when the certificate expires within N days (default ${defaultRuleOptions.expiringWarnDays})
  --crit-days N    critical when it expires within N days (default ${defaultRuleOptions.expiringCriticalDays})
  --http           send the HTTP request (Date, HSTS, Server) whatever the port; --no-http never sends it
                   (default: for HTTPS, when ALPN names h2 or http/1.1, or on a port of no known service)
  -v, --verbose    also show SANs, serials, fingerprints, AIA fetches and the checks that passed
  -h, --help       show this help

Environment:
  CERT_DOCTOR_CA     extra trust anchors: a PEM bundle, or the path of one
  CERT_DOCTOR_ALLOW  comma-separated CIDRs the probe may connect to
  NO_COLOR           set to turn colour off

Text output ends its first line with Nagios performance data: | days_left=N;WARN;CRIT …

Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (nothing could be examined: DNS failure, every
address refused or blocked) or usage error. Several targets: the worst (critical, unknown, warning, ok).
`;

export const EXIT: Record<Verdict, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };
const EXIT_UNKNOWN = 3;

const showHelp: Command = async (_args, io) => {
  io.stdout.write(USAGE);
  return 0;
};

/** The chat bot: Slack when tokens are configured, the terminal chat otherwise (loaded on demand). */
const startBot: Command = async (_args, io) => (await import('./start.js')).start(io, io.env);

/** The terminal chat even when Slack tokens are set: every SLACK_* variable is hidden from it. */
const startShellBot: Command = async (args, io) => {
  const env = Object.fromEntries(Object.entries(io.env).filter(([k]) => !k.startsWith('SLACK_')));
  return startBot(args, { ...io, env });
};

export const commands: Record<string, Command> = {
  check: runCheck,
  explain: async (args, io) => (await import('./cli-explain.js')).runExplain(args, io),
  inspect: async (args, io) => (await import('./cli-inspect.js')).runInspect(args, io),
  help: showHelp,
  start: startBot,
  serve: startBot,
  shell: startShellBot,
};

export async function main(args: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (err) {
    io.stderr.write(`cert-doctor: ${describeFailure(err)}\n`);
    return EXIT_UNKNOWN;
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'bad_input') return oneLine(message);
  return `internal error: ${oneLine(message)}`;
}

async function dispatch(args: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) {
    io.stderr.write(USAGE);
    return EXIT_UNKNOWN;
  }
  if (first === '--help' || first === '-h') return showHelp(rest, io);
  if (first === '--version' || first === '-V') {
    io.stdout.write(`cert-doctor ${await version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!command) {
    const kind = first.startsWith('-') ? 'option' : 'command';
    throw new UsageError(`unknown ${kind} ${quote(first)} (see cert-doctor --help)`);
  }
  return command(rest, io);
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await fsp.readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

async function runCheck(args: string[], io: CliIo): Promise<number> {
  trace('cli: check starts');
  const { values, positionals } = parseCheckArgs(args);
  if (values.help) return showHelp([], io);
  // Start loading the probe now: reading the options overlaps with its compilation (issue 12: a CLI check's
  // start-up is part of its speed). The renderers load once the addresses are resolved, while the handshake
  // is on the wire, not on the way to it.
  const checkModule = import('./pool/deadline.js');
  checkModule.catch(() => undefined);
  let renderers: ReturnType<typeof loadRenderers> | undefined;
  const renderersNow = () => {
    renderers ??= loadRenderers();
    return renderers;
  };
  const inputs = [...positionals, ...(values.targets === undefined ? [] : await targetsFile(values.targets))];
  if (inputs.length === 0) throw new UsageError('check needs a TARGET, e.g. cert-doctor check example.com');
  // A typo fails here, before the probe is even loaded; check() parses the same way.
  for (const input of positionals) parseTarget(input);
  const rules = ruleOptions(values['warn-days'], values['crit-days']);
  const options: CheckOptions = {
    now: () => new Date(),
    timeoutMs: intOption('--timeout', values.timeout, 100, 300_000) ?? undefined,
    allow: await allowList(values.allow ?? [], io.env),
    extraCaPem: await caBundles(values.ca ?? [], io.env),
    caFiles: caFiles(values.ca ?? [], io.env),
    ruleOptions: rules,
    http: httpMode(values.http, values['no-http']),
    onPhase: (phase) => {
      if (phase === 'resolved') {
        // once the main handshake's SYN and ClientHello are out (src/event-loop.ts), while it is on the wire;
        // bin/cert-doctor.cjs makes the stream on first use
        void afterPoll()
          .then(afterPoll)
          .then(() => {
            useColor(io);
            return renderersNow();
          })
          .catch(() => undefined);
      }
    },
  };
  const thresholds = {
    warnDays: rules.expiringWarnDays ?? defaultRuleOptions.expiringWarnDays,
    critDays: rules.expiringCriticalDays ?? defaultRuleOptions.expiringCriticalDays,
  };
  // Loaded on demand: the probe graph is the bulk of start-up time, and --help should not pay for it. The CLI
  // needs no worker pool (start-up cost), but each check gets the same hard deadline as the bot's.
  trace('cli: options read');
  const { checkWithDeadline: check } = await checkModule;
  trace('cli: check modules loaded');
  // before the DNS lookup's own isIP; here, not in the probe: a one-shot process's main thread (a pool
  // worker changing a process-wide V8 flag could race the main thread's regexp compilation)
  warmIsIp();
  if (inputs.length > 1) {
    const many = await import('./cli-check-many.js');
    const outcomes = await many.checkAll(inputs, check, options);
    const { renderText } = await renderersNow();
    let out = values.json ? many.renderManyJson(outcomes) : many.renderSummary(outcomes, thresholds);
    if (values.verbose && !values.json) {
      for (const o of outcomes)
        if ('diagnosis' in o) out += `\n${renderText(o.diagnosis, { color: useColor(io), verbose: true })}`;
    }
    io.stdout.write(out);
    return EXIT[many.worstVerdict(outcomes)];
  }
  const diagnosis = await check(inputs[0]!, options);
  trace('cli: diagnosis ready');
  const { renderText, renderJson, perfData } = await renderersNow();
  const out = values.json
    ? renderJson(diagnosis)
    : withPerfData(
        renderText(diagnosis, { color: useColor(io), verbose: values.verbose === true }),
        perfData(diagnosis, thresholds),
      );
  io.stdout.write(out);
  trace('cli: output written');
  return EXIT[diagnosis.verdict] ?? EXIT_UNKNOWN;
}

/** The renderers a check's output needs: not loaded by --help or by a usage error. */
async function loadRenderers() {
  const [{ renderText }, { renderJson }, { perfData }] = await Promise.all([
    import('./render/text.js'),
    import('./render/json.js'),
    import('./render/perfdata.js'),
  ]);
  return { renderText, renderJson, perfData };
}

/** Nagios reads performance data after a `|` on the first line of a plugin's output. */
function withPerfData(text: string, perf: string): string {
  if (perf === '') return text;
  const nl = text.indexOf('\n');
  return nl < 0 ? `${text} | ${perf}` : `${text.slice(0, nl)} | ${perf}${text.slice(nl)}`;
}

async function targetsFile(path: string): Promise<string[]> {
  const { readTargetsFile, assertTargetCount } = await import('./cli-check-many.js');
  try {
    const targets = await readTargetsFile(path);
    assertTargetCount(targets.length);
    return targets;
  } catch (err) {
    throw new UsageError(oneLine(err instanceof Error ? err.message : String(err)));
  }
}

function parseCheckArgs(args: string[]) {
  try {
    return parseArgs({ args, options: CHECK_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option ${quote(unknownOption(args))} (see cert-doctor --help)`);
    }
    throw new UsageError(`${oneLine(err instanceof Error ? err.message : String(err))} (see cert-doctor --help)`);
  }
}

/** The first option token parseArgs does not know, as the user typed it. */
function unknownOption(args: string[]): string {
  const { tokens } = parseArgs({ args, options: CHECK_OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const bad = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(CHECK_OPTIONS, t.name));
  return bad?.kind === 'option' ? bad.rawName : (args.find((a) => a.startsWith('-')) ?? '?');
}

/** https://no-color.org: NO_COLOR set to a non-empty value turns colour off. */
export function useColor(io: CliIo): boolean {
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
  return tty && !io.env.NO_COLOR;
}
