import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy, parseCidr, policyFromEnv } from '../src/probe/address-policy.js';

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
