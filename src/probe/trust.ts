import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { isMalformed, parseCert } from './certinfo.js';
import { InputError, quote } from './errors.js';
import { nameTlvs, normalizedNames, normalizeName } from './name-normalize.js';
import type { CertInfo } from './types.js';

/** Which store an anchor came from; matches ChainReport.anchorStore. */
export type AnchorStore = 'mozilla' | 'system' | 'custom';

export interface TrustAnchor {
  cert: CertInfo;
  store: AnchorStore;
}

export interface TrustStore {
  /** anchors whose subject matches `cert`'s issuer (RFC 5280 §7.1), AKI==SKI matches first; signatures are not checked here */
  findIssuers(cert: CertInfo): TrustAnchor[];
  /** the store holding the certificate with this SHA-256 (lower-case hex), or null */
  lookup(sha256: string): AnchorStore | null;
  readonly size: number;
}

export interface TrustStoreOptions {
  /** PEM bundles of extra anchors (`--ca`, CERT_DOCTOR_CA): the file contents, not paths */
  extraCaPem?: string[];
  /** the OS bundle; undefined = the first that exists of SYSTEM_BUNDLE_PATHS, null = none */
  systemBundlePath?: string | null;
  /** false: neither the Mozilla nor the OS roots, only `extraCaPem` (`inspect --no-default-ca`) */
  builtin?: boolean;
}

