/**
 * Sends what Slack sends: signed slash commands (form-encoded), interactive payloads (`payload=` JSON)
 * and Events API JSON, with the exact content types Bolt's parser compares against
 * (notes/slack-platform.md §1.9: "…; charset=utf-8" is a 400). Measures the time to ack.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';

export interface SignOptions {
  /** unix seconds; default now */
  timestamp?: number;
  /** send no signature headers at all */
  unsigned?: boolean;
  /** sign with this secret instead of the right one */
  secret?: string;
}

export interface SentRequest {
  status: number;
  body: string;
  /** from sending the request to the complete response, ms */
  ackMs: number;
}

export const FORM = 'application/x-www-form-urlencoded';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface CommandFields {
  text: string;
  channel?: string;
  user?: string;
  /** the id the fake records response_url posts under */
  responseId?: string;
}

export interface ActionFields {
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  user?: string;
  responseId?: string;
}

export interface MentionFields {
  text: string;
  channel: string;
  ts: string;
  threadTs?: string;
  user?: string;
  eventId?: string;
  /** event.files of a file shared with the mention */
  files?: { name: string; size: number; url_private_download: string }[];
}

export class SlackRequester {
  constructor(
    private readonly appUrl: string,
    private readonly secret: string,
    private readonly responseUrl: (id: string) => string,
  ) {}

  command(f: CommandFields, sign: SignOptions = {}): Promise<SentRequest> {
    const body = commandBody(f, this.responseUrl(f.responseId ?? randomUUID()));
    return this.send(body, FORM, sign);
  }

  click(f: ActionFields, sign: SignOptions = {}): Promise<SentRequest> {
    const payload = actionPayload(f, this.responseUrl(f.responseId ?? randomUUID()));
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, FORM, sign);
  }

  mention(f: MentionFields, retryNum?: number, sign: SignOptions = {}): Promise<SentRequest> {
    const body = JSON.stringify(mentionCallback(f));
    const headers: Record<string, string> =
      retryNum === undefined ? {} : { 'x-slack-retry-num': `${retryNum}`, 'x-slack-retry-reason': 'http_timeout' };
    return this.send(body, 'application/json', sign, headers);
  }

  /** Any interactive payload (form field `payload`), signed: hostile and malformed clicks. */
  interactive(payload: unknown, sign: SignOptions = {}): Promise<SentRequest> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, FORM, sign);
  }

  /** Any Events API body as JSON, signed: hostile and malformed event callbacks. */
  event(body: unknown, sign: SignOptions = {}): Promise<SentRequest> {
    return this.send(JSON.stringify(body), 'application/json', sign);
  }

  urlVerification(challenge: string, sign: SignOptions = {}): Promise<SentRequest> {
    const body = JSON.stringify({ token: 'deprecated', challenge, type: 'url_verification' });
    return this.send(body, 'application/json', sign);
  }

  async send(
    body: string,
    contentType: string,
    sign: SignOptions,
    extra: Record<string, string> = {},
  ): Promise<SentRequest> {
    const headers = signedHeaders(this.secret, body, contentType, sign, extra);
    const started = performance.now();
    const { status, text } = await post(this.appUrl, headers, body);
    return { status, body: text, ackMs: performance.now() - started };
  }
}

/** The form-encoded body of a `/cert` slash command, as Slack sends it. */
export function commandBody(f: CommandFields, responseUrl: string): string {
  return new URLSearchParams({
    token: 'deprecated',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: f.channel ?? 'C1',
    channel_name: 'ops',
    user_id: f.user ?? 'U1',
    user_name: 'alice',
    command: '/cert',
    text: f.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: `trig.${randomUUID()}`,
  }).toString();
}

/** The `block_actions` payload of a button click, as Slack sends it (HTTP: form field `payload`). */
export function actionPayload(f: ActionFields, responseUrl: string): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: f.user ?? 'U2', name: 'bob', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: `trig.${randomUUID()}`,
    response_url: responseUrl,
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channel, is_ephemeral: false },
    channel: { id: f.channel, name: 'ops' },
    message: { type: 'message', ts: f.messageTs, text: '', user: 'UBOTDOCTOR' },
    actions: [
      {
        type: 'button',
        action_id: f.actionId,
        block_id: 'actions',
        value: f.value,
        text: { type: 'plain_text', text: f.actionId },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** The Events API `event_callback` of an app_mention; retries of one delivery keep its `event_id`. */
export function mentionCallback(f: MentionFields): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: 'app_mention',
    user: f.user ?? 'U3',
    text: f.text,
    ts: f.ts,
    channel: f.channel,
    event_ts: f.ts,
  };
  if (f.threadTs) event.thread_ts = f.threadTs;
  if (f.files) event.files = f.files;
  return {
    token: 'deprecated',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: f.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOTDOCTOR', is_bot: true }],
    event,
  };
}

/** Content type plus Slack's signature headers (v0 HMAC over `v0:timestamp:body`) unless `sign.unsigned`. */
export function signedHeaders(
  secret: string,
  body: string,
  contentType: string,
  sign: SignOptions = {},
  extra: Record<string, string> = {},
): Record<string, string> {
  const timestamp = sign.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': contentType, ...extra };
  if (!sign.unsigned) {
    headers['x-slack-request-timestamp'] = `${timestamp}`;
    headers['x-slack-signature'] = slackSignature(sign.secret ?? secret, timestamp, body);
  }
  return headers;
}

/** A plain node:http POST on a fresh connection (Slack's deliveries are not pooled); lighter than fetch. */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // an app that never answers fails the caller (a test, the benches' pingers) instead of hanging it
    req.setTimeout(POST_TIMEOUT_MS, () =>
      req.destroy(new Error(`no response from ${url} within ${POST_TIMEOUT_MS} ms`)),
    );
    req.end(body);
  });
}

const POST_TIMEOUT_MS = 60_000;
