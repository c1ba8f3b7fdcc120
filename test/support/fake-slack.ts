/**
 * A fake Slack Web API on 127.0.0.1:0 for end-to-end tests (notes/slack-platform.md §6.3).
 * Point Bolt at it with `clientOptions.slackApiUrl = fake.apiUrl`; put `fake.responseUrl(id)` in payloads.
 * It records every call, rejects payloads the way Slack does (so renderer regressions fail here first),
 * and injects faults per method. Its limits are Slack's, hard-coded, not the renderer's budget.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  method: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
  at: number;
  /** what the fake answered */
  response: Record<string, unknown>;
  status: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

/** A file that went through files.uploadV2's three steps (URL, upload POST, completion). */
export interface FakeUpload {
  fileId: string;
  filename: string;
  /** `length` the client announced in files.getUploadURLExternal */
  length: number;
  /** the bytes posted to the upload URL (the multipart `file` part), as UTF-8 */
  content: string | null;
  /** set by files.completeUploadExternal */
  completed: boolean;
  channel: string | null;
  threadTs: string | null;
  title: string | null;
  initialComment: string | null;
}

export type Fault = { error: string } | { status: 429; retryAfter: number } | { status: 500 } | { delayMs: number };

interface PendingFault {
  fault: Fault;
  remaining: number;
  /** only calls with this `channel` argument get it */
  channel?: string;
}

/** Slack's own limits (docs + bolt-js #2509 for the undocumented aggregate). */
export const SLACK_LIMITS = {
  blocks: 50,
  blocksJsonChars: 13_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  actionsElements: 25,
  contextElements: 10,
  updateText: 4000,
} as const;

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const textOf = (v: unknown): string => String(obj(v).text ?? '');

/** Why Slack would reject these blocks, or null. Mirrors `invalid_blocks` / `msg_blocks_too_long`. */
export function blockKitViolation(blocks: unknown): { error: string; detail: string } | null {
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks_format', detail: 'blocks is not an array' };
  if (blocks.length > SLACK_LIMITS.blocks) return { error: 'invalid_blocks', detail: `${blocks.length} blocks > 50` };
  if (JSON.stringify(blocks).length > SLACK_LIMITS.blocksJsonChars) {
    return { error: 'msg_blocks_too_long', detail: `${JSON.stringify(blocks).length} chars` };
  }
  const ids = new Set<string>();
  for (const [i, raw] of blocks.entries()) {
    const problem = blockViolation(obj(raw), ids);
    if (problem) return { error: 'invalid_blocks', detail: `[json-pointer:/blocks/${i}] ${problem}` };
  }
  return null;
}

function blockViolation(b: Json, ids: Set<string>): string | null {
  if (typeof b.block_id === 'string') {
    if (b.block_id.length > SLACK_LIMITS.blockId) return 'block_id too long';
    if (ids.has(b.block_id)) return `duplicate block_id ${b.block_id}`;
    ids.add(b.block_id);
  }
  switch (b.type) {
    case 'header':
      return obj(b.text).type !== 'plain_text' || textOf(b.text).length > SLACK_LIMITS.headerText
        ? 'header text must be plain_text <= 150'
        : null;
    case 'section':
      return sectionViolation(b);
    case 'context':
      return Array.isArray(b.elements) && b.elements.length <= SLACK_LIMITS.contextElements ? null : 'context elements';
    case 'actions':
      return actionsViolation(b);
    case 'divider':
      return null;
    default:
      return `unsupported block type ${String(b.type)}`;
  }
}

function sectionViolation(b: Json): string | null {
  if (b.text === undefined && b.fields === undefined) return 'section needs text or fields';
  if (b.text !== undefined) {
    const len = textOf(b.text).length;
    if (len < 1 || len > SLACK_LIMITS.sectionText) return `section text length ${len} not in 1..3000`;
  }
  if (b.fields !== undefined) {
    if (!Array.isArray(b.fields) || b.fields.length > SLACK_LIMITS.sectionFields) return 'too many fields';
    if (b.fields.some((f) => textOf(f).length > SLACK_LIMITS.fieldText || textOf(f).length < 1)) return 'field text';
  }
  return null;
}

