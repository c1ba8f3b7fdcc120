/**
 * Seeded fuzz of STARTTLS peers (smtp, imap, pop3, ftp, postgres, xmpp, ldap): a dialogue that is correct up
 * to one generated deviation (garbage, a huge line without newline, an endless multi-line reply, dripping
 * bytes, a close or reset), then the TLS side. Every outcome is a typed error, never a throw, within the
 * deadline; plaintext is capped, so a 10 MB greeting is never buffered whole.
 * Reproduce a failure with STARTTLS_SEED=<seed printed>.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { check } from '../src/check.js';
import { negotiateStarttls, type StarttlsProtocol } from '../src/probe/starttls.js';
import { MAX_NEGOTIATION_BYTES, numericReply, numericReplyParser } from '../src/probe/starttls-wire.js';
import { handshake } from '../src/probe/tls.js';
import { diagnosisProblems, fuzzBatches, type Step, startScripted } from './support/hostile.js';
import { mysqlGreeting } from './support/starttls-servers.js';

const SEED = Number(process.env.STARTTLS_SEED ?? 20_240_612);
const RUNS = Number(process.env.STARTTLS_RUNS ?? 16);
const BATCH = 3;
const TIMEOUT_MS = 700;
const MARGIN_MS = 5_000;
const TYPED = new Set([
  'not_tls',
  'connection_timeout',
  'handshake_timeout',
  'too_large',
  'handshake_failed',
  'connection_reset',
]);
const now = new Date('2025-06-01T12:00:00Z');

const LDAP_OK = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]);

/** Each protocol's happy dialogue: whether the server speaks first, then one reply per turn. */
const DIALOGUES: Record<StarttlsProtocol, { serverFirst: boolean; turns: (string | Buffer)[] }> = {
  smtp: { serverFirst: true, turns: ['220 mx.test ESMTP\r\n', '250-mx.test\r\n250 STARTTLS\r\n', '220 go ahead\r\n'] },
  submission: { serverFirst: true, turns: ['220 mx.test\r\n', '250-mx.test\r\n250 STARTTLS\r\n', '220 go\r\n'] },
  imap: { serverFirst: true, turns: ['* OK ready\r\n', '* NOTE x\r\na001 OK begin\r\n'] },
  pop3: { serverFirst: true, turns: ['+OK ready\r\n', '+OK begin\r\n'] },
  ftp: { serverFirst: true, turns: ['220-hi\r\n  more\r\n220 ready\r\n', '234 AUTH TLS ok\r\n'] },
  postgres: { serverFirst: false, turns: ['S'] },
  mysql: { serverFirst: true, turns: [mysqlGreeting(true)] },
  xmpp: {
    serverFirst: false,
    turns: [
      "<stream:stream from='im.test' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
      "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    ],
  },
  ldap: { serverFirst: false, turns: [LDAP_OK] },
};
const PROTOCOLS = Object.keys(DIALOGUES).filter((p) => p !== 'submission') as StarttlsProtocol[];

type Deviation =
  | { kind: 'garbage'; bytes: number[] }
  | { kind: 'huge_line'; size: number }
  | { kind: 'endless_multiline'; lines: number }
  | { kind: 'drip' }
  | { kind: 'close' }
  | { kind: 'reset' }
  /** the dialogue completes, then this instead of a ServerHello */
  | { kind: 'tls_garbage'; bytes: number[] };

interface Dialogue {
  protocol: StarttlsProtocol;
  /** the turn that deviates (clamped to the dialogue's length) */
  at: number;
  deviation: Deviation;
}

const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 200 });
const deviation: fc.Arbitrary<Deviation> = fc.oneof(
  fc.record({ kind: fc.constant('garbage' as const), bytes }),
  fc.record({ kind: fc.constant('huge_line' as const), size: fc.integer({ min: 1_000, max: 200_000 }) }),
  fc.record({ kind: fc.constant('endless_multiline' as const), lines: fc.integer({ min: 10, max: 5_000 }) }),
  fc.constant({ kind: 'drip' as const }),
  fc.constant({ kind: 'close' as const }),
  fc.constant({ kind: 'reset' as const }),
  fc.record({ kind: fc.constant('tls_garbage' as const), bytes }),
);
const dialogue: fc.Arbitrary<Dialogue> = fc.record({
  protocol: fc.constantFrom(...PROTOCOLS),
  at: fc.nat({ max: 3 }),
  deviation,
});

