/**
 * Hand-built Diagnosis values for renderer tests (the real check() runs in the end-to-end tests).
 * Only the fields renderers read are meaningful; the rest are valid placeholders.
 */
import type { CertInfo, ProbeReport, Target } from '../../src/probe/types.js';
import type { Diagnosis, Finding, Severity } from '../../src/rules/types.js';

export const CHECKED_AT = '2026-01-15T12:00:00.000Z';

export function target(host = 'api.example.com', port = 443): Target {
  return { input: `${host}:${port}`, host, port, sni: host, protocol: 'https', ipVersion: null, unicodeHost: null };
}

export function cert(cn: string, issuerCn: string, over: Partial<CertInfo> = {}): CertInfo {
  return {
    der: '',
    subject: `CN=${cn}`,
    issuer: `CN=${issuerCn}`,
    subjectCN: cn,
    issuerCN: issuerCn,
    san: { dns: [cn], ip: [], other: [] },
    serialNumber: '01',
    sha256: 'ab'.repeat(32),
    notBefore: '2025-12-01T00:00:00.000Z',
    notAfter: '2026-01-25T00:00:00.000Z',
    key: { algorithm: 'EC', bits: 256, curve: 'P-256' },
    signatureAlgorithm: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
    basicConstraints: null,
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    subjectKeyId: null,
    authorityKeyId: null,
    aia: { caIssuers: [], ocsp: [] },
    crlDistributionPoints: [],
    mustStaple: false,
    selfIssued: false,
    selfSigned: false,
    ...over,
  };
}

export function finding(code: string, severity: Severity = 'critical', certIndex = 0, text = ''): Finding {
  return {
    code,
    severity,
    certIndex,
    summary: `${code}: observed X, expected Y${text}`,
    params: {},
    causes: [`the most likely cause${text}`, 'the bot’s clock is wrong'],
    clients: [{ client: 'curl', effect: 'fails', note: `curl rejects it${text}` }],
    fixes: [
      {
        audience: 'server',
        stack: 'nginx',
        title: `Fix ${code}${text}`,
        steps: [`edit /etc/nginx/conf.d/site.conf${text}`, 'run `nginx -s reload`'],
        command: 'nginx -t && nginx -s reload',
      },
    ],
  };
}

export interface DiagnosisSpec {
  cn?: string;
  issuerCn?: string;
  findings?: Finding[];
  host?: string;
}

export function diagnosis(spec: DiagnosisSpec = {}): Diagnosis {
  const findings = spec.findings ?? [finding('chain_incomplete'), finding('cert_expiring_soon', 'warning')];
  const leaf = cert(spec.cn ?? 'api.example.com', spec.issuerCn ?? 'Example Issuing CA');
  const t = target(spec.host);
  const report: ProbeReport = {
    target: t,
    startedAt: CHECKED_AT,
    resolution: { status: 'completed', result: [{ address: '192.0.2.10', family: 4, allowed: true, blockedBy: null }] },
    endpoints: [
      {
        address: '192.0.2.10',
        family: 4,
        handshake: {
          status: 'completed',
          result: {
            protocol: 'TLSv1.3',
            cipher: 'TLS_AES_128_GCM_SHA256',
            alpn: null,
            sentChain: [leaf],
            ocspStaple: null,
            timings: { connectMs: 1, tlsMs: 2 },
          },
        },
        noSni: { status: 'skipped', why: 'test' },
        chain: {
          status: 'completed',
          result: {
            built: [leaf],
            sources: ['sent'],
            links: [],
            trusted: false,
            anchorStore: null,
            missingIssuer: `CN=${spec.issuerCn ?? 'Example Issuing CA'}`,
            untrustedRoot: false,
            unusedSent: [],
            outOfOrder: false,
            rootSentAt: null,
            aia: { needed: true, fetches: [], completedChain: false },
            rejectionHint: null,
          },
        },
      },
    ],
    protocols: { status: 'skipped', why: 'test' },
    http: { status: 'skipped', why: 'test' },
    revocation: { status: 'skipped', why: 'test' },
    timings: { totalMs: 10, dnsMs: 1 },
    options: { timeoutMs: 10_000, extraCaCount: 0 },
  };
  const verdict = findings.some((f) => f.severity === 'critical')
    ? 'critical'
    : findings.some((f) => f.severity === 'warning')
      ? 'warning'
      : 'ok';
  return {
    target: t,
    verdict,
    headline: findings[0] ?? null,
    findings,
    results: findings.map((f) => ({ code: f.code, status: 'fail' })),
    serverStack: 'nginx',
    checkedAt: CHECKED_AT,
    report,
  };
}
