/**
 * Reader for BoringSSL's verify_certificate_chain_unittest cases (../shared/testdata/boringssl-verify-chain,
 * Apache-2.0, see its README and SOURCE.md): "key: value" lines, `expected_errors:` last. A case expects a
 * valid chain when its expected errors hold no `ERROR:` line (warnings do not fail a chain).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUITE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/testdata/boringssl-verify-chain',
);

export interface SuiteCase {
  /** "dir/file.test" */
  name: string;
  dir: string;
  fields: Record<string, string>;
  chainPem: string;
  expectValid: boolean;
  expectedErrors: string;
  /** verification time */
  at: Date;
  category: string;
}

/** `utc_time: DEFAULT` (README of the suite's test runner): 2021-10-05 12:00 UTC. */
const DEFAULT_TIME = new Date('2021-10-05T12:00:00Z');

function parseTime(v: string): Date {
  if (v === 'DEFAULT') return DEFAULT_TIME;
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) throw new Error(`unreadable utc_time ${v}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y! + (y! >= 50 ? 1900 : 2000), mo! - 1, d, h, mi, s));
}

/** Groups for the agreement figures, by the case directory's name. */
export function categoryOf(dir: string): string {
  if (/polic/.test(dir)) return 'policies';
  if (/eku|msapplicationpolicies/.test(dir)) return 'eku';
  if (/^expired/.test(dir)) return 'validity';
  if (/critical-extension/.test(dir)) return 'critical-extensions';
  if (/many-names/.test(dir)) return 'name-constraints';
  if (/basic-constraints|pathlen|end-entity|has-ca|keycertsign|signing-key-usage|keyusages/.test(dir))
    return 'constraints-and-usage';
  if (/signature|sha1|512bit|ecdsa|spki/.test(dir)) return 'signatures-and-keys';
  if (/^root-|trust-anchor|non-self-signed-root/.test(dir)) return 'trust-anchors';
  return 'path-building-and-names';
}

export function suitePresent(): boolean {
  return existsSync(SUITE_DIR);
}

export function readSuite(): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const dir of readdirSync(SUITE_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(SUITE_DIR, dir.name))
      .filter((f) => f.endsWith('.test'))
      .sort()) {
      const text = readFileSync(join(SUITE_DIR, dir.name, file), 'utf8');
      const [head, errors = ''] = text.split(/^expected_errors:\n?/m);
      const fields: Record<string, string> = {};
      for (const line of head!.split('\n')) {
        const m = /^([a-z_]+):\s*(.*)$/.exec(line.trim());
        if (m && !line.startsWith('#')) fields[m[1]!] = m[2]!;
      }
      out.push({
        name: `${dir.name}/${file}`,
        dir: dir.name,
        fields,
        chainPem: readFileSync(join(SUITE_DIR, dir.name, fields.chain!), 'utf8'),
        expectValid: !/^ERROR:/m.test(errors),
        expectedErrors: errors.trim(),
        at: parseTime(fields.utc_time ?? 'DEFAULT'),
        category: categoryOf(dir.name),
      });
    }
  }
  return out;
}

/** Why a case is outside what cert-doctor models, or null when it is run. */
export function outOfScope(c: SuiteCase): string | null {
  const purpose = c.fields.key_purpose ?? '';
  const trust = c.fields.last_cert_trust ?? '';
  if (c.category === 'policies' || c.dir.includes('policy'))
    return 'certificate policies are out of scope (README: Path validation)';
  if (!/^(SERVER_AUTH|CLIENT_AUTH|ANY_EKU)$/.test(purpose))
    return `key purpose ${purpose}: not what TLS clients verify (C2PA, MLS, or the _STRICT profiles Chrome does not apply to web PKI)`;
  if (/TRUSTED_LEAF|ANCHOR_OR_LEAF/.test(trust))
    return `last_cert_trust ${trust}: a trusted leaf is never an anchor in cert-doctor (issue 9, item 3)`;
  return null;
}
