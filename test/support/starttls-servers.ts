/**
 * Loopback STARTTLS servers: each speaks one protocol's plaintext greeting and upgrade, then turns the
 * same socket into TLS with `new tls.TLSSocket(socket, { isServer: true })`. Behaviours cover the
 * refusals, stalls, closes and floods a probe must survive. Listens on 127.0.0.1:0; closes cleanly.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { StarttlsProtocol } from '../../src/probe/starttls.js';

export type Behaviour =
  /** greet, accept the upgrade, hand the socket to TLS */
  | 'ok'
  /** the protocol's "no": SMTP EHLO without STARTTLS, IMAP `a001 NO`, POP3 `-ERR`, FTP 502, Postgres 'N'… */
  | 'refuse'
  /** SMTP only: offer STARTTLS, then answer it with 454 */
  | 'deny'
  /** greet (if the protocol greets), then close on the client's first bytes */
  | 'close'
  /** an endless line of plaintext from the moment of connect */
  | 'flood'
  /** SMTP only: the 220 go-ahead followed by injected plaintext in the same segment */
  | 'inject';

export interface StarttlsServerOptions {
  certPem: string;
  keyPem: string;
  behaviour?: Behaviour;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
}

export interface StarttlsServer {
  port: number;
  /** every plaintext command the server read, in order (latin-1) */
  heard: string[];
  /** how many connections reached the TLS upgrade */
  upgrades: () => number;
  close(): Promise<void>;
}

class Peer {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private closed = false;
  constructor(
    readonly socket: net.Socket,
    private readonly heard: string[],
    private readonly closeOnData: boolean,
  ) {
    socket.on('data', this.onData);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.closeOnData) return void this.socket.destroy();
    this.buf = Buffer.concat([this.buf, chunk]);
    this.wake?.();
  };

  /** Wait until `end(buf)` says how many bytes make a message; take them. */
  async take(end: (buf: Buffer) => number): Promise<string> {
    for (;;) {
      const n = end(this.buf);
      if (n > 0) {
        const out = this.buf.subarray(0, n).toString('latin1');
        this.buf = this.buf.subarray(n);
        this.heard.push(out);
        return out;
      }
      if (this.closed) throw new Error('client went away');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  line(): Promise<string> {
    return this.take((b) => b.indexOf(0x0a) + 1);
  }

  bytes(n: number): Promise<string> {
    return this.take((b) => (b.length >= n ? n : 0));
  }

  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  upgrade(secureContext: tls.SecureContext, ALPNProtocols?: string[]): void {
    this.socket.off('data', this.onData);
    // MySQL clients send the ClientHello right behind the SSLRequest, often in the same segment: TLS must
    // start with those bytes, so it reads through a JS stream that replays them first.
    const transport = this.buf.length > 0 ? replaying(this.socket, this.buf) : this.socket;
    this.buf = Buffer.alloc(0);
    const secure = new tls.TLSSocket(transport, { isServer: true, secureContext, ALPNProtocols });
    secure.on('error', () => {});
  }
}

/** A duplex over `socket` whose readable side starts with `first` (bytes already taken off the socket). */
function replaying(socket: net.Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  duplex.push(first);
  socket.on('data', (d: Buffer) => duplex.push(d));
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

type Script = (peer: Peer, refuse: Behaviour | null) => Promise<boolean>;

const OID = '1.3.6.1.4.1.1466.20037';
const LDAP_OK = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]);
const LDAP_PROTOCOL_ERROR = Buffer.concat([
  Buffer.from([0x30, 0x12, 0x02, 0x01, 0x01, 0x78, 0x0d, 0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x06]),
  Buffer.from('no tls'),
]);

/**
 * A MySQL 8.0 Protocol::HandshakeV10 greeting as mysqld sends it (sequence id 0): version, connection id,
 * auth-plugin-data in two parts, capability flags (CLIENT_SSL 0x800 only when `ssl`), utf8mb4, status, plugin.
 */
export function mysqlGreeting(ssl: boolean): Buffer {
  const caps = 0xdfff & (ssl ? 0xffff : ~0x0800) & 0xffff;
  const payload = Buffer.concat([
    Buffer.from([10]),
    Buffer.from('8.0.36\0', 'latin1'),
    Buffer.from([0x2a, 0, 0, 0]),
    Buffer.from('abcdefgh', 'latin1'),
    Buffer.from([0]),
    Buffer.from([caps & 0xff, caps >> 8]),
    Buffer.from([0xff, 0x02, 0x00, 0xff, 0xdf, 21]),
    Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0', 'latin1'),
    Buffer.from('caching_sha2_password\0', 'latin1'),
  ]);
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([head, payload]);
}

