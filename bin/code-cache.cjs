// Runs dist/cli-bundle.cjs (bin/build.mjs) through vm.Script with a V8 code cache. Node 20 caches no ES module's
// compiled code (module.enableCompileCache is Node 22), so every run of the chunked build parsed and compiled
// the probe again before its first ClientHello. The cache is written once per bundle, node version and
// command (check, explain, inspect, anything else), after the command has run, so it holds the functions that
// command compiled lazily too (v8-compile-cache's technique). A cache that does not verify is ignored and
// replaced: our own CRC-32 over its bytes (a truncated or corrupt file: release builds of V8 verify no checksum,
// --verify-snapshot-checksum is off), then V8's checks (version, flags, and the source's length only, which is
// why the file name carries the bundle file's identity). CRC-32 (zlib), not a SHA: it detects damage as well,
// nobody who can write the cache directory is kept out by an unkeyed hash, and node:crypto costs a check ~3 ms
// before its first SYN, where nothing else needs it (src/cli-ca-memo.ts).
// CommonJS, like bin/cert-doctor.cjs: a one-shot command never starts Node's ES module loader (~10 ms).
'use strict';
const { isAscii } = require('node:buffer');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');
const { crc32 } = require('node:zlib');

const {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} = fs;
const BUNDLE = 'cli-bundle.cjs';
const PRECONNECT_BUNDLE = 'cli-preconnect.cjs';
const KINDS = new Set(['check', 'explain', 'inspect']);
const DIGEST = 4;
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
  return loadBundle(dist, BUNDLE, `cli-${KINDS.has(args[0]) ? args[0] : 'other'}`, env);
}

/**
 * bin/cert-doctor.cjs runs dist/cli-preconnect.cjs (src/cli-preconnect.ts) before the program for `check`; it
 * has its own cache files, named `preconnect-…`.
 */
function loadPreconnectBundle(dist, env = process.env) {
  return loadBundle(dist, PRECONNECT_BUNDLE, 'preconnect', env);
}

function loadBundle(dist, name, cacheName, env) {
  const file = join(dist, name);
  const { bytes, identity } = readWithStat(file);
  const enabled = env.CERT_DOCTOR_CODE_CACHE !== '0';
  // per node binary and flags (a run with other V8 flags keeps its own cache), then per bundle
  const runtime = short(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`);
  // The bundle's identity, from the same descriptor its bytes came from: V8 checks a cache's source only by
  // its length, so a rebuilt bundle must never meet an older build's cache. Any rewrite changes ctime, which
  // no user-space call can set back (utimes, cp -p and tar restore mtime only); ~1 ms less than hashing 640 KB.
  const build = identity && short(identity);
  // bin/build.mjs emits ASCII (charset: 'ascii'): read as latin1 that is a plain copy (~0.4 ms for 640 KB),
  // where UTF-8 decoding costs ~2 ms; the same text either way, and any other bundle is decoded as UTF-8
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const dir = enabled && build ? cacheDir(dist, env) : null;
  const prefix = `${cacheName}-${runtime}-`;
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
    exports: mod.exports,
    main: mod.exports.main,
    cache,
    /** where and under which key src/cli-ca-memo.ts keeps what this bundle validated; null without a cache */
    memo: dir && build ? { dir, key: `${runtime}-${build}` } : null,
    save() {
      if (path && cache !== 'used') write(dir, path, prefix, script.createCachedData());
    },
  };
}

/** A cache file's first DIGEST bytes: the CRC-32 of the rest, big-endian. */
function checksum(bytes) {
  const out = Buffer.alloc(DIGEST);
  out.writeUInt32BE(crc32(bytes));
  return out;
}

/** Eight hex digits naming a runtime or a bundle build in cache file names. */
const short = (text) => crc32(text).toString(16).padStart(8, '0');

function readWithStat(file) {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd, { bigint: true });
    const bytes = Buffer.allocUnsafe(Number(stat.size));
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) break;
      at += n;
    }
    // shorter than its size said (truncated meanwhile): what was read, and no identity (no cache this run)
    const identity =
      at === bytes.length ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : null;
    return { bytes: bytes.subarray(0, at), identity };
  } finally {
    closeSync(fd);
  }
}

function readVerified(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(DIGEST);
  if (bytes.length <= DIGEST || !checksum(data).equals(bytes.subarray(0, DIGEST))) {
    return 'corrupt'; // truncated or damaged: not given to V8 at all, and save() replaces it
  }
  return data;
}

function write(dir, path, prefix, data) {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([checksum(data), data]));
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

module.exports = { BUNDLE, PRECONNECT_BUNDLE, cacheDir, checksum, loadCliBundle, loadPreconnectBundle };
