import type { Target, TargetProtocol } from '../probe/types.js';

/**
 * Copyable command lines built from the target, so a step says `openssl s_client -connect api.example.com:8443`
 * rather than `host:port`. Hosts come from probe/target (lower-case punycode or an IP literal): shell-safe.
 */

/** `openssl s_client -starttls` protocol names (OpenSSL 1.1.1+ for ldap and postgres). */
const STARTTLS: Partial<Record<TargetProtocol, string>> = {
  smtp: 'smtp',
  submission: 'smtp',
  imap: 'imap',
  pop3: 'pop3',
  ftp: 'ftp',
  ldap: 'ldap',
  xmpp: 'xmpp',
  postgres: 'postgres',
  mysql: 'mysql',
};

export function hostPort(t: Target): string {
  return t.ipVersion === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The name certificates must cover: the SNI name, or the IP literal. */
export function certName(t: Target): string {
  return t.sni ?? t.host;
}

/** `subjectAltName` value for the target: `DNS:name` or `IP:address`. */
export function sanEntry(t: Target, name = certName(t)): string {
  return /^[0-9.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`;
}

export function sClient(t: Target, flags = '-showcerts', address = hostPort(t)): string {
  const parts = ['openssl s_client', `-connect ${address}`];
  if (t.sni) parts.push(`-servername ${t.sni}`);
  const starttls = STARTTLS[t.protocol];
  if (starttls) parts.push(`-starttls ${starttls}`);
  if (flags) parts.push(flags);
  return `${parts.join(' ')} </dev/null`;
}

/** Subject, issuer, dates and SANs of the leaf the server sends now. */
export function leafSummary(t: Target): string {
  return `${sClient(t, '')} 2>/dev/null | openssl x509 -noout -subject -issuer -dates -ext subjectAltName`;
}

/** One `s:`/`i:` pair per certificate the server sends, in order. */
export function chainSummary(t: Target): string {
  return `${sClient(t)} 2>/dev/null | grep -E '^ *[0-9]+ s:|^ +i:'`;
}

/** A CSR with the target in the SAN (RFC 5280 §4.2.1.6; CN alone is ignored by modern clients). */
export function csrCommand(t: Target, opts: { ecdsa?: boolean; extraNames?: string[] } = {}): string {
  const name = certName(t);
  const key = opts.ecdsa ? 'ec -pkeyopt ec_paramgen_curve:P-256' : 'rsa:2048';
  const names = [name, ...(opts.extraNames ?? []).filter((n) => n !== name)];
  const san = names.map((n) => sanEntry(t, n)).join(',');
  return `openssl req -new -newkey ${key} -nodes -keyout ${name}.key -out ${name}.csr -subj "/CN=${name}" -addext "subjectAltName=${san}"`;
}

/**
 * Sign a leaf with an internal CA with the extensions a TLS server certificate needs: CA:FALSE, a SAN,
 * serverAuth EKU, ≤ 397 days (CA/B BR §6.3.2; Apple enforces 825 days even for private roots).
 */
export function internalCaSign(t: Target): string {
  const name = certName(t);
  const ext = `basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth\\nsubjectAltName=${sanEntry(t)}`;
  return `openssl x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 397 -sha256 -extfile <(printf '${ext}') -out ${name}.crt`;
}

/** Every A record of the host, each probed for the certificate it serves. */
export function perAddressFingerprints(t: Target): string {
  const probe = sClient(t, '', '"$ip:' + t.port + '"');
  return `for ip in $(dig +short ${t.host} A); do echo "$ip"; ${probe} 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -enddate; done`;
}
