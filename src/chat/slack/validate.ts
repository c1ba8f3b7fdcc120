/**
 * Field types of Slack's inbound payloads, checked at the boundary (HTTP form and JSON, and Socket Mode
 * payloads) before Bolt or a handler sees them. A signed request with `text` given twice (the form parser
 * makes it an array) or no `user_id` reached the handlers and ended in an unhandled rejection or a SQLite
 * NOT NULL error with "Checking…" stuck; now it is refused with the reason.
 * Field lists: api.slack.com/interactivity/slash-commands "app command payload",
 * api.slack.com/reference/interaction-payloads/block-actions. Events need nothing here: the middleware and the
 * app_mention listener read every field defensively (a malformed event is acked and ignored, test/slack-fuzz).
 */

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

const str = (v: unknown): v is string => typeof v === 'string';
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Why this payload cannot be handled, or null when every field we read has the type we read it as. */
export function payloadProblem(body: Body): string | null {
  if ('command' in body) return commandProblem(body);
  if (body.type === 'block_actions') return blockActionsProblem(body);
  return null;
}

function commandProblem(b: Body): string | null {
  for (const f of ['command', 'user_id', 'channel_id'] as const) {
    if (!nonEmpty(b[f])) return `slash command: ${f} ${describe(b[f])}, expected a non-empty string`;
  }
  for (const f of ['text', 'response_url', 'trigger_id', 'team_id', 'user_name', 'channel_name'] as const) {
    if (f in b && !str(b[f])) return `slash command: ${f} ${describe(b[f])}, expected a string`;
  }
  return null;
}

/**
 * Clicks with fields missing are handled downstream (listeners.ts: an empty action list or a
 * mention without a user is acked and ignored or answered); here only fields present with a type no
 * handler can use are refused: an id that is a list or an object would reach the store as such.
 */
function blockActionsProblem(b: Body): string | null {
  if (isObject(b.user) && 'id' in b.user && !str(b.user.id)) return `block_actions: user.id ${describe(b.user.id)}`;
  for (const [where, v] of [
    ['channel.id', isObject(b.channel) ? b.channel.id : undefined],
    ['container.channel_id', isObject(b.container) ? b.container.channel_id : undefined],
    ['response_url', b.response_url],
  ] as const) {
    if (v !== undefined && !str(v)) return `block_actions: ${where} ${describe(v)}, expected a string`;
  }
  if (!Array.isArray(b.actions)) return null;
  for (const a of b.actions) {
    if (isObject(a) && 'action_id' in a && !str(a.action_id)) return 'block_actions: an action_id is not a string';
  }
  return null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'is missing';
  if (Array.isArray(v)) return `is a list of ${v.length} values (the field given ${v.length} times?)`;
  return `is ${v === null ? 'null' : typeof v}`;
}
