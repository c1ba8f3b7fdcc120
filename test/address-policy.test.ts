import assert from 'node:assert/strict';
import { test } from 'node:test';
import ipaddr from 'ipaddr.js';
import { createAddressPolicy, hostAddresses, parseCidr, policyFromEnv } from '../src/probe/address-policy.js';
import { SPECIAL_RANGES } from '../src/probe/special-ranges.js';

/** [address, allow-list, expected blockedBy range (prefix of the reason) or null when allowed] */
const CASES: ReadonlyArray<readonly [string, string[], string | null]> = [
  // IPv4 defaults
  ['93.184.215.14', [], null],
  ['8.8.8.8', [], null],
  ['0.0.0.0', [], '0.0.0.0/8 '],
  ['127.0.0.1', [], '127.0.0.0/8 (loopback)'],
  ['127.255.255.254', [], '127.0.0.0/8 (loopback)'],
  ['10.1.2.3', [], '10.0.0.0/8 '],
  ['172.16.0.1', [], '172.16.0.0/12 '],
  ['172.31.255.255', [], '172.16.0.0/12 '],
  ['172.32.0.1', [], null],
  ['192.168.1.1', [], '192.168.0.0/16 '],
  ['100.64.0.1', [], '100.64.0.0/10 (carrier-grade NAT'],
  ['100.128.0.1', [], null],
  ['169.254.169.254', [], '169.254.0.0/16 (link-local'],
  ['192.0.0.8', [], '192.0.0.0/24 '],
  ['198.18.0.1', [], '198.18.0.0/15 '],
  ['198.20.0.1', [], null],
  ['224.0.0.1', [], '224.0.0.0/4 (multicast)'],
  ['240.0.0.1', [], '240.0.0.0/4 '],
  ['255.255.255.255', [], '255.255.255.255/32 (broadcast)'],
  // IPv6 defaults
  ['2606:4700:4700::1111', [], null],
  ['::', [], '::/128 (unspecified)'],
  ['::1', [], '::1/128 (loopback)'],
  ['fe80::1', [], 'fe80::/10 (link-local)'],
  ['febf::1', [], 'fe80::/10 (link-local)'],
  ['fc00::1', [], 'fc00::/7 '],
  ['fd12:3456::1', [], 'fc00::/7 '],
  ['fd00:ec2::254', [], 'fd00:ec2::254/128 (AWS instance metadata)'],
  ['ff02::1', [], 'ff00::/8 (multicast)'],
  // IPv6 addresses that carry an IPv4 address are judged by it too
  ['::ffff:127.0.0.1', [], '127.0.0.0/8 (loopback) via IPv4-mapped 127.0.0.1'],
  ['::ffff:7f00:1', [], '127.0.0.0/8 (loopback) via IPv4-mapped 127.0.0.1'],
  ['::ffff:169.254.169.254', [], '169.254.0.0/16 '],
  ['::ffff:8.8.8.8', [], null],
  ['::127.0.0.1', [], '127.0.0.0/8 (loopback) via IPv4-compatible'],
  ['64:ff9b::10.0.0.1', [], '10.0.0.0/8 (private, RFC 1918) via NAT64 10.0.0.1'],
  ['64:ff9b::8.8.8.8', [], null],
  ['2002:c0a8:0101::1', [], '192.168.0.0/16 (private, RFC 1918) via 6to4 192.168.1.1'],
  ['2002:0808:0808::1', [], null],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', [], '127.0.0.0/8 (loopback) via Teredo client 127.0.0.1'],
  ['2001:0:7f00:1::', [], '127.0.0.0/8 (loopback) via Teredo server 127.0.0.1'],
  // allow-list entries open their range
  ['127.0.0.1', ['127.0.0.0/8'], null],
  ['127.0.0.1', ['127.0.0.1'], null],
  ['127.0.0.2', ['127.0.0.1/32'], '127.0.0.0/8 '],
  ['::ffff:127.0.0.1', ['127.0.0.0/8'], null],
  ['10.9.8.7', ['10.0.0.0/8', '192.168.0.0/16'], null],
  ['10.9.8.7', ['10.9.0.0/16'], null],
  ['10.10.0.1', ['10.9.0.0/16'], '10.0.0.0/8 '],
  ['fd12::1', ['fc00::/7'], null],
  ['::1', ['::1'], null],
  ['::1', ['127.0.0.0/8'], '::1/128 (loopback)'],
  ['10.0.0.1', ['0.0.0.0/0'], null],
  // link-local and metadata need an entry that names them, not a blanket one
  ['169.254.169.254', ['0.0.0.0/0'], '169.254.0.0/16 '],
  ['169.254.169.254', ['169.0.0.0/8'], '169.254.0.0/16 '],
  ['169.254.169.254', ['169.254.0.0/16'], null],
  ['169.254.169.254', ['169.254.169.254/32'], null],
  ['169.254.1.1', ['169.254.169.254/32'], '169.254.0.0/16 '],
  ['fe80::1', ['::/0'], 'fe80::/10 (link-local)'],
  ['fe80::1', ['fe80::/10'], null],
  ['fd00:ec2::254', ['fc00::/7'], 'fd00:ec2::254/128 (AWS instance metadata)'],
  ['fd00:ec2::254', ['fd00:ec2::254'], null],
  ['::ffff:169.254.169.254', ['0.0.0.0/0', '::/0'], '169.254.0.0/16 '],
];