/** A multi-line reply in the protocol's own continuation style that never ends. */
function endless(protocol: StarttlsProtocol, lines: number): Buffer {
  const line = protocol === 'imap' ? '* CAPABILITY IMAP4rev1\r\n' : protocol === 'xmpp' ? '<x/>' : '250-PIPELINING\r\n';
  return Buffer.from(line.repeat(lines));
}

function deviate(d: Dialogue, turn: string | Buffer): Step[] {
  const dev = d.deviation;
  switch (dev.kind) {
    case 'garbage':
      return [{ op: 'send', bytes: Buffer.from(dev.bytes) }, { op: 'end' }];
    case 'huge_line':
      return [{ op: 'send', bytes: Buffer.alloc(dev.size, 'A'), chunk: 16_384 }];
    case 'endless_multiline':
      return [{ op: 'send', bytes: endless(d.protocol, dev.lines), chunk: 4_096 }];
    case 'drip':
      return [{ op: 'send', bytes: Buffer.from(turn), chunk: 1, gapMs: 400 }];
    case 'close':
      return [{ op: 'end' }];
    case 'reset':
      return [{ op: 'reset' }];
    case 'tls_garbage':
      return [];
  }
}

function scriptOf(d: Dialogue): Step[] {
  const { serverFirst, turns } = DIALOGUES[d.protocol];
  const at = d.deviation.kind === 'tls_garbage' ? turns.length : Math.min(d.at, turns.length - 1);
  const steps: Step[] = [];
  for (let i = 0; i < turns.length; i++) {
    if (i > 0 || !serverFirst) steps.push({ op: 'read' });
    if (i === at) return [...steps, ...deviate(d, turns[i]!)];
    steps.push({ op: 'send', bytes: Buffer.from(turns[i]!) });
  }
  const garbage = d.deviation.kind === 'tls_garbage' ? d.deviation.bytes : [];
  return [...steps, { op: 'read' }, { op: 'send', bytes: Buffer.from(garbage) }, { op: 'end' }];
}

const SCHEME: Record<StarttlsProtocol, string> = {
  smtp: 'smtp',
  submission: 'submission',
  imap: 'imap',
  pop3: 'pop3',
  ftp: 'ftp',
  postgres: 'postgres',
  mysql: 'mysql',
  xmpp: 'xmpp',
  ldap: 'ldap',
};

/** One dialogue through handshake() (typed code) and through check() (a diagnosis); null when fine. */
async function runDialogue(d: Dialogue): Promise<string | null> {
  const script = scriptOf(d);
  const server = await startScripted(() => script);
  try {
    const t0 = performance.now();
    const [hs, diagnosis] = await Promise.all([
      handshake({
        address: '127.0.0.1',
        port: server.port,
        servername: 'mx.test',
        timeoutMs: TIMEOUT_MS,
        starttls: d.protocol,
      }),
      check(`${SCHEME[d.protocol]}://127.0.0.1:${server.port}`, {
        now: () => now,
        allow: ['127.0.0.0/8'],
        timeoutMs: TIMEOUT_MS,
      }).catch((err: unknown) => err as Error),
    ]);
    const ms = performance.now() - t0;
    if (ms > TIMEOUT_MS + MARGIN_MS) return `took ${Math.round(ms)} ms`;
    if (hs.status !== 'error' || !TYPED.has(hs.code)) return `handshake ended ${JSON.stringify(hs).slice(0, 300)}`;
    if (diagnosis instanceof Error) return `check() rejected: ${diagnosis.stack}`;
    return diagnosisProblems(diagnosis, false);
  } finally {
    await server.close();
  }
}

test('STARTTLS peers: every deviation ends in a typed error, never a throw', () =>
  fuzzBatches(dialogue, runDialogue, { seed: SEED, runs: RUNS, batch: BATCH, seedVar: 'STARTTLS_SEED' }));

