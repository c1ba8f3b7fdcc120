/**
 * `npm run bench` (builds dist/ first). Loopback only; every loop is bounded. Each figure is printed as a
 * ratio against a baseline measured in the same run, on the same machine:
 *  1. start-up: `cert-doctor --help` vs a bare `node -e 0`                           target ≤ 1.5×
 *  2. a whole CLI check over a 50 ms round trip (connect delayed too) vs `openssl s_client`,
 *     and vs check_ssl_cert when installed                                          targets ≤ 2×, ≤ 0.25×
 *  3. checks per second at concurrency 16/64/256 vs raw node:tls handshakes/s, full checks and the
 *     scheduler's sweep checks (light, a full one in 10, sweep lane: throughput-worker.ts), and peak RSS
 *     per check in flight                                                          targets ≥ 0.35×, ≥ 0.6×
 *  4. the in-process figures (bare handshake vs check, loopback and delayed), the Slack bench and the
 *     per-certificate parse cost.
 * BENCH_ROOT=/path/to/other/checkout measures that tree's CLI and check() with these same commands
 * (before/after figures); BENCH_RUNS (default 15) and BENCH_SECONDS (default 3) size the loops;
 * BENCH_ONLY=1,2,3 picks sections. BENCH_BEFORE=/path/to/other/checkout adds that tree's launcher to section 2's
 * alternated runs, so a before/after pair comes from one run under the same load.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCertinfoBench } from './certinfo.js';
import { alternate, type Command, findCheckSslCert, fmt } from './cli-runs.js';
import { startDelayProxy } from './delay-proxy.js';
import { formatHostileReport, runHostileBench } from './hostile.js';
import { crlParseLine, revocationLine } from './revocation.js';
import { formatSlackReport, runSlackBench } from './slack.js';
import { runSweepBench } from './sweep.js';

const exec = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROOT = resolve(process.env.BENCH_ROOT ?? '.');
const ONLY = new Set((process.env.BENCH_ONLY ?? '1,2,3,4').split(','));
const CLI_MJS = resolve(ROOT, 'bin/cert-doctor.mjs');
/**
 * The command users run: package.json's bin, what `npm link` puts on the PATH (bin/cert-doctor, a sh
 * launcher that moves NODE_EXTRA_CA_CERTS aside); a tree from before it existed runs `node bin/cert-doctor.mjs`.
 */
const LAUNCHER = resolve(ROOT, 'bin/cert-doctor');
const CLI: { cmd: string; pre: string[] } = existsSync(LAUNCHER)
  ? { cmd: LAUNCHER, pre: [] }
  : { cmd: process.execPath, pre: [CLI_MJS] };

interface Fixture {
  port: number;
  caFile: string;
  child: ChildProcess;
}

/** The endpoint runs in its own process: the measured clients do not share an event loop with it. */
async function startFixture(): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fixture-server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((ok, fail) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) ok(buf.split('\n')[0]!);
    });
    child.once('exit', (code) => fail(new Error(`fixture server exited with ${code}`)));
  });
  const { port, caFile } = JSON.parse(line) as { port: number; caFile: string };
  return { port, caFile, child };
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function startup(): Promise<void> {
  console.log(`1. start-up (${RUNS} alternated runs, medians)`);
  // The launcher starts node with NODE_EXTRA_CA_CERTS moved aside, so the baseline is node without it too (a
  // bare `node -e 0`); the figure against `node -e 0` as this environment runs it is the second line.
  const bare = ['NODE_EXTRA_CA_CERTS'];
  // npm link's shape: a link on the PATH to a link into the package (the launcher follows both)
  const links = mkdtempSync(join(tmpdir(), 'cert-doctor-bench-'));
  symlinkSync(LAUNCHER, join(links, 'inner'));
  symlinkSync(join(links, 'inner'), join(links, 'cert-doctor'));
  const cjs = resolve(ROOT, 'bin/cert-doctor.cjs');
  const commands: Command[] = [
    { label: 'node -e 0 (bare)', cmd: process.execPath, args: ['-e', '0'], unset: bare },
    { label: 'cert-doctor --help', cmd: CLI.cmd, args: [...CLI.pre, '--help'] },
    { label: 'node -e 0 (as run here)', cmd: process.execPath, args: ['-e', '0'] },
  ];
  const launcher = CLI.cmd === LAUNCHER;
  if (launcher) {
    commands.push(
      { label: '--help through 2 symlinks', cmd: join(links, 'cert-doctor'), args: ['--help'] },
      { label: 'node bin/cert-doctor.cjs --help', cmd: process.execPath, args: [cjs, '--help'], unset: bare },
      { label: "sh -c : (the launcher's shell)", cmd: '/bin/sh', args: ['-c', ':'] },
      // not a recorded argument list (dist/fixed-output.json): the program itself prints the usage text
      { label: 'cert-doctor --help -h (program)', cmd: CLI.cmd, args: ['--help', '-h'] },
    );
  }
  const before = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE, 'bin/cert-doctor') : null;
  if (before !== null && existsSync(before))
    commands.push({ label: '--help, BENCH_BEFORE tree', cmd: before, args: ['--help'] });
  try {
    const timed = await alternate(commands, RUNS);
    for (const t of timed) console.log(`   ${fmt(t)}`);
    const [node, help, asRun] = timed;
    const [linked, direct, shell, program] = launcher ? timed.slice(3) : [];
    const was = timed.find((t) => t.label === '--help, BENCH_BEFORE tree');
    const r = help!.medianMs / node!.medianMs;
    console.log(`   --help / bare node -e 0 = ${r.toFixed(2)}× (target ≤ 1.5×: ${verdict(r <= 1.5)})`);
    const extra = process.env.NODE_EXTRA_CA_CERTS ? ', NODE_EXTRA_CA_CERTS set' : '';
    console.log(`   --help / node -e 0 as run here${extra} = ${ratio(help!.medianMs, asRun!.medianMs)}`);
    if (was) console.log(`   BENCH_BEFORE tree --help / bare node -e 0 = ${ratio(was.medianMs, node!.medianMs)}`);
    if (linked && direct && shell && program) {
      const ms = (n: number) => `${n.toFixed(1)} ms`;
      console.log(
        `   the sh launcher: ${ms(help!.medianMs - direct.medianMs)} over node bin/cert-doctor.cjs (sh -c : alone ${ms(shell.medianMs)}); 2 symlinks add ${ms(linked.medianMs - help!.medianMs)}`,
      );
      console.log(
        `   the program printing it (bundle + code cache loaded) / bare node -e 0 = ${ratio(program.medianMs, node!.medianMs)}`,
      );
    }
  } finally {
    rmSync(links, { recursive: true, force: true });
  }
  console.log('');
}

