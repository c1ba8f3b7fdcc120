/**
 * Screens Socket Mode messages before @slack/socket-mode 3.1 dispatches them. Its message listener, an async
 * function nobody awaits, reads `type` of whatever JSON arrives and `payload.event.type` of every events_api
 * envelope: a message of `null`, or an events_api envelope with no event object, ended as an unhandled
 * rejection (the process's, not the request's). What is not an envelope object with an object payload is
 * dropped with a warning and not acked: an envelope without an id cannot be, and Slack's redelivery of a
 * malformed one is dropped again.
 */
import type { Logger, SocketModeReceiver } from '@slack/bolt';
import { payloadProblem } from './validate.js';

type Deliver = (data: unknown, isBinary: boolean) => unknown;

/** Envelope types that carry no payload (the connection's own messages). */
const CONTROL = new Set(['hello', 'disconnect']);

/** A JSON object (not null, not an array): what Slack's payloads and envelopes must be. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a text message is not a deliverable envelope, or null. Binary and non-JSON messages the client ignores itself. */
export function envelopeProblem(text: string): string | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(msg)) return `a JSON ${Array.isArray(msg) ? 'array' : String(msg === null ? null : typeof msg)}`;
  if (typeof msg.type === 'string' && CONTROL.has(msg.type)) return null;
  if (!isObject(msg.payload)) return `a ${String(msg.type)} envelope whose payload is not an object`;
  if (msg.type === 'events_api' && !isObject(msg.payload.event)) return 'an events_api envelope with no event object';
  // the same field-type checks as the HTTP receiver (validate.ts): text given twice, no user_id, …
  if (msg.type === 'slash_commands' || msg.type === 'interactive') return payloadProblem(msg.payload);
  return null;
}

export function screenSocketMessages(receiver: SocketModeReceiver, logger: Logger): void {
  const client = receiver.client;
  const delivers = client.listeners('ws_message') as Deliver[];
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const problem = !isBinary && typeof data === 'string' ? envelopeProblem(data) : null;
    if (problem) {
      logger.warn(`Socket Mode message dropped: ${problem}`);
      return;
    }
    for (const deliver of delivers) {
      Promise.resolve()
        .then(() => deliver(data, isBinary))
        .catch((err: unknown) => logger.error(`Socket Mode message failed: ${(err as Error)?.message ?? String(err)}`));
    }
  });
}