test('a 10 MB greeting without a newline → too_large, read no further than the cap', async () => {
  const huge = Buffer.alloc(10 * 1024 * 1024, 'A');
  const server = await startScripted(() => [{ op: 'send', bytes: huge, chunk: 64 * 1024 }]);
  const socket = net.connect({ host: '127.0.0.1', port: server.port });
  socket.on('error', () => {});
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    await assert.rejects(negotiateStarttls(socket, 'smtp', { host: 'mx.test', timeoutMs: 5_000 }), {
      code: 'too_large',
    });
    // The socket is paused once the cap is crossed: at most the cap plus a few read-ahead chunks came in.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(socket.bytesRead < MAX_NEGOTIATION_BYTES + 1024 * 1024, `read ${socket.bytesRead} bytes`);
  } finally {
    socket.destroy();
    await server.close();
  }
});

const capCases: { name: string; protocol: StarttlsProtocol; steps: Step[] }[] = [
  {
    name: 'endless SMTP multi-line greeting',
    protocol: 'smtp',
    steps: [{ op: 'send', bytes: endless('smtp', 20_000), chunk: 8_192 }],
  },
  {
    name: 'XMPP features that never close',
    protocol: 'xmpp',
    steps: [{ op: 'read' }, { op: 'send', bytes: endless('xmpp', 20_000), chunk: 8_192 }],
  },
  {
    name: 'LDAP response announcing a 16 MB element',
    protocol: 'ldap',
    steps: [
      { op: 'read' },
      { op: 'send', bytes: Buffer.concat([Buffer.from([0x30, 0x83, 0xff, 0xff, 0xff]), Buffer.alloc(40_000)]) },
    ],
  },
];

for (const c of capCases) {
  test(`${c.name} → too_large`, async () => {
    const server = await startScripted(() => c.steps);
    try {
      const hs = await handshake({
        address: '127.0.0.1',
        port: server.port,
        servername: 'mx.test',
        timeoutMs: 3_000,
        starttls: c.protocol,
      });
      assert.equal(hs.status === 'error' && hs.code, 'too_large', JSON.stringify(hs));
    } finally {
      await server.close();
    }
  });
}

/** CPU time (ms, this process: client and scripted server) of one STARTTLS attempt against `steps`. */
async function cpuOf(protocol: StarttlsProtocol, steps: Step[]): Promise<{ code: string; cpuMs: number }> {
  const server = await startScripted(() => steps);
  try {
    const c0 = process.cpuUsage();
    const hs = await handshake({
      address: '127.0.0.1',
      port: server.port,
      servername: 'x',
      timeoutMs: 30_000,
      starttls: protocol,
    });
    const { user, system } = process.cpuUsage(c0);
    return { code: hs.status === 'error' ? hs.code : hs.status, cpuMs: (user + system) / 1000 };
  } finally {
    await server.close();
  }
}

// Found by the fuzz (smtp, endless_multiline dripped one byte per segment): numericReply re-parsed every
// line on every segment, ~5.7 s of CPU per connection to reach the 16 KiB cap, times six sub-probes per check.
test('dripped multi-line replies cost linear CPU: SMTP, FTP and XMPP floods one byte per segment', async () => {
  const drip = (text: string): Step => ({
    op: 'send',
    bytes: Buffer.from(text.repeat(Math.ceil(17_000 / text.length))),
    chunk: 1,
  });
  // Baseline: the same number of segments, one line that never ends (its parser waits for the newline).
  const base = await cpuOf('pop3', [drip('A')]);
  assert.equal(base.code, 'too_large');
  const floods: [StarttlsProtocol, Step[]][] = [
    ['smtp', [drip('250-\n')]],
    ['ftp', [drip('220-x\n')]],
    ['xmpp', [{ op: 'read' }, drip('<x/>')]],
  ];
  for (const [protocol, steps] of floods) {
    const got = await cpuOf(protocol, steps);
    assert.equal(got.code, 'too_large', protocol);
    assert.ok(
      got.cpuMs < 2.5 * base.cpuMs + 500,
      `${protocol}: ${Math.round(got.cpuMs)} ms CPU, baseline ${Math.round(base.cpuMs)} ms`,
    );
  }
});

test('numericReplyParser: fed a growing buffer, it answers as numericReply does on the whole', () => {
  const reply = Buffer.from('250-a\r\n250-b\r\n250 c\r\n220 next\r\n');
  const parse = numericReplyParser();
  for (let n = 0; n < 21; n++) assert.equal(parse(reply.subarray(0, n)), null, `prefix ${n}`);
  assert.deepEqual(parse(reply), numericReply(reply));
  assert.deepEqual(numericReply(reply), { value: { code: '250', lines: ['250-a', '250-b', '250 c'] }, used: 21 });
});