async function cliCheck(fx: Fixture): Promise<void> {
  const proxy = await startDelayProxy(fx.port, 25);
  let freshDir: string | undefined;
  try {
    console.log(`2. whole-process check over a 50 ms round trip, TCP connect included (${RUNS} alternated runs)`);
    const target = `https://localhost:${proxy.port}/`;
    const checkArgs = ['check', target, '--allow', '127.0.0.0/8', '--ca', fx.caFile];
    const commands: Command[] = [
      {
        label: 'openssl s_client (handshake only)',
        cmd: 'openssl',
        args: ['s_client', '-connect', `127.0.0.1:${proxy.port}`, '-servername', 'localhost', '-CAfile', fx.caFile],
        stdin: 'empty',
      },
      { label: 'cert-doctor check', cmd: CLI.cmd, args: [...CLI.pre, ...checkArgs] },
      // the floor any Node.js program pays on this machine now, for reading the ratio under load
      { label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
    ];
    const plugin = findCheckSslCert();
    if (plugin) {
      commands.push({
        label: 'check_ssl_cert',
        cmd: plugin,
        // the address, the name to match and send as SNI: with `-H localhost` it stops at once (2.60: "--altnames
        // requires a common name to match"), and a name makes it ask DNS (`host`), which a loopback bench must not
        args: ['-H', '127.0.0.1', '-p', String(proxy.port), '--sni', 'localhost', '-m', 'localhost', '-r', fx.caFile],
      });
    }
    // NODE_EXTRA_CA_CERTS makes every Node.js process parse that bundle into OpenSSL's store before any
    // JavaScript runs (node -e 0 pays it too; cert-doctor never uses that store): measured both ways
    const extraCa = process.env.NODE_EXTRA_CA_CERTS ? ['NODE_EXTRA_CA_CERTS'] : [];
    for (const unset of extraCa) {
      commands.push(
        { label: `cert-doctor check, ${unset} unset`, cmd: commands[1]!.cmd, args: commands[1]!.args, unset: [unset] },
        { label: `node -e 0, ${unset} unset`, cmd: process.execPath, args: ['-e', '0'], unset: [unset] },
      );
    }
    // what the launcher saves: the same program started by node itself, NODE_EXTRA_CA_CERTS loaded
    const plain = CLI.cmd !== process.execPath && extraCa.length > 0;
    if (plain)
      commands.push({ label: 'node bin/cert-doctor.mjs check', cmd: process.execPath, args: [CLI_MJS, ...checkArgs] });
    // The warm-up run of alternate() writes the code cache every later run uses (bin/code-cache.cjs), as a
    // user's first run after a build does: the cold figure, every run compiling everything, is shown too.
    const bundled = existsSync(resolve(ROOT, 'bin/code-cache.cjs'));
    if (bundled) {
      commands.push({
        label: 'cert-doctor check, no code cache',
        cmd: CLI.cmd,
        args: [...CLI.pre, ...checkArgs],
        set: { CERT_DOCTOR_CODE_CACHE: '0' },
      });
    }
    const before = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE, 'bin/cert-doctor') : null;
    if (before !== null && existsSync(before)) {
      commands.push({ label: 'cert-doctor check, BENCH_BEFORE tree', cmd: before, args: checkArgs });
    }
    // The first step does not parse a --ca bundle again that parsed in an earlier run (src/cli-ca-memo.ts), so
    // every run above after the first uses that memo, as a monitoring system's repeated check does. Here the
    // bundle is new at every run (the same root, under a comment line of its own): what a first run pays.
    freshDir = mkdtempSync(join(tmpdir(), 'cert-doctor-bench-ca-'));
    const freshCa = join(freshDir, 'root.pem');
    const rootPem = readFileSync(fx.caFile, 'utf8');
    let runNo = 0;
    if (existsSync(resolve(ROOT, 'src/cli-ca-memo.ts'))) {
      commands.push({
        label: 'cert-doctor check, --ca new each run',
        cmd: CLI.cmd,
        args: [...CLI.pre, ...checkArgs.slice(0, -1), freshCa],
        prepare: () => writeFileSync(freshCa, `# run ${++runNo}\n${rootPem}`),
      });
    }
    const timed = await alternate(commands, RUNS);
    const [openssl, ours, node] = timed;
    const theirs = plugin ? timed[3] : undefined;
    const [oursBare, nodeBare] = timed.slice(plugin ? 4 : 3);
    for (const t of timed) console.log(`   ${fmt(t)}`);
    console.log(
      `   cert-doctor is ${CLI.cmd === process.execPath ? 'node bin/cert-doctor.mjs' : 'bin/cert-doctor (the sh launcher package.json names)'}`,
    );
    const r = ours!.medianMs / openssl!.medianMs;
    console.log(`   cert-doctor / openssl s_client = ${r.toFixed(2)}× (target ≤ 2×: ${verdict(r <= 2)})`);
    const was = timed.find((t) => t.label === 'cert-doctor check, BENCH_BEFORE tree');
    if (was)
      console.log(
        `   BENCH_BEFORE tree (${process.env.BENCH_BEFORE}) / openssl s_client = ${ratio(was.medianMs, openssl!.medianMs)}`,
      );
    // The launcher starts node with NODE_EXTRA_CA_CERTS moved aside: its Node.js start-up is node -e 0 without it.
    const start = plain && nodeBare ? nodeBare : node!;
    const which = start === node ? 'node -e 0' : 'node -e 0 without NODE_EXTRA_CA_CERTS, as the launcher starts node';
    console.log(
      `   of which Node.js start-up (${which}) / openssl s_client = ${ratio(start.medianMs, openssl!.medianMs)}; cert-doctor − that = ${(ours!.medianMs - start.medianMs).toFixed(0)} ms`,
    );
    // connect, the TLS 1.3 handshake and the GET on the same connection: three round trips of 50 ms
    const floor = (n: number) => `${((n + 150) / openssl!.medianMs).toFixed(2)}×`;
    console.log(
      `   the floor (that start-up + 3 round trips, no CPU at all) / openssl s_client = ${floor(start.medianMs)}`,
    );
    if (oursBare && nodeBare) {
      const b = oursBare.medianMs / openssl!.medianMs;
      console.log(
        `   with NODE_EXTRA_CA_CERTS unset (set in this environment): cert-doctor / openssl s_client = ${b.toFixed(2)}× (target ≤ 2×: ${verdict(b <= 2)}); node -e 0 ${nodeBare.medianMs.toFixed(0)} ms instead of ${node!.medianMs.toFixed(0)} ms; floor ${floor(nodeBare.medianMs)}`,
      );
    }
    const fresh = timed.find((t) => t.label === 'cert-doctor check, --ca new each run');
    if (fresh) {
      console.log(
        `   with a --ca bundle not seen before: / openssl s_client = ${ratio(fresh.medianMs, openssl!.medianMs)} (${(fresh.medianMs - ours!.medianMs).toFixed(0)} ms more than the repeated one)`,
      );
    }
    if (theirs) {
      const q = ours!.medianMs / theirs.medianMs;
      console.log(`   cert-doctor / check_ssl_cert = ${q.toFixed(2)}× (target ≤ 0.25×: ${verdict(q <= 0.25)})`);
    } else {
      console.log(
        '   check_ssl_cert: not installed (Debian: apt-get install --no-install-recommends monitoring-plugins-contrib bc): not measured',
      );
    }
    console.log('');
  } finally {
    await proxy.close();
    if (freshDir) rmSync(freshDir, { recursive: true, force: true });
  }
}

