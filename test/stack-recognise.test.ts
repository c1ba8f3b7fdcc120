/**
 * Stack recognition: table-driven over report fixtures (headers, cookies, default certificates, issuer hints),
 * and end to end against a real loopback server whose headers are captured (capped, cookie names only).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { check } from '../src/check.js';
import { recogniseStack } from '../src/fixes/stack-recognise.js';
import { BODY_WAIT_MS, MAX_BODY_BYTES } from '../src/probe/http-body.js';
import type { ProbeReport } from '../src/probe/types.js';
import { makeChain } from './support/pki.js';
import type { ReportSpec } from './support/report.js';
import { err, handshakeOf, ok, reportWith } from './support/report.js';
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

/** The fixture handshake's TLS choices made uninformative, so each case holds only the evidence it names. */
function neutralTls(report: ProbeReport): void {
  for (const ep of report.endpoints) {
    for (const hs of [ep.handshake, ep.noSni]) {
      if (hs.status === 'completed') Object.assign(hs.result, { cipher: 'TLS_AES_256_GCM_SHA384', alpn: 'http/1.1' });
    }
  }
}

for (const [name, spec, product, stack, confidence] of cases) {
  test(`recognise: ${name}`, async () => {
    const { report } = await reportWith(spec);
    neutralTls(report);
    const r = recogniseStack(report);
    assert.equal(r?.product ?? null, product, JSON.stringify(r));
    if (!r) return;
    assert.equal(r.stack, stack);
    assert.equal(r.confidence, confidence);
    assert.ok(r.how.length > 0);
  });
}

/** Real pages (see src/fixes/stack-pages.ts for where each comes from), trimmed to the part that names the software. */
const PAGES = {
  cloudflare521: [
    '<!DOCTYPE html><html class="no-js" lang="en-US"><head><title>example.com | 521: Web server is down</title></head>',
    '<body><div id="cf-wrapper"><div id="cf-error-details" class="p-0"><header class="mx-auto pt-10">',
    '<h1><span class="inline-block">Web server is down</span> <span class="code-label">Error code 521</span></h1>',
    '</header></div><div class="cf-error-footer"><p class="text-13">',
    '<span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">8a1b2c3d4e5f6a7b</strong></span>',
    '<span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_521" id="brand_link" target="_blank">Cloudflare</a></span>',
    '</p></div></div></body></html>',
  ].join('\n'),
  cloudfront403: [
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">',
    '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">',
    '<TITLE>ERROR: The request could not be satisfied</TITLE>',
    '</HEAD><BODY>',
    '<H1>403 ERROR</H1>',
    '<H2>The request could not be satisfied.</H2>',
    '<HR noshade size="1px">',
    'Bad request.',
    '<BR clear="all">',
    '<HR noshade size="1px">',
    '<PRE>',
    'Generated by cloudfront (CloudFront)',
    'Request ID: q3OA_ysVzjypuMJtFmeIS1exW9-5FY8NiKJhtvSxsx5RB67zPGj0TQ==',
    '</PRE>',
    '<ADDRESS>',
    '</ADDRESS>',
    '</BODY></HTML>',
  ].join('\n'),
  alb502:
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>awselb/2.0</center>\r\n</body>\r\n</html>\r\n',
  appGateway502:
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n',
  frontDoor:
    "<!DOCTYPE html><html><head><title>Service unavailable</title></head><body><h2>Our services aren't available right now</h2><p>We're working to restore all services as soon as possible. Please check back soon.</p></body></html>",
  ingressDefaultBackend: 'default backend - 404',
  envoyReset: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  envoyNoHealthy: 'no healthy upstream',
  haproxy503:
    '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  goNotFound: '404 page not found\n',
  aspnet:
    '<html><head><title>Runtime Error</title></head><body bgcolor="white"><span><H1>Server Error in \'/\' Application.<hr width=100% size=1 color=silver></H1><h2> <i>Runtime Error</i> </h2></span></body></html>',
  httpSys:
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n<BODY><h2>Bad Request - Invalid Hostname</h2>\r\n<hr><p>HTTP Error 400. The request hostname is invalid.</p>\r\n</BODY></HTML>\r\n',
  nginx404:
    '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
};

const page = (text: string, status = 404, server: string | null = null, headers: Record<string, string> = {}) =>
  ({ http: { status, server, headers, body: { bytes: Buffer.byteLength(text), complete: true, text } } }) as ReportSpec;

type Tweak = (r: ProbeReport) => void;
const tls =
  (cipher: string, alpn: string | null): Tweak =>
  (r) => {
    const hs = r.endpoints[0]!.handshake;
    if (hs.status === 'completed') Object.assign(hs.result, { protocol: 'TLSv1.3', cipher, alpn });
  };
