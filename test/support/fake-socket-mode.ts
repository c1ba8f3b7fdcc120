/**
 * A fake Slack Socket Mode endpoint on 127.0.0.1:0 (a `ws` WebSocketServer), for end-to-end tests of the
 * default transport. Attach it to the fake Web API (`fake.attachSocketMode(sm, appToken)`): then
 * `apps.connections.open` hands out `sm.issueUrl()`, a URL with a single-use ticket as Slack's are.
 *
 * Wire protocol, as @slack/socket-mode 3.1 speaks it (notes/slack-platform.md §1.6, §1.8):
 * - on connect the server sends `{type:'hello', …}`; the client's start() resolves only then;
 * - the server delivers `{envelope_id, type: 'slash_commands' | 'interactive' | 'events_api', payload,
 *   accepts_response_payload}` (+ `retry_attempt`, `retry_reason` for events) and the client acks with
 *   `{envelope_id, payload?}` on the same socket; Slack allows 3 s;
 * - `{type:'disconnect', reason:'refresh_requested'}` asks the client to close (1000) and reconnect
 *   through a fresh apps.connections.open; the client pings, `ws` answers the pongs.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type ActionFields,
  actionPayload,
  type CommandFields,
  commandBody,
  type MentionFields,
  mentionCallback,
} from './slack-requests.js';

type Json = Record<string, unknown>;

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketAck {
  envelopeId: string;
  /** the ack's `payload` (a slash command's immediate response), if any */
  payload?: Json;
  /** performance.now() when the ack arrived */
  at: number;
  /** from sending the envelope to receiving its ack, ms */
  ackMs: number;
  /** which connection (1-based, in order of acceptance) carried the ack */
  connection: number;
}

export interface EventRetry {
  /** Slack's `retry_attempt` (0 on the first delivery) */
  attempt: number;
  reason: string;
}

export interface ConnectionRecord {
  id: number;
  ticket: string;
  openedAt: number;
  /** close code and performance.now() once closed */
  closed?: { code: number; at: number };
}

interface Pending {
  sentAt: number;
  resolve: (ack: SocketAck) => void;
  timer: NodeJS.Timeout;
}

/** Slack waits 3 s; a missing ack fails the waiting test well after that, instead of hanging it. */
const ACK_GIVE_UP_MS = 10_000;

