/**
 * PKCS#12 (.pfx/.p12, RFC 7292) as OpenSSL 3 and Windows write it: the MAC is checked first (a wrong
 * password is one clear line), then PBES2 (PBKDF2 + AES-CBC, RFC 8018) or the legacy
 * pbeWithSHAAnd3-KeyTripleDES-CBC bags are decrypted. Certificates come out in file order; keys become
 * KeyObjects and are never written anywhere. Iteration counts are capped: the file is untrusted input.
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, type KeyObject, pbkdf2Sync } from 'node:crypto';
import { children, content, DerError, readOid, readSmallInt, readTlv, TAG, type Tlv } from '../probe/der-reader.js';
import { InputError, quote } from '../probe/errors.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
};
const HASHES: Record<string, { name: string; block: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', block: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', block: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', block: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', block: 128 },
};
const HMACS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, string> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
};
const MAX_ITERATIONS = 10_000_000;

const kids = (buf: Uint8Array, el: Tlv) => children(buf, el);
const explicit0 = (buf: Uint8Array, el: Tlv) => readTlv(buf, el.body, el.end);

/** PFX: SEQUENCE { INTEGER 3, ContentInfo (data), MacData? }. */
export function isPkcs12(bytes: Uint8Array): boolean {
  try {
    const [version, authSafe] = kids(bytes, readTlv(bytes, 0));
    return (
      version?.tag === TAG.INTEGER &&
      readSmallInt(bytes, version, 'version') === 3 &&
      authSafe?.tag === TAG.SEQUENCE &&
      readOid(bytes, kids(bytes, authSafe)[0]!, 'contentType') === OID.data
    );
  } catch {
    return false;
  }
}

export function readPkcs12(
  bytes: Uint8Array,
  name: string,
  password: string | null,
): { certs: Uint8Array[]; keys: KeyObject[] } {
  const pass = password ?? '';
  try {
    const [, authSafe, mac] = kids(bytes, readTlv(bytes, 0));
    const safeOctets = content(bytes, explicit0(bytes, kids(bytes, authSafe!)[1]!));
    if (mac && !macMatches(bytes, mac, safeOctets, pass))
      throw new InputError(
        password === null
          ? `${quote(name)} is password-protected: give --password-file FILE or set CERT_DOCTOR_PASSWORD`
          : `${quote(name)}: wrong password (the PKCS#12 MAC does not verify)`,
      );
    const out = { certs: [] as Uint8Array[], keys: [] as KeyObject[] };
    const safe = readTlv(safeOctets, 0);
    for (const ci of kids(safeOctets, safe)) {
      const [type, wrapped] = kids(safeOctets, ci);
      const oid = readOid(safeOctets, type!, 'contentType');
      if (oid === OID.data) bags(content(safeOctets, explicit0(safeOctets, wrapped!)), pass, out);
      else if (oid === OID.encryptedData)
        bags(decryptEncryptedData(safeOctets, explicit0(safeOctets, wrapped!), pass), pass, out);
    }
    return out;
  } catch (err) {
    if (err instanceof InputError)
      throw err.message.startsWith(quote(name)) ? err : new InputError(`${quote(name)}: ${err.message}`);
    throw new InputError(`${quote(name)}: unreadable PKCS#12 (${err instanceof Error ? err.message : String(err)})`);
  }
}

