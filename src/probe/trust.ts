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

function toEntries(ders: Uint8Array[]): Entry[] {
  const out: Entry[] = [];
  for (const der of ders) {
    let subjectKey: string;
    try {
      subjectKey = normalizeName(der, nameTlvs(der).subject);
    } catch {
      continue;
    }
    out.push({ der, sha256: createHash('sha256').update(der).digest('hex'), subjectKey });
  }
  return out;
}

function entryInfo(entry: Entry): CertInfo | null {
  if (entry.info === undefined) {
    const parsed = parseCert(entry.der);
    entry.info = isMalformed(parsed) ? null : parsed;
  }
  return entry.info;
}

/**
 * Hashed and indexed once per process and path. Full parsing costs ~6 ms a certificate (about a second
 * for Mozilla plus an OS bundle), so it waits until an anchor is actually a candidate issuer.
 */
const builtinCache = new Map<string, { mozilla: Entry[]; system: Entry[] }>();

function readSystemBundle(path: string): Entry[] {
  try {
    return toEntries(pemToDer(readFileSync(path, 'utf8')));
  } catch {
    // An unreadable or odd OS bundle must not stop a check; the Mozilla set still applies.
    return [];
  }
}

function builtinAnchors(systemPath: string | null): { mozilla: Entry[]; system: Entry[] } {
  const key = systemPath ?? '';
  let hit = builtinCache.get(key);
  if (!hit) {
    const mozilla = toEntries(pemToDer(rootCertificates.join('\n')));
    hit = { mozilla, system: systemPath ? readSystemBundle(systemPath) : [] };
    builtinCache.set(key, hit);
  }
  return hit;
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
  const custom = (opts.extraCaPem ?? []).map(customAnchors);
  const builtin = opts.builtin === false ? { mozilla: [], system: [] } : builtinAnchors(systemPath);
  const index = new AnchorIndex();
  index.add(builtin.mozilla, 'mozilla');
  index.add(builtin.system, 'system');
  index.add(custom.flat(), 'custom');
  return {
    findIssuers: (cert) => index.issuersOf(cert),
    lookup: (sha256) => index.bySha.get(sha256) ?? null,
    size: index.bySha.size,
  };
}