const noSniSubject =
  (subject: string): Tweak =>
  (r) => {
    const hs = r.endpoints[0]!.handshake;
    const leaf = hs.status === 'completed' ? hs.result.sentChain[0] : undefined;
    if (!leaf || 'malformed' in leaf) throw new Error('fixture has no leaf');
    r.endpoints[0]!.noSni = ok(handshakeOf([{ ...leaf, subject: `CN=${subject}`, subjectCN: subject }]));
  };
const noSniAlert: Tweak = (r) => {
  r.endpoints[0]!.noSni = err(
    'handshake_failed',
    'TLS handshake with 127.0.0.1:443 (SNI none) failed: server sent TLS alert internal_error (80)',
  );
};
const all =
  (...tweaks: Tweak[]): Tweak =>
  (r) => {
    for (const t of tweaks) t(r);
  };

/** [name, spec, tweak after neutralTls, product, confidence, a source the winning signals must include] */
const signalCases: [string, ReportSpec, Tweak | null, string | null, string, string][] = [
  ['Cloudflare 521 page, no headers', page(PAGES.cloudflare521, 521), null, 'cloudflare', 'high', 'body'],
  ['CloudFront 403 page', page(PAGES.cloudfront403, 403), null, 'aws-cloudfront', 'high', 'body'],
  ['ALB 502 page without its Server header', page(PAGES.alb502, 502), null, 'aws-alb', 'high', 'body'],
  ['Application Gateway 502 page', page(PAGES.appGateway502, 502), null, 'azure-app-gateway', 'high', 'body'],
  ['Front Door unavailable page', page(PAGES.frontDoor, 503), null, 'azure-front-door', 'medium', 'body'],
  ['ingress-nginx default backend', page(PAGES.ingressDefaultBackend), null, 'ingress-nginx', 'high', 'body'],
  [
    'ingress-nginx default backend outranks Server: nginx',
    page(PAGES.ingressDefaultBackend, 404, 'nginx'),
    null,
    'ingress-nginx',
    'high',
    'body',
  ],
  ['Envoy upstream reset', page(PAGES.envoyReset, 503), null, 'istio', 'high', 'body'],
  ['Envoy no healthy upstream', page(PAGES.envoyNoHealthy, 503), null, 'istio', 'high', 'body'],
  ['HAProxy 503 page', page(PAGES.haproxy503, 503), null, 'haproxy', 'high', 'body'],
  ['Go "404 page not found" alone', page(PAGES.goNotFound), null, 'traefik', 'low', 'body'],
  [
    'Go 404 + AES-128 chosen over our AES-256 + h2: Traefik, combined',
    page(PAGES.goNotFound),
    tls('TLS_AES_128_GCM_SHA256', 'h2'),
    'traefik',
    'medium',
    'tls',
  ],
  ['ASP.NET error page', page(PAGES.aspnet, 500), null, 'kestrel', 'high', 'body'],
  ['HTTP.sys invalid hostname page', page(PAGES.httpSys, 400), null, 'kestrel', 'high', 'body'],
  ['nginx error page footer, no Server header', page(PAGES.nginx404), null, 'nginx', 'medium', 'body'],
  ['nginx footer and Server: nginx', page(PAGES.nginx404, 404, 'nginx'), null, 'nginx', 'high', 'header'],
  [
    'CloudFront page behind an nginx origin footer',
    page(`${PAGES.cloudfront403}${PAGES.nginx404}`),
    null,
    'aws-cloudfront',
    'high',
    'body',
  ],
  ['no-SNI: TRAEFIK DEFAULT CERT', page(''), noSniSubject('TRAEFIK DEFAULT CERT'), 'traefik', 'high', 'tls'],
  [
    'no-SNI: ingress-nginx fake certificate',
    page(''),
    noSniSubject('Kubernetes Ingress Controller Fake Certificate'),
    'ingress-nginx',
    'high',
    'tls',
  ],
  ['no-SNI refused with internal_error (Go): Caddy, low', page(''), noSniAlert, 'caddy', 'low', 'tls'],
  [
    'no-SNI internal_error + Go cipher order + h2: Caddy, medium',
    page(''),
    all(noSniAlert, tls('TLS_AES_128_GCM_SHA256', 'h2')),
    'caddy',
    'medium',
    'tls',
  ],
  ['Go cipher order and h2 alone name no product', page(''), tls('TLS_AES_128_GCM_SHA256', 'h2'), null, '', ''],
  [
    'SERVERID cookie + no ALPN: HAProxy, medium',
    http(null, { 'set-cookie': 'SERVERID' }),
    tls('TLS_AES_256_GCM_SHA384', null),
    'haproxy',
    'medium',
    'tls',
  ],
];

