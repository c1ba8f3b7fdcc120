import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { InputError, quote } from './errors.js';
import { type RangeAction, SPECIAL_RANGES } from './special-ranges.js';

/**
 * Which addresses the bot may connect to. The bot dials wherever a user points it, so loopback,
 * private, link-local and cloud-metadata addresses are refused unless an allow-list opens them
 * (DESIGN.md "Safety"). Addresses that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are
 * judged by the IPv4 address too, since that is where the packets end up.
 */

export interface Cidr {
  /** the network address with host bits cleared */
  network: string;
  prefix: number;
  family: 4 | 6;
  /** canonical `network/prefix` */
  text: string;
}

export interface AddressVerdict {
  allowed: boolean;
  /** the refused range and what it is, e.g. '127.0.0.0/8 (loopback)'; null when allowed */
  blockedBy: string | null;
}

export interface AddressPolicy {
  check(ip: string): AddressVerdict;
  /** the allow-list, canonical CIDR strings */
  readonly allow: readonly string[];
}

interface Range {
  cidr: Cidr;
  what: string;
  /** 'explicit': opened only by an allow entry inside this range, never by a broader one such as 0.0.0.0/0 */
  action: RangeAction;
  list: BlockList;
}

interface View {
  address: string;
  family: 4 | 6;
  /** how the IPv4 address was embedded in the IPv6 one; null for the address itself */
  via: string | null;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of a valid IPv6 address (callers check isIPv6 first), including a dotted IPv4 tail. */
function ipv6Bytes(ip: string): number[] {
  const [head = '', tail] = ip.split('::', 2) as [string, string | undefined];
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [Number.parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(g);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

function bytesToIp(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const words = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // the WHATWG URL serialiser compresses to the RFC 5952 canonical form
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

/** Parse `10.0.0.0/8`, `fd00::/8`, or a bare address (a single-host range). Host bits are cleared. */
export function parseCidr(s: string): Cidr {
  const fail = (): never => {
    throw new InputError(`${quote(s)} is not a CIDR range (e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/8)`);
  };
  const [ip = '', prefixText, extra] = s.trim().split('/');
  const family = isIP(ip);
  if (family === 0 || ip.includes('%') || extra !== undefined) fail();
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) fail();
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) fail();
  const network = bytesToIp(maskBytes(family === 4 ? ipv4Bytes(ip) : ipv6Bytes(ip), prefix));
  return { network, prefix, family: family as 4 | 6, text: `${network}/${prefix}` };
}

/**
 * CERT_DOCTOR_ALLOW: comma-separated CIDRs or bare addresses (a /32 or /128), parsed by the address policy's
 * own parser so the CLI and the bot accept and refuse exactly the same entries. One problem line per bad
 * entry, naming the variable and quoting the entry.
 */
export function parseAllowList(raw: string | null | undefined): { allow: string[]; problems: string[] } {
  const allow: string[] = [];
  const problems: string[] = [];
  for (const entry of (raw ?? '').split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    try {
      parseCidr(entry);
      allow.push(entry);
    } catch (err) {
      problems.push(`CERT_DOCTOR_ALLOW: ${(err as Error).message}`);
    }
  }
  return { allow, problems };
}

function listOf(cidr: Cidr): BlockList {
  const list = new BlockList();
  list.addSubnet(cidr.network, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  return list;
}

function contains(list: BlockList, cidr: Cidr, view: View): boolean {
  return cidr.family === view.family && list.check(view.address, view.family === 4 ? 'ipv4' : 'ipv6');
}

/** A colon marks IPv6 text (RFC 4291 §2.2); an IPv4 address has none. Validity is checked by parseCidr. */
const familyOfText = (text: string): 4 | 6 => (text.includes(':') ? 6 : 4);

const ranges = new Map<4 | 6, readonly Range[]>();

/**
 * The special-purpose table for one family, built on first use: an IPv4 check never parses the IPv6 half
 * (net.isIP's IPv6 pattern alone costs ~5 ms to compile on its first IPv6 input: a CLI check's start-up).
 */
function rangesFor(family: 4 | 6): readonly Range[] {
  let list = ranges.get(family);
  if (list === undefined) {
    list = SPECIAL_RANGES.filter((r) => familyOfText(r.cidr) === family).map(({ cidr: text, what, action }) => {
      const cidr = parseCidr(text);
      return { cidr, what, action, list: listOf(cidr) };
    });
    ranges.set(family, list);
  }
  return list;
}

/**
 * This machine's own interface addresses: a check of the bot's own public address reaches services bound
 * to it (admin ports, metrics) as loopback would. Loopback and link-local ones are in the table already.
 */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal)
    .map((i) => i!.address.split('%')[0]!);
}

/**
 * The IPv4 addresses an IPv6 address carries: IPv4-mapped and IPv4-compatible (RFC 4291 §2.5.5),
 * IPv4-translated (RFC 6145), NAT64 well-known and local-use prefixes (RFC 6052 §2.1, RFC 8215), 6to4
 * (RFC 3056 §2), Teredo server and client (RFC 4380 §4).
 */
function embeddedIPv4(ip: string): View[] {
  const b = ipv6Bytes(ip);
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  const v4 = (from: number, xor = 0) => bytesToIp(b.slice(from, from + 4).map((x) => x ^ xor));
  const views: View[] = [];
  const add = (address: string, via: string) => views.push({ address, family: 4, via });
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) add(v4(12), 'IPv4-mapped');
  // ::ffff:0:a.b.c.d, RFC 6145 §2 / RFC 2765 §2.1
  else if (zeroUpTo(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) add(v4(12), 'IPv4-translated');
  // `::` and `::1` are not IPv4-compatible (RFC 4291 §2.5.5.1); they are judged as themselves
  else if (zeroUpTo(12) && b[12] !== 0) add(v4(12), 'IPv4-compatible');
  else if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0)) {
    add(v4(12), 'NAT64');
  } else if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0 && b[5] === 1) {
    // 64:ff9b:1::/48, RFC 8215: a /48 NAT64 prefix puts the IPv4 address in bits 48-63 and 72-95 (RFC 6052 §2.2)
    add(bytesToIp([b[6]!, b[7]!, b[9]!, b[10]!]), 'local-use NAT64');
  } else if (b[0] === 0x20 && b[1] === 0x02) add(v4(2), '6to4');
  else if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) {
    add(v4(4), 'Teredo server');
    add(v4(12, 0xff), 'Teredo client');
  }
  return views;
}

