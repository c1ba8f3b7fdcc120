/**
 * Real TLS clients on loopback, each trusting only the roots it is given: node (https, in process), python3
 * (urllib.request + ssl.create_default_context(cafile=…)), curl (--cacert), openssl s_client (-verify_return_error
 * -CAfile -verify_hostname) and java (HttpsURLConnection, one JVM for every endpoint). Each reports whether the
 * request got through and the error exactly as that client prints it, plus the distinctive tokens of that error a
 * claim in src/fixes/clients.ts must quote. A client whose binary is missing says so, and its tests skip.
 *
 * Every client connects to 127.0.0.1 whatever the host name (curl --resolve, s_client -connect, a pinned lookup in
 * node and python, jdk.net.hosts.file in java), so a test can use a dotted name: Java sends no SNI for `localhost`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ClientName = 'node' | 'python' | 'curl' | 'openssl' | 'java';

export interface ClientOutcome {
  outcome: 'works' | 'fails';
  /** the error as the client prints it ('' when it works) */
  error: string;
}

/** One endpoint to fetch `https://host:port/` from (host pinned to LOOPBACK), trusting only `caPem`. */
export interface Endpoint {
  host: string;
  port: number;
  caPem: string;
}

export const LOOPBACK = '127.0.0.1';

interface Job extends Endpoint {
  url: string;
  caFile: string;
  timeoutMs: number;
}

interface Batch {
  jobs: Job[];
  limit: Limiter;
  /** a hosts file mapping every job's host to LOOPBACK */
  hostsFile: string;
}

export type Availability = { available: true; version: string } | { available: false; why: string };

export interface ClientRunner {
  name: ClientName;
  /** the CLIENT_IMPACT key whose claims describe this client (curl's entries cover OpenSSL command-line tools) */
  impactKey: 'node' | 'python' | 'curl' | 'java';
  availability(): Promise<Availability>;
  run(batch: Batch): Promise<ClientOutcome[]>;
  /** the distinctive parts of `error` a claim must contain, with the host written `<host>` */
  tokens(error: string, host: string): string[];
}

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** the binary does not exist */
  missing: boolean;
}

/** Run a program to completion (never throws); SIGKILL after `timeoutMs`. */
function exec(file: string, args: string[], timeoutMs: number, input = ''): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: e.message, timedOut, missing: e.code === 'ENOENT' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, missing: false });
    });
  });
}

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** At most `n` tasks at once (2 shared cores: client processes must not starve the servers they talk to). */
export function limiter(n: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';
const hostless = (s: string, host: string) => s.split(host).join('<host>').trim();
const works: ClientOutcome = { outcome: 'works', error: '' };
const fails = (error: string): ClientOutcome => ({ outcome: 'fails', error });
const timedOut = (j: Job) => fails(`timeout after ${j.timeoutMs} ms`);
/** "…:error:0A00014D:SSL routines:func:legacy sigalg disallowed or unsupported:file:line:" → the reason */
const opensslReason = (s: string) => /error:[0-9A-F]{8}:[^:]*:[^:]*:([^:]+)/.exec(s)?.[1];

/** One fetch per job, at most the limiter's count at a time. */
function eachJob({ jobs, limit }: Batch, fetch: (j: Job) => Promise<ClientOutcome>): Promise<ClientOutcome[]> {
  return Promise.all(jobs.map((j) => limit(() => fetch(j))));
}

/** A batch process died early: everything it did not answer fails with whatever it printed. */
function failed(j: Job, r: Exec): ClientOutcome {
  return r.timedOut ? timedOut(j) : fails(firstLine(r.stderr) || `exited ${r.code}`);
}

async function versionOf(file: string, args: string[], pick: (r: Exec) => string): Promise<Availability> {
  const r = await exec(file, args, 20_000);
  if (r.missing) return { available: false, why: `${file} is not installed` };
  if (r.code !== 0) return { available: false, why: `${file} ${args.join(' ')} exited ${r.code}: ${r.stderr}` };
  return { available: true, version: pick(r) };
}

/** Codes node gives errors it has no name for: the OpenSSL text after them is what identifies the error. */
const NODE_GENERIC = new Set(['UNSPECIFIED', 'EPROTO', 'ECONNRESET']);

/**
 * Node's own https client in this process. The error is `err.code: err.message`; the token is err.code, or the
 * OpenSSL reason when the code is generic (`UNSPECIFIED: CA signature digest algorithm too weak`).
 */
const node: ClientRunner = {
  name: 'node',
  impactKey: 'node',
  availability: async () => ({
    available: true,
    version: `node ${process.version} (OpenSSL ${process.versions.openssl})`,
  }),
  run: (batch) => eachJob(batch, nodeFetch),
  tokens: (error, host) => {
    const [code = error, ...rest] = error.split(': ');
    if (!NODE_GENERIC.has(code)) return [code];
    const message = rest.join(': ');
    return [opensslReason(message) ?? hostless(message, host)];
  },
};

/** Every name resolves to LOOPBACK (node 20 asks for all addresses when it races IPv4 and IPv6). */
const pinnedLookup = ((_host, opts, cb) => {
  if (opts.all) cb(null, [{ address: LOOPBACK, family: 4 }]);
  else (cb as (err: null, address: string, family: number) => void)(null, LOOPBACK, 4);
}) as LookupFunction;

function nodeFetch(j: Job): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const req = https.get({
      host: j.host,
      port: j.port,
      path: '/',
      ca: j.caPem,
      agent: false,
      timeout: j.timeoutMs,
      lookup: pinnedLookup,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(works));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(timedOut(j));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(fails(`${e.code}: ${e.message.trim()}`)));
  });
}