function actionsViolation(b: Json): string | null {
  if (!Array.isArray(b.elements) || b.elements.length > SLACK_LIMITS.actionsElements) return 'actions elements';
  for (const raw of b.elements) {
    const e = obj(raw);
    if (obj(e.text).type !== 'plain_text' || textOf(e.text).length > SLACK_LIMITS.buttonText) return 'button text';
    if (String(e.value ?? '').length > SLACK_LIMITS.buttonValue) return 'button value';
    if (String(e.action_id ?? '').length > SLACK_LIMITS.actionId) return 'action_id';
  }
  return null;
}

/** The block_ids of a call's blocks: where tests read finding codes (`headline:chain_incomplete`). */
export const blockIds = (c: FakeCall): string[] =>
  ((c.args.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');

export const hasBlockId =
  (prefix: string) =>
  (c: FakeCall): boolean =>
    blockIds(c).some((id) => id.startsWith(prefix));

/** Where apps.connections.open sends the client: a Socket Mode endpoint (fake-socket-mode.ts). */
export interface SocketModeEndpoint {
  issueUrl(): string;
}

/** A message the fake holds, as conversations.history / conversations.replies return it. */
export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  reply_broadcast?: boolean;
  /** chat.postMessage `metadata` ({event_type, event_payload}); returned only with include_all_metadata */
  metadata?: Json;
  user: string;
  bot_id: string;
}

export class FakeSlack {
  readonly calls: FakeCall[] = [];
  /** every message posted with chat.postMessage, in order */
  readonly messages: FakeMessage[] = [];
  /** archived channels: chat.postMessage there → is_archived */
  readonly archived = new Set<string>();
  /** the last view published per user (views.publish: App Home) */
  readonly homeViews = new Map<string, Json>();
  readonly responses: ResponseUrlPost[] = [];
  /** response_url posts beyond Slack's 5 per URL, answered 404 */
  readonly refusedResponses: ResponseUrlPost[] = [];
  /** channels the bot is not a member of: chat.postMessage there → not_in_channel */
  readonly notInChannel = new Set<string>();
  readonly botUserId = 'UBOTDOCTOR';
  /** files.uploadV2 traffic by file id */
  readonly uploads = new Map<string, FakeUpload>();
  private readonly faults = new Map<string, PendingFault[]>();
  private socketMode: { endpoint: SocketModeEndpoint; appToken: string } | undefined;
  private tsCounter = 0;
  private listeners: (() => void)[] = [];
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((e) => {
      res.writeHead(500).end(String(e));
    });
  });
  port = 0;

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** From now on apps.connections.open, called with `appToken`, answers with a URL of `endpoint`. */
  attachSocketMode(endpoint: SocketModeEndpoint, appToken: string): void {
    this.socketMode = { endpoint, appToken };
  }

  /** The next `times` calls of `method` get `fault` instead of a normal answer. */
  injectFault(method: string, fault: Fault, times = 1): void {
    const list = this.faults.get(method) ?? [];
    list.push({ fault, remaining: times });
    this.faults.set(method, list);
  }

  /** As injectFault, for calls naming `channel` only (other channels are answered normally). */
  injectChannelFault(method: string, channel: string, fault: Fault, times = 1): void {
    const list = this.faults.get(method) ?? [];
    list.push({ fault, remaining: times, channel });
    this.faults.set(method, list);
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Every payload the app sent Slack (Web API args and response_url bodies), for whole-traffic assertions. */
  allPayloads(): Record<string, unknown>[] {
    return [...this.calls.map((c) => c.args), ...this.responses.map((r) => r.body)];
  }

  /** Resolves with the first recorded call (past or future) matching; rejects after timeoutMs. */
  waitFor(method: string, pred: (c: FakeCall) => boolean = () => true, timeoutMs = 5000): Promise<FakeCall> {
    return this.waitUntil(() => this.callsOf(method).find(pred), `${method} call`, timeoutMs);
  }

  /** The "Checking…" post of a check in `channel` and the update that turned it into the diagnosis. */
  async waitForDiagnosis(
    channel: string,
    timeoutMs = 10_000,
  ): Promise<{ ts: string; posted: FakeCall; parent: FakeCall }> {
    const posted = await this.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === channel && !c.args.thread_ts && c.response.ok === true,
    );
    const ts = String(posted.response.ts);
    const parent = await this.waitFor('chat.update', (c) => c.args.ts === ts && hasBlockId('headline:')(c), timeoutMs);
    return { ts, posted, parent };
  }

  waitForResponse(pred: (r: ResponseUrlPost) => boolean = () => true, timeoutMs = 5000): Promise<ResponseUrlPost> {
    return this.waitUntil(() => this.responses.find(pred), 'response_url post', timeoutMs);
  }

  waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = probe();
        if (hit === undefined) return false;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(hit);
        return true;
      };
      const listener = () => void check();
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      if (!check()) this.listeners.push(listener);
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** files shared in the workspace (url_private_download → bytes), served only with a bot token */
  private readonly files = new Map<string, Uint8Array>();
  /** every file download: the authorization header it carried */
  readonly downloads: { id: string; authorization: string | undefined }[] = [];

  /** Host a file as Slack's files.slack.com would; returns its url_private_download. */
  shareFile(id: string, bytes: Uint8Array): string {
    this.files.set(id, bytes);
    return `http://127.0.0.1:${this.port}/files-pri/${id}/download`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (url.startsWith('/upload/')) return this.receiveUpload(req, res, url.slice('/upload/'.length));
    const file = /^\/files-pri\/([^/]+)\/download$/.exec(url);
    if (file) {
      this.downloads.push({ id: file[1]!, authorization: req.headers.authorization });
      const bytes = this.files.get(file[1]!);
      // Slack answers a tokenless request with its login page, not the file
      if (!bytes || !req.headers.authorization?.startsWith('Bearer xoxb-'))
        res.writeHead(302, { location: '/signin' }).end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(bytes));
      return;
    }
    const raw = await readBody(req);
    if (url.startsWith('/response/')) {
      const body = JSON.parse(raw) as Json;
      const id = url.slice('/response/'.length);
      // Slack takes 5 posts per response_url; later ones are refused (notes §5.3, RespondError 404)
      if (this.responses.filter((r) => r.id === id).length >= 5) {
        this.refusedResponses.push({ id, body, at: Date.now() });
        res.writeHead(404, { 'content-type': 'text/plain' }).end('used_url');
        this.notify();
        return;
      }
      this.responses.push({ id, body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      this.notify();
      return;
    }
    const method = url.replace(/^\/api\//, '').split('?')[0];
    const args = parseArgs(raw, req.headers['content-type']);
    const { status, body, headers } = await this.answer(method, args, req.headers.authorization);
    this.calls.push({ method, args, authorization: req.headers.authorization, at: Date.now(), response: body, status });
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    this.notify();
  }

  private async answer(
    method: string,
    args: Json,
    authorization: string | undefined,
  ): Promise<{ status: number; body: Json; headers?: Json }> {
    const fault = this.takeFault(method, String(args.channel ?? ''));
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    else if (fault && 'error' in fault) return { status: 200, body: { ok: false, error: fault.error } };
    else if (fault && fault.status === 429) {
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': `${fault.retryAfter}` },
      };
    } else if (fault) return { status: 500, body: { ok: false, error: 'internal_error' } };
    return { status: 200, body: this.respond(method, args, authorization) };
  }

  private takeFault(method: string, channel: string): Fault | undefined {
    const list = this.faults.get(method);
    const i = list?.findIndex((f) => f.channel === undefined || f.channel === channel) ?? -1;
    const head = list?.[i];
    if (!list || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) list.splice(i, 1);
    return head.fault;
  }

  private respond(method: string, args: Json, authorization: string | undefined): Json {
    const channel = String(args.channel ?? '');
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: this.botUserId, bot_id: 'BDOCTOR', team_id: 'T1', user: 'cert-doctor' };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        if (this.archived.has(channel)) return { ok: false, error: 'is_archived' };
        if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        const invalid = messageViolation(args, method) ?? metadataViolation(args.metadata);
        if (invalid) return invalid;
        return method === 'chat.postMessage' ? this.store(channel, args) : { ok: true, message_ts: this.nextTs() };
      }
      case 'conversations.history':
        return this.history(channel, args, (m) => !m.thread_ts || m.reply_broadcast === true);
      case 'conversations.replies': {
        const parent = String(args.ts ?? '');
        return this.history(channel, args, (m) => m.ts === parent || m.thread_ts === parent, true);
      }
      case 'views.publish': {
        const view = typeof args.view === 'string' ? (JSON.parse(args.view) as Json) : obj(args.view);
        if (view.type !== 'home') return { ok: false, error: 'invalid_arguments' };
        const invalid = blockKitViolation(view.blocks);
        if (invalid) return { ok: false, error: invalid.error, response_metadata: { messages: [invalid.detail] } };
        this.homeViews.set(String(args.user_id ?? ''), view);
        return { ok: true, view: { id: 'V1', ...view } };
      }
      case 'apps.connections.open':
        return this.openConnection(authorization);
      case 'chat.update':
        return messageViolation(args, method) ?? { ok: true, channel, ts: args.ts };
      case 'files.getUploadURLExternal':
        return this.uploadUrl(args);
      case 'files.completeUploadExternal':
        return this.completeUpload(args);
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * Without an attached endpoint, Socket Mode tests stop at "which URL, which token". With one, only the
   * app-level token it was attached with gets a URL; any other gets invalid_auth, which ends the client's
   * retries (Slack answers a bot token with not_allowed_token_type, which the client would retry forever).
   */
  private openConnection(authorization: string | undefined): Json {
    const sm = this.socketMode;
    if (!sm || authorization !== `Bearer ${sm.appToken}`) return { ok: false, error: 'invalid_auth' };
    return { ok: true, url: sm.endpoint.issueUrl() };
  }

  private store(channel: string, args: Json): Json {
    const ts = this.nextTs();
    const msg: FakeMessage = { channel, ts, text: String(args.text ?? ''), user: this.botUserId, bot_id: 'BDOCTOR' };
    if (typeof args.thread_ts === 'string') msg.thread_ts = args.thread_ts;
    if (args.reply_broadcast === true || args.reply_broadcast === 'true') msg.reply_broadcast = true;
    if (args.metadata !== undefined) msg.metadata = obj(args.metadata);
    this.messages.push(msg);
    return { ok: true, channel, ts, message: msg };
  }

  /** Newest first, `oldest` exclusive as Slack does; metadata only with include_all_metadata. */
  private history(channel: string, args: Json, pick: (m: FakeMessage) => boolean, oldestFirst = false): Json {
    const oldest = tsValue(String(args.oldest ?? '0'));
    const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
    const found = this.messages.filter((m) => m.channel === channel && pick(m) && tsValue(m.ts) > oldest);
    const ordered = oldestFirst ? found : [...found].reverse();
    const messages = ordered.slice(0, limit).map(({ metadata, channel: _c, ...m }) => ({
      type: 'message',
      ...m,
      ...(withMeta && metadata ? { metadata } : {}),
    }));
    return { ok: true, messages, has_more: ordered.length > limit };
  }

  /**
   * When set, message ts carry this clock's seconds (tests with an injected clock, so `oldest` in
   * conversations.history means the same time as the app's); default a fixed 1700000000.
   */
  clock: (() => number) | undefined;
  /** files.getUploadURLExternal: filename and a positive length are required (Slack: invalid_arguments). */
  private uploadUrl(args: Json): Json {
    const filename = String(args.filename ?? '');
    const length = Number(args.length);
    if (!filename || !(length > 0)) return { ok: false, error: 'invalid_arguments' };
    const fileId = `F${String(this.uploads.size + 1).padStart(8, '0')}`;
    this.uploads.set(fileId, {
      fileId,
      filename,
      length,
      content: null,
      completed: false,
      channel: null,
      threadTs: null,
      title: null,
      initialComment: null,
    });
    return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${fileId}`, file_id: fileId };
  }

  /** The upload step: a multipart POST to the URL handed out; its byte count must match the announced length. */
  private async receiveUpload(req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upload = this.uploads.get(fileId);
    if (!upload || req.method !== 'POST') return void res.writeHead(404).end('not found');
    const form = await new Response(Buffer.concat(chunks), {
      headers: { 'content-type': String(req.headers['content-type'] ?? '') },
    }).formData();
    const part = [...form.values()].find((v): v is File => typeof v !== 'string');
    const bytes = part ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
    if (bytes.length !== upload.length) return void res.writeHead(400).end('length mismatch');
    upload.content = bytes.toString('utf8');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
    this.notify();
  }

  /** files.completeUploadExternal: every file must have been uploaded first (Slack: file_not_found). */
  private completeUpload(args: Json): Json {
    let files: { id?: string; title?: string }[];
    try {
      files = JSON.parse(String(args.files ?? '[]')) as { id?: string; title?: string }[];
    } catch {
      return { ok: false, error: 'invalid_arguments' };
    }
    const found = files.map((f) => this.uploads.get(String(f.id)));
    if (found.length === 0 || found.some((u) => !u || u.content === null))
      return { ok: false, error: 'file_not_found' };
    for (const [i, u] of found.entries()) {
      Object.assign(u!, {
        completed: true,
        channel: typeof args.channel_id === 'string' ? args.channel_id : null,
        threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null,
        title: files[i]?.title ?? null,
        initialComment: typeof args.initial_comment === 'string' ? args.initial_comment : null,
      });
    }
    return { ok: true, files: found.map((u) => ({ id: u!.fileId, title: u!.title, name: u!.filename })) };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    const sec = this.clock ? Math.floor(this.clock() / 1000) : 1700000000;
    return `${sec}.${String(this.tsCounter).padStart(6, '0')}`;
  }
}

function messageViolation(args: Json, method: string): Json | null {
  const text = typeof args.text === 'string' ? args.text : '';
  if (!text && args.blocks === undefined) return { ok: false, error: 'no_text' };
  if (method === 'chat.update' && text.length > SLACK_LIMITS.updateText) return { ok: false, error: 'msg_too_long' };
  const v = blockKitViolation(args.blocks);
  return v ? { ok: false, error: v.error, response_metadata: { messages: [`[ERROR] ${v.detail}`] } } : null;
}

/** A Slack ts ("1700000000.000123") as microseconds, exactly (a double loses the last digits). */
function tsValue(ts: string): bigint {
  const [sec = '0', frac = ''] = ts.split('.');
  return BigInt(sec || '0') * 1_000_000n + BigInt((frac + '000000').slice(0, 6));
}

/** Slack's shape for message metadata: {event_type: string, event_payload: object}. */
function metadataViolation(metadata: unknown): Json | null {
  if (metadata === undefined) return null;
  const m = obj(metadata);
  if (typeof m.event_type !== 'string' || typeof m.event_payload !== 'object' || m.event_payload === null) {
    return { ok: false, error: 'invalid_metadata_format' };
  }
  return null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** web-api 8 sends form-encoded args with nested values (blocks, attachments) as JSON strings. */
function parseArgs(raw: string, contentType: string | undefined): Json {
  if (!raw) return {};
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Json;
  const out: Json = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] =
      (k === 'blocks' || k === 'attachments' || k === 'metadata' || k === 'view') && /^[[{]/.test(v)
        ? JSON.parse(v)
        : v;
  }
  return out;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  return new FakeSlack().start();
}
