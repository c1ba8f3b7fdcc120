// Runs dist/cli-bundle.cjs (bin/build.mjs) through vm.Script with a V8 code cache. Node 20 caches no ES module's
// compiled code (module.enableCompileCache is Node 22), so every run of the chunked build parsed and compiled
// the probe again before its first ClientHello. The cache is written once per bundle, node version and
// command (check, explain, inspect, anything else), after the command has run, so it holds the functions that
// command compiled lazily too (v8-compile-cache's technique). A cache that does not verify is ignored and
// replaced: our own SHA-1 over its bytes (a truncated or corrupt file), then V8's checks (version, flags, source).
// CommonJS, like bin/cert-doctor.cjs: a one-shot command never starts Node's ES module loader (~10 ms).
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = fs;
const BUNDLE = 'cli-bundle.cjs';
const KINDS = new Set(['check', 'explain', 'inspect']);
const DIGEST = 20;
// One line, like Node's own CommonJS wrapper, so line numbers in stack traces stay those of the bundle.
const HEAD = '(function (exports, require, module, __filename, __dirname, import_meta_url, import_meta_resolve) {';
const TAIL = '\n})';

/**
 * Where caches live: CERT_DOCTOR_CACHE_DIR; else dist/.cache when dist/ is writable (a checkout run through
 * npm link); else $XDG_CACHE_HOME/cert-doctor or ~/.cache/cert-doctor (a global install owned by root).
 */
function cacheDir(dist, env = process.env) {
  if (env.CERT_DOCTOR_CACHE_DIR) return env.CERT_DOCTOR_CACHE_DIR;
  try {
    accessSync(dist, constants.W_OK);
    return join(dist, '.cache');
  } catch {
    try {
      return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cert-doctor');
    } catch {
      return null; // no home directory (os.homedir() throws): run without a cache
    }
  }
}

/**
 * Loads the bundle; `main` is src/cli.ts's. `cache` says what happened: none (first run, or
 * CERT_DOCTOR_CODE_CACHE=0), used, or rejected. `save()` writes a cache when none was used; it never throws.
 */
function loadCliBundle(dist, args, env = process.env) {
  const file = join(dist, BUNDLE);
  const bytes = readFileSync(file);
  const enabled = env.CERT_DOCTOR_CODE_CACHE !== '0';
  const kind = KINDS.has(args[0]) ? args[0] : 'other';
  const short = (h) => h.digest('hex').slice(0, 12);
  // per node binary and flags (a run with other V8 flags keeps its own cache), then per bundle
  const runtime = short(
    createHash('sha1').update(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`),
  );
  const build = short(createHash('sha1').update(bytes));
  const source = bytes.toString('utf8');
  const dir = enabled ? cacheDir(dist, env) : null;
  const prefix = `cli-${kind}-${runtime}-`;
  const path = dir && join(dir, `${prefix}${build}.v8`);
  const found = path ? readVerified(path) : undefined;
  const cachedData = found === 'corrupt' ? undefined : found;
  const script = new vm.Script(HEAD + source + TAIL, { filename: file, cachedData });
  const cache = found === undefined ? 'none' : found === 'corrupt' || script.cachedDataRejected ? 'rejected' : 'used';
  const mod = { exports: {} };
  const url = pathToFileURL(join(dist, 'cli.js')).href;
  script.runInThisContext()(
    mod.exports,
    createRequire(file),
    mod,
    file,
    dist,
    url,
    (s) => pathToFileURL(require.resolve(s)).href,
  );
  return {
    main: mod.exports.main,
    cache,
    save() {
      if (path && cache !== 'used') write(dir, path, prefix, script.createCachedData());
    },
  };
}

function readVerified(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(DIGEST);
  if (bytes.length <= DIGEST || !createHash('sha1').update(data).digest().equals(bytes.subarray(0, DIGEST))) {
    return 'corrupt'; // truncated or damaged: not given to V8 at all, and save() replaces it
  }
  return data;
}

function write(dir, path, prefix, data) {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([createHash('sha1').update(data).digest(), data]));
    renameSync(tmp, path);
    // caches of earlier builds for this command and runtime
    const name = path.slice(dir.length + 1);
    for (const old of readdirSync(dir)) {
      if (old.startsWith(prefix) && old.endsWith('.v8') && old !== name) rmSync(join(dir, old), { force: true });
    }
  } catch {
    // a read-only or full disk costs the next run its cache, never this run its result
  }
}

module.exports = { BUNDLE, cacheDir, loadCliBundle };