function bags(buf: Uint8Array, pass: string, out: { certs: Uint8Array[]; keys: KeyObject[] }): void {
  for (const bag of kids(buf, readTlv(buf, 0))) {
    const [id, value] = kids(buf, bag);
    const oid = readOid(buf, id!, 'bagId');
    const v = explicit0(buf, value!);
    if (oid === OID.certBag) {
      const [certId, certValue] = kids(buf, v);
      if (readOid(buf, certId!, 'certId') === OID.x509Certificate)
        out.certs.push(content(buf, explicit0(buf, certValue!)));
    } else if (oid === OID.keyBag) {
      out.keys.push(
        createPrivateKey({ key: Buffer.from(buf.subarray(v.body - header(v), v.end)), format: 'der', type: 'pkcs8' }),
      );
    } else if (oid === OID.shroudedKeyBag) {
      const [alg, data] = kids(buf, v);
      const plain = decrypt(buf, alg!, content(buf, data!), pass);
      out.keys.push(createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' }));
    }
  }
}

function header(el: Tlv): number {
  const n = el.end - el.body;
  return n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 5;
}

function decryptEncryptedData(buf: Uint8Array, ed: Tlv, pass: string): Buffer {
  const [, eci] = kids(buf, ed);
  const [, alg, enc] = kids(buf, eci!);
  if (!enc) throw new DerError('EncryptedData: no encryptedContent');
  // [0] IMPLICIT OCTET STRING: primitive, or constructed from OCTET STRING pieces (BER)
  const data = enc.tag === 0x80 ? content(buf, enc) : Buffer.concat(kids(buf, enc).map((p) => content(buf, p)));
  return decrypt(buf, alg!, data, pass);
}

function decrypt(buf: Uint8Array, alg: Tlv, data: Uint8Array, pass: string): Buffer {
  const [oidEl, params] = kids(buf, alg);
  const oid = readOid(buf, oidEl!, 'encryption algorithm');
  if (oid === OID.pbes2) {
    const [kdf, scheme] = kids(buf, params!);
    const [kdfOid, kdfParams] = kids(buf, kdf!);
    if (readOid(buf, kdfOid!, 'kdf') !== OID.pbkdf2)
      throw new DerError('PBES2 with a key derivation other than PBKDF2');
    const [salt, iter, ...rest] = kids(buf, kdfParams!);
    const prfEl = rest.find((e) => e.tag === TAG.SEQUENCE);
    const prf = prfEl ? HMACS[readOid(buf, kids(buf, prfEl)[0]!, 'prf')] : 'sha1';
    const [cOid, iv] = kids(buf, scheme!);
    const cipher = CIPHERS[readOid(buf, cOid!, 'cipher')];
    if (!cipher || !prf) throw new DerError('unsupported PBES2 cipher or PRF');
    const keyLen = cipher === 'des-ede3-cbc' ? 24 : Number(cipher.slice(4, 7)) / 8;
    const key = pbkdf2Sync(Buffer.from(pass, 'utf8'), content(buf, salt!), iterations(buf, iter!), keyLen, prf);
    return decipher(cipher, key, content(buf, iv!), data);
  }
  if (oid === OID.pbeSha3Des) {
    const [salt, iter] = kids(buf, params!);
    const s = content(buf, salt!);
    const n = iterations(buf, iter!);
    const sha1 = HASHES['1.3.14.3.2.26']!;
    return decipher('des-ede3-cbc', kdf12(pass, s, 1, n, 24, sha1), kdf12(pass, s, 2, n, 8, sha1), data);
  }
  throw new InputError(
    `PKCS#12 encrypted with ${oid} (legacy RC2/RC4): re-export it with OpenSSL 3 defaults (openssl pkcs12 -export)`,
  );
}

function decipher(cipher: string, key: Buffer, iv: Uint8Array, data: Uint8Array): Buffer {
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new InputError('PKCS#12 bag does not decrypt with this password');
  }
}

function iterations(buf: Uint8Array, el: Tlv): number {
  const n = readSmallInt(buf, el, 'iterationCount');
  if (n < 1 || n > MAX_ITERATIONS) throw new DerError(`iteration count ${n} outside 1…${MAX_ITERATIONS}`);
  return n;
}

/** MacData: HMAC over the authSafe content with a key from the PKCS#12 KDF, ID 3 (RFC 7292 Appendix B). */
function macMatches(buf: Uint8Array, mac: Tlv, data: Uint8Array, pass: string): boolean {
  const [digestInfo, salt, iter] = kids(buf, mac);
  const [alg, digest] = kids(buf, digestInfo!);
  const hash = HASHES[readOid(buf, kids(buf, alg!)[0]!, 'mac digest')];
  if (!hash) throw new DerError('unsupported MAC digest');
  const n = iter ? iterations(buf, iter) : 1;
  const size = createHash(hash.name).digest().length;
  const key = kdf12(pass, content(buf, salt!), 3, n, size, hash);
  return createHmac(hash.name, key)
    .update(data)
    .digest()
    .equals(Buffer.from(content(buf, digest!)));
}

/** RFC 7292 Appendix B.2: the PKCS#12 key derivation (password as BMPString with a trailing NUL). */
function kdf12(
  pass: string,
  salt: Uint8Array,
  id: number,
  iter: number,
  n: number,
  hash: { name: string; block: number },
): Buffer {
  const v = hash.block;
  const pw = Buffer.alloc((pass.length + 1) * 2);
  for (let i = 0; i < pass.length; i++) pw.writeUInt16BE(pass.charCodeAt(i), i * 2);
  const fill = (src: Uint8Array) => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  let got = 0;
  while (got < n) {
    let A = createHash(hash.name).update(D).update(I).digest();
    for (let r = 1; r < iter; r++) A = createHash(hash.name).update(A).digest();
    out.push(A);
    got += A.length;
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}
