/**
 * The response headers kept for stack recognition (src/fixes/stack-recognise.ts), capped: a server chooses
 * them, so their number and size are bounded, and cookie values (session tokens) are never kept, only
 * their names (AWSALB, ARRAffinity, INGRESSCOOKIE … name the load balancer).
 */
export const MAX_KEPT_HEADERS = 48;
export const MAX_HEADER_VALUE = 256;

export function captureHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || kept >= MAX_KEPT_HEADERS) continue;
    const key = name.toLowerCase().slice(0, 64);
    const values = Array.isArray(value) ? value : [value];
    const text = key === 'set-cookie' ? values.map((v) => v.split('=', 1)[0]!.trim()).join(', ') : values.join(', ');
    out[key] = text.slice(0, MAX_HEADER_VALUE);
    kept++;
  }
  return out;
}