/** One python3 process fetches every endpoint with urllib.request; prints str() of the SSL error. */
const PYTHON = `
import json, socket, ssl, sys, urllib.error, urllib.request
jobs = json.loads(sys.stdin.read())
pinned = {job['host'] for job in jobs}
resolve = socket.getaddrinfo
socket.getaddrinfo = lambda host, *a, **k: resolve('${LOOPBACK}' if host in pinned else host, *a, **k)
for job in jobs:
    ctx = ssl.create_default_context(cafile=job['caFile'])
    try:
        urllib.request.urlopen(job['url'], context=ctx, timeout=job['timeoutMs'] / 1000).read()
        print(json.dumps({'outcome': 'works', 'error': ''}))
    except Exception as e:
        cause = e.reason if isinstance(e, urllib.error.URLError) and isinstance(e.reason, BaseException) else e
        print(json.dumps({'outcome': 'fails', 'error': str(cause) or type(cause).__name__}))
    sys.stdout.flush()
`;

const python: ClientRunner = {
  name: 'python',
  impactKey: 'python',
  availability: () =>
    versionOf('python3', ['-c', 'import ssl,sys;print("python", sys.version.split()[0], ssl.OPENSSL_VERSION)'], (r) =>
      r.stdout.trim(),
    ),
  run: async ({ jobs, limit }) => {
    const budget = jobs.reduce((ms, j) => ms + j.timeoutMs, 10_000);
    const r = await limit(() => exec('python3', ['-c', PYTHON], budget, JSON.stringify(jobs)));
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    return jobs.map((j, i) => (lines[i] ? (JSON.parse(lines[i]!) as ClientOutcome) : failed(j, r)));
  },
  // "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)" → the reason
  // after "verify failed: "; "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (…)" → the bracket
  tokens: (error, host) => {
    const text = error.replace(/\s*\(_ssl\.c:\d+\)$/, '');
    const verify = /certificate verify failed: (.*)$/.exec(text);
    if (verify) return [hostless(verify[1]!, host).replace(/\.$/, '')];
    return [/^\[SSL: ([A-Z0-9_]+)\]/.exec(text)?.[1] ?? hostless(text, host)];
  },
};

const curl: ClientRunner = {
  name: 'curl',
  impactKey: 'curl',
  availability: () => versionOf('curl', ['--version'], (r) => firstLine(r.stdout).split(' (')[0]!),
  run: (batch) =>
    eachJob(batch, async (j) => {
      const args = ['-sS', '-o', '/dev/null', '--cacert', j.caFile, '--max-time', String(j.timeoutMs / 1000)];
      args.push('--resolve', `${j.host}:${j.port}:${LOOPBACK}`, j.url);
      const r = await exec('curl', args, j.timeoutMs + 5_000);
      if (r.timedOut) return timedOut(j);
      return r.code === 0 ? works : fails(firstLine(r.stderr));
    }),
  // "curl: (60) SSL certificate problem: certificate has expired" → "certificate has expired";
  // "curl: (35) OpenSSL/3.0.19: error:0A00014D:SSL routines::legacy sigalg…" → "error:0A00014D:SSL routines::legacy…"
  tokens: (error, host) => [
    hostless(
      error
        .replace(/^curl: \(\d+\) /, '')
        .replace(/^SSL certificate problem: /, '')
        .replace(/^OpenSSL\/[\d.]+: /, ''),
      host,
    ),
  ],
};

