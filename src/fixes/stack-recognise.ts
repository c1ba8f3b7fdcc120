/**
 * Which software terminates TLS, from more than the `Server` header: vendor headers (cf-ray, x-amz-cf-id,
 * x-azure-ref, x-envoy-*), load-balancer cookie names (AWSALB, ApplicationGatewayAffinity, INGRESSCOOKIE),
 * default certificates (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate", "TRAEFIK DEFAULT
 * CERT", Caddy's local CA) and issuer hints (an Amazon-issued leaf can only be served by AWS). Every signal
 * found is kept as "how", so a fix can say why it names that stack. Edge services come first: when a CDN
 * terminates TLS, the origin's own headers it passes on do not say who serves the certificate.
 */
import type { CertInfo, ProbeReport } from '../probe/types.js';
import { detectServerStack, type StackKey } from './stacks.js';

export type Confidence = 'high' | 'medium' | 'low';

export interface StackRecognition {
  /** e.g. 'cloudflare', 'aws-cloudfront', 'azure-front-door', 'ingress-nginx', 'kestrel' */
  product: string;
  label: string;
  /** the remediation stack its fixes are filed under */
  stack: StackKey;
  confidence: Confidence;
  /** each signal, e.g. "header cf-ray", "leaf issued by Amazon" */
  how: string[];
}

interface Evidence {
  headers: Record<string, string>;
  cookies: string[];
  server: string;
  leaf: CertInfo | null;
}

type Signal = [Confidence, string, (e: Evidence) => boolean];

interface Product {
  product: string;
  label: string;
  stack: StackKey;
  signals: Signal[];
}

const has = (name: string) => (e: Evidence) => name in e.headers;
const cookie = (re: RegExp) => (e: Evidence) => e.cookies.some((c) => re.test(c));
const server = (re: RegExp) => (e: Evidence) => re.test(e.server);
const header = (name: string, re: RegExp) => (e: Evidence) => re.test(e.headers[name] ?? '');
const issuer = (re: RegExp) => (e: Evidence) => e.leaf !== null && re.test(e.leaf.issuer);
const subject = (re: RegExp) => (e: Evidence) => e.leaf !== null && re.test(e.leaf.subject);

