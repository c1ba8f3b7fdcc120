import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMalformed, parseCert } from '../src/probe/certinfo.js';

test('parseCert keeps garbage as a malformed entry instead of throwing', () => {
  const out = parseCert(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]));
  assert.equal(isMalformed(out), true);
});
