/** RFC 5280 §7.1 name comparison: string type, case and white space do not make two names differ. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTlv } from '../src/probe/der-reader.js';
import { normalizeName, prepareString } from '../src/probe/name-normalize.js';

const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
const CN = Buffer.from('0603550403', 'hex');
const O = Buffer.from('060355040a', 'hex');
/** String value bytes: BMPString is UTF-16 big-endian, the others UTF-8 (ASCII here). */
const encode = (tag: number, text: string) =>
  tag === 0x1e ? Buffer.from(text, 'utf16le').swap16() : Buffer.from(text, 'utf8');
/** Name with one attribute per RDN; each value is [attribute type, string tag, text]. */
function name(...attrs: [Buffer, number, string][]): Buffer {
  const rdns = attrs.map(([oid, tag, text]) => tlv(0x31, tlv(0x30, Buffer.concat([oid, tlv(tag, encode(tag, text))]))));
  return tlv(0x30, Buffer.concat(rdns));
}
const key = (der: Buffer) => normalizeName(der, readTlv(der, 0));

test('PrintableString, UTF8String and BMPString of the same text in other case and spacing compare equal', () => {
  const a = key(name([O, 0x13, 'Example  Org'], [CN, 0x13, 'Issuing CA']));
  assert.equal(key(name([O, 0x0c, 'example org'], [CN, 0x0c, ' ISSUING   ca '])), a);
  assert.equal(key(name([O, 0x1e, 'EXAMPLE ORG'], [CN, 0x1e, 'issuing ca'])), a);
});

test('a different value, attribute or RDN order still differs', () => {
  const a = key(name([O, 0x13, 'Example Org'], [CN, 0x13, 'Issuing CA']));
  assert.notEqual(key(name([O, 0x13, 'Example Org'], [CN, 0x13, 'Issuing CA 2'])), a);
  assert.notEqual(key(name([CN, 0x13, 'Issuing CA'], [O, 0x13, 'Example Org'])), a);
  assert.notEqual(key(name([O, 0x13, 'Issuing CA'], [CN, 0x13, 'Example Org'])), a);
});

test('prepareString folds compatibility forms (NFKC) and case', () => {
  assert.equal(prepareString('ＡＢＣ\u00a0 Ltd'), 'abc ltd');
});
