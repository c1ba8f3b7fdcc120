/**
 * Issue 12, `--help` without the program: bin/build.mjs records in dist/fixed-output.json what the program prints
 * for the argument lists whose output is fixed (the usage texts), and bin/cert-doctor.cjs prints that record for
 * exactly those lists without loading the bundle. Here the installed command's output for each list — bytes,
 * stream and exit status — must be the program's own, from source; the record must not stand in for the program
 * anywhere else (any other list, even one that also prints usage, still runs it); and without the record the
 * program answers as before. A fresh install copy is built, as in startup.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import { scratchInstall } from './support/install.js';

let dir: string;
let launcher: string;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'cert-doctor-fixed-')));
  await scratchInstall(dir);
  launcher = join(dir, 'bin/cert-doctor');
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Raw {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...over };
  for (const k of Object.keys(e)) if (k.startsWith('CERT_DOCTOR_') && !(k in over)) delete e[k];
  return e;
}

/** The installed command as a user runs it, output kept as bytes. */
function installed(args: string[], over: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve) => {
    execFile(
      launcher,
      args,
      { cwd: dir, env: env(over), encoding: 'buffer', timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function recorded(): { texts: string[]; runs: Record<string, { code: number; writes: [number, number][] }> } {
  return JSON.parse(readFileSync(join(dir, 'dist/fixed-output.json'), 'utf8'));
}

const listsOf = () => Object.keys(recorded().runs).map((k) => (k === '' ? [] : k.split('\0')));

/** Byte for byte, stream for stream, and exit status: the installed command against main() from source. */
async function assertSameAsProgram(args: string[], r: Raw): Promise<void> {
  const own = await runCli(args);
  const what = `cert-doctor ${args.join(' ')}`;
  assert.equal(r.code, own.code, what);
  assert.ok(r.stdout.equals(Buffer.from(own.stdout, 'utf8')), `${what}: stdout differs`);
  assert.ok(r.stderr.equals(Buffer.from(own.stderr, 'utf8')), `${what}: stderr differs`);
}

test('the record covers the usage texts: --help, -h, help, no arguments, and each command --help / -h', () => {
  const lists = listsOf().map((l) => l.join(' '));
  for (const want of ['', '--help', '-h', 'help', 'check --help', 'check -h', 'inspect --help', 'explain -h']) {
    assert.ok(lists.includes(want), `\`cert-doctor ${want}\` recorded`);
  }
  const { runs } = recorded();
  assert.equal(runs['']!.code, 3, 'no arguments: exit 3');
  assert.deepEqual(
    runs['']!.writes.map(([fd]) => fd),
    [2],
    'no arguments: usage on stderr',
  );
});

test('each recorded list prints exactly what the program prints, on the same stream, with the same exit status', async () => {
  for (const args of listsOf()) await assertSameAsProgram(args, await installed(args));
});

test('the recorded lists are answered without the program; every other list runs it', async () => {
  const hidden = ['cli-bundle.cjs', 'cli.js'];
  for (const f of hidden) renameSync(join(dir, 'dist', f), join(dir, 'dist', `${f}.away`));
  try {
    for (const args of listsOf()) {
      const r = await installed(args, { CERT_DOCTOR_TRACE: '1' });
      const trace = r.stderr.toString();
      assert.match(trace, /bin: fixed output from dist\/fixed-output\.json/, args.join(' '));
      await assertSameAsProgram(args, await installed(args));
    }
    // these print usage too, or are one word away from a recorded list: the program answers them (here: cannot)
    const others = [
      ['--help', 'extra'],
      ['help', 'check'],
      ['check', '--help', 'example.com'],
      ['check', 'example.com'],
      ['check', 'help'],
      ['--version'],
      ['x', 'y', '--help'],
      ['--HELP'],
    ];
    for (const args of others) {
      const r = await installed(args);
      assert.equal(r.code, 3, args.join(' '));
      assert.equal(
        r.stderr.toString(),
        'cert-doctor: dist/cli.js is missing; run `npm run build` (npm install runs it)\n',
        args.join(' '),
      );
    }
  } finally {
    for (const f of hidden) renameSync(join(dir, 'dist', `${f}.away`), join(dir, 'dist', f));
  }
  // with the program back, they get its answers
  const extra = await installed(['--help', 'extra']);
  await assertSameAsProgram(['--help', 'extra'], extra);
  assert.equal(extra.code, 0);
});

test('a missing or damaged record: the program answers, with the same bytes', async () => {
  const file = join(dir, 'dist/fixed-output.json');
  const good = readFileSync(file);
  try {
    // the entries of --help, no arguments and check -h in another shape each time
    const shapes = [
      { texts: ['x'], runs: { '--help': { code: '0', writes: [[1, 0]] }, '': { code: 3 }, 'check\u0000-h': null } },
      { texts: 'x', runs: { '--help': { code: 0, writes: [[1, 0]] }, '': { code: 3, writes: [[2, 7]] } } },
      { texts: ['x'], runs: { '--help': { code: 0, writes: [[3, 0]] }, '': { code: 3, writes: [2, 0] } } },
    ].map((j) => Buffer.from(JSON.stringify(j)));
    for (const damaged of [
      null,
      good.subarray(0, good.length >> 1),
      Buffer.from('{"texts":[],"runs":{}}\n'),
      ...shapes,
    ]) {
      if (damaged === null) rmSync(file);
      else writeFileSync(file, damaged);
      for (const args of [['--help'], [], ['check', '-h']]) {
        const r = await installed(args, { CERT_DOCTOR_TRACE: '1' });
        assert.match(r.stderr.toString(), /bin: bundle loaded/, 'the program ran');
        await assertSameAsProgram(args, await installed(args));
      }
    }
  } finally {
    writeFileSync(file, good);
  }
});

test('a reader that is gone before the output is written: no stack trace, the exit status stays', async () => {
  // `true` exits at once: by the time the command writes, the pipe has no reader (EPIPE)
  for (const args of [['--help'], ['--help', 'extra'], ['check', '--help', '--json']]) {
    const line = [launcher, ...args].map((a) => `'${a}'`).join(' ');
    const stderr = await new Promise<string>((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', `(sleep 0.1; ${line}; echo "exit $?" >&2) | true`],
        { cwd: dir, env: env(), timeout: 30_000 },
        (_err, _stdout, err) => resolve(err),
      );
    });
    assert.equal(stderr, 'exit 0\n', `${args.join(' ')}: ${stderr}`);
  }
});
