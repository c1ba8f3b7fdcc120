import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipString } from '../src/probe/der-general-names.js';
import { bitStringBits, decodeOid, readSmallInt, readTlv } from '../src/probe/der-reader.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

test('iPAddress octets are shown as the peculiar path showed them', () => {
  const cases: [string, string][] = [
    ['7f000001', '127.0.0.1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['00010000000100000000000000000001', '1:0:1::1'],
    ['0a000000ff000000', '10.0.0.0/8'],
    ['0000000000000000', '0.0.0.0/0'],
    ['0102', '0102'],
  ];
  for (const [hex, want] of cases) assert.equal(ipString(bytes(hex)), want, hex);
});

test('reader primitives', () => {
  assert.equal(decodeOid(bytes('2a864886f70d01010b')), '1.2.840.113549.1.1.11');
  assert.equal(decodeOid(bytes('8837')), '2.999');
  assert.throws(() => decodeOid(bytes('2a86')));
  const int = (hex: string) => {
    const b = bytes(hex);
    return readSmallInt(b, readTlv(b, 0), 'n');
  };
  assert.equal(int('020100'), 0);
  assert.equal(int('0203008000'), 32768);
  assert.throws(() => int('0201ff'));
  assert.throws(() => int('02050100000000'));
  // keyUsage 03 02 05 a0: 5 unused bits, bits 0 and 2 set (digitalSignature, keyEncipherment)
  const ku = bytes('030205a0');
  const bit = bitStringBits(ku, readTlv(ku, 0), 'ku');
  assert.deepEqual([0, 1, 2, 3, 8].map(bit), [true, false, true, false, false]);
});
