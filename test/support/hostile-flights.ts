/**
 * A grammar of what a hostile TLS server can send, as printable specs (fast-check shows the spec of a
 * failing case, not kilobytes of bytes) compiled to scripts for test/support/hostile.ts. Built on
 * tls-bytes.ts: valid ServerHellos around mutated Certificate messages, broken record framing, alerts,
 * oversize records, non-TLS banners, HelloRetryRequest loops, and early closes.
 */
import fc from 'fast-check';
import type { Step } from './hostile.js';
import { certificate12, certificate13, message, record, serverHello, u, vec } from './tls-bytes.js';

export type CertMutation =
  | { kind: 'valid'; copies: number }
  | { kind: 'truncated'; keep: number }
  /** an entry whose 3-byte length claims more than the list holds */
  | { kind: 'entry_overlong'; extra: number }
  | { kind: 'zero_length'; entries: number }
  /** certificate_list length 0xFFFFFF over a short body */
  | { kind: 'list_ffffff' }
  | { kind: 'garbage_der'; depth: number; tail: number[] }
  | { kind: 'tiny_many'; entries: number }
  /** TLS 1.3 framing (context + per-entry extensions) under a TLS 1.2 ServerHello, or the reverse */
  | { kind: 'wrong_framing' };

export interface HelloSpec {
  tls13: boolean;
  cipher: number;
  /** an extension type the client never offered, with this payload */
  unknownExt: { type: number; data: number[] } | null;
}

export type Payload =
  | {
      kind: 'flight';
      hello: HelloSpec;
      cert: CertMutation;
      done: boolean;
      /** record framing: fragment size, header version and content type */
      fragment: number;
      recordVersion: number;
      recordType: number;
    }
  | { kind: 'hrr_loop'; rounds: number }
  | { kind: 'alert'; level: number; code: number }
  /** a record header announcing more than 2^14 + 2048 bytes, and that many bytes */
  | { kind: 'oversize'; length: number }
  | { kind: 'http' }
  | { kind: 'ssh' }
  | { kind: 'random'; bytes: number[] };

export type Tail = 'end' | 'reset' | 'hang' | 'echo_garbage';

export interface Behaviour {
  /** the server speaks before reading the ClientHello (banners do) */
  speaksFirst: boolean;
  payload: Payload;
  /** one write per this many bytes (1 = every byte its own segment) */
  chunk: number;
  pauseMs: number;
  /** close after this many payload bytes (null: send it all) */
  cutAt: number | null;
  tail: Tail;
}

/** A real certificate's DER, so "valid" entries parse; set once by the test before generating. */
let realDer: Buffer = Buffer.alloc(0);
export function useCertificate(der: Uint8Array): void {
  realDer = Buffer.from(der);
}

function helloBytes(h: HelloSpec): Buffer {
  const exts: Buffer[] = [];
  if (h.tls13) exts.push(Buffer.concat([u(0x002b, 2), vec(2, u(0x0304, 2))]));
  if (h.unknownExt) exts.push(Buffer.concat([u(h.unknownExt.type, 2), vec(2, Buffer.from(h.unknownExt.data))]));
  const body = Buffer.concat([
    u(0x0303, 2),
    Buffer.alloc(32, 7),
    vec(1),
    u(h.cipher, 2),
    u(0, 1),
    exts.length ? vec(2, ...exts) : Buffer.alloc(0),
  ]);
  return message(2, body);
}

function nestedDer(depth: number, tail: number[]): Buffer {
  let inner = Buffer.from(tail);
  for (let i = 0; i < depth; i++) {
    // Alternate honest, overlong and long-form lengths: each level lies differently.
    const len = i % 3 === 1 ? inner.length + 1000 : inner.length;
    inner = Buffer.concat([Buffer.from([0x30, 0x82]), u(len & 0xffff, 2), inner]);
  }
  return inner;
}

function certMessage(m: CertMutation, tls13: boolean): Buffer {
  const frame = tls13 ? certificate13 : certificate12;
  switch (m.kind) {
    case 'valid':
      return frame(Array.from({ length: m.copies }, () => realDer));
    case 'truncated': {
      const full = frame([realDer]);
      return full.subarray(0, Math.min(full.length, m.keep));
    }
    case 'entry_overlong':
      return message(11, vec(3, u(realDer.length + m.extra, 3), realDer));
    case 'zero_length':
      return message(11, vec(3, ...Array.from({ length: m.entries }, () => vec(3))));
    case 'list_ffffff':
      return message(11, Buffer.concat([u(0xffffff, 3), realDer.subarray(0, 64)]));
    case 'garbage_der':
      return frame([nestedDer(m.depth, m.tail)]);
    case 'tiny_many':
      return frame(Array.from({ length: m.entries }, (_, i) => Buffer.from([i & 0xff])));
    case 'wrong_framing':
      return (tls13 ? certificate12 : certificate13)([realDer]);
  }
}

function framed(bytes: Buffer, size: number, type: number, version: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(record(type, bytes.subarray(i, i + size), version));
  return Buffer.concat(out);
}

