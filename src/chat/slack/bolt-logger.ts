/**
 * Bolt (and its WebClient) log through @slack/logger's interface; this routes them into our pino logger
 * so one stream, one format and one redaction list cover everything. Bolt's level follows pino's.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../log.js';

const TO_BOLT: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

function line(parts: unknown[]): { err?: unknown; msg: string } {
  const err = parts.find((p) => p instanceof Error);
  const msg = parts
    .filter((p) => p !== err)
    .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
    .join(' ');
  return err ? { err, msg } : { msg };
}

export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]) => {
      const { err, msg } = line(parts);
      if (err) child[level]({ err }, msg);
      else child[level](msg);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: () => undefined,
    getLevel: () => TO_BOLT[child.level] ?? LogLevel.ERROR,
    setName: () => undefined,
  };
}
