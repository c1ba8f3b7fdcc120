/**
 * STARTTLS against real loopback servers, one per protocol: the upgrade, the refusals (with the server's
 * reply quoted), stalls, closes and floods; the protocol scan and check() over STARTTLS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { check } from '../src/check.js';
import { isMalformed } from '../src/probe/certinfo.js';
import { scanProtocols } from '../src/probe/protocols.js';
import type { StarttlsProtocol } from '../src/probe/starttls.js';
import { decodeLdapResponse, LDAP_STARTTLS_REQUEST } from '../src/probe/starttls-ldap.js';
import { handshake } from '../src/probe/tls.js';
import type { Attempt, HandshakeResult } from '../src/probe/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { startSilent } from './support/servers.js';
import { type Behaviour, type StarttlsServer, startStarttlsServer } from './support/starttls-servers.js';

const LOCAL = '127.0.0.1';
const PROTOCOLS: StarttlsProtocol[] = [
  'smtp',
  'submission',
  'imap',
  'pop3',
  'ftp',
  'postgres',
  'mysql',
  'xmpp',
  'ldap',
];
let chain: Chain;
const open: { close(): Promise<void> }[] = [];
before(async () => {
  chain = await makeChain();
});
after(() => Promise.all(open.map((s) => s.close())));

async function serve(protocol: StarttlsProtocol, behaviour: Behaviour = 'ok'): Promise<StarttlsServer> {
  const s = await startStarttlsServer(protocol, { certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem, behaviour });
  open.push(s);
  return s;
}

function shake(protocol: StarttlsProtocol, port: number, timeoutMs = 3_000, signal?: AbortSignal) {
  return handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs, signal, starttls: protocol });
}

function errorOf(a: Attempt<HandshakeResult>): { code: string; error: string } {
  assert.equal(a.status, 'error', `expected an error, got ${a.status}`);
  return a as { code: string; error: string };
}

describe('the upgrade completes and the chain is the one the server sent', () => {
  for (const protocol of PROTOCOLS) {
    test(protocol, async () => {
      const server = await serve(protocol);
      const a = await shake(protocol, server.port);
      assert.equal(a.status, 'completed', a.status === 'error' ? `${a.code}: ${a.error}` : '');
      const result = (a as { result: HandshakeResult }).result;
      const sent = result.sentChain.map((c) => (isMalformed(c) ? 'malformed' : c.sha256));
      assert.deepEqual(sent, [chain.leaf.info.sha256, chain.intermediates[0]!.info.sha256]);
      assert.equal(result.sentChainSource, 'wire');
      assert.equal(typeof result.timings.starttlsMs, 'number');
      // The server for postgres aborts, as PostgreSQL 17 does, on ALPN without "postgresql".
      assert.equal(result.alpn, protocol === 'postgres' ? 'postgresql' : null);
      assert.equal(server.upgrades(), 1);
    });
  }

  test('EHLO names us, not the server; XMPP addresses the stream to the SNI name', async () => {
    const smtp = await serve('smtp');
    const xmpp = await serve('xmpp');
    await Promise.all([shake('smtp', smtp.port), shake('xmpp', xmpp.port)]);
    assert.deepEqual(smtp.heard, ['EHLO cert-doctor.invalid\r\n', 'STARTTLS\r\n']);
    assert.match(xmpp.heard[0]!, / to='localhost' /);
  });

  test('a no-SNI handshake still addresses the XMPP stream to the domain', async () => {
    const xmpp = await serve('xmpp');
    const a = await handshake({
      address: LOCAL,
      port: xmpp.port,
      servername: null,
      starttlsHost: 'localhost',
      timeoutMs: 3_000,
      starttls: 'xmpp',
    });
    assert.equal(a.status, 'completed');
    assert.match(xmpp.heard[0]!, / to='localhost' /);
  });

  test('implicit TLS targets and https do no plaintext upgrade', async () => {
    const smtp = await serve('smtp');
    for (const starttls of ['tls', 'https'] as const) {
      const a = await handshake({
        address: LOCAL,
        port: smtp.port,
        servername: 'localhost',
        timeoutMs: 2_000,
        starttls,
      });
      assert.equal(errorOf(a).code, 'not_tls');
    }
    // What the server read first was our ClientHello (a TLS handshake record), not EHLO.
    assert.ok(smtp.heard.length > 0);
    assert.ok(smtp.heard.every((h) => !h.startsWith('EHLO')));
    assert.equal(smtp.heard[0]!.charCodeAt(0), 0x16);
  });
});

describe('a server that does not offer or refuses STARTTLS → not_tls, its reply quoted', () => {
  const cases: { protocol: StarttlsProtocol; behaviour?: Behaviour; quoted: string }[] = [
    { protocol: 'smtp', quoted: 'PIPELINING' },
    { protocol: 'smtp', behaviour: 'deny', quoted: '454 4.7.0 TLS not available' },
    { protocol: 'submission', quoted: 'SIZE 10240000' },
    { protocol: 'imap', quoted: 'a001 NO STARTTLS disabled' },
    { protocol: 'pop3', quoted: '-ERR command not supported' },
    { protocol: 'ftp', quoted: '502 AUTH not implemented' },
    { protocol: 'postgres', quoted: '"N"' },
    { protocol: 'mysql', quoted: 'CLIENT_SSL is not in its capability flags' },
    { protocol: 'xmpp', quoted: '<mechanisms' },
    { protocol: 'ldap', quoted: 'resultCode 2 (protocolError)' },
  ];
  for (const c of cases) {
    test(`${c.protocol} ${c.behaviour ?? 'refuse'}`, async () => {
      const server = await serve(c.protocol, c.behaviour ?? 'refuse');
      const e = errorOf(await shake(c.protocol, server.port));
      assert.equal(e.code, 'not_tls', e.error);
      assert.ok(e.error.includes(c.quoted), e.error);
      assert.equal(server.upgrades(), 0);
    });
  }

  test('plaintext injected after the go-ahead is refused, not fed to TLS (CVE-2011-0411 class)', async () => {
    const server = await serve('smtp', 'inject');
    const e = errorOf(await shake('smtp', server.port));
    assert.equal(e.code, 'not_tls', e.error);
    assert.ok(e.error.includes('250 injected'), e.error);
  });
});

describe('hostile transport during the negotiation', () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol}: silent after connect → handshake_timeout within the timeout`, async () => {
      const silent = await startSilent();
      open.push(silent);
      const start = performance.now();
      const e = errorOf(await shake(protocol, silent.port, 300));
      assert.equal(e.code, 'handshake_timeout', e.error);
      assert.ok(performance.now() - start < 300 + 1500, `took ${performance.now() - start} ms`);
    });

    test(`${protocol}: closed mid-negotiation → connection_reset`, async () => {
      const server = await serve(protocol, 'close');
      assert.equal(errorOf(await shake(protocol, server.port)).code, 'connection_reset');
    });

    // Postgres, MySQL and LDAP speak binary: the first flood bytes are already not a valid answer.
    const flooded = protocol === 'postgres' || protocol === 'mysql' || protocol === 'ldap' ? 'not_tls' : 'too_large';
    test(`${protocol}: endless banner → ${flooded}`, async () => {
      const server = await serve(protocol, 'flood');
      assert.equal(errorOf(await shake(protocol, server.port)).code, flooded);
    });
  }

  test('the probe deadline (abort signal) ends a stalled negotiation', async () => {
    const silent = await startSilent();
    open.push(silent);
    const e = errorOf(await shake('smtp', silent.port, 10_000, AbortSignal.timeout(100)));
    assert.equal(e.code, 'handshake_timeout', e.error);
  });
});

describe('LDAP ExtendedResponse decoding', () => {
  const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
  test('the request is the RFC 4511 §4.14.1 StartTLS extended request', () => {
    assert.equal(LDAP_STARTTLS_REQUEST.toString('hex').slice(0, 18), '301d02010177188016');
    assert.equal(LDAP_STARTTLS_REQUEST.length, 31);
  });
  const cases: { name: string; bytes: Buffer; want: unknown }[] = [
    { name: 'incomplete → wait', bytes: hex('300c 020101 7807 0a01'), want: null },
    {
      name: 'success with long-form lengths',
      bytes: hex('30 81 0d 020101 78 81 07 0a0100 0400 0400'),
      want: { resultCode: 0, diagnostic: '', notice: false },
    },
    {
      name: 'notice of disconnection (messageID 0)',
      bytes: hex('300c 020100 7807 0a0134 0400 0400'),
      want: { resultCode: 52, diagnostic: '', notice: true },
    },
    { name: 'indefinite length', bytes: hex('3080 020101'), want: 'error' },
    { name: 'not an LDAP message', bytes: Buffer.from('HTTP/1.1 400'), want: 'error' },
    { name: 'a BindResponse instead', bytes: hex('300c 020101 6107 0a0100 0400 0400'), want: 'error' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = decodeLdapResponse(c.bytes);
      if (c.want === 'error') assert.ok(got !== null && 'error' in got.value, JSON.stringify(got));
      else assert.deepEqual(got?.value ?? null, c.want);
    });
  }
});

describe('scan and check() over STARTTLS', () => {
  test('the protocol scan negotiates STARTTLS for every version', async () => {
    const server = await serve('smtp');
    const scan = await scanProtocols({
      address: LOCAL,
      port: server.port,
      servername: 'localhost',
      timeoutMs: 3_000,
      starttls: 'smtp',
    });
    assert.equal(scan.status, 'completed');
    const result = (scan as { result: Record<string, Attempt<boolean>> }).result;
    const got = Object.fromEntries(Object.entries(result).map(([v, a]) => [v, a.status === 'completed' && a.result]));
    assert.deepEqual(got, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  });

  const run = (input: string) =>
    check(input, { now: () => new Date(), allow: ['127.0.0.0/8'], extraCaPem: [chain.root.pem], timeoutMs: 5_000 });

  test('smtp://localhost:PORT with a trusted private root → no warning or critical finding', async () => {
    const server = await serve('smtp');
    const d = await run(`smtp://localhost:${server.port}`);
    const serious = d.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
    assert.deepEqual(serious, []);
    assert.equal(d.report.endpoints[0]?.handshake.status, 'completed');
  });

  test('smtp:// against a server without STARTTLS → not_tls', async () => {
    const server = await serve('smtp', 'refuse');
    const d = await run(`smtp://localhost:${server.port}`);
    const f = d.findings.find((x) => x.code === 'not_tls');
    assert.ok(f, d.findings.map((x) => x.code).join(','));
    // The fix is about the mail server's STARTTLS, not a web server's `listen … ssl`.
    assert.deepEqual(
      f.fixes.filter((x) => x.audience === 'server').map((x) => x.stack),
      ['generic'],
    );
    assert.ok(
      f.fixes.some(
        (x) => x.command?.includes(`-connect localhost:${server.port}`) && x.command.includes('-starttls smtp'),
      ),
    );
    assert.ok(f.clients.some((c) => c.client === 'mta'));
  });
});