/** s_client verifies the chain and the name and stops at the first error; stdin is empty, so it quits at once. */
const openssl: ClientRunner = {
  name: 'openssl',
  impactKey: 'curl',
  availability: () => versionOf('openssl', ['version'], (r) => firstLine(r.stdout).split(' (')[0]!),
  run: (batch) =>
    eachJob(batch, async (j) => {
      const args = ['s_client', '-connect', `${LOOPBACK}:${j.port}`, '-servername', j.host];
      args.push('-verify_return_error', '-verify_hostname', j.host, '-CAfile', j.caFile, '-brief');
      const r = await exec('openssl', args, j.timeoutMs);
      if (r.timedOut) return timedOut(j);
      if (r.code === 0) return works;
      const out = `${r.stdout}\n${r.stderr}`;
      const line = /^verify error:.*$/m.exec(out)?.[0] ?? /^[0-9A-F]+:error:.*$/m.exec(out)?.[0];
      return fails(line ?? (firstLine(out) || `exited ${r.code}`));
    }),
  // "verify error:num=10:certificate has expired" → "certificate has expired";
  // "40E7…:error:0A00014D:SSL routines:tls_process_key_exchange:legacy sigalg disallowed or unsupported:…" → the reason
  tokens: (error, host) => {
    const verify = /^verify error:num=\d+:(.*)$/.exec(error);
    return [hostless(verify?.[1] ?? opensslReason(error) ?? error, host)];
  },
};

const JAVA_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'TlsProbe.java');

const java: ClientRunner = {
  name: 'java',
  impactKey: 'java',
  availability: () => versionOf('java', ['-version'], (r) => firstLine(r.stderr)),
  run: async ({ jobs, limit, hostsFile }) => {
    const input = jobs.map((j) => `${j.url}\t${j.caFile}\t${j.timeoutMs}`).join('\n');
    const budget = jobs.reduce((ms, j) => ms + j.timeoutMs, 30_000);
    const args = [`-Djdk.net.hosts.file=${hostsFile}`, JAVA_SOURCE];
    const r = await limit(() => exec('java', args, budget, `${input}\n`));
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    return jobs.map((j, i) => {
      const line = lines[i];
      if (line === undefined) return failed(j, r);
      return line === 'works' ? works : fails(line.slice('fails\t'.length));
    });
  },
  tokens: javaTokens,
};

/**
 * The message of the exception the caller catches (what a log line shows), and the root cause's class when the
 * root cause says more than that message (CertificateExpiredException hides behind "validity check failed"):
 * "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: …: validity check failed <- … <-
 * java.security.cert.CertificateExpiredException: NotAfter: …" →
 * ["PKIX path validation failed: …: validity check failed", "java.security.cert.CertificateExpiredException"]
 */
function javaTokens(error: string, host: string): string[] {
  const chain = error.split(' <- ');
  const parse = (e: string) => /^([\w.$]+): ?(.*)$/.exec(e)?.slice(1) ?? ['', e];
  const [, message = ''] = parse(chain[0]!);
  const [rootClass = '', rootMessage = ''] = parse(chain.at(-1)!);
  const top = hostless(message, host).replace(/\.$/, '');
  return chain.length === 1 || message.includes(rootMessage) ? [top] : [top, rootClass];
}

export const RUNNERS: readonly ClientRunner[] = [node, python, curl, openssl, java];

/**
 * Fetch every endpoint with every runner, all runners at once but at most `concurrency` client processes at a
 * time. Returns outcomes[runner][endpoint].
 */
export async function runClients(
  endpoints: Endpoint[],
  runners: readonly ClientRunner[],
  { timeoutMs = 10_000, concurrency = 4 } = {},
): Promise<Map<ClientName, ClientOutcome[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'cert-doctor-clients-'));
  try {
    const jobs = await Promise.all(
      endpoints.map(async (e, i) => {
        const caFile = join(dir, `ca-${i}.pem`);
        await writeFile(caFile, e.caPem);
        return { ...e, url: `https://${e.host}:${e.port}/`, caFile, timeoutMs };
      }),
    );
    const hostsFile = join(dir, 'hosts');
    await writeFile(hostsFile, [...new Set(jobs.map((j) => `${LOOPBACK} ${j.host}\n`))].join(''));
    const batch = { jobs, limit: limiter(concurrency), hostsFile };
    const results = await Promise.all(runners.map(async (r) => [r.name, await r.run(batch)] as const));
    return new Map(results);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