for (const [name, spec, tweak, product, confidence, source] of signalCases) {
  test(`recognise from body/TLS: ${name}`, async () => {
    const { report } = await reportWith(spec);
    neutralTls(report);
    tweak?.(report);
    const r = recogniseStack(report);
    assert.equal(r?.product ?? null, product, JSON.stringify(r));
    if (!r) return;
    assert.equal(r.confidence, confidence, JSON.stringify(r.signals));
    assert.ok(
      r.signals?.some((x) => x.source === source),
      JSON.stringify(r.signals),
    );
    assert.deepEqual(
      r.signals?.map((x) => x.how),
      r.how,
    );
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

const checkLocal = (port: number, rootPem: string) =>
  check(`https://localhost:${port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [rootPem],
    timeoutMs: 5_000,
  });

test('end to end: a real HAProxy 503 page read from the one GET names HAProxy, from the body', async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    status: 503,
    body: PAGES.haproxy503,
    headers: { 'Cache-Control': 'no-cache', 'Content-Type': 'text/html' },
  });
  open.push(server);
  const d = await checkLocal(server.port, chain.root.pem);
  const http = d.report.http.status === 'completed' ? d.report.http.result : undefined;
  assert.equal(http?.status, 503);
  assert.equal(http?.body?.text, PAGES.haproxy503);
  assert.equal(http?.body?.complete, true);
  assert.equal(d.stack?.product, 'haproxy', JSON.stringify(d.stack));
  assert.equal(d.stack?.confidence, 'high');
  assert.ok(d.stack?.signals?.some((s) => s.source === 'body'));
});

test('end to end: a body larger than the cap is cut at 16 KiB; one that never ends does not hold up the check', async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const big = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    status: 404,
    body: `${'x'.repeat(40_000)}${PAGES.nginx404}`,
  });
  const endless = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    status: 502,
    body: PAGES.alb502,
    trickle: true,
  });
  open.push(big, endless);
  const cut = await checkLocal(big.port, chain.root.pem);
  const body = cut.report.http.status === 'completed' ? cut.report.http.result.body : undefined;
  assert.equal(body?.bytes, MAX_BODY_BYTES);
  assert.equal(body?.complete, false);
  assert.notEqual(cut.stack?.product, 'nginx', 'the footer lies beyond the cap');
  const started = performance.now();
  const slow = await checkLocal(endless.port, chain.root.pem);
  // The body wait (BODY_WAIT_MS) bounds it, far inside the 5 s deadline (margin for a loaded machine).
  assert.ok(performance.now() - started < BODY_WAIT_MS + 2_500, `took ${performance.now() - started} ms`);
  const partial = slow.report.http.status === 'completed' ? slow.report.http.result.body : undefined;
  assert.equal(partial?.complete, false);
  assert.equal(slow.stack?.product, 'aws-alb', JSON.stringify(slow.stack));
});

test('end to end: the default certificate served without SNI names Traefik, from the TLS signals', async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const fallback = await makeChain({ leaf: { subject: 'CN=TRAEFIK DEFAULT CERT', dnsNames: ['x.traefik.default'] } });
  const server = await startTlsServer({
    certPem: fallback.fullchainPem,
    keyPem: fallback.leaf.keyPem,
    sniCerts: { localhost: { certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem } },
    status: 404,
    body: PAGES.goNotFound,
  });
  open.push(server);
  const d = await checkLocal(server.port, chain.root.pem);
  assert.equal(d.stack?.product, 'traefik', JSON.stringify(d.stack));
  assert.equal(d.stack?.confidence, 'high');
  assert.deepEqual(d.stack?.signals?.map((s) => s.source).sort(), ['body', 'tls']);
  const hsts = d.findings.find((f) => f.code === 'hsts_missing');
  assert.match(
    hsts?.fixes[0]?.steps[0] ?? '',
    /^Recognised as Traefik \(high confidence\) from .*TRAEFIK DEFAULT CERT/,
  );
});

test('end to end over HTTP/2: the body of the h2 response is read too (ingress-nginx default backend, ALPN h2)', async () => {
  const { createSecureServer } = await import('node:http2');
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const server = createSecureServer(
    { cert: chain.fullchainPem, key: chain.leaf.keyPem, allowHTTP1: false },
    (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`${PAGES.ingressDefaultBackend}\n`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } as Running);
  const d = await checkLocal((server.address() as { port: number }).port, chain.root.pem);
  const hs = d.report.endpoints[0]?.handshake;
  assert.equal(hs?.status === 'completed' ? hs.result.alpn : null, 'h2');
  const http = d.report.http.status === 'completed' ? d.report.http.result : undefined;
  assert.equal(http?.status, 404);
  assert.equal(http?.body?.complete, true);
  assert.equal(d.stack?.product, 'ingress-nginx', JSON.stringify(d.stack));
});
