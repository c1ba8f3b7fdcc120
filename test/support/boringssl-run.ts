/** Runs one BoringSSL verify_certificate_chain case through `inspect`, as the suite's runner would. */
import { type InspectOptions, inspect } from '../../src/inspect/index.js';
import { pemToDer } from '../../src/probe/trust.js';
import type { AnchorPolicy, Purpose } from '../../src/probe/types.js';
import type { SuiteCase } from './boringssl.js';

/** Our web-PKI policy is stricter than the suite's on these, deliberately (SHA-1, RSA < 2048: browsers refuse both). */
export const STRICTER_CODES = new Set(['weak_signature_algorithm', 'weak_key']);

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

/** last_cert_trust → which of the anchor's own fields count (BoringSSL pki/trust_store.h). */
export function anchorPolicyOf(trust: string): AnchorPolicy | null {
  if (!trust.startsWith('TRUSTED_ANCHOR')) return null;
  const constraints = /(WITH|AND)_CONSTRAINTS/.test(trust);
  return { constraints, expiry: /EXPIRATION/.test(trust), requireBasicConstraints: /REQUIRE_BASIC/.test(trust) };
}

export function purposeOf(keyPurpose: string): Purpose {
  if (keyPurpose.startsWith('SERVER_AUTH')) return 'server';
  if (keyPurpose.startsWith('CLIENT_AUTH')) return 'client';
  return 'any';
}

/** The chain file minus its last certificate is what is inspected; the last is the anchor (or nothing). */
export function caseInputs(c: SuiteCase): { files: string; options: Omit<InspectOptions, 'now'> } {
  const ders = pemToDer(c.chainPem);
  const policy = anchorPolicyOf(c.fields.last_cert_trust ?? '');
  const sent = ders.length > 1 ? ders.slice(0, -1) : ders;
  const anchor = ders[ders.length - 1]!;
  return {
    files: sent.map(pem).join(''),
    options: {
      at: c.at,
      defaultCa: false,
      extraCaPem: policy ? [pem(anchor)] : [],
      purpose: purposeOf(c.fields.key_purpose ?? ''),
      anchorPolicy: policy ?? undefined,
    },
  };
}

export async function runCase(c: SuiteCase): Promise<{ valid: boolean; codes: string[] }> {
  const { files, options } = caseInputs(c);
  const { diagnosis } = await inspect([{ name: c.name, bytes: Buffer.from(files) }], { now: c.at, ...options });
  return diagnosis.verification!;
}
