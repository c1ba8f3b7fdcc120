/**
 * `cert-doctor explain [--json] [--no-check] TEXT | -`: what a pasted client TLS error means, and — when the text
 * names a host — what the server shows. Exit status: the check's (0/1/2/3) when one ran; otherwise 0 when the error
 * was recognised and 3 when it was not.
 */
import { parseArgs } from 'node:util';
import type { CheckOptions } from './check.js';
import { allowList, type CliIo, caBundles, EXIT, intOption, oneLine, UsageError, useColor } from './cli.js';
import { explain, MAX_INPUT } from './explain/explain.js';
import { makeStyle } from './render/ansi.js';
import { renderExplanationJson } from './render/explain-json.js';
import { explanationLines } from './render/explain-lines.js';
import { escapeControl } from './render/format.js';

export const EXPLAIN_USAGE = `Usage: cert-doctor explain [options] TEXT | -

Paste the error your client printed (quote it, or give - and pipe it in). cert-doctor names the client, the
finding codes the error can mean (most likely first, each with the check that tells it apart), and — when the
text names a host, URL or host:port — checks that endpoint and says which cause the server shows.

Options:
  --json           print the explanation as JSON (format cert-doctor.explanation/1)
  --no-check       do not connect to the host the text names
  --ca FILE        also trust the CA certificates in this PEM bundle (repeatable)
  --allow CIDR     let the check connect to addresses in this range (repeatable)
  --timeout MS     deadline for the check, in milliseconds (default 10000)
  -h, --help       show this help

Exit status: the check's (0 ok, 1 warning, 2 critical, 3 unknown) when one ran; else 0 recognised, 3 not.
`;

const OPTIONS = {
  json: { type: 'boolean' },
  'no-check': { type: 'boolean' },
  ca: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runExplain(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout.write(EXPLAIN_USAGE);
    return 0;
  }
  const text = positionals.length === 1 && positionals[0] === '-' ? await readAll(io.stdin) : positionals.join(' ');
  if (text.trim() === '')
    throw new UsageError(
      'explain needs the error text, e.g. cert-doctor explain "x509: certificate signed by unknown authority" (or - to read stdin)',
    );
  const noCheck = values['no-check'] === true;
  const options: CheckOptions = {
    now: () => new Date(),
    timeoutMs: intOption('--timeout', values.timeout, 100, 300_000) ?? undefined,
    allow: await allowList(values.allow ?? [], io.env),
    extraCaPem: await caBundles(values.ca ?? [], io.env),
  };
  const run = async (endpoint: string) => (await import('./check.js')).check(endpoint, options);
  const e = await explain(text, noCheck ? { noCheckReason: '--no-check was given' } : { check: run });
  if (values.json) io.stdout.write(renderExplanationJson(e));
  else
    io.stdout.write(
      `${explanationLines(e)
        .map((l) => colour(escapeControl(l), useColor(io)))
        .join('\n')}\n`,
    );
  if (e.diagnosis) return EXIT[e.diagnosis.verdict] ?? 3;
  return e.recognised ? 0 : 3;
}

/** Finding codes in bold when writing to a terminal; never colour alone (NO_COLOR and pipes get plain text). */
function colour(line: string, on: boolean): string {
  if (!on) return line;
  const a = makeStyle(true);
  return line.replace(/\[([a-z_]+)\]/g, (_m, code: string) => `[${a.bold(code)}]`);
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(
      `${oneLine(err instanceof Error ? err.message : String(err))} (see cert-doctor explain --help)`,
    );
  }
}

/** stdin up to MAX_INPUT + 1 bytes (explain says when it read only the first MAX_INPUT). */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    size += b.length;
    if (size > MAX_INPUT) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