export interface PolicyOptions {
  /** this machine's interface addresses, refused like loopback; default: os.networkInterfaces() */
  hostAddresses?: readonly string[];
}

/**
 * Build a policy. The most specific special-purpose range containing an address decides; each allow entry
 * opens what it covers, but link-local and metadata need an entry inside them. The host's own addresses
 * are refused unless an allow entry covers them.
 */
export function createAddressPolicy(allow: string[], opts: PolicyOptions = {}): AddressPolicy {
  const entries = allow.map((s) => {
    const cidr = parseCidr(s);
    return { cidr, list: listOf(cidr) };
  });
  const ownByFamily = new Map<4 | 6, Range[]>();
  let interfaces: readonly string[] | undefined;
  // read when an address falls in no special range, per family, for the same reason as rangesFor
  const own = (family: 4 | 6): Range[] => {
    let list = ownByFamily.get(family);
    if (list === undefined) {
      interfaces ??= opts.hostAddresses ?? hostAddresses();
      list = interfaces
        .filter((a) => familyOfText(a) === family && isIP(a) !== 0)
        .map((a) => {
          const cidr = parseCidr(a);
          return { cidr, what: "this machine's own interface address", action: 'block' as const, list: listOf(cidr) };
        });
      ownByFamily.set(family, list);
    }
    return list;
  };
  const opened = (range: Range, view: View): boolean =>
    entries.some(
      (e) => contains(e.list, e.cidr, view) && (range.action !== 'explicit' || e.cidr.prefix >= range.cidr.prefix),
    );
  const judge = (view: View): string | null => {
    const range = rangesFor(view.family).find((r) => contains(r.list, r.cidr, view));
    const hit = range?.action !== 'global' ? range : undefined;
    // the special-purpose table first: 127.0.0.1 is "loopback" even though it is also an interface address
    const blocking = hit ?? own(view.family).find((r) => contains(r.list, r.cidr, view));
    if (!blocking || opened(blocking, view)) return null;
    const where = view.via ? ` via ${view.via} ${view.address}` : '';
    return `${blocking.cidr.text} (${blocking.what})${where}`;
  };
  // A policy's verdict on an address never changes (its ranges and interface list are fixed when first read);
  // a sweep asks about the same few load-balancer addresses thousands of times, and each BlockList.check
  // builds a SocketAddress (~0.1 ms a check for the ranges walked). Bounded: cleared when full.
  const verdicts = new Map<string, AddressVerdict>();
  const verdictOf = (ip: string): AddressVerdict => {
    const family = isIP(ip);
    if (family === 0 || ip.includes('%')) return { allowed: false, blockedBy: `${quote(ip)} is not an IP address` };
    const self: View = { address: ip, family: family as 4 | 6, via: null };
    const views = family === 4 ? [self] : [self, ...embeddedIPv4(ip)];
    for (const view of views) {
      const blockedBy = judge(view);
      if (blockedBy) return { allowed: false, blockedBy };
    }
    return { allowed: true, blockedBy: null };
  };
  return {
    allow: Object.freeze([...new Set(entries.map((e) => e.cidr.text))]),
    check(ip: string): AddressVerdict {
      const known = verdicts.get(ip);
      if (known) return { ...known };
      const verdict = verdictOf(ip);
      if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
      verdicts.set(ip, verdict);
      return { ...verdict };
    },
  };
}

/** Addresses whose verdict a policy remembers. */
const MAX_REMEMBERED = 4096;

/** The policy configured by CERT_DOCTOR_ALLOW (comma-separated CIDRs) plus `--allow` entries. */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>>, extraAllow: string[]): AddressPolicy {
  const fromEnv = (env.CERT_DOCTOR_ALLOW ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const entry of fromEnv) {
    try {
      parseCidr(entry);
    } catch (err) {
      throw new InputError(`CERT_DOCTOR_ALLOW: ${(err as Error).message}`);
    }
  }
  return createAddressPolicy([...fromEnv, ...extraAllow]);
}
