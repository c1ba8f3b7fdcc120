/**
 * Minimal Diagnosis values for store and renderer tests that do not need a probe. Handler tests use the
 * real check() against loopback servers instead.
 */
import type { Diagnosis, Finding, Severity } from '../../src/rules/types.js';

export function finding(code: string, severity: Severity = 'critical', certIndex = 0): Finding {
  return { code, severity, certIndex, summary: `${code} seen`, params: {}, causes: [], clients: [], fixes: [] };
}

export function diagnosisWith(findings: Finding[], host = 'example.test'): Diagnosis {
  const target = {
    input: host,
    host,
    port: 443,
    sni: host,
    protocol: 'https' as const,
    ipVersion: null,
    unicodeHost: null,
  };
  const verdict = findings.some((f) => f.severity === 'critical')
    ? 'critical'
    : findings.some((f) => f.severity === 'warning')
      ? 'warning'
      : 'ok';
  const skipped = { status: 'skipped' as const, why: 'test' };
  return {
    target,
    verdict,
    headline: findings[0] ?? null,
    findings,
    results: [],
    serverStack: null,
    checkedAt: '2026-01-01T00:00:00.000Z',
    report: {
      target,
      startedAt: '2026-01-01T00:00:00.000Z',
      resolution: skipped,
      endpoints: [],
      protocols: skipped,
      http: skipped,
      revocation: skipped,
      timings: { totalMs: 0, dnsMs: null },
      options: { timeoutMs: 10_000, extraCaCount: 0 },
    },
  };
}
