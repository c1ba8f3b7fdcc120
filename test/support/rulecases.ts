/**
 * Table-driven rule tests (house style 19): each case builds a report from a spec, runs the whole diagnosis
 * and checks one rule's status and, when it fires, the finding's code, severity and certIndex (never prose).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose } from '../../src/diagnose.js';
import type { Diagnosis, RuleOptions, RuleStatus, Severity } from '../../src/rules/types.js';
import { type ReportSpec, reportWith } from './report.js';

export type Want =
  | { status: 'fail'; severity: Severity; certIndex: number; params?: Record<string, unknown> }
  | { status: Exclude<RuleStatus, 'fail' | 'rule_error'> };

export interface RuleCase {
  name: string;
  code: string;
  spec: ReportSpec | (() => Promise<ReportSpec>);
  ruleOptions?: Partial<RuleOptions>;
  want: Want;
}

export const fires = (severity: Severity, certIndex: number, params?: Record<string, unknown>): Want => ({
  status: 'fail',
  severity,
  certIndex,
  ...(params ? { params } : {}),
});
export const passes: Want = { status: 'pass' };
export const notEvaluated: Want = { status: 'not_evaluated' };
export const notApplicable: Want = { status: 'not_applicable' };

export async function diagnoseSpec(spec: ReportSpec, ruleOptions?: Partial<RuleOptions>): Promise<Diagnosis> {
  const built = await reportWith(spec);
  return diagnose(built.report, { now: built.now, ...(ruleOptions ? { ruleOptions } : {}) });
}

export function assertOutcome(d: Diagnosis, code: string, want: Want): void {
  const results = d.results.filter((r) => r.code === code);
  assert.equal(results.length, 1, `exactly one result for ${code}`);
  assert.equal(results[0]!.status, want.status, `${code}: status (why: ${results[0]!.why ?? '-'})`);
  const found = d.findings.filter((f) => f.code === code);
  if (want.status !== 'fail') {
    assert.equal(found.length, 0, `${code} must not fire`);
    return;
  }
  assert.equal(found.length, 1, `${code} fires once`);
  const f = found[0]!;
  assert.deepEqual(
    { severity: f.severity, certIndex: f.certIndex },
    { severity: want.severity, certIndex: want.certIndex },
  );
  for (const [k, v] of Object.entries(want.params ?? {})) assert.deepEqual(f.params[k], v, `${code}: params.${k}`);
}

export function ruleCases(cases: RuleCase[]): void {
  for (const c of cases) {
    test(`${c.code}: ${c.name}`, async () => {
      const spec = typeof c.spec === 'function' ? await c.spec() : c.spec;
      assertOutcome(await diagnoseSpec(spec, c.ruleOptions), c.code, c.want);
    });
  }
}
