/**
 * client_cert_required and the handshake `partial` on synthetic reports: the cases a loopback server cannot
 * easily produce (an unknown verdict, no readable certificate, a late failure with a partial chain).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose } from '../src/diagnose.js';
import type { ClientCertRequest, HandshakeResult, ProbeReport } from '../src/probe/types.js';
import { DAY, NOW, type ReportSpec, reportWith } from './support/report.js';
import { assertOutcome, fires, notEvaluated, passes, type Want } from './support/rulecases.js';

const request = (over: Partial<ClientCertRequest> = {}): ClientCertRequest => ({
  caNames: ['CN=Mesh Client Root, O=Example'],
  required: true,
  refusal: 'server sent TLS alert certificate_required (116)',
  ...over,
});

type Edit = (hs: HandshakeResult, report: ProbeReport) => void;

async function diagnoseWith(spec: ReportSpec, edit: Edit) {
  const { report, now } = await reportWith(spec);
  const primary = report.endpoints[0]!;
  assert.equal(primary.handshake.status, 'completed');
  if (primary.handshake.status === 'completed') edit(primary.handshake.result, report);
  return diagnose(report, { now });
}

const cases: { name: string; spec?: ReportSpec; edit: Edit; want: Record<string, Want> }[] = [
  {
    name: 'required, refused with an alert',
    edit: (hs) => {
      hs.clientCertRequest = request();
    },
    want: { client_cert_required: fires('info', -1, { required: true, caCount: 1 }), handshake_failed: passes },
  },
  {
    name: 'requested, verdict unknown',
    edit: (hs) => {
      hs.clientCertRequest = request({ required: null, refusal: null, caNames: [] });
    },
    want: { client_cert_required: fires('info', -1, { required: null, caCount: 0 }) },
  },
  {
    name: 'required but no certificate could be read → warning',
    edit: (hs) => {
      hs.clientCertRequest = request();
      hs.sentChain = [];
    },
    want: { client_cert_required: fires('warning', -1) },
  },
  { name: 'no request', edit: () => {}, want: { client_cert_required: passes } },
  {
    name: 'HTTP refused for want of a client certificate: HTTP rules are not evaluated',
    edit: (hs, report) => {
      hs.clientCertRequest = request();
      report.http = { status: 'error', code: 'client_cert_required', error: 'simulated refusal' };
      report.endpoints[0]!.http = report.http;
    },
    want: { hsts_missing: notEvaluated, clock_skew: notEvaluated, client_cert_required: fires('info', -1) },
  },
  {
    name: 'a late failure keeps the chain as partial: cert rules judge it, handshake_failed still fires',
    spec: { leaf: { notBefore: new Date(+NOW - 90 * DAY), notAfter: new Date(+NOW - DAY) } },
    edit: (hs, report) => {
      report.endpoints[0]!.handshake = { status: 'error', code: 'handshake_failed', error: 'late', partial: hs };
    },
    want: { cert_expired: fires('critical', 0), handshake_failed: fires('critical', -1), client_cert_required: passes },
  },
  {
    name: 'a failure without a partial chain leaves client_cert_required unevaluated',
    edit: (_hs, report) => {
      report.endpoints[0]!.handshake = { status: 'error', code: 'handshake_failed', error: 'early' };
    },
    want: { client_cert_required: notEvaluated, cert_expired: notEvaluated },
  },
];

for (const c of cases) {
  test(`mTLS rules: ${c.name}`, async () => {
    const d = await diagnoseWith(c.spec ?? {}, c.edit);
    for (const [code, want] of Object.entries(c.want)) assertOutcome(d, code, want);
  });
}