function oversize(length: number): Buffer {
  return Buffer.concat([u(22, 1), u(0x0303, 2), u(length, 2), Buffer.alloc(length, 0x0b)]);
}

const HTTP_REPLY = 'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** Bytes of a payload; an HRR loop is answered per ClientHello, so it compiles to steps instead. */
function payloadBytes(p: Exclude<Payload, { kind: 'hrr_loop' }>): Buffer {
  switch (p.kind) {
    case 'flight': {
      const flight = Buffer.concat([
        helloBytes(p.hello),
        certMessage(p.cert, p.hello.tls13),
        p.done ? message(14, Buffer.alloc(0)) : Buffer.alloc(0),
      ]);
      return framed(flight, p.fragment, p.recordType, p.recordVersion);
    }
    case 'alert':
      return record(21, Buffer.from([p.level, p.code]));
    case 'oversize':
      return oversize(p.length);
    case 'http':
      return Buffer.from(HTTP_REPLY);
    case 'ssh':
      return Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n');
    case 'random':
      return Buffer.from(p.bytes);
  }
}

/** The steps one connection plays for a behaviour. */
export function compile(b: Behaviour): Step[] {
  const steps: Step[] = b.speaksFirst ? [] : [{ op: 'read' }];
  if (b.pauseMs > 0) steps.push({ op: 'pause', ms: b.pauseMs });
  if (b.payload.kind === 'hrr_loop') {
    const hrr = record(22, serverHello({ tls13: true, helloRetry: true, cipherSuite: 0x1301 }));
    for (let i = 0; i < b.payload.rounds; i++) steps.push({ op: 'send', bytes: hrr, chunk: b.chunk }, { op: 'read' });
  } else {
    const bytes = payloadBytes(b.payload);
    const cut = b.cutAt === null ? bytes : bytes.subarray(0, b.cutAt);
    steps.push({ op: 'send', bytes: cut, chunk: b.chunk });
    if (b.cutAt !== null) return [...steps, { op: 'end' }];
  }
  if (b.tail === 'end') steps.push({ op: 'end' });
  else if (b.tail === 'reset') steps.push({ op: 'reset' });
  else if (b.tail === 'echo_garbage') {
    steps.push({ op: 'echo' }, { op: 'send', bytes: Buffer.from('\x00\xffgarbage\r\n'.repeat(8)) }, { op: 'end' });
  }
  return steps;
}

const certMutation: fc.Arbitrary<CertMutation> = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), copies: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncated' as const), keep: fc.integer({ min: 0, max: 600 }) }),
  fc.record({ kind: fc.constant('entry_overlong' as const), extra: fc.integer({ min: 1, max: 0xffff }) }),
  fc.record({ kind: fc.constant('zero_length' as const), entries: fc.integer({ min: 1, max: 50 }) }),
  fc.constant({ kind: 'list_ffffff' as const }),
  fc.record({
    kind: fc.constant('garbage_der' as const),
    depth: fc.integer({ min: 1, max: 30 }),
    tail: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('tiny_many' as const), entries: fc.integer({ min: 2, max: 3000 }) }),
  fc.constant({ kind: 'wrong_framing' as const }),
);

const hello: fc.Arbitrary<HelloSpec> = fc.record({
  tls13: fc.boolean(),
  // Known suites (TLS 1.2 ECDHE-RSA-AES128-GCM, TLS 1.3 AES-128-GCM) and anything else.
  cipher: fc.oneof(fc.constantFrom(0xc02f, 0x1301, 0x1302), fc.integer({ min: 0, max: 0xffff })),
  unknownExt: fc.option(
    fc.record({
      type: fc.integer({ min: 0, max: 0xffff }),
      data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }),
    }),
  ),
});

const payload: fc.Arbitrary<Payload> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('flight' as const),
      hello,
      cert: certMutation,
      done: fc.boolean(),
      fragment: fc.oneof(fc.constant(16384), fc.integer({ min: 1, max: 2000 })),
      recordVersion: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0x0303) },
        { weight: 1, arbitrary: fc.constantFrom(0x0300, 0x0301, 0x0304, 0x0200, 0xffff, 0x0003) },
      ),
      recordType: fc.oneof(
        { weight: 5, arbitrary: fc.constant(22) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('hrr_loop' as const), rounds: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('alert' as const),
      level: fc.integer({ min: 0, max: 255 }),
      code: fc.integer({ min: 0, max: 255 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('oversize' as const),
      length: fc.integer({ min: 16384 + 2049, max: 0xffff }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'http' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ssh' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }),
    }),
  },
);

export const behaviour: fc.Arbitrary<Behaviour> = fc.record({
  speaksFirst: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  payload,
  chunk: fc.oneof(
    { weight: 3, arbitrary: fc.constant(1 << 20) },
    { weight: 1, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 700 }) },
  ),
  pauseMs: fc.oneof(
    { weight: 5, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }) },
  ),
  cutAt: fc.option(fc.integer({ min: 0, max: 3000 }), { freq: 4 }),
  tail: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Tail>('end', 'reset', 'echo_garbage') },
    { weight: 1, arbitrary: fc.constant<Tail>('hang') },
  ),
});