export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  /** acks whose envelope_id was never sent, and any other unexpected client message */
  readonly strays: unknown[] = [];
  readonly connections: ConnectionRecord[] = [];
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly sockets = new Map<WebSocket, ConnectionRecord>();
  private readonly waiters = new Set<() => void>();
  private readonly wss: WebSocketServer;
  port = 0;

  constructor(private readonly responseUrl: (id: string) => string) {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      // A ticket is good for one connection: a client that reconnects must ask apps.connections.open again.
      verifyClient: ({ req }, done) => {
        const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
        done(this.tickets.delete(ticket), 401, 'invalid ticket');
      },
    });
    this.wss.on('connection', (ws, req) => this.accept(ws, req.url ?? ''));
  }

  async start(): Promise<this> {
    if (!this.wss.address()) await once(this.wss, 'listening');
    this.port = (this.wss.address() as AddressInfo).port;
    return this;
  }

  /** A fresh single-use connection URL, as apps.connections.open returns it. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=A1`;
  }

  /** Connections currently open. */
  get open(): number {
    return this.sockets.size;
  }

  /**
   * Whether connection `id` has got the client's close frame (the server has answered it and waits for the
   * TCP close) or is closed altogether; the server never starts a close itself, except in close().
   */
  closeReceived(id: number): boolean {
    const entry = [...this.sockets].find(([, r]) => r.id === id);
    return entry ? entry[0].readyState !== WebSocket.OPEN : this.connections[id - 1]?.closed !== undefined;
  }

  /** Resolves once `n` connections have been accepted in total (counting closed ones). */
  waitForConnections(n: number, timeoutMs = 15_000): Promise<ConnectionRecord> {
    return this.waitUntil(() => this.connections[n - 1], `connection #${n}`, timeoutMs);
  }

  /** Resolves once no connection is open. */
  waitForNoneOpen(timeoutMs = 5000): Promise<true> {
    return this.waitUntil(() => (this.sockets.size === 0 ? true : undefined), 'all connections closed', timeoutMs);
  }

  /** Delivers a `/cert` slash command; resolves with its ack. */
  command(f: CommandFields): Promise<SocketAck> {
    const payload = Object.fromEntries(
      new URLSearchParams(commandBody(f, this.responseUrl(f.responseId ?? randomUUID()))),
    );
    return this.deliver('slash_commands', payload, { accepts_response_payload: true });
  }

  /** Delivers a button click (`interactive` block_actions); resolves with its ack. */
  click(f: ActionFields): Promise<SocketAck> {
    return this.deliver('interactive', actionPayload(f, this.responseUrl(f.responseId ?? randomUUID())));
  }

  /** Delivers an app_mention event; a redelivery keeps the event_id and carries `retry`. */
  mention(f: MentionFields, retry: EventRetry = { attempt: 0, reason: '' }): Promise<SocketAck> {
    return this.deliver('events_api', mentionCallback(f), { retry_attempt: retry.attempt, retry_reason: retry.reason });
  }

  /** Sends an envelope on the newest open connection; resolves with its ack. */
  deliver(type: EnvelopeType, payload: Json, extra: Json = {}): Promise<SocketAck> {
    const ws = [...this.sockets.keys()].at(-1);
    if (!ws) return Promise.reject(new Error(`no open Socket Mode connection to deliver ${type} on`));
    const envelopeId = randomUUID();
    const envelope = { envelope_id: envelopeId, type, payload, accepts_response_payload: false, ...extra };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope ${envelopeId} after ${ACK_GIVE_UP_MS} ms`));
      }, ACK_GIVE_UP_MS);
      this.pending.set(envelopeId, { sentAt: performance.now(), resolve, timer });
      ws.send(JSON.stringify(envelope));
    });
  }

  /**
   * Sends `text` as is on the newest open connection, for malformed envelopes (no envelope_id, a payload that
   * is not an object, not JSON at all). Nothing waits for an ack: acks carrying an id never sent land in strays.
   */
  sendRaw(text: string): void {
    const ws = [...this.sockets.keys()].at(-1);
    if (!ws) throw new Error('no open Socket Mode connection to send on');
    ws.send(text);
  }

  /** Asks every open connection to go away, as Slack does before recycling a server. */
  disconnect(reason = 'refresh_requested'): void {
    for (const ws of this.sockets.keys()) {
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, url: string): void {
    const record: ConnectionRecord = {
      id: this.connections.length + 1,
      ticket: new URL(url, 'ws://x').searchParams.get('ticket') ?? '',
      openedAt: performance.now(),
    };
    this.connections.push(record);
    this.sockets.set(ws, record);
    ws.on('message', (data, isBinary) => this.received(record, isBinary ? null : data.toString()));
    ws.on('close', (code) => {
      record.closed = { code, at: performance.now() };
      this.sockets.delete(ws);
      this.notify();
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
    this.notify();
  }

  private received(record: ConnectionRecord, text: string | null): void {
    const at = performance.now();
    let msg: Json | undefined;
    try {
      msg = text === null ? undefined : (JSON.parse(text) as Json);
    } catch {}
    const envelopeId = typeof msg?.envelope_id === 'string' ? msg.envelope_id : '';
    const pending = this.pending.get(envelopeId);
    if (!msg || !pending) {
      this.strays.push(msg ?? text);
      return;
    }
    this.pending.delete(envelopeId);
    clearTimeout(pending.timer);
    const ack: SocketAck = { envelopeId, at, ackMs: at - pending.sentAt, connection: record.id };
    if (msg.payload && typeof msg.payload === 'object' && Object.keys(msg.payload).length > 0) {
      ack.payload = msg.payload as Json;
    }
    this.acks.push(ack);
    pending.resolve(ack);
  }

  private waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = probe();
        if (hit === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

export async function startFakeSocketMode(responseUrl: (id: string) => string): Promise<FakeSocketMode> {
  return new FakeSocketMode(responseUrl).start();
}
