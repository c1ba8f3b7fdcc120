/**
 * Which software terminates TLS, from more than the `Server` header: vendor headers (cf-ray, x-amz-cf-id,
 * x-azure-ref, x-envoy-*), load-balancer cookie names (AWSALB, ApplicationGatewayAffinity, INGRESSCOOKIE),
 * default certificates (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate", "TRAEFIK DEFAULT
 * CERT", Caddy's local CA), issuer hints (an Amazon-issued leaf can only be served by AWS), error and default
 * pages in the response body (stack-pages.ts) and the server's TLS behaviour against our fixed offer
 * (stack-tls.ts). Each signal carries its own confidence; a product's signals combine as independent evidence
 * (noisy-or), and every one is kept as "how", so a fix can say why it names that stack. Edge services come
 * first on ties: when a CDN terminates TLS, the origin's own headers it passes on do not say who serves the
 * certificate.
 */
import type { CertInfo, ProbeReport } from '../probe/types.js';
import { pageSignals } from './stack-pages.js';
import { tlsEvidence, tlsSignals } from './stack-tls.js';
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
  /** the same signals with where each was seen and how much it says on its own (absent: stored before) */
  signals?: StackSignal[];
}

export interface StackSignal {
  source: 'header' | 'cookie' | 'certificate' | 'body' | 'tls';
  confidence: Confidence;
  how: string;
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

/** Recognised from its error-page footer when no Server header names it (server_tokens off still says nginx). */
const NGINX: Product = { product: 'nginx', label: 'nginx', stack: 'nginx', signals: [] };

/** How likely each kind of signal is to be right on its own; independent signals combine (noisy-or). */
const PROBABILITY: Record<Confidence, number> = { high: 0.9, medium: 0.6, low: 0.3 };

function level(p: number): Confidence {
  return p >= 0.8 ? 'high' : p >= 0.5 ? 'medium' : 'low';
}

interface Hit extends StackSignal {
  supporting: boolean;
}

/** The best-supported product, or what the Server header alone says (nginx, Apache …), or null. */
export function recogniseStack(report: ProbeReport): StackRecognition | null {
  const ep = report.endpoints[0];
  const http =
    report.http.status === 'completed' ? report.http.result : ep?.http?.status === 'completed' ? ep.http.result : null;
  const headers = http?.headers ?? {};
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
  const hits = new Map<string, Hit[]>();
  const add = (product: string, hit: Hit) => hits.set(product, [...(hits.get(product) ?? []), hit]);
  for (const p of PRODUCTS) {
    for (const [confidence, how, test] of p.signals) {
      if (test(e)) add(p.product, { source: sourceOf(how), confidence, how, supporting: false });
    }
  }
  for (const sig of pageSignals(http?.body?.text ?? '')) {
    add(sig.product, { source: 'body', confidence: sig.confidence, how: sig.how, supporting: false });
  }
  for (const sig of tlsSignals(tlsEvidence(hs, ep?.noSni))) {
    for (const product of sig.products) {
      add(product, { source: 'tls', confidence: sig.confidence, how: sig.how, supporting: sig.supporting });
    }
  }
  let best: { p: Product; score: number; hits: Hit[] } | null = null;
  for (const p of [...PRODUCTS, NGINX]) {
    const mine = hits.get(p.product) ?? [];
    if (!mine.some((h) => !h.supporting)) continue;
    const score = 1 - mine.reduce((q, h) => q * (1 - PROBABILITY[h.confidence]), 1);
    if (score > (best?.score ?? 0)) best = { p, score, hits: mine };
  }
  const plain = detectServerStack(http?.server ?? null);
  // A Server header naming the software outranks an nginx-footer-only guess; it is the same product anyway.
  if (best && !(best.p === NGINX && plain)) {
    return {
      product: best.p.product,
      label: best.p.label,
      stack: best.p.stack,
      confidence: level(best.score),
      how: best.hits.map((h) => h.how),
      signals: best.hits.map(({ source, confidence, how }) => ({ source, confidence, how })),
    };
  }
  if (!plain) return null;
  const how = `Server: ${http?.server ?? ''}`;
  return {
    product: plain,
    label: plain,
    stack: plain,
    confidence: 'high',
    how: [how],
    signals: [{ source: 'header', confidence: 'high', how }],
  };
}

function sourceOf(how: string): StackSignal['source'] {
  if (how.startsWith('cookie') || how.includes('cookie (')) return 'cookie';
  if (how.includes('certificate') || how.startsWith('leaf')) return 'certificate';
  return 'header';
}
