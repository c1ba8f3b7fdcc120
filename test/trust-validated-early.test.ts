/**
 * Issue 12: extra CA bundles the CLI's first step has already validated (src/cli-preconnect.ts offers them,
 * src/probe/preconnect.ts) are parsed on the trust store's first use, not when it is made: in a one-shot check
 * the store is made on the way to the ClientHello. Anything not offered is parsed at once, as before, so a broken
 * bundle is still the caller's error there (the bot and the pool never have offers). Its own process (node --test
 * runs each file apart), since offers are process-wide.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offerValidCa, validatedEarly } from '../src/probe/preconnect.js';
import { loadTrustStore } from '../src/probe/trust.js';
import { makeChain } from './support/pki.js';

const broken = (tag: string) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(`not a certificate (${tag})`).toString('base64')}\n-----END CERTIFICATE-----\n`;

test('a bundle nobody validated early is parsed when the store is made: a broken one throws there', () => {
  assert.equal(validatedEarly(broken('unoffered')), false);
  assert.throws(
    () => loadTrustStore({ extraCaPem: [broken('unoffered')], systemBundlePath: null }),
    /could not be parsed/,
  );
});

test('an offered bundle is parsed on first use: same anchors, same lookups', async () => {
  const chain = await makeChain();
  const eager = loadTrustStore({ extraCaPem: [chain.root.pem], systemBundlePath: null });
  offerValidCa([chain.root.pem]);
  assert.equal(validatedEarly(chain.root.pem), true);
  const deferred = loadTrustStore({ extraCaPem: [chain.root.pem], systemBundlePath: null });
  const inter = chain.intermediates[0]!.info;
  const issuers = (s: typeof eager) => s.findIssuers(inter).map((a) => [a.cert.sha256, a.store]);
  assert.deepEqual(issuers(deferred), [[chain.root.info.sha256, 'custom']]);
  assert.deepEqual(issuers(deferred), issuers(eager));
  assert.equal(deferred.lookup(chain.root.info.sha256), 'custom');
  assert.equal(deferred.size, eager.size);
});

test('the parse is deferred, not skipped: only when every bundle was offered, and it runs at first use', () => {
  // offered text that does not parse (only a forged memo entry could get there): making the store does not
  // parse it, its first use does, and fails as the eager parse would
  offerValidCa([broken('offered')]);
  const store = loadTrustStore({ extraCaPem: [broken('offered')], systemBundlePath: null });
  assert.throws(() => store.size, /could not be parsed/);
  // one bundle offered, one not: both parsed at once
  assert.throws(
    () => loadTrustStore({ extraCaPem: [broken('offered'), broken('other')], systemBundlePath: null }),
    /could not be parsed/,
  );
});
