/**
 * A long-running bot outlives a library's stray promise rejection: @slack/socket-mode, for one, restarts its
 * connection from a timer with nobody awaiting it, and Node's default would end the process. The rejection is
 * logged and the bot keeps serving. Installed by `start` only: a one-shot `check` keeps Node's loud default,
 * and uncaught exceptions still end the process (its state can no longer be trusted).
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from './log.js';

export function guardProcess(log: Logger, proc: EventEmitter = process): () => void {
  const onRejection = (reason: unknown) => log.error({ err: reason }, 'unhandled promise rejection; still running');
  proc.on('unhandledRejection', onRejection);
  return () => proc.off('unhandledRejection', onRejection);
}