/** In precedence order for ties: edge services, then ingress/proxies, then origin servers. */
const PRODUCTS: Product[] = [
  {
    product: 'cloudflare',
    label: 'Cloudflare',
    stack: 'cloudflare',
    signals: [
      ['high', 'header cf-ray', has('cf-ray')],
      ['high', 'Server: cloudflare', server(/^cloudflare/i)],
      ['medium', 'Cloudflare cookie (__cf_bm / __cflb)', cookie(/^__cf(_bm|lb)$/)],
      ['medium', 'leaf issued by Cloudflare', issuer(/O=Cloudflare/i)],
    ],
  },
  {
    product: 'aws-cloudfront',
    label: 'AWS CloudFront',
    stack: 'awselb',
    signals: [
      ['high', 'header x-amz-cf-id', has('x-amz-cf-id')],
      ['high', 'Via: … (CloudFront)', header('via', /cloudfront/i)],
      ['high', 'X-Cache: … from cloudfront', header('x-cache', /cloudfront/i)],
      ['high', 'Server: CloudFront', server(/^cloudfront/i)],
    ],
  },
  {
    product: 'azure-front-door',
    label: 'Azure Front Door',
    stack: 'generic',
    signals: [
      ['high', 'header x-azure-ref', has('x-azure-ref')],
      ['medium', 'header x-msedge-ref', has('x-msedge-ref')],
    ],
  },
  {
    product: 'azure-app-gateway',
    label: 'Azure Application Gateway',
    stack: 'generic',
    signals: [
      ['high', 'Server: Microsoft-Azure-Application-Gateway', server(/^microsoft-azure-application-gateway/i)],
      ['high', 'cookie ApplicationGatewayAffinity', cookie(/^ApplicationGatewayAffinity/)],
    ],
  },
  {
    product: 'aws-alb',
    label: 'AWS load balancer (ALB/ELB)',
    stack: 'awselb',
    signals: [
      ['high', 'Server: awselb', server(/^awselb/i)],
      ['high', 'cookie AWSALB', cookie(/^AWSALB/)],
      ['medium', 'leaf issued by Amazon (ACM certificates are only served by AWS)', issuer(/O=Amazon/i)],
    ],
  },
  {
    product: 'ingress-nginx',
    label: 'Kubernetes ingress-nginx',
    stack: 'kubernetes',
    signals: [
      ['high', 'the ingress-nginx default certificate', subject(/Kubernetes Ingress Controller Fake Certificate/i)],
      ['high', 'cookie INGRESSCOOKIE', cookie(/^INGRESSCOOKIE$/)],
    ],
  },
  {
    product: 'istio',
    label: 'Envoy / Istio',
    stack: 'envoy',
    signals: [
      ['high', 'Server: envoy / istio-envoy', server(/^(istio-)?envoy/i)],
      ['high', 'header x-envoy-upstream-service-time', has('x-envoy-upstream-service-time')],
    ],
  },
  {
    product: 'traefik',
    label: 'Traefik',
    stack: 'traefik',
    signals: [
      ['high', 'the Traefik default certificate', subject(/TRAEFIK DEFAULT CERT/i)],
      ['high', 'Server: Traefik', server(/^traefik/i)],
    ],
  },
  {
    product: 'haproxy',
    label: 'HAProxy',
    stack: 'haproxy',
    signals: [
      ['high', 'Server: HAProxy', server(/^haproxy/i)],
      ['low', 'cookie SERVERID (HAProxy cookie persistence)', cookie(/^SERVERID$/)],
    ],
  },
  {
    product: 'caddy',
    label: 'Caddy',
    stack: 'caddy',
    signals: [
      ['high', 'Server: Caddy', server(/^caddy/i)],
      ['high', "leaf issued by Caddy's local CA", issuer(/Caddy Local Authority/i)],
    ],
  },
  {
    product: 'kestrel',
    label: 'IIS / Kestrel (.NET)',
    stack: 'iis',
    signals: [
      ['high', 'Server: Kestrel / Microsoft-IIS', server(/^(kestrel|microsoft-iis|microsoft-httpapi)/i)],
      ['high', 'X-Powered-By: ASP.NET', header('x-powered-by', /asp\.net/i)],
      ['high', 'header x-aspnet-version', has('x-aspnet-version')],
      ['medium', 'cookie ARRAffinity (Azure App Service)', cookie(/^ARRAffinity/)],
    ],
  },
];

const WEIGHT: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/** The best-supported product, or what the Server header alone says (nginx, Apache …), or null. */
export function recogniseStack(report: ProbeReport): StackRecognition | null {
  const http = report.http.status === 'completed' ? report.http.result : null;
  const headers = http?.headers ?? {};
  const ep = report.endpoints[0];
  const hs = ep?.handshake.status === 'completed' ? ep.handshake.result : null;
  const first = hs?.sentChain[0];
  const e: Evidence = {
    headers,
    cookies: (headers['set-cookie'] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    server: http?.server ?? '',
    leaf: first && !('malformed' in first) ? first : null,
  };
  let best: { p: Product; score: number; hits: Signal[] } | null = null;
  for (const p of PRODUCTS) {
    const hits = p.signals.filter(([, , test]) => test(e));
    const score = hits.reduce((s, [c]) => s + WEIGHT[c], 0);
    if (score > (best?.score ?? 0)) best = { p, score, hits };
  }
  if (best) {
    const top = best.hits.reduce<Confidence>((c, [h]) => (WEIGHT[h] > WEIGHT[c] ? h : c), 'low');
    return {
      product: best.p.product,
      label: best.p.label,
      stack: best.p.stack,
      confidence: top,
      how: best.hits.map(([, how]) => how),
    };
  }
  const plain = detectServerStack(http?.server ?? null);
  return plain
    ? { product: plain, label: plain, stack: plain, confidence: 'high', how: [`Server: ${http?.server ?? ''}`] }
    : null;
}