test('the address policy refuses special-purpose ranges and opens allow-listed ones', () => {
  const policies = new Map<string, ReturnType<typeof createAddressPolicy>>();
  for (const [address, allow, blocked] of CASES) {
    const key = allow.join(',');
    const policy = policies.get(key) ?? createAddressPolicy(allow);
    policies.set(key, policy);
    const verdict = policy.check(address);
    const label = `${address} with allow [${key}]`;
    assert.equal(verdict.allowed, blocked === null, `${label}: ${verdict.blockedBy}`);
    if (blocked === null) assert.equal(verdict.blockedBy, null, label);
    else assert.ok(verdict.blockedBy?.startsWith(blocked), `${label}: got ${verdict.blockedBy}`);
  }
});

test('check refuses strings that are not IP addresses', () => {
  const policy = createAddressPolicy(['0.0.0.0/0']);
  for (const bogus of ['example.com', '', '1.2.3', 'fe80::1%eth0']) {
    assert.equal(policy.check(bogus).allowed, false, bogus);
  }
});

test('parseCidr clears host bits and accepts bare addresses', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    [' 192.168.1.7/20 ', '192.168.0.0/20'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::1/32', '2001:db8::/32'],
    ['fe80::1/10', 'fe80::/10'],
    ['::1', '::1/128'],
    ['::ffff:10.0.0.1/120', '::ffff:a00:0/120'],
  ];
  for (const [input, text] of cases) assert.equal(parseCidr(input).text, text, input);
});

test('parseCidr rejects what is not a range, quoting it', () => {
  for (const input of [
    '',
    'foo',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0/8',
    '10.0.0.0/x',
    'fe80::/10%eth0',
  ]) {
    assert.throws(
      () => parseCidr(input),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'bad_input');
        assert.ok(err.message.includes(JSON.stringify(input)) && err.message.includes('not a CIDR range'), err.message);
        return true;
      },
    );
  }
});

test('policyFromEnv merges CERT_DOCTOR_ALLOW with --allow entries', () => {
  const policy = policyFromEnv({ CERT_DOCTOR_ALLOW: ' 10.0.0.0/8, ,fd00::/8 ' }, ['127.0.0.0/8']);
  assert.deepEqual(policy.allow, ['10.0.0.0/8', 'fd00::/8', '127.0.0.0/8']);
  assert.equal(policy.check('10.1.1.1').allowed, true);
  assert.equal(policy.check('127.0.0.1').allowed, true);
  assert.equal(policy.check('192.168.1.1').allowed, false);
  assert.deepEqual(policyFromEnv({}, []).allow, []);
});

