import { isIP } from 'node:net';
import { setFlagsFromString } from 'node:v8';

/**
 * Called by the CLI's check (src/cli.ts) on the main thread of a one-shot process, never by the probe itself:
 * V8's flags are process-wide, and a pool worker setting one could race the main thread.
 *
 * Node's net.isIP() runs on every host a check touches (dns.lookup, tls.connect's servername) and tests a
 * name against its IPv6 pattern, one of the largest regular expressions in Node's own code. V8 first runs a
 * regular expression in its bytecode interpreter and compiles it to machine code on the next use
 * (--regexp-tier-up): for this pattern that is ~5 ms, then ~2 ms, on the way to a check's first SYN
 * (measured on Node 20, 2-core host). Compiled straight to machine code it costs ~2 ms once (issue 12).
 *
 * So the first isIP of the process runs with tier-up off, then the flag is set back. Only V8's regexp
 * tier-up flag changes, for one call; nothing else reads it, and the code cache's flag hash is the same
 * before and after (bin/code-cache.cjs: V8 rejects a cache made under other flags, and
 * test/code-cache.test.ts sees it used). Skipped when the process was started with its own regexp
 * tier-up setting, which is then left alone.
 */
let done = false;

/** 'warmed' the first time in a process, 'already' after; 'skipped' when the flag was set at start-up. */
export function warmIsIp(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS,
): 'warmed' | 'already' | 'skipped' {
  if (done) return 'already';
  done = true;
  const own = [...execArgv, nodeOptions ?? ''].some(
    (a) => a.includes('regexp-tier-up') || a.includes('regexp_tier_up'),
  );
  if (own) return 'skipped';
  try {
    setFlagsFromString('--no-regexp-tier-up');
    isIP('localhost'); // a name: both the IPv4 and the IPv6 pattern run
  } finally {
    setFlagsFromString('--regexp-tier-up');
  }
  return 'warmed';
}
