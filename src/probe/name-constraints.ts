/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c), §6.1.4 (g)) for the name forms a TLS path carries:
 * dNSName, rfc822Name, iPAddress and directoryName. Other forms are not constrained here. Work is capped as
 * BoringSSL caps it (names × subtrees), so a certificate with thousands of names cannot stall a check.
 */
import { readTbs } from './der-cert.js';
import { ipString } from './der-general-names.js';
import { children, content, ctx as ctxTag, DerError, readTlv, type Tlv } from './der-reader.js';
import { CERT_MEMO_MAX } from './memo-bounds.js';
import { nameTlvs, normalizeName, rdnsOf } from './name-normalize.js';

export const NAME_CONSTRAINTS_OID = '2.5.29.30';
/** names × subtrees; BoringSSL refuses past about a million comparisons (pki/name_constraints.cc). */
export const MAX_NAME_CONSTRAINT_CHECKS = 1 << 20;

type Subtree =
  | { type: 'dns' | 'email'; value: string }
  | { type: 'ip'; addr: Uint8Array; mask: Uint8Array; text: string }
  | { type: 'dn'; rdns: string[]; text: string };

export interface NameConstraints {
  permitted: Subtree[];
  excluded: Subtree[];
}

export interface Violation {
  /** the name that broke the constraint, e.g. "dns:evil.example" */
  name: string;
  /** "permitted dns:example.com" / "excluded ip:10.0.0.0/8" / "too many checks" */
  subtree: string;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function subtrees(buf: Uint8Array, el: Tlv): Subtree[] {
  const out: Subtree[] = [];
  for (const st of children(buf, el)) {
    const base = children(buf, st)[0];
    if (!base) throw new DerError('GeneralSubtree: missing base');
    const b = content(buf, base);
    if (base.tag === ctxTag(2)) out.push({ type: 'dns', value: latin1(b).toLowerCase() });
    else if (base.tag === ctxTag(1)) out.push({ type: 'email', value: latin1(b).toLowerCase() });
    else if (base.tag === ctxTag(7) && (b.length === 8 || b.length === 32)) {
      const half = b.length / 2;
      out.push({
        type: 'ip',
        addr: b.subarray(0, half),
        mask: b.subarray(half),
        text: ipText(b.subarray(0, half), b.subarray(half)),
      });
    } else if (base.tag === ctxTag(4, true)) {
      const name = readTlv(buf, base.body, base.end);
      const key = normalizeName(buf, name);
      out.push({ type: 'dn', rdns: rdnsOf(key), text: key.replace(/\n/g, ', ') });
    }
  }
  return out;
}

function ipText(addr: Uint8Array, mask: Uint8Array): string {
  return `${ipString(addr)}/${[...mask].reduce((n, byte) => n + popcount(byte), 0)}`;
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x &= x - 1) n++;
  return n;
}

/**
 * Asked of every CA on every candidate path of every check: a pure function of the DER, memoised and
 * bounded like name-normalize.ts's memo (results are never mutated).
 */
const constraintsMemo = new Map<string, NameConstraints | null>();

/** The nameConstraints extension of a certificate, or null when it has none or it cannot be read. */
export function nameConstraintsOf(derB64: string): NameConstraints | null {
  let hit = constraintsMemo.get(derB64);
  if (hit === undefined) {
    hit = readNameConstraints(derB64);
    if (constraintsMemo.size > CERT_MEMO_MAX) constraintsMemo.clear();
    constraintsMemo.set(derB64, hit);
  }
  return hit;
}

function readNameConstraints(derB64: string): NameConstraints | null {
  try {
    const der = Buffer.from(derB64, 'base64');
    const ext = readTbs(der).extensions.get(NAME_CONSTRAINTS_OID);
    if (!ext) return null;
    const nc: NameConstraints = { permitted: [], excluded: [] };
    for (const part of children(der, ext.value)) {
      if (part.tag === ctxTag(0, true)) nc.permitted.push(...subtrees(der, part));
      else if (part.tag === ctxTag(1, true)) nc.excluded.push(...subtrees(der, part));
    }
    return nc;
  } catch {
    return null;
  }
}

