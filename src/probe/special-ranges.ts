/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890) as data: ipaddr.js's SpecialRanges
 * where it covers them, plus the entries it lacks or lumps together. Each entry says what the address
 * policy does with it:
 * - 'block': not a place a user's check may reach; an allow entry that covers the address opens it
 * - 'explicit': link-local and cloud metadata: opened only by an allow entry inside the range, never by a
 *   blanket one such as 0.0.0.0/0
 * - 'global': IANA marks it globally reachable (anycast services, AS112, AMT, ORCHIDv2) or it is a
 *   translation prefix whose embedded IPv4 address is judged instead (mapped, NAT64, 6to4, Teredo);
 *   listed so that a broader blocked block around it (2001::/23) does not catch it
 * The most specific entry containing an address decides (the table is sorted by prefix length).
 */
import ipaddr from 'ipaddr.js';

export type RangeAction = 'block' | 'explicit' | 'global';

export interface SpecialRange {
  /** canonical network/prefix */
  cidr: string;
  what: string;
  action: RangeAction;
}

/** What to do with each ipaddr.js range name (IANA "Globally Reachable" column, RFC 6890 §2.2). */
const ACTIONS: Record<string, RangeAction> = {
  unspecified: 'block',
  broadcast: 'block',
  multicast: 'block',
  linkLocal: 'explicit',
  loopback: 'block',
  carrierGradeNat: 'block',
  private: 'block',
  reserved: 'block',
  as112: 'global',
  amt: 'global',
  uniqueLocal: 'block',
  ipv4Mapped: 'global',
  deprecatedSiteLocal: 'block',
  discard: 'block',
  rfc6145: 'block',
  rfc6052: 'global',
  '6to4': 'global',
  teredo: 'global',
  benchmarking: 'block',
  as112v6: 'global',
  deprecatedOrchid: 'block',
  orchid2: 'global',
  droneRemoteIdProtocolEntityTags: 'global',
  segmentRouting: 'block',
};

/** Labels for ranges whose ipaddr.js name is too coarse ('reserved' holds documentation and more). */
const LABELS: Record<string, string> = {
  '0.0.0.0/8': '"this network", RFC 791',
  '10.0.0.0/8': 'private, RFC 1918',
  '172.16.0.0/12': 'private, RFC 1918',
  '192.168.0.0/16': 'private, RFC 1918',
  '100.64.0.0/10': 'carrier-grade NAT, RFC 6598',
  '127.0.0.0/8': 'loopback',
  '169.254.0.0/16': 'link-local, cloud metadata 169.254.169.254',
  '192.0.0.0/24': 'IETF protocol assignments, RFC 6890',
  '192.0.2.0/24': 'documentation TEST-NET-1, RFC 5737',
  '192.88.99.0/24': 'deprecated 6to4 relay anycast, RFC 7526',
  '198.18.0.0/15': 'benchmarking, RFC 2544',
  '198.51.100.0/24': 'documentation TEST-NET-2, RFC 5737',
  '203.0.113.0/24': 'documentation TEST-NET-3, RFC 5737',
  '240.0.0.0/4': 'reserved, RFC 1112',
  '224.0.0.0/4': 'multicast',
  '255.255.255.255/32': 'broadcast',
  '::/128': 'unspecified',
  '::1/128': 'loopback',
  'fe80::/10': 'link-local',
  'fc00::/7': 'unique local, RFC 4193',
  'ff00::/8': 'multicast',
  'fec0::/10': 'deprecated site-local, RFC 3879',
  '100::/64': 'discard-only, RFC 6666',
  '::ffff:0:0:0/96': 'IPv4-translated, RFC 6145',
  '64:ff9b:1::/48': 'local-use NAT64, RFC 8215',
  '2001::/23': 'IETF protocol assignments, RFC 2928',
  '2001:2::/48': 'benchmarking, RFC 5180',
  '2001:10::/28': 'deprecated ORCHID, RFC 4843',
  '2001:db8::/32': 'documentation, RFC 3849',
  '3fff::/20': 'documentation, RFC 9637',
  '5f00::/16': 'segment routing SIDs, RFC 9602',
};

/** Where one ipaddr.js name holds ranges the registry treats differently. */
const ACTION_BY_CIDR: Record<string, RangeAction> = {
  // RFC 8215 §3: local-use NAT64 is not globally reachable (ipaddr.js files it with 64:ff9b::/96 as rfc6052)
  '64:ff9b:1::/48': 'block',
};

/** Registry entries ipaddr.js does not carry. */
const EXTRA: readonly SpecialRange[] = [
  { cidr: '192.0.0.9/32', what: 'Port Control Protocol anycast, RFC 7723', action: 'global' },
  { cidr: '192.0.0.10/32', what: 'TURN anycast, RFC 8155', action: 'global' },
  { cidr: '2001:1::1/128', what: 'Port Control Protocol anycast, RFC 7723', action: 'global' },
  { cidr: '2001:1::2/128', what: 'TURN anycast, RFC 8155', action: 'global' },
  { cidr: '2001:1::3/128', what: 'DNS-SD service registration anycast, RFC 9665', action: 'global' },
  { cidr: 'fd00:ec2::254/128', what: 'AWS instance metadata', action: 'explicit' },
];

type IpaddrRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

function fromIpaddr(): SpecialRange[] {
  const out: SpecialRange[] = [];
  // SpecialRanges is on the prototypes at run time but absent from ipaddr.js's type declarations
  type Table = Record<string, IpaddrRange | IpaddrRange[]>;
  const tables = [ipaddr.IPv4.prototype, ipaddr.IPv6.prototype].map(
    (p) => (p as unknown as { SpecialRanges: Table }).SpecialRanges,
  );
  for (const table of tables) {
    for (const [name, value] of Object.entries(table)) {
      const action = ACTIONS[name];
      if (action === undefined) throw new Error(`ipaddr.js range ${name} has no address-policy action`);
      const list = (Array.isArray(value[0]) ? value : [value]) as IpaddrRange[];
      for (const [addr, prefix] of list) {
        const cidr = `${addr.toString()}/${prefix}`;
        out.push({ cidr, what: LABELS[cidr] ?? name, action: ACTION_BY_CIDR[cidr] ?? action });
      }
    }
  }
  return out;
}

/** Every special-purpose range, most specific first. */
export const SPECIAL_RANGES: readonly SpecialRange[] = [...fromIpaddr(), ...EXTRA].sort(
  (a, b) => Number(b.cidr.split('/')[1]) - Number(a.cidr.split('/')[1]),
);
