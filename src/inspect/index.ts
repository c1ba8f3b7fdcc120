/**
 * `inspect`: diagnose certificate files offline. The files become one endpoint with no connection
 * (DESIGN.md: "A certificate file given to `inspect` is one endpoint with no connection"): the certificates
 * in file order are what was "sent", the path is built and judged exactly as for `check`, and the rules
 * about the connection (DNS, handshake, protocols, HTTP) are `not_applicable`. Without a host name the
 * name checks are `not_applicable` too.
 */
import { diagnose } from '../diagnose.js';
import type { AiaResult } from '../probe/aia.js';
import { isMalformed, parseCert } from '../probe/certinfo.js';
import { buildChain } from '../probe/chain.js';
import { InputError } from '../probe/errors.js';
import { checkRevocationOffline } from '../probe/revocation/offline.js';
import { parseTarget } from '../probe/target.js';
import { loadTrustStore } from '../probe/trust.js';
import type {
  AnchorPolicy,
  Attempt,
  ChainReport,
  HandshakeResult,
  ProbeReport,
  Purpose,
  RevocationReport,
  SentCert,
  Target,
} from '../probe/types.js';
import { rules } from '../rules/index.js';
import type { Diagnosis, Rule, RuleOptions } from '../rules/types.js';
import { decodeInput } from './formats.js';
import { matchKey } from './key-match.js';
import { leafFirst } from './order.js';

export interface InspectInput {
  /** the file name as the user gave it ("-" for stdin) */
  name: string;
  bytes: Uint8Array;
}

export interface InspectOptions {
  /** the injected clock (start of the run) */
  now: Date;
  /** evaluate validity at this time instead of now (`--at`) */
  at?: Date;
  /** check the leaf against this name (`--host`) */
  host?: string;
  /** PEM bundles (file contents) of extra anchors */
  extraCaPem?: string[];
  /** false: only `extraCaPem` anchors count (`--no-default-ca`) */
  defaultCa?: boolean;
  purpose?: Purpose;
  /** the private key file (`--key`) */
  key?: InspectInput;
  /** PKCS#12 password (from a file or the environment, never an argument) */
  password?: string | null;
  fetchAia?: (url: string) => Promise<AiaResult>;
  /** which of an anchor's own fields count (BoringSSL suite's trust types); default Chrome's */
  anchorPolicy?: AnchorPolicy;
  ruleOptions?: Partial<RuleOptions>;
  /** `--crl FILE…`: CRLs (DER or PEM) to check the built path against, offline */
  crls?: Uint8Array[];
  /** `--ocsp-response FILE…`: DER OCSP responses to check the built path against, offline */
  ocspResponses?: Uint8Array[];
}

/** Rules about the connection: a file has none (issue 9 item 4). */
const CONNECTION_RULES = new Set([
  'dns_not_found',
  'address_blocked',
  'connection_refused',
  'connection_timeout',
  'not_tls',
  'legacy_tls_only',
  'handshake_failed',
  'client_cert_required',
  'sni_required',
  'backends_inconsistent',
  'legacy_tls_enabled',
  'clock_skew',
  'hsts_missing',
  'handshake_timeout',
  // stapling is a server's behaviour on a connection
  'ocsp_must_staple_missing',
  'ocsp_staple_invalid',
]);
const NAME_RULES = new Set(['hostname_mismatch', 'no_san']);

export interface Inspected {
  diagnosis: Diagnosis;
  /** the built path's certificates (leaf first), DER, for --write-fullchain */
  chain: ChainReport;
}

export async function inspect(inputs: InspectInput[], opts: InspectOptions): Promise<Inspected> {
  const certs: Uint8Array[] = [];
  for (const input of inputs) certs.push(...decodeInput(input.bytes, input.name, opts.password ?? null).certs);
  if (certs.length === 0) throw new InputError(`no certificate found in ${inputs.map((i) => i.name).join(', ')}`);
  const parsed: SentCert[] = certs.map((d) => parseCert(d));
  const { sent, moved } = leafFirst(parsed);
  const at = opts.at ?? opts.now;
  const trust = loadTrustStore({ extraCaPem: opts.extraCaPem ?? [], builtin: opts.defaultCa !== false });
  const purpose = opts.purpose ?? 'server';
  const chain = await buildChain(sent, {
    trust,
    fetchAia: opts.fetchAia,
    now: at,
    purpose,
    anchorPolicy: opts.anchorPolicy,
  });
  if (moved) chain.outOfOrder = true;
  const leaf = sent[0];
  const keyMatch = opts.key && leaf && !isMalformed(leaf) ? matchKey(opts.key, leaf) : undefined;
  const report = fileReport(inputs, sent, chain, {
    at,
    host: opts.host,
    purpose,
    extraCa: opts.extraCaPem?.length ?? 0,
  });
  if (keyMatch) report.keyMatch = keyMatch;
  report.endpoints[0]!.revocation = offlineRevocation(chain, opts, at);
  const list = rules.map((r) => (offline(r, opts.host !== undefined) ? notApplicable(r) : r));
  return { diagnosis: diagnose(report, { now: at, rules: list, ruleOptions: opts.ruleOptions }), chain };
}

/**
 * A file has no connection to fetch CRLs or OCSP answers over: revocation is judged only against the CRLs and
 * OCSP responses given (`--crl`, `--ocsp-response`), and is otherwise not evaluated, with the reason.
 */
function offlineRevocation(chain: ChainReport, opts: InspectOptions, at: Date): Attempt<RevocationReport> {
  const crls = opts.crls ?? [];
  const ocspResponses = opts.ocspResponses ?? [];
  if (crls.length === 0 && ocspResponses.length === 0)
    return {
      status: 'skipped',
      why: 'a certificate file: give --crl FILE or --ocsp-response FILE to check revocation',
    };
  return { status: 'completed', result: checkRevocationOffline({ chain: chain.built, crls, ocspResponses, now: at }) };
}

function offline(rule: Rule, hasHost: boolean): boolean {
  return CONNECTION_RULES.has(rule.meta.code) || (!hasHost && NAME_RULES.has(rule.meta.code));
}

function notApplicable(rule: Rule): Rule {
  return { ...rule, applies: () => false };
}

function fileTarget(inputs: InspectInput[], host: string | undefined): Target {
  const input = inputs.map((i) => i.name).join(' ');
  if (host !== undefined) return { ...parseTarget(host), input };
  return { input, host: '', port: 0, sni: null, protocol: 'tls', ipVersion: null, unicodeHost: null };
}

function fileReport(
  inputs: InspectInput[],
  sent: SentCert[],
  chain: ChainReport,
  o: { at: Date; host?: string; purpose: Purpose; extraCa: number },
): ProbeReport {
  const none = { status: 'skipped' as const, why: 'a certificate file: no connection' };
  const handshake: HandshakeResult = {
    protocol: null,
    cipher: null,
    alpn: null,
    sentChain: sent,
    sentChainSource: 'wire',
    ocspStaple: null,
    timings: { connectMs: null, tlsMs: null },
  };
  return {
    target: fileTarget(inputs, o.host),
    source: 'file',
    startedAt: o.at.toISOString(),
    resolution: none,
    endpoints: [
      {
        address: 'file',
        family: 4,
        handshake: { status: 'completed', result: handshake },
        noSni: none,
        chain: { status: 'completed', result: chain },
      },
    ],
    protocols: none,
    http: none,
    revocation: none,
    timings: { totalMs: 0, dnsMs: null },
    options: { timeoutMs: 0, extraCaCount: o.extraCa, purpose: o.purpose },
  };
}
