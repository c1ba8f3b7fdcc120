#!/usr/bin/env node
// Compiles the installed program into dist/ (run by `npm install` / `npm ci` through the `prepare` script,
// and by `npm run build`). Code splitting keeps every dynamic import() a separate chunk, so `--help` loads
// only the CLI and the bot's modules load only for `start`. Packages stay external: they load from
// node_modules only when a chunk that needs them runs (undici, @peculiar/x509, Bolt, pino), and
// better-sqlite3 is a native addon that cannot be bundled.
import { isAscii } from 'node:buffer';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** dist/cli-bundle.cjs: bin/code-cache.cjs runs it */
const CLI_BUNDLE = 'cli-bundle';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** `--outdir DIR` builds elsewhere (test/startup.test.ts builds a fresh copy); default dist/. */
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'dist');

/**
 * Entry name in dist/ → source. The worker pool's entry is its own file, since a Worker starts from a path:
 * src/pool/index.ts finds it as new URL('./check-worker.js', import.meta.url), and every chunk sits in dist/.
 * Listed only when present (the pool arrives with the Hostile-input issue).
 */
const entries = { cli: 'src/cli.ts', 'check-worker': 'src/pool/check-worker.ts' };
const entryPoints = Object.fromEntries(
  Object.entries(entries)
    .filter(([, src]) => existsSync(join(root, src)))
    .map(([out, src]) => [out, join(root, src)]),
);

/**
 * Bundled rather than loaded from node_modules: pure JavaScript a check needs before its first handshake.
 * Loading a CommonJS package from an ES module costs a check ~5 ms (the CJS loader, cjs-module-lexer);
 * compiled into the chunk it costs nothing extra. (ipaddr.js: only at build time now, see below.)
 */
const BUNDLED = new Set(['ipaddr.js']);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

/**
 * The address policy's special-purpose table (src/probe/special-ranges.ts derives it from ipaddr.js's ranges
 * plus our own entries), computed here once instead of at every start: built at module load it cost a CLI
 * check ~2-4 ms before its first SYN (ipaddr.js's set-up, then formatting ~50 ranges), and ipaddr.js is needed
 * for nothing else. The source module runs as it is (bundled, evaluated from memory) and the programs get its
 * result as data; tests and `npm run` scripts keep deriving it from source.
 */
const derived = await build({
  entryPoints: [join(root, 'src/probe/special-ranges.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const { SPECIAL_RANGES } = await import(
  `data:text/javascript;base64,${Buffer.from(derived.outputFiles[0].contents).toString('base64')}`
);
const specialRangesAsData = {
  name: 'special-ranges-as-data',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]probe[\\/]special-ranges\.ts$/ }, () => ({
      contents: `export const SPECIAL_RANGES = ${JSON.stringify(SPECIAL_RANGES)};`,
      loader: 'js',
    }));
  },
};
const plugins = [specialRangesAsData];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Flat: every chunk's import.meta.url is in dist/, so new URL('./check-worker.js', import.meta.url) holds anywhere.
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: process.argv.includes('--metafile'),
  plugins,
});
if (result.metafile) console.log(JSON.stringify(result.metafile));

/**
 * The one-shot commands (check, explain, inspect, --help) also as one CommonJS file, run by bin/code-cache.cjs
 * through vm.Script with a V8 code cache: Node 20 caches no ES module's compiled code, and loading ~60 chunks
 * through the ES module loader (resolve, stat, open, compile each) is most of a check's start-up. Dynamic
 * imports become lazily evaluated functions inside it (esbuild's __esm wrappers): --help still runs none of
 * the probe. import.meta.url stands for dist/cli.js's URL, so package.json and check-worker.js resolve as
 * from the ES module build; the bot (start, serve, shell) keeps running that build.
 */
/** Both CommonJS files run through bin/code-cache.cjs: the same format, minification and import.meta stand-ins. */
const codeCached = {
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  outExtension: { '.js': '.cjs' },
  // less to read, hash and parse at every start; identifiers stay, so stack traces still name functions
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // import() of a package or node: builtin becomes require(): a vm.Script has no dynamic-import callback
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': 'import_meta_url', 'import.meta.resolve': 'import_meta_resolve' },
  legalComments: 'none',
  logLevel: 'warning',
  plugins,
};
await build({ ...codeCached, entryPoints: { [CLI_BUNDLE]: join(root, 'src/cli.ts') } });
// charset 'ascii' escapes strings but not regular expression literals: bin/code-cache.cjs reads an ASCII bundle
// as latin1 (a copy) and anything else as UTF-8 (~1.5 ms more per start); write \uXXXX in a pattern instead
const bundleBytes = readFileSync(join(outdir, `${CLI_BUNDLE}.cjs`));
if (!isAscii(bundleBytes)) console.warn(`build: dist/${CLI_BUNDLE}.cjs is not ASCII; it still runs, decoded as UTF-8`);

/**
 * dist/cli-preconnect.cjs: what bin/cert-doctor.cjs runs before it loads the program for `check` (src/cli-preconnect.ts:
 * the main handshake's connection opens while the program loads). Small on purpose: the option and target
 * parsers, the address policy, the resolver and the CA bundle parser. Run by bin/code-cache.cjs like the bundle
 * above (its own code cache), so the same import.meta stand-ins.
 */
await build({ ...codeCached, entryPoints: { 'cli-preconnect': join(root, 'src/cli-preconnect.ts') } });

/**
 * dist/fixed-output.json: what the program prints for the argument lists whose output is fixed text (the usage
 * texts), recorded here by running the bundle just built on each of them, so bin/cert-doctor.cjs can print it
 * without loading the bundle or the code-cache loader (issue 12: `--help` ≤ 1.5× `node -e 0`; loading them is
 * ~15 ms). A list is recorded only when its run reads neither the environment nor stdin and does not throw:
 * then its output cannot depend on the user's setup. The launcher matches whole argument lists, nothing looser;
 * test/fixed-output.test.ts compares each entry with the program's own output, from source.
 */
const FIXED = [[], ['--help'], ['-h'], ['help']];
for (const command of ['check', 'explain', 'inspect']) FIXED.push([command, '--help'], [command, '-h']);
const { loadCliBundle } = createRequire(import.meta.url)('./code-cache.cjs');
const program = loadCliBundle(outdir, ['help'], { CERT_DOCTOR_CODE_CACHE: '0' });
const texts = [];
const runs = {};
for (const args of FIXED) {
  const writes = [];
  let pure = true;
  const stream = (fd) => ({
    write(text) {
      writes.push([fd, text]);
      return true;
    },
  });
  const refuse = () => {
    pure = false;
    throw new Error('not fixed output');
  };
  const io = {
    stdout: stream(1),
    stderr: stream(2),
    get stdin() {
      return refuse();
    },
  };
  io.env = new Proxy({}, { get: refuse, has: refuse, ownKeys: refuse });
  const code = await program.main(args, io);
  if (!pure || writes.length === 0) {
    console.warn(`build: \`cert-doctor ${args.join(' ')}\` is not fixed output; not recorded`);
    continue;
  }
  const at = (text) => (texts.includes(text) ? texts.indexOf(text) : texts.push(text) - 1);
  runs[args.join('\0')] = { code, writes: writes.map(([fd, text]) => [fd, at(String(text))]) };
}
writeFileSync(join(outdir, 'fixed-output.json'), `${JSON.stringify({ texts, runs })}\n`);
