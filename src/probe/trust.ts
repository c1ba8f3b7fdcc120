import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { normalizedNames } from './name-normalize.js';
import { validatedEarly } from './preconnect.js';
import { customAnchors, type Entry, entryInfo, pemToDer, shasOf, toEntries } from './trust-anchors.js';
import type { CertInfo } from './types.js';

export { pemToDer } from './trust-anchors.js';

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

/** Whether `issuer` may have issued `child` judging by key identifiers (RFC 5280 §4.2.1.1): unknown counts as yes. */
export function keyIdsCompatible(child: CertInfo, issuer: CertInfo): boolean {
  return child.authorityKeyId === null || issuer.subjectKeyId === null || child.authorityKeyId === issuer.subjectKeyId;
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
 * Throws InputError for an extra bundle that holds no certificate or a broken one. Bundles the CLI's first
 * step has already validated (preconnect.ts validatedEarly) are parsed on first use instead: in a one-shot
 * check this runs on the way to the ClientHello, and the parse (node:crypto, an OpenSSL X509) costs ~5 ms.
 */
export function loadTrustStore(opts: TrustStoreOptions = {}): TrustStore {
  const systemPath = opts.systemBundlePath === undefined ? defaultSystemPath() : opts.systemBundlePath;
  // extra bundles are checked now (a broken --ca is the caller's error); the built-in anchors are indexed
  // on first use (or beforehand by prepareBuiltinAnchors), off a CLI check's path to its first handshake
  const extra = opts.extraCaPem ?? [];
  let custom = extra.every(validatedEarly) ? undefined : extra.map(customAnchors);
  let index: AnchorIndex | undefined;
  const built = (): AnchorIndex => {
    if (index === undefined) {
      const builtin = opts.builtin === false ? { mozilla: [], system: [] } : builtinAnchors(systemPath);
      index = new AnchorIndex();
      index.add(builtin.mozilla, 'mozilla');
      index.add(builtin.system, 'system');
      custom ??= extra.map(customAnchors);
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
