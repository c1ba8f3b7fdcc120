import type { EndpointReport, ProbeErrorCode } from '../../probe/types.js';
import type { TransportParams } from '../params.js';
import type { RuleContext } from '../types.js';
import { type Input, pass, primaryEndpoint } from './inputs.js';

export interface HandshakeError {
  endpoint: EndpointReport;
  code: ProbeErrorCode;
  error: string;
}

/**
 * The primary endpoint's handshake error when its code is one of `codes`. A completed handshake or another
 * error code is a `pass` for the asking rule: its condition was looked for and is absent.
 */
export function primaryHandshakeError(ctx: RuleContext, codes: readonly ProbeErrorCode[]): Input<HandshakeError> {
  const ep = primaryEndpoint(ctx);
  if (!ep.ok) return ep;
  const hs = ep.value.handshake;
  if (hs.status === 'skipped') return { ok: false, outcome: { status: 'not_evaluated', why: hs.why } };
  if (hs.status === 'completed' || !codes.includes(hs.code)) return { ok: false, outcome: pass };
  return { ok: true, value: { endpoint: ep.value, code: hs.code, error: hs.error } };
}

/** `example.com:443 (203.0.113.7)`, or `203.0.113.7:443` for an IP target. */
export function endpointLabel(ctx: RuleContext, address: string): string {
  const { host, port } = ctx.report.target;
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return host === address ? hostPort : `${hostPort} (${address})`;
}

/** params every transport finding carries. */
export function transportParams(ctx: RuleContext, e: HandshakeError): TransportParams {
  const { host, port, sni } = ctx.report.target;
  return { host, port, sni, address: e.endpoint.address, errorCode: e.code, error: e.error };
}
