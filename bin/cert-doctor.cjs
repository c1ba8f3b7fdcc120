#!/usr/bin/env node
// Runs the compiled program in dist/ (built by `npm install` / `npm ci` through the `prepare` script, or
// `npm run build`). TypeScript is never compiled at run time: start-up is part of the tool's speed.
// One-shot commands run dist/cli-bundle.cjs with a V8 code cache (bin/code-cache.cjs); the bot, a
// long-running process with worker threads, runs the ES module build (dist/cli.js). CommonJS, so a one-shot
// command never starts Node's ES module loader (~10 ms); bin/cert-doctor.mjs runs this file.
'use strict';
const { existsSync, readFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');

const trace = process.env.CERT_DOCTOR_TRACE === '1';
const stamp = (step) => process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  ${step}\n`);
if (trace) {
  // src/trace.ts: the steps of a run in ms since the process started; here its first and last moments
  stamp('bin: starts');
  process.on('exit', () => stamp('exit'));
}

/**
 * The usage texts (`--help`, `-h`, `help`, no arguments, `check --help` …) without loading the program: bin/build.mjs
 * ran the program on those exact argument lists and recorded what it wrote and returned in dist/fixed-output.json
 * (test/fixed-output.test.ts: byte for byte the program's own). Loading the bundle through the code cache costs
 * ~15 ms; this costs ~1 ms over `node -e 0`. Written with writeSync: creating process.stdout costs ~3 ms. Returns
 * false, having written nothing, when the arguments are not such a list or the file is missing or unreadable.
 */
function fixedOutput(args) {
  // only lists that can be in the file get to read it: a check never pays for it
  if (args.length > 2 || (args.length > 0 && !HELP_WORDS.has(args[args.length - 1]))) return false;
  let run;
  let texts;
  try {
    ({ texts, runs: run } = JSON.parse(readFileSync(join(__dirname, '..', 'dist', 'fixed-output.json'), 'utf8')));
    run = Object.hasOwn(run, args.join('\0')) ? run[args.join('\0')] : undefined;
  } catch {
    return false;
  }
  // a record of another shape (damaged, or from some other build): the program answers
  if (!Array.isArray(texts)) return false;
  const fine = (w) => Array.isArray(w) && (w[0] === 1 || w[0] === 2) && typeof texts[w[1]] === 'string';
  if (!Number.isInteger(run?.code) || !Array.isArray(run.writes) || !run.writes.every(fine)) return false;
  if (trace) stamp('bin: fixed output from dist/fixed-output.json');
  for (const [fd, text] of run.writes) writeAll(fd, texts[text]);
  process.exitCode = run.code;
  return true;
}
const HELP_WORDS = new Set(['--help', '-h', 'help']);

/** All of `text` to fd 1 or 2; what a full or non-blocking pipe refuses goes through the stream. */
function writeAll(fd, text) {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  try {
    while (at < bytes.length) at += writeSync(fd, bytes, at);
  } catch (err) {
    if (err?.code === 'EPIPE') return; // the reader is gone (`cert-doctor --help | true`): nothing left to do
    (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(at));
  }
}

/**
 * A reader that went away before the output was written (`cert-doctor check … | true`): Node reports the EPIPE
 * as an unhandled 'error' event, a stack trace and exit 1. The output has nowhere to go; the run finishes with
 * its own exit status instead. Any other stream error stays what it was.
 */
function quietOnEpipe(stream) {
  if (!quiet.has(stream)) {
    quiet.add(stream);
    stream.on('error', (err) => {
      if (err?.code !== 'EPIPE' && err?.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
  return stream;
}
const quiet = new Set();

async function run(args) {
  // Configuration may live in ./.env (DESIGN.md); real environment variables win over it.
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Node creates process.stdout/stdin on first use (~2 ms each): a check never reads stdin, and writes stdout last.
  const used = new Set();
  const io = {
    get stdout() {
      used.add(process.stdout);
      return quietOnEpipe(process.stdout);
    },
    get stderr() {
      used.add(process.stderr);
      return quietOnEpipe(process.stderr);
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
  const dist = join(__dirname, '..', 'dist');
  const bot = args[0] === 'start' || args[0] === 'serve' || args[0] === 'shell';
  if (!bot && existsSync(join(dist, 'cli-bundle.cjs'))) {
    const loader = require('./code-cache.cjs');
    // check: the main handshake's TCP connection opens first, and its round trip overlaps with loading the
    // program (src/cli-preconnect.ts says when it connects, and when it leaves everything to the check)
    let early = null;
    if (
      args[0] === 'check' &&
      process.env.CERT_DOCTOR_PRECONNECT !== '0' &&
      existsSync(join(dist, loader.PRECONNECT_BUNDLE))
    ) {
      try {
        early = loader.loadPreconnectBundle(dist);
        await early.exports.preconnect(args, process.env, undefined, early.memo);
        if (trace) stamp(`bin: preconnect done (code cache ${early.cache})`);
      } catch {
        early = null; // an optimisation only: the check connects by itself
      }
    }
    const bundle = loader.loadCliBundle(dist, args);
    if (trace) stamp(`bin: bundle loaded (code cache ${bundle.cache})`);
    process.exitCode = await bundle.main(args, io);
    // A check that reached no answer (exit 3: refused, unresolvable, a usage error) ran little of the probe: a
    // cache made from it would leave the handshake and HTTP code to compile lazily in every later run, between
    // the server's flight and our request. It saves none; the next check that gets a verdict does.
    if (args[0] !== 'check' || process.exitCode !== 3) {
      bundle.save();
      early?.save();
    }
    // A check's work is done and its output written: Node's own teardown (freeing the environment and the V8
    // heap, ~1-3 ms) is skipped, but only when every stream it wrote to has handed all its bytes to the kernel
    // (a write a pipe could not take at once stays buffered: then the process ends the usual way).
    if (trace) used.add(process.stderr);
    if (args[0] === 'check' && [...used].every((s) => s.writableLength === 0 && !s.writableNeedDrain)) {
      process.exit();
    }
    return;
  }
  let cli;
  try {
    cli = await import('../dist/cli.js');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
    process.stderr.write('cert-doctor: dist/cli.js is missing; run `npm run build` (npm install runs it)\n');
    process.exit(3);
  }
  process.exitCode = await cli.main(args, io);
}

const args = process.argv.slice(2);
if (!fixedOutput(args))
  run(args).catch((err) => {
    // main() catches everything a command throws; this is the loader itself failing
    process.stderr.write(`cert-doctor: internal error: ${String(err?.message ?? err).split('\n')[0]}\n`);
    process.exitCode = 3;
  });
