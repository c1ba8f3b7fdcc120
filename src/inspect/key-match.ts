/**
 * `--key`: does the private key belong to the leaf? Compares the SubjectPublicKeyInfo derived from the
 * private key with the certificate's (RFC 5280 §4.1.2.7), the check behind nginx's "key values mismatch".
 * The key is never stored or printed: only whether it matches and its type and size.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { InputError, quote } from '../probe/errors.js';
import type { CertInfo, KeyMatch } from '../probe/types.js';
import { decodeInput } from './formats.js';
import type { InspectInput } from './index.js';

export function matchKey(input: InspectInput, leaf: CertInfo): KeyMatch {
  const key = decodeInput(input.bytes, input.name, null).keys[0];
  if (!key) throw new InputError(`${quote(input.name)}: no private key found`);
  const leafKey = new X509Certificate(Buffer.from(leaf.der, 'base64')).publicKey;
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }) as Buffer;
  return {
    file: input.name,
    matches: spki(createPublicKey(key)).equals(spki(leafKey)),
    key: describe(key),
    leafKey: describe(leafKey),
  };
}

function describe(k: KeyObject): string {
  const d = k.asymmetricKeyDetails ?? {};
  const type = (k.asymmetricKeyType ?? 'unknown').toUpperCase();
  if (d.modulusLength) return `${type} ${d.modulusLength}`;
  if (d.namedCurve) return `${type} ${d.namedCurve}`;
  return type;
}