/** Each script returns true when the client may now start TLS. */
const SCRIPTS: Record<StarttlsProtocol, Script> = {
  async smtp(p, refuse) {
    p.send('220-mail.test ESMTP\r\n220 mail.test ready\r\n');
    await p.line();
    const cap = refuse === 'refuse' ? '' : '250-STARTTLS\r\n';
    p.send(`250-mail.test greets you\r\n250-PIPELINING\r\n${cap}250 SIZE 10240000\r\n`);
    await p.line();
    if (refuse === 'refuse') p.send('502 5.5.1 unrecognised command\r\n');
    else if (refuse === 'deny') p.send('454 4.7.0 TLS not available\r\n');
    else if (refuse === 'inject') p.send('220 2.0.0 go ahead\r\n250 injected\r\n');
    else p.send('220 2.0.0 go ahead\r\n');
    return refuse === null;
  },
  submission: (p, refuse) => SCRIPTS.smtp(p, refuse),
  async imap(p, refuse) {
    p.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
    await p.line();
    p.send(refuse ? 'a001 NO STARTTLS disabled\r\n' : '* NOTE untagged first\r\na001 OK Begin TLS now\r\n');
    return refuse === null;
  },
  async pop3(p, refuse) {
    p.send('+OK POP3 ready\r\n');
    await p.line();
    p.send(refuse ? '-ERR command not supported\r\n' : '+OK Begin TLS\r\n');
    return refuse === null;
  },
  async ftp(p, refuse) {
    p.send('220-Welcome to the test FTP\r\n  be nice\r\n220 ready\r\n');
    await p.line();
    p.send(refuse ? '502 AUTH not implemented\r\n' : '234 AUTH TLS OK\r\n');
    return refuse === null;
  },
  async postgres(p, refuse) {
    const req = Buffer.from(await p.bytes(8), 'latin1');
    if (req.readInt32BE(0) !== 8 || req.readInt32BE(4) !== 80877103) return false;
    p.send(refuse ? 'N' : 'S');
    return refuse === null;
  },
  async mysql(p, refuse) {
    p.send(mysqlGreeting(refuse !== 'refuse'));
    if (refuse) return false;
    const req = Buffer.from(await p.bytes(36), 'latin1');
    // Protocol::SSLRequest: 32-byte payload, sequence id 1, CLIENT_SSL set in its capability flags
    if (req.readUIntLE(0, 3) !== 32 || req[3] !== 1 || !(req.readUInt32LE(4) & 0x800)) return false;
    return true;
  },
  async xmpp(p, refuse) {
    await p.take((b) => {
      const at = b.indexOf('<stream:stream');
      const end = at < 0 ? -1 : b.indexOf('>', at);
      return end < 0 ? 0 : end + 1;
    });
    const tlsFeature = refuse ? '' : "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>";
    p.send(
      "<?xml version='1.0'?><stream:stream from='im.test' id='s1' version='1.0' xmlns='jabber:client' " +
        `xmlns:stream='http://etherx.jabber.org/streams'><stream:features>${tlsFeature}` +
        "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    );
    if (refuse) return false;
    await p.take((b) => (b.includes('/>') ? b.indexOf('/>') + 2 : 0));
    p.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    return true;
  },
  async ldap(p, refuse) {
    const req = await p.bytes(9 + OID.length);
    if (!req.endsWith(OID)) return false;
    p.send(refuse ? LDAP_PROTOCOL_ERROR : LDAP_OK);
    return refuse === null;
  },
};

function flood(socket: net.Socket): void {
  const chunk = Buffer.alloc(4096, 'A');
  let sent = 0;
  const pump = () => {
    // Bounded so a client that never gives up cannot make the test process spin forever.
    while (!socket.destroyed && sent < 4 * 1024 * 1024) {
      sent += chunk.length;
      if (!socket.write(chunk)) return void socket.once('drain', pump);
    }
  };
  pump();
}

export async function startStarttlsServer(
  protocol: StarttlsProtocol,
  opts: StarttlsServerOptions,
): Promise<StarttlsServer> {
  const behaviour = opts.behaviour ?? 'ok';
  const secureContext = tls.createSecureContext({
    cert: opts.certPem,
    key: opts.keyPem,
    minVersion: opts.minVersion,
    maxVersion: opts.maxVersion,
  });
  const heard: string[] = [];
  const sockets = new Set<net.Socket>();
  let upgrades = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (behaviour === 'flood') return flood(socket);
    const peer = new Peer(socket, heard, behaviour === 'close');
    const refuse = behaviour === 'ok' ? null : behaviour;
    SCRIPTS[protocol](peer, refuse).then(
      (go) => {
        if (!go || socket.destroyed) return;
        upgrades++;
        // PostgreSQL 17 rejects a ClientHello whose ALPN lacks "postgresql"; the others ignore ALPN.
        peer.upgrade(secureContext, protocol === 'postgres' ? ['postgresql'] : undefined);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    heard,
    upgrades: () => upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
