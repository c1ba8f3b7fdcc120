/**
 * src/probe/hello-template.ts: a ClientHello re-made from the captured offer with another name must be the
 * ClientHello OpenSSL itself writes for that name — same version, suites, compression, extensions in the same
 * order with the same contents — apart from what differs between any two connections (random,
 * legacy_session_id, the key share). Held against OpenSSL's own for every offer the probe makes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { type HelloOffer, helloTemplate, opensslHello, remakeHello } from '../src/probe/hello-template.js';
import { LEGACY_CIPHERS } from '../src/probe/tls-context.js';
import { Reader } from '../src/probe/tls-records.js';

const KEY_SHARE = 0x0033;

/** A ClientHello record taken apart; the per-connection parts blanked. */
function shape(record: Buffer) {
  assert.equal(record[0], 22, 'a handshake record');
  assert.equal(record.readUInt16BE(3), record.length - 5, 'the record length');
  const r = new Reader(record.subarray(5));
  assert.equal(r.uint(1), 1, 'a ClientHello');
  const body = new Reader(r.vector(3));
  const version = body.bytes(2).toString('hex');
  body.bytes(32);
  const sessionIdLength = body.vector(1).length;
  const suites = body.vector(2).toString('hex');
  const compression = body.vector(1).toString('hex');
  const ext = new Reader(body.vector(2));
  const extensions: [number, string][] = [];
  while (!ext.done) {
    const type = ext.uint(2);
    const data = ext.vector(2);
    extensions.push([type, type === KEY_SHARE ? 'key share' : data.toString('hex')]);
  }
  assert.ok(body.done, 'nothing after the extensions');
  return { version, sessionIdLength, suites, compression, extensions };
}

const offers: [string, HelloOffer][] = [
  [
    'the main handshake (legacy suites, OCSP, ALPN)',
    { minVersion: 'TLSv1', ciphers: LEGACY_CIPHERS, alpn: ['h2', 'http/1.1'], requestOCSP: true },
  ],
  ['the main handshake without ALPN', { minVersion: 'TLSv1', ciphers: LEGACY_CIPHERS, requestOCSP: true }],
  ...(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as SecureVersion[]).map((v): [string, HelloOffer] => [
    `the ${v} scan probe`,
    {
      minVersion: v,
      maxVersion: v,
      ciphers: v === 'TLSv1' || v === 'TLSv1.1' ? LEGACY_CIPHERS : undefined,
      alpn: ['h2', 'http/1.1'],
    },
  ]),
];
const names = [
  'a.example',
  'xn--bcher-kva.example',
  `${'l'.repeat(63)}.${'m'.repeat(63)}.${'n'.repeat(63)}.example`,
  null,
];

describe('a re-made ClientHello is OpenSSL’s own for the name', () => {
  for (const [what, offer] of offers) {
    test(what, async () => {
      const template = await helloTemplate(offer);
      for (const name of names) {
        const made = remakeHello(template, name);
        assert.deepEqual(shape(made.record), shape(await opensslHello(offer, name)), `SNI ${name}`);
        assert.ok(made.record.subarray(5).equals(made.message), 'the message is the record body');
      }
    });
  }

  test('the name is the one asked for, and none when null', async () => {
    const template = await helloTemplate(offers[0]![1]);
    const sni = (name: string | null) =>
      shape(remakeHello(template, name).record).extensions.find(([t]) => t === 0)?.[1] ?? null;
    // server_name_list length 12, host_name (0), length 9, the name (RFC 6066 §3)
    assert.equal(sni('b.example'), `000c000009${Buffer.from('b.example').toString('hex')}`);
    assert.equal(sni(null), null);
  });
});