test('policyFromEnv names an invalid CERT_DOCTOR_ALLOW entry', () => {
  assert.throws(
    () => policyFromEnv({ CERT_DOCTOR_ALLOW: '10.0.0.0/8,10.0.0.0/99' }, []),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'bad_input');
      assert.ok(err.message.includes('CERT_DOCTOR_ALLOW') && err.message.includes('"10.0.0.0/99"'), err.message);
      return true;
    },
  );
  assert.throws(() => policyFromEnv({}, ['nope']), { code: 'bad_input' });
});

/** Issue 7's gaps, written out by hand (independent of the table below, so a wrong table fails here). */
const ISSUE_7: ReadonlyArray<readonly [string, string[], string]> = [
  ['192.0.2.1', [], '192.0.2.0/24 (documentation'],
  ['198.51.100.255', [], '198.51.100.0/24 (documentation'],
  ['203.0.113.0', [], '203.0.113.0/24 (documentation'],
  ['2001:db8::1', [], '2001:db8::/32 (documentation'],
  ['3fff::1', [], '3fff::/20 (documentation'],
  ['fec0::1', [], 'fec0::/10 (deprecated site-local'],
  ['100::1', [], '100::/64 (discard-only'],
  ['::ffff:0:7f00:1', [], '::ffff:0:0:0/96 (IPv4-translated'],
  ['::ffff:0:7f00:1', ['::/0'], '127.0.0.0/8 (loopback) via IPv4-translated 127.0.0.1'],
  ['::ffff:0:a9fe:a9fe', ['0.0.0.0/0'], '::ffff:0:0:0/96 (IPv4-translated'],
  ['::ffff:0:a9fe:a9fe', ['0.0.0.0/0', '::/0'], '169.254.0.0/16 (link-local'],
  ['64:ff9b:1::1', [], '64:ff9b:1::/48 (local-use NAT64'],
  // RFC 6052 §2.2 /48 layout: 127.0.0.1 is 7f00 in bits 48-63, then the u octet, then 00 01
  ['64:ff9b:1:7f00:0:100::', ['::/0'], '127.0.0.0/8 (loopback) via local-use NAT64 127.0.0.1'],
  ['2001:2::1', [], '2001:2::/48 (benchmarking'],
  ['5f00::1', [], '5f00::/16 (segment routing'],
  ['2001:0:a9fe:a9fe::', ['0.0.0.0/0', '::/0'], '169.254.0.0/16 (link-local'],
];

test("issue 7's address-policy gaps are refused, embedded IPv4 judged under every form", () => {
  for (const [address, allow, blocked] of ISSUE_7) {
    const verdict = createAddressPolicy(allow, { hostAddresses: [] }).check(address);
    assert.equal(verdict.allowed, false, `${address} [${allow}]`);
    assert.ok(verdict.blockedBy?.startsWith(blocked), `${address} [${allow}]: got ${verdict.blockedBy}`);
  }
});

