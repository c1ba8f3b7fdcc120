/**
 * The --ca / CERT_DOCTOR_CA bundles the launcher's first step (src/cli-preconnect.ts) has already seen parse,
 * so a later run with the same bundle connects without parsing it again (issue 12). Parsing one is what made
 * the first step load node:crypto and make an OpenSSL X509 (~5 ms before the first SYN); a monitoring system
 * runs the same command, with the same --ca file, every few minutes. The check itself still parses every
 * bundle (trust.ts; told that the first step found them valid, preconnect.ts offerValidCa, it does so after its
 * ClientHello): the memo only decides whether the first step may connect without parsing them first.
 *
 * A bundle is known by its text: its UTF-8 length and CRC-32 (zlib's; node:crypto is what this avoids). The
 * memo is kept per runtime and build of the first step's bundle (the key bin/code-cache.cjs gives), in its
 * cache directory, so another parser never inherits it. A bundle edited into one that does not parse, yet keeps
 * length and CRC-32, would connect before the check refused it: that takes deliberate forging, and it costs
 * only that connection. Reading or writing the memo never throws: without one, every bundle is parsed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface CaMemo {
  dir: string;
  key: string;
}

/** Enough for every --ca file a host's checks use; the oldest are dropped first. */
const MAX_KNOWN = 64;
const PREFIX = 'ca-parsed-';

const fileOf = (memo: CaMemo) => join(memo.dir, `${PREFIX}${memo.key}.json`);

export function fingerprint(pem: string): string {
  const bytes = Buffer.from(pem, 'utf8');
  return `${bytes.length}:${crc32(bytes).toString(16).padStart(8, '0')}`;
}

function known(memo: CaMemo): string[] {
  try {
    const list: unknown = JSON.parse(readFileSync(fileOf(memo), 'utf8'));
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** True when every bundle parsed in an earlier run of this build (an empty list: nothing to parse). */
export function parsedBefore(memo: CaMemo | null, bundles: readonly string[]): boolean {
  if (bundles.length === 0) return true;
  if (memo === null) return false;
  const seen = new Set(known(memo));
  return bundles.every((pem) => seen.has(fingerprint(pem)));
}

/** Records bundles that have just parsed; removes the memos of other builds. */
export function rememberParsed(memo: CaMemo | null, bundles: readonly string[]): void {
  if (memo === null || bundles.length === 0) return;
  try {
    const fresh = bundles.map(fingerprint);
    const list = [...known(memo).filter((f) => !fresh.includes(f)), ...fresh].slice(-MAX_KNOWN);
    mkdirSync(memo.dir, { recursive: true });
    const file = fileOf(memo);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(list));
    renameSync(tmp, file);
    const name = file.slice(memo.dir.length + 1);
    for (const old of readdirSync(memo.dir)) {
      if (old.startsWith(PREFIX) && old.endsWith('.json') && old !== name) rmSync(join(memo.dir, old), { force: true });
    }
  } catch {
    // a read-only or full disk: the next run parses again
  }
}
