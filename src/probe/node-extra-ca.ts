/**
 * NODE_EXTRA_CA_CERTS for the installed command. bin/cert-doctor moves that variable aside into
 * CERT_DOCTOR_NODE_EXTRA_CA_CERTS, so Node.js does not parse the bundle before any JavaScript runs (~80 ms
 * of every CLI check's start-up for a 140-certificate OS bundle). The only part of a check that relies on
 * Node's CA store is an https:// AIA, OCSP or CRL fetch (fetch.ts, through undici); for it, this module
 * builds what Node would have built — the bundled roots plus the extra bundle
 * (https://nodejs.org/api/cli.html#node_extra_ca_certsfile) — once, on the first such fetch.
 *
 * The probe's own verification never uses Node's store (tls-context.ts, trust.ts) and does not read
 * NODE_EXTRA_CA_CERTS either way: its extra anchors are --ca and CERT_DOCTOR_CA.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export const MOVED_VARIABLE = 'CERT_DOCTOR_NODE_EXTRA_CA_CERTS';

let cached: { path: string; context: tls.SecureContext | undefined } | undefined;

/**
 * The SecureContext an https fetch should verify with, or undefined for Node's default store: when the
 * variable was not moved (Node already loaded it), or when it was set by hand next to NODE_EXTRA_CA_CERTS.
 * An unreadable bundle is ignored with a warning, as Node does at start-up.
 */
export function fetchSecureContext(env: NodeJS.ProcessEnv = process.env): tls.SecureContext | undefined {
  const path = env[MOVED_VARIABLE];
  if (!path || env.NODE_EXTRA_CA_CERTS) return undefined;
  if (cached?.path !== path) cached = { path, context: build(path) };
  return cached.context;
}

function build(path: string): tls.SecureContext | undefined {
  let extra: string;
  try {
    extra = readFileSync(path, 'latin1');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${path}\`, load failed: ${(err as Error).message}`);
    return undefined;
  }
  try {
    return tls.createSecureContext({ ca: [...tls.rootCertificates, extra] });
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${path}\`, load failed: ${(err as Error).message}`);
    return undefined;
  }
}