/** Debian/Ubuntu/Alpine, RHEL/Fedora, macOS/BSD, in that order. */
export const SYSTEM_BUNDLE_PATHS = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Every `CERTIFICATE` block of a PEM text (RFC 7468 §5), decoded. Other block types are skipped.
 * Throws InputError when a certificate block's body is not base64; callers name the source.
 */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [, label, body] of pem.matchAll(PEM_BLOCK)) {
    if (label !== 'CERTIFICATE' && label !== 'X509 CERTIFICATE' && label !== 'TRUSTED CERTIFICATE') continue;
    if (!BASE64_BODY.test(body!)) throw new InputError(`PEM block "${label}" is not base64`);
    out.push(new Uint8Array(Buffer.from(body!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

/** Whether `issuer` may have issued `child` judging by key identifiers (RFC 5280 §4.2.1.1): unknown counts as yes. */
export function keyIdsCompatible(child: CertInfo, issuer: CertInfo): boolean {
  return child.authorityKeyId === null || issuer.subjectKeyId === null || child.authorityKeyId === issuer.subjectKeyId;
}

/** An anchor as loaded: hashed and name-indexed up front, fully parsed only when it is a candidate. */
interface Entry {
  der: Uint8Array;
  sha256: string;
  subjectKey: string;
  info?: CertInfo | null;
}

function toEntry(der: Uint8Array, sha256: string): Entry | null {
  let subjectKey: string;
  try {
    subjectKey = normalizeName(der, nameTlvs(der).subject);
  } catch {
    return null;
  }
  return { der, sha256, subjectKey };
}

/**
 * Entries for `ders`, leaving out certificates already in `known` (SHA-256): the OS bundle repeats most of the
 * bundled Mozilla roots (122 of 144 on Debian), and the index keeps a certificate's first store anyway
 * (AnchorIndex.add), so a repeat is hashed but never name-normalised (the bulk of indexing's CPU).
 */
function toEntries(ders: Uint8Array[], known: ReadonlySet<string> = new Set()): Entry[] {
  const out: Entry[] = [];
  for (const der of ders) {
    const sha256 = createHash('sha256').update(der).digest('hex');
    if (known.has(sha256)) continue;
    const entry = toEntry(der, sha256);
    if (entry) out.push(entry);
  }
  return out;
}

const shasOf = (entries: Entry[]): Set<string> => new Set(entries.map((e) => e.sha256));

function entryInfo(entry: Entry): CertInfo | null {
  if (entry.info === undefined) {
    const parsed = parseCert(entry.der);
    entry.info = isMalformed(parsed) ? null : parsed;
  }
  return entry.info;
}

interface Builtin {
  mozilla: Entry[];
  system: Entry[];
}

/**
 * Hashed and indexed once per process and path. Full parsing costs ~6 ms a certificate (about a second
 * for Mozilla plus an OS bundle), so it waits until an anchor is actually a candidate issuer.
 */
const builtinCache = new Map<string, Builtin>();

function readSystemBundle(path: string): Uint8Array[] {
  try {
    return pemToDer(readFileSync(path, 'utf8'));
  } catch {
    // An unreadable or odd OS bundle must not stop a check; the Mozilla set still applies.
    return [];
  }
}

function builtinDers(systemPath: string | null): { mozilla: Uint8Array[]; system: Uint8Array[] } {
  return { mozilla: pemToDer(rootCertificates.join('\n')), system: systemPath ? readSystemBundle(systemPath) : [] };
}

function builtinAnchors(systemPath: string | null): Builtin {
  const key = systemPath ?? '';
  let hit = builtinCache.get(key);
  if (!hit) {
    const ders = builtinDers(systemPath);
    const mozilla = toEntries(ders.mozilla);
    hit = { mozilla, system: toEntries(ders.system, shasOf(mozilla)) };
    builtinCache.set(key, hit);
  }
  return hit;
}

const preparing = new Map<string, Promise<void>>();
/** Anchors hashed and name-indexed per turn of the event loop by prepareBuiltinAnchors (~0.1 ms each). */
const PREPARE_SLICE = 16;

/**
 * Indexes the built-in anchors (~290 on a Debian host, ~30 ms of CPU) in slices between turns of the event
 * loop, so a check can start it once its handshake is on the wire: the work fills the wait for the server
 * instead of delaying the ClientHello, and network events are never held up by more than a slice. A store
 * used before it finishes indexes the rest at once (loadTrustStore).
 */
export function prepareBuiltinAnchors(systemPath: string | null = defaultSystemPath()): Promise<void> {
  const key = systemPath ?? '';
  if (builtinCache.has(key)) return Promise.resolve();
  let pending = preparing.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
      await yieldTurn();
      const ders = builtinDers(systemPath);
      const done: Builtin = { mozilla: [], system: [] };
      for (const store of ['mozilla', 'system'] as const) {
        const list = ders[store];
        const known = store === 'system' ? shasOf(done.mozilla) : new Set<string>();
        for (let i = 0; i < list.length; i += PREPARE_SLICE) {
          await yieldTurn();
          if (builtinCache.has(key)) return;
          done[store].push(...toEntries(list.slice(i, i + PREPARE_SLICE), known));
        }
      }
      if (!builtinCache.has(key)) builtinCache.set(key, done);
    })().finally(() => preparing.delete(key));
    preparing.set(key, pending);
  }
  return pending;
}

function defaultSystemPath(): string | null {
  return SYSTEM_BUNDLE_PATHS.find((p) => existsSync(p)) ?? null;
}

function customAnchors(pem: string, index: number): Entry[] {
  const name = `CA bundle #${index + 1} (${quote(pem.trim().split('\n')[0] ?? '', 40)})`;
  let ders: Uint8Array[];
  try {
    ders = pemToDer(pem);
  } catch (err) {
    throw new InputError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (ders.length === 0) throw new InputError(`${name}: no PEM CERTIFICATE block found`);
  const entries = toEntries(ders);
  const bad = ders.length - entries.filter((e) => entryInfo(e) !== null).length;
  if (bad > 0) throw new InputError(`${name}: ${bad} of ${ders.length} certificate(s) could not be parsed`);
  return entries;
}

class AnchorIndex {
  readonly bySubject = new Map<string, { entry: Entry; store: AnchorStore }[]>();
  readonly bySha = new Map<string, AnchorStore>();

  add(entries: Entry[], store: AnchorStore): void {
    for (const entry of entries) {
      if (this.bySha.has(entry.sha256)) continue;
      this.bySha.set(entry.sha256, store);
      const list = this.bySubject.get(entry.subjectKey) ?? [];
      list.push({ entry, store });
      this.bySubject.set(entry.subjectKey, list);
    }
  }

  issuersOf(cert: CertInfo): TrustAnchor[] {
    const issuerKey = normalizedNames(cert.der)?.issuer;
    const found: TrustAnchor[] = [];
    for (const { entry, store } of (issuerKey !== undefined && this.bySubject.get(issuerKey)) || []) {
      const info = entryInfo(entry);
      if (info) found.push({ cert: info, store });
    }
    // key identifiers order the candidates and never exclude one (RFC 5280 §4.2.1.1: a hint)
    const rank = (a: TrustAnchor) =>
      cert.authorityKeyId === null || a.cert.subjectKeyId === null
        ? 1
        : a.cert.subjectKeyId === cert.authorityKeyId
          ? 0
          : 2;
    return found.sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Trust anchors: Node's bundled Mozilla roots, the OS bundle, and extra PEM bundles. A certificate in
 * several stores keeps the first (mozilla, system, custom) so reports say the most portable thing.
 * Throws InputError for an extra bundle that holds no certificate or a broken one.
 */
export function loadTrustStore(opts: TrustStoreOptions = {}): TrustStore {
  const systemPath = opts.systemBundlePath === undefined ? defaultSystemPath() : opts.systemBundlePath;
  // extra bundles are checked now (a broken --ca is the caller's error); the built-in anchors are indexed
  // on first use (or beforehand by prepareBuiltinAnchors), off a CLI check's path to its first handshake
  const custom = (opts.extraCaPem ?? []).map(customAnchors);
  let index: AnchorIndex | undefined;
  const built = (): AnchorIndex => {
    if (index === undefined) {
      const builtin = opts.builtin === false ? { mozilla: [], system: [] } : builtinAnchors(systemPath);
      index = new AnchorIndex();
      index.add(builtin.mozilla, 'mozilla');
      index.add(builtin.system, 'system');
      index.add(custom.flat(), 'custom');
    }
    return index;
  };
  return {
    findIssuers: (cert) => built().issuersOf(cert),
    lookup: (sha256) => built().bySha.get(sha256) ?? null,
    get size() {
      return built().bySha.size;
    },
  };
}
