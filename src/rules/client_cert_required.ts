import { fail, isCert, listNames, pass, primaryHandshake } from './lib/inputs.js';
import { endpointLabel } from './lib/transport.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §4.3.2 / RFC 5246 §7.4.4: a server "MAY" request a client certificate, naming the CAs it accepts
 * in certificate_authorities (RFC 8446 §4.2.4); without one it "MAY" abort with certificate_required
 * (RFC 8446 §4.4.2.4; TLS 1.2 servers send handshake_failure). An access requirement, not a fault: info, as
 * long as the server's own certificate could be read and judged by the other rules.
 */
export const clientCertRequired: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'client_cert_required',
    title: 'The server asks for a client certificate (mutual TLS)',
    citation: 'RFC 8446 §4.3.2, §4.2.4 and §4.4.2.4; RFC 5246 §7.4.4',
    severity: 'info',
  },
  applies: () => true,
  evaluate(ctx) {
    const hs = primaryHandshake(ctx);
    if (!hs.ok) return hs.outcome;
    const request = hs.value.clientCertRequest;
    if (request === undefined) return pass;
    const where = endpointLabel(ctx, ctx.primary!.address);
    const cas = request.caNames.length > 0 ? listNames(request.caNames) : 'none listed (any CA the server trusts)';
    const observed =
      request.required === true
        ? `requires a client certificate (${request.refusal ?? 'refused'} after its CertificateRequest)`
        : request.required === false
          ? 'requests a client certificate but goes on without one'
          : 'requests a client certificate (whether it requires one could not be seen)';
    const expected =
      request.required === false
        ? 'clients may present one'
        : 'only clients that present a certificate issued by one of those CAs can connect';
    return fail({
      code: 'client_cert_required',
      severity: hs.value.sentChain.some(isCert) ? 'info' : 'warning',
      certIndex: -1,
      summary: `${where} ${observed}; accepted CAs: ${cas}; ${expected}.`,
      params: {
        required: request.required,
        refusal: request.refusal,
        caNames: request.caNames.join('; '),
        caCount: request.caNames.length,
        protocol: hs.value.protocol,
      },
      causes: [
        'the service is meant for mutual TLS (service mesh, internal API, webhook receiver): clients authenticate with a certificate',
        request.required === false
          ? 'client authentication is set to optional (nginx `ssl_verify_client optional`, Apache `SSLVerifyClient optional`)'
          : 'client authentication is switched on for this host or port (nginx `ssl_verify_client on`, Apache `SSLVerifyClient require`, ingress-nginx `auth-tls-verify-client`)',
        'a TLS-intercepting proxy or load balancer in front of the service demands client certificates',
      ],
    });
  },
};
