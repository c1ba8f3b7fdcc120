/**
 * Structured logs (pino): human-readable through pino-pretty on a TTY, JSON lines otherwise.
 * Token fields are redacted wherever they appear, so a logged config or Slack payload never leaks one.
 */
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/** Paths pino replaces with "[redacted]" (one level of nesting covers config.slack.* and payloads). */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.authorization',
  '*.*.botToken',
  '*.*.appToken',
  '*.*.signingSecret',
  'headers.authorization',
];

export interface LogOptions {
  level?: string;
  /** where lines go; default stderr (stdout belongs to the shell bot) */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** force pretty or JSON; default: pretty when the stream is a TTY */
  pretty?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const usePretty = opts.pretty ?? Boolean(stream.isTTY);
  const dest = usePretty ? pretty({ destination: stream, colorize: Boolean(stream.isTTY), sync: true }) : stream;
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'cert-doctor' },
    },
    dest,
  );
}