test("the bot host's own interface addresses are refused unless an allow entry covers them", () => {
  const own = ['8.8.4.4', '2a00:1450::1'];
  const policy = createAddressPolicy([], { hostAddresses: own });
  for (const a of own) assert.match(policy.check(a).blockedBy ?? '', /this machine's own interface address/, a);
  assert.equal(policy.check('8.8.8.8').allowed, true);
  assert.equal(createAddressPolicy(['8.8.4.4'], { hostAddresses: own }).check('8.8.4.4').allowed, true);
  // loopback interfaces stay "loopback" (the table decides first)
  const lo = createAddressPolicy([], { hostAddresses: ['127.0.0.1'] }).check('127.0.0.1');
  assert.match(lo.blockedBy ?? '', /^127\.0\.0\.0\/8 \(loopback\)/);
  // the real interfaces: every non-internal one is refused by default
  for (const a of hostAddresses()) assert.equal(createAddressPolicy([]).check(a).allowed, false, a);
});

const toBig = (ip: string) =>
  ipaddr
    .parse(ip)
    .toByteArray()
    .reduce((n, b) => (n << 8n) | BigInt(b), 0n);
function fromBig(n: bigint, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0; i < (family === 4 ? 4 : 16); i++, n >>= 8n) bytes.unshift(Number(n & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}
function edges(cidr: string) {
  const [net, prefixText] = cidr.split('/') as [string, string];
  const family = net.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const first = toBig(net);
  const last = first + (1n << BigInt(bits - Number(prefixText))) - 1n;
  const max = (1n << BigInt(bits)) - 1n;
  return {
    inside: [fromBig(first, family), fromBig(last, family)],
    outside: [first > 0n ? fromBig(first - 1n, family) : null, last < max ? fromBig(last + 1n, family) : null].filter(
      (x): x is string => x !== null,
    ),
  };
}
/** The most specific table entry holding an address: the one that decides. */
const decider = (ip: string) =>
  SPECIAL_RANGES.find((r) => {
    const [net, p] = r.cidr.split('/') as [string, string];
    const a = ipaddr.parse(ip);
    const n = ipaddr.parse(net);
    return a.kind() === n.kind() && a.match(n, Number(p));
  });

test('every special-purpose range, first and last address inside and the neighbours on each edge', () => {
  const none = createAddressPolicy([], { hostAddresses: [] });
  const blanket = createAddressPolicy(['0.0.0.0/0', '::/0'], { hostAddresses: [] });
  let checked = 0;
  for (const range of SPECIAL_RANGES) {
    const { inside, outside } = edges(range.cidr);
    for (const ip of inside) {
      const deciding = decider(ip);
      const verdict = none.check(ip);
      const label = `${ip} in ${range.cidr} (${range.action}; decided by ${deciding?.cidr})`;
      if (deciding?.cidr !== range.cidr) continue; // a more specific entry decides; it has its own rows
      checked++;
      if (range.action === 'global') {
        // passes as itself; only an embedded IPv4 address (Teredo, 6to4, NAT64) may refuse it
        assert.ok(verdict.allowed || / via /.test(verdict.blockedBy ?? ''), `${label}: ${verdict.blockedBy}`);
        continue;
      }
      assert.equal(verdict.allowed, false, label);
      assert.ok(verdict.blockedBy?.startsWith(`${range.cidr} `), `${label}: ${verdict.blockedBy}`);
      const opened = createAddressPolicy([range.cidr, '0.0.0.0/0'], { hostAddresses: [] }).check(ip);
      assert.equal(opened.allowed, true, `${label}: an allow entry naming it opens it: ${opened.blockedBy}`);
      if (range.action === 'explicit') assert.equal(blanket.check(ip).allowed, false, `${label}: ::/0 opened it`);
    }
    for (const ip of outside) {
      const by = none.check(ip).blockedBy ?? '';
      assert.ok(!by.startsWith(`${range.cidr} `), `${ip} is outside ${range.cidr} but refused by it`);
    }
  }
  assert.ok(checked >= SPECIAL_RANGES.length, `${checked} edge addresses checked`);
});

test('a policy remembers its verdicts: asked again, the same answer, and a caller changing one changes nothing', () => {
  const policy = createAddressPolicy(['10.0.0.0/8']);
  for (const [ip, allowed] of [
    ['10.1.2.3', true],
    ['127.0.0.1', false],
    ['::ffff:127.0.0.1', false],
    ['not-an-ip', false],
  ] as const) {
    const first = policy.check(ip);
    assert.equal(first.allowed, allowed, ip);
    first.allowed = !allowed;
    first.blockedBy = 'changed by the caller';
    const again = policy.check(ip);
    assert.equal(again.allowed, allowed, ip);
    assert.notEqual(again.blockedBy, 'changed by the caller');
    assert.deepEqual(again, policy.check(ip));
  }
  // past the bound the memo starts over and still answers the same
  for (let i = 0; i < 5000; i++) policy.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  assert.deepEqual(policy.check('127.0.0.1'), { allowed: false, blockedBy: policy.check('127.0.0.1').blockedBy });
  assert.match(policy.check('127.0.0.1').blockedBy ?? '', /^127\.0\.0\.0\/8 \(loopback\)/);
});
