/**
 * Server software stacks we have remediation steps for, how to recognise them from a `Server` header, and
 * which stacks to show for a finding. Headers are advisory: ingress-nginx says plain `nginx`, Traefik and
 * HAProxy usually send none, so detection is a hint for ordering, never a filter that hides the generic fix.
 */
export const STACK_KEYS = [
  'nginx',
  'apache',
  'haproxy',
  'caddy',
  'iis',
  'kubernetes',
  'envoy',
  'traefik',
  'awselb',
  'cloudflare',
  'generic',
] as const;

export type StackKey = (typeof STACK_KEYS)[number];

interface StackMeta {
  label: string;
  /** shown after the detected stack and the generic fix: where this software commonly runs */
  related: StackKey[];
}

export const STACKS: Record<StackKey, StackMeta> = {
  // ingress-nginx and most Kubernetes ingress setups answer `Server: nginx`.
  nginx: { label: 'nginx', related: ['kubernetes'] },
  apache: { label: 'Apache httpd', related: [] },
  haproxy: { label: 'HAProxy', related: ['kubernetes'] },
  caddy: { label: 'Caddy', related: [] },
  iis: { label: 'IIS / Kestrel (.NET)', related: [] },
  kubernetes: { label: 'Kubernetes (cert-manager, ingress)', related: [] },
  envoy: { label: 'Envoy / Istio', related: ['kubernetes'] },
  traefik: { label: 'Traefik', related: ['kubernetes'] },
  awselb: { label: 'AWS load balancer (ACM)', related: [] },
  cloudflare: { label: 'Cloudflare', related: [] },
  generic: { label: 'Any server (OpenSSL)', related: [] },
};

/**
 * With no detected stack a Slack thread would turn into a wall if we listed all eleven; show the generic
 * OpenSSL steps first, then the self-hosted servers people most often run. Cloud front ends (Cloudflare,
 * AWS ELB, Envoy) announce themselves in `Server`, so they are shown only when detected.
 */
const UNKNOWN_ORDER: readonly StackKey[] = ['generic', 'nginx', 'apache', 'iis', 'haproxy', 'caddy', 'kubernetes'];

/** The server stacks to show, in order: the detected one, the generic fix, then where it usually runs. */
export function stackOrder(detected: StackKey | null): StackKey[] {
  if (detected === null || detected === 'generic') return [...UNKNOWN_ORDER];
  return [detected, 'generic', ...STACKS[detected].related];
}

export function isStackKey(value: string): value is StackKey {
  return (STACK_KEYS as readonly string[]).includes(value);
}

/** Product token (lower-case, before `/`) → stack. Tokens not listed (gws, gfe, AkamaiGHost, Jetty…) are unknown. */
const PRODUCTS: Record<string, StackKey> = {
  nginx: 'nginx',
  openresty: 'nginx',
  tengine: 'nginx',
  'cloudflare-nginx': 'cloudflare',
  cloudflare: 'cloudflare',
  apache: 'apache',
  'microsoft-iis': 'iis',
  'microsoft-httpapi': 'iis',
  kestrel: 'iis',
  haproxy: 'haproxy',
  caddy: 'caddy',
  envoy: 'envoy',
  'istio-envoy': 'envoy',
  traefik: 'traefik',
  awselb: 'awselb',
};

/** Normalise a `Server` header ("nginx/1.25.3", "Apache/2.4.57 (Debian)", "Microsoft-IIS/10.0") to a stack key. */
export function detectServerStack(serverHeader: string | null): StackKey | null {
  if (serverHeader === null) return null;
  const product =
    serverHeader
      .trim()
      .split(/[\s/(]/, 1)[0]
      ?.toLowerCase() ?? '';
  return Object.hasOwn(PRODUCTS, product) ? PRODUCTS[product]! : null;
}