interface Throughput {
  mode: string;
  concurrency: number;
  perSec: number;
  errors: number;
  firstError: string | null;
  rssStartKb: number;
  maxRssKb: number;
}

async function throughputOf(mode: string, concurrency: number, fx: Fixture): Promise<Throughput> {
  const args = ['--import', 'tsx', 'bench/throughput-worker.ts', mode, String(fx.port), String(concurrency)];
  const { stdout } = await exec(process.execPath, [...args, String(SECONDS), fx.caFile, ROOT], { timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Throughput;
}

async function throughput(fx: Fixture): Promise<void> {
  console.log(`3. throughput, one client process, loopback endpoint in another process (${SECONDS} s per cell)`);
  for (const c of [16, 64, 256]) {
    const raw = await throughputOf('tls', c, fx);
    const full = await throughputOf('check', c, fx);
    const sweep = await throughputOf('sweep', c, fx);
    const perCheck = (t: Throughput) => `${((t.maxRssKb - t.rssStartKb) / 1024 / c).toFixed(2)} MiB`;
    const errs = [full, sweep]
      .filter((t) => t.errors > 0)
      .map((t) => `${t.mode}: ${t.errors} errors (${t.firstError})`);
    console.log(
      [
        `   c=${String(c).padEnd(4)}`,
        `raw ${raw.perSec.toFixed(0).padStart(5)}/s`,
        `full ${full.perSec.toFixed(0).padStart(4)}/s = ${ratio(full.perSec, raw.perSec)} (≥ 0.35×: ${verdict(full.perSec / raw.perSec >= 0.35)})`,
        `sweep ${sweep.perSec.toFixed(0).padStart(4)}/s = ${ratio(sweep.perSec, raw.perSec)} (≥ 0.6×: ${verdict(sweep.perSec / raw.perSec >= 0.6)})`,
        `peak RSS per check in flight: full ${perCheck(full)}, sweep ${perCheck(sweep)} (peak ${(full.maxRssKb / 1024).toFixed(0)} MiB)`,
      ].join('  '),
    );
    for (const e of errs) console.log(`      ${e}`);
  }
  console.log('');
}

async function inProcess(fx: Fixture): Promise<void> {
  const sample = async (mode: 'bare' | 'check', port: number, caFile = fx.caFile) => {
    const { stdout } = await exec(
      process.execPath,
      ['--import', 'tsx', 'bench/worker.ts', mode, String(port), String(RUNS), caFile],
      { timeout: 120_000 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as { median: number; p90: number; maxRssKb: number };
  };
  const proxy = await startDelayProxy(fx.port, 25);
  let freshDir: string | undefined;
  try {
    console.log(`4. in one process (${RUNS} runs, medians): bare handshake vs full check`);
    for (const [label, port] of [
      ['loopback', fx.port],
      ['50 ms RTT proxy', proxy.port],
    ] as const) {
      const bare = await sample('bare', port);
      const full = await sample('check', port);
      console.log(
        `   ${label.padEnd(16)} bare ${bare.median.toFixed(1)} ms  check ${full.median.toFixed(1)} ms  = ${ratio(full.median, bare.median)}  peak RSS ${(bare.maxRssKb / 1024).toFixed(0)} → ${(full.maxRssKb / 1024).toFixed(0)} MiB`,
      );
    }
    console.log(await revocationLine(sample));
    console.log(await crlParseLine());
  } finally {
    await proxy.close();
    if (freshDir) rmSync(freshDir, { recursive: true, force: true });
  }
  console.log('');
  console.log(formatSlackReport(await runSlackBench()));
  console.log('');
  console.log(formatHostileReport(await runHostileBench()));
  console.log('');
  console.log(await runCertinfoBench());
  console.log('');
  // BENCH_SWEEP_COUNT (default 10 000) watched endpoints; a smaller count on a busy machine
  console.log(await runSweepBench());
  if (process.platform === 'linux') {
    // the same sweep in the compiled bot, its own process: the bot's RSS and CPU alone (bench/sweep-bot.ts)
    const { runBotSweepBench } = await import('./sweep-bot.js');
    console.log('');
    console.log(await runBotSweepBench(Number(process.env.BENCH_SWEEP_COUNT ?? 10_000)));
  }
}

async function main(): Promise<void> {
  console.log(`cert-doctor bench — measuring ${ROOT}\n`);
  const fx = await startFixture();
  try {
    if (ONLY.has('1')) await startup();
    if (ONLY.has('2')) await cliCheck(fx);
    if (ONLY.has('3')) await throughput(fx);
    if (ONLY.has('4')) await inProcess(fx);
  } finally {
    fx.child.kill('SIGTERM');
  }
}

await main();