type Name =
  | { type: 'dns' | 'email'; value: string }
  | { type: 'ip'; addr: Uint8Array; text: string }
  | { type: 'dn'; rdns: string[]; text: string };

/** The names of a certificate that constraints apply to: subject DN (when not empty) and SAN entries. */
function namesOf(derB64: string): Name[] {
  const der = Buffer.from(derB64, 'base64');
  const out: Name[] = [];
  const { subject } = nameTlvs(der);
  const key = normalizeName(der, subject);
  if (key !== '') out.push({ type: 'dn', rdns: rdnsOf(key), text: key.replace(/\n/g, ', ') });
  const san = readTbs(der).extensions.get('2.5.29.17');
  if (san) {
    for (const el of children(der, san.value)) {
      const b = content(der, el);
      if (el.tag === ctxTag(2)) out.push({ type: 'dns', value: latin1(b).toLowerCase() });
      else if (el.tag === ctxTag(1)) out.push({ type: 'email', value: latin1(b).toLowerCase() });
      else if (el.tag === ctxTag(7)) out.push({ type: 'ip', addr: b, text: ipString(b) });
      else if (el.tag === ctxTag(4, true)) {
        const dn = normalizeName(der, readTlv(der, el.body, el.end));
        out.push({ type: 'dn', rdns: rdnsOf(dn), text: dn.replace(/\n/g, ', ') });
      }
    }
  }
  return out;
}

function dnsMatches(name: string, c: string): boolean {
  if (c === '') return true;
  if (c.startsWith('.')) return name.endsWith(c);
  return name === c || name.endsWith(`.${c}`);
}

function emailMatches(name: string, c: string): boolean {
  if (c.includes('@')) return name === c;
  const host = name.slice(name.lastIndexOf('@') + 1);
  return c.startsWith('.') ? host.endsWith(c) : host === c;
}

function matches(n: Name, s: Subtree): boolean {
  if (n.type === 'dns' && s.type === 'dns') return dnsMatches(n.value.replace(/^\*\./, 'x.'), s.value);
  if (n.type === 'email' && s.type === 'email') return emailMatches(n.value, s.value);
  if (n.type === 'ip' && s.type === 'ip')
    return n.addr.length === s.addr.length && n.addr.every((b, i) => (b & s.mask[i]!) === (s.addr[i]! & s.mask[i]!));
  if (n.type === 'dn' && s.type === 'dn') return s.rdns.every((r, i) => n.rdns[i] === r);
  return false;
}

const show = (x: Name | Subtree): string => `${x.type}:${'value' in x ? x.value : x.text}`;

/** Every name of `derB64` that `nc` forbids (excluded, or of a permitted type but in no permitted subtree). */
export function violations(derB64: string, nc: NameConstraints): Violation[] {
  const names = namesOf(derB64);
  if (names.length * (nc.permitted.length + nc.excluded.length) > MAX_NAME_CONSTRAINT_CHECKS)
    return [
      {
        name: `${names.length} names`,
        subtree: `too many checks against ${nc.permitted.length + nc.excluded.length} subtrees`,
      },
    ];
  const out: Violation[] = [];
  for (const n of names) {
    const ex = nc.excluded.find((s) => s.type === n.type && matches(n, s));
    if (ex) {
      out.push({ name: show(n), subtree: `excluded ${show(ex)}` });
      continue;
    }
    const sameType = nc.permitted.filter((s) => s.type === n.type);
    if (sameType.length > 0 && !sameType.some((s) => matches(n, s)))
      out.push({ name: show(n), subtree: `permitted ${sameType.slice(0, 3).map(show).join(', ')}` });
  }
  return out;
}
