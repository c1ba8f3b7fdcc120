/**
 * Diagnosis values shaped for the Block Kit renderer tests: the golden fixtures' incomplete-chain
 * diagnosis with a chosen leaf CN / issuer and chosen findings (full causes, clients and fixes, whose
 * text can be padded to stress the limits). The real check() runs in the end-to-end tests.
 */
import type { Target } from '../../src/probe/types.js';
import type { Diagnosis, Finding, Severity } from '../../src/rules/types.js';
import { incompleteDiagnosis } from './diagnosis-fixtures.js';

export function target(): Target {
  return incompleteDiagnosis().target;
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
}

export function diagnosis(spec: DiagnosisSpec = {}): Diagnosis {
  const d = incompleteDiagnosis();
  const findings = spec.findings ?? [finding('chain_incomplete'), finding('cert_expiring_soon', 'warning')];
  const ep = d.report.endpoints[0];
  if (ep?.chain.status === 'completed' && ep.handshake.status === 'completed') {
    const leaf = ep.chain.result.built[0];
    if (spec.cn !== undefined) Object.assign(leaf, { subjectCN: spec.cn, subject: `CN=${spec.cn}` });
    if (spec.issuerCn !== undefined) Object.assign(leaf, { issuerCN: spec.issuerCn, issuer: `CN=${spec.issuerCn}` });
    ep.handshake.result.sentChain[0] = leaf;
  }
  const verdict = findings.some((f) => f.severity === 'critical')
    ? 'critical'
    : findings.some((f) => f.severity === 'warning')
      ? 'warning'
      : 'ok';
  return { ...d, verdict, headline: findings[0] ?? null, findings };
}
