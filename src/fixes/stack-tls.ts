/**
 * What our side of the TLS handshakes says about the software behind them. The probe's offer is fixed, so
 * the server's choices against it are a fingerprint:
 * - the certificate served to a client that sends no SNI: ingress-nginx's "Kubernetes Ingress Controller Fake
 *   Certificate" and Traefik's "TRAEFIK DEFAULT CERT" are what those controllers answer when no route has a
 *   certificate for the name (kubernetes/ingress-nginx docs/user-guide/tls.md "Default SSL Certificate";
 *   traefik/traefik pkg/tls/generate/generate.go DefaultDomain "TRAEFIK DEFAULT CERT");
 * - a no-SNI handshake refused with alert internal_error (80): Go crypto/tls answers a GetCertificate failure
 *   with it (crypto/tls handshake_server.go), which is what Caddy does when no certificate matches an empty
 *   name (caddyserver/certmagic handshake.go "no certificate available for ''");
 * - the TLS 1.3 suite: we list TLS_AES_256_GCM_SHA384 first and TLS_AES_128_GCM_SHA256 last (OpenSSL's
 *   default TLSv1.3 ciphersuites); OpenSSL servers (nginx, HAProxy, Apache) follow the client's order, while
 *   Go crypto/tls (Caddy, Traefik) and BoringSSL (Envoy, Cloudflare) impose AES-128-GCM first
 *   (crypto/tls cipher_suites.go defaultCipherSuitesTLS13; BoringSSL ssl/s3_both / tls13_server.cc);
 * - ALPN against our offer of h2, http/1.1: no protocol at all is what an HAProxy `bind … ssl` line without
 *   `alpn` negotiates (HAProxy configuration manual, bind option "alpn"); h2 is the default of the edge
 *   services and of Caddy, Traefik, Kestrel and ingress-nginx (use-http2: true), where plain nginx needs
 *   `http2 on`.
 * Shared behaviours (the cipher, ALPN) only support a product another signal already points at.
 */
import type { Attempt, CertInfo, HandshakeResult } from '../probe/types.js';
import type { Confidence } from './stack-recognise.js';

export interface TlsEvidence {
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** the leaf served without SNI, when that handshake completed */
  noSniLeaf: CertInfo | null;
  /** the no-SNI handshake's error, when it failed */
  noSniError: string | null;
}

export interface TlsSignal {
  products: string[];
  confidence: Confidence;
  how: string;
  /** true: counts only for a product some other signal already names */
  supporting: boolean;
}

const GO_OR_BORINGSSL = ['caddy', 'traefik', 'istio', 'cloudflare'];
const H2_BY_DEFAULT = [
  'caddy',
  'traefik',
  'kestrel',
  'ingress-nginx',
  'cloudflare',
  'aws-cloudfront',
  'azure-front-door',
];

export function tlsEvidence(hs: HandshakeResult | null, noSni: Attempt<HandshakeResult> | undefined): TlsEvidence {
  const leaf = noSni?.status === 'completed' ? noSni.result.sentChain[0] : undefined;
  return {
    protocol: hs?.protocol ?? null,
    cipher: hs?.cipher ?? null,
    alpn: hs?.alpn ?? null,
    noSniLeaf: leaf && !('malformed' in leaf) ? leaf : null,
    noSniError: noSni?.status === 'error' ? noSni.error : null,
  };
}

export function tlsSignals(t: TlsEvidence): TlsSignal[] {
  const out: TlsSignal[] = [];
  const subject = t.noSniLeaf?.subject ?? '';
  if (/Kubernetes Ingress Controller Fake Certificate/i.test(subject)) {
    out.push(one('ingress-nginx', 'high', 'TLS: the no-SNI handshake served the ingress-nginx fake certificate'));
  }
  if (/TRAEFIK DEFAULT CERT/i.test(subject)) {
    out.push(one('traefik', 'high', 'TLS: the no-SNI handshake served "TRAEFIK DEFAULT CERT"'));
  }
  if (t.noSniError !== null && /internal_error \(80\)/.test(t.noSniError)) {
    out.push(one('caddy', 'low', 'TLS: without SNI the server refused with alert internal_error (Go crypto/tls)'));
  }
  if (t.protocol === 'TLSv1.3' && t.cipher === 'TLS_AES_128_GCM_SHA256') {
    out.push({
      products: GO_OR_BORINGSSL,
      confidence: 'low',
      how: 'TLS 1.3: chose TLS_AES_128_GCM_SHA256 over the TLS_AES_256_GCM_SHA384 we listed first (Go crypto/tls or BoringSSL order)',
      supporting: true,
    });
  }
  if (t.protocol !== null && t.alpn === null) {
    out.push({
      products: ['haproxy'],
      confidence: 'low',
      how: 'TLS: no ALPN negotiated although we offered h2 and http/1.1',
      supporting: true,
    });
  }
  if (t.alpn === 'h2') {
    out.push({ products: H2_BY_DEFAULT, confidence: 'low', how: 'TLS: ALPN chose h2', supporting: true });
  }
  return out;
}

function one(product: string, confidence: Confidence, how: string): TlsSignal {
  return { products: [product], confidence, how, supporting: false };
}
