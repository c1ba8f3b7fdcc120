import type { ClientStack } from '../fixes/catalogue/index.js';
import type { FindingCode } from '../fixes/codes.js';
import { remediate } from '../fixes/index.js';
import type { Target } from '../probe/types.js';
import type { Diagnosis, Fix } from '../rules/types.js';

/**
 * The fixes an explanation offers: those of the findings the live check confirmed, else the remediation
 * knowledge for the likely causes (src/fixes, a finding with no observed values). Never a fix that turns
 * verification off. The recognised client's own stack comes first, then the generic server fix, then the OS.
 */
const MAX_FIXES = 4;

/** Fix stacks (src/fixes/client-trust.ts) that apply to each catalogue client. */
const FIX_STACKS: Record<string, string[]> = {
  python: ['python'],
  node: ['node'],
  java: ['java'],
  android: ['java'],
  go: ['go', 'os'],
  docker: ['os', 'go'],
  curl: ['curl', 'os'],
  git: ['curl', 'os'],
  openssl: ['curl', 'os'],
  ruby: ['os'],
  php: ['os'],
  dotnet: ['os'],
  quic: ['python', 'os'],
};

/** Go only: the GODEBUG switches that existed, and only where they are an honest stopgap (the server must change). */
const GO_STOPGAPS: Partial<Record<FindingCode, Fix>> = {
  weak_signature_algorithm: {
    audience: 'client',
    stack: 'go',
    title: 'Go 1.18–1.23 only: accept SHA-1 signatures while the server is reissued',
    steps: [
      '`GODEBUG=x509sha1=1` re-enables SHA-1 verification for that process; Go 1.24 removed it, so the certificate must be reissued with SHA-256 anyway.',
    ],
    command: 'GODEBUG=x509sha1=1 ./your-program',
  },
};

export function fixesFor(
  codes: FindingCode[],
  client: ClientStack | null,
  target: Target,
  diagnosis: Diagnosis | null,
): Fix[] {
  const confirmed = diagnosis?.findings.filter((f) => codes.includes(f.code as FindingCode)) ?? [];
  const pool =
    confirmed.length > 0 ? confirmed.flatMap((f) => f.fixes) : codes.flatMap((code) => knowledgeFor(code, target));
  const stopgaps = client?.key === 'go' || client?.key === 'docker' ? codes.flatMap((c) => GO_STOPGAPS[c] ?? []) : [];
  const safe = [...pool, ...stopgaps].filter((f) => !f.warning);
  const own = FIX_STACKS[client?.key ?? ''] ?? [];
  const rank = (f: Fix) => {
    if (f.audience === 'client' && own.includes(f.stack)) return own.indexOf(f.stack);
    if (f.audience === 'server' && f.stack === (diagnosis?.serverStack ?? 'generic')) return 10;
    if (f.audience === 'server' && f.stack === 'generic') return 11;
    if (f.audience === 'client' && f.stack === 'any') return 12;
    return 20;
  };
  const ordered = safe.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
  // One fix per audience and stack: the most likely cause's (the pool is in cause order).
  const seen = new Set<string>();
  const out: Fix[] = [];
  for (const { f } of ordered) {
    const key = `${f.audience}:${f.stack}`;
    if (seen.has(key) || rank(f) === 20) continue;
    seen.add(key);
    out.push(f);
  }
  return out.slice(0, MAX_FIXES);
}

function knowledgeFor(code: FindingCode, target: Target): Fix[] {
  const finding = { code, severity: 'critical' as const, certIndex: -1, summary: '', params: {}, causes: [] };
  return remediate(finding, { target, serverStack: null }).fixes;
}
