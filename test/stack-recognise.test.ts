/**
 * Stack recognition: table-driven over report fixtures (headers, cookies, default certificates, issuer hints),
 * and end to end against a real loopback server whose headers are captured (capped, cookie names only).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { check } from '../src/check.js';
import { recogniseStack } from '../src/fixes/stack-recognise.js';
import { makeChain } from './support/pki.js';
import type { ReportSpec } from './support/report.js';
import { reportWith } from './support/report.js';
import { type Running, startTlsServer } from './support/servers.js';

const http = (server: string | null, headers: Record<string, string>): ReportSpec => ({ http: { server, headers } });

const cases: [string, ReportSpec, string | null, string, string][] = [
  [
    'cf-ray behind Server: nginx (the CDN terminates TLS)',
    http('nginx', { 'cf-ray': '8a1b-AMS' }),
    'cloudflare',
    'cloudflare',
    'high',
  ],
  [
    'CloudFront Via header',
    http('nginx', { via: '1.1 abc.cloudfront.net (CloudFront)', 'x-amz-cf-id': 'x' }),
    'aws-cloudfront',
    'awselb',
    'high',
  ],
  ['AWSALB cookie', http(null, { 'set-cookie': 'AWSALB, AWSALBCORS' }), 'aws-alb', 'awselb', 'high'],
  ['Azure Front Door', http(null, { 'x-azure-ref': '0abc' }), 'azure-front-door', 'generic', 'high'],
  [
    'Azure Application Gateway',
    http('Microsoft-Azure-Application-Gateway/v2', {}),
    'azure-app-gateway',
    'generic',
    'high',
  ],
  ['ingress-nginx cookie', http('nginx', { 'set-cookie': 'INGRESSCOOKIE' }), 'ingress-nginx', 'kubernetes', 'high'],
  ['Envoy header', http(null, { 'x-envoy-upstream-service-time': '3' }), 'istio', 'envoy', 'high'],
  ['Kestrel', http('Kestrel', {}), 'kestrel', 'iis', 'high'],
  ['ASP.NET behind IIS', http('Microsoft-IIS/10.0', { 'x-powered-by': 'ASP.NET' }), 'kestrel', 'iis', 'high'],
  ['HAProxy SERVERID cookie only', http(null, { 'set-cookie': 'SERVERID' }), 'haproxy', 'haproxy', 'low'],
  ['Caddy', http('Caddy', {}), 'caddy', 'caddy', 'high'],
  ['plain nginx: the Server header alone', http('nginx/1.25.3', {}), 'nginx', 'nginx', 'high'],
  [
    'Traefik default certificate',
    { leaf: { subject: 'CN=TRAEFIK DEFAULT CERT', dnsNames: ['x.traefik.default'] }, http: { server: null } },
    'traefik',
    'traefik',
    'high',
  ],
  [
    'ingress-nginx fake certificate',
    { leaf: { subject: 'CN=Kubernetes Ingress Controller Fake Certificate,O=Acme Co' }, http: { server: 'nginx' } },
    'ingress-nginx',
    'kubernetes',
    'high',
  ],
  [
    'Amazon-issued leaf',
    { intermediates: [{ subject: 'CN=Amazon RSA 2048 M01,O=Amazon,C=US' }], http: { server: null } },
    'aws-alb',
    'awselb',
    'medium',
  ],
  ['nothing to go on', http(null, {}), null, '', ''],
];

for (const [name, spec, product, stack, confidence] of cases) {
  test(`recognise: ${name}`, async () => {
    const { report } = await reportWith(spec);
    const r = recogniseStack(report);
    assert.equal(r?.product ?? null, product, JSON.stringify(r));
    if (!r) return;
    assert.equal(r.stack, stack);
    assert.equal(r.confidence, confidence);
    assert.ok(r.how.length > 0);
  });
}

const open: Running[] = [];
after(() => Promise.all(open.map((s) => s.close())));

test('end to end: headers captured (cookie names only), Cloudflare leads the fixes and says how', async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { Server: 'nginx', 'CF-RAY': '8a1b2c3d-AMS', 'Set-Cookie': '__cf_bm=SECRET-TOKEN; path=/' },
  });
  open.push(server);
  const d = await check(`https://localhost:${server.port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
  });
  const h = d.report.http.status === 'completed' ? d.report.http.result.headers : undefined;
  assert.equal(h?.['set-cookie'], '__cf_bm');
  assert.ok(!JSON.stringify(d.report).includes('SECRET-TOKEN'));
  assert.equal(d.stack?.product, 'cloudflare');
  assert.equal(d.serverStack, 'cloudflare');
  const hsts = d.findings.find((f) => f.code === 'hsts_missing');
  assert.equal(hsts?.fixes[0]?.stack, 'cloudflare', JSON.stringify(hsts?.fixes.map((f) => f.stack)));
  assert.match(hsts?.fixes[0]?.steps[0] ?? '', /^Recognised as Cloudflare \(high confidence\) from header cf-ray/);
});
