import { nameString } from './der-names.js';
import { readTlv, TAG } from './der-reader.js';
import { describeAlert } from './errors.js';
import type { ServerFlight } from './tls-records.js';
import type { ClientCertRequest, ProbeErrorCode } from './types.js';

/**
 * What a server's CertificateRequest tells a client (mutual TLS), and how to read its refusal. We never
 * present a certificate, so a server that requires one shows it by aborting right after its request.
 */

/**
 * How long a TLS 1.3 handshake waits, after it completed on our side, for the server's verdict on our empty
 * Certificate. RFC 8446 §4.4.2.4: a server that requires one "MAY abort the handshake with a
 * certificate_required alert" — but only after our Finished, so the alert (or a NewSessionTicket, meaning it
 * went on without one) comes one round trip later. Only servers that sent a CertificateRequest pay this.
 */
export const CLIENT_CERT_GRACE_MS = 1000;

const VERSION_NAMES: Record<number, string> = {
  769: 'TLSv1',
  770: 'TLSv1.1',
  771: 'TLSv1.2',
  772: 'TLSv1.3',
};

/** 0x0303 → 'TLSv1.2' (Node's getProtocol() names), or null for anything else. */
export function versionName(version: number): string | null {
  return VERSION_NAMES[version] ?? null;
}

/**
 * A DER Name as an RFC 4514 string (the form CertInfo.subject uses), or its hex when it does not parse.
 * Our own DER reader, not @peculiar/x509: every handshake may need it, and that library costs ~0.1 s to load.
 */
export function dnString(der: Buffer): string {
  try {
    const name = readTlv(der, 0);
    if (name.tag !== TAG.SEQUENCE || name.end !== der.length) throw new Error('not a Name');
    return nameString(der, name);
  } catch {
    return `#${der.toString('hex')}`;
  }
}

/** The ClientCertRequest for a flight, or undefined when the server asked for no client certificate. */
export function clientCertRequestOf(
  flight: Pick<ServerFlight, 'certificateRequest'>,
  required: boolean | null,
  refusal: string | null = null,
): ClientCertRequest | undefined {
  if (flight.certificateRequest === null) return undefined;
  return { caNames: flight.certificateRequest.caNames.map(dnString), required, refusal };
}

/**
 * How the server refused after its CertificateRequest, or null when the failure was not a refusal. A fatal
 * alert from the server (handshake_failure 40 from OpenSSL in TLS 1.2, certificate_required 116 in 1.3,
 * bad_certificate 42 or access_denied 49 elsewhere) or a close right after our empty Certificate is one;
 * a failure our own TLS stack raised is not.
 */
export function refusalOf(err: unknown, code: ProbeErrorCode): string | null {
  if (code === 'connection_reset') return 'the server closed the connection';
  if (code !== 'handshake_failed') return null;
  return describeAlert(err);
}
