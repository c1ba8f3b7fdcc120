/**
 * One or more report specs per finding code that make its rule fire, so fix tests can render every fix from
 * real rule output (the params a rule really emits, not hand-written ones). Specs are taken from the rule
 * test tables (test/rules-*.test.ts). Codes with no rule yet (revocation, issue 10) get typed sample params.
 */
import { diagnose } from '../../src/diagnose.js';
import type { FindingCode } from '../../src/fixes/codes.js';
import type { ChainReport, ProbeReport } from '../../src/probe/types.js';
import type { FindingParams } from '../../src/rules/params.js';
import type { RuleFinding } from '../../src/rules/types.js';
import type { Chain } from './pki.js';
import { makeChain } from './pki.js';
import { at, DAY, err, NOW, ok, type ReportSpec, reportWith, trustedPath } from './report.js';

export interface Trigger {
  name: string;
  spec: ReportSpec | (() => Promise<ReportSpec>);
  /** a change the spec language cannot express (client_cert_required's CertificateRequest) */
  edit?: (report: ProbeReport) => void;
}

const leafOnly = (c: Chain) => [c.leaf.info];
const withRoot = (c: Chain) => [c.leaf.info, ...c.intermediates.map((i) => i.info), c.root.info];
const blocked = (address: string, blockedBy: string) => ({ address, family: 4 as const, allowed: false, blockedBy });
const otherLeaf = async (dnsNames: string[], notAfterDays = 60) =>
  (await makeChain({ leaf: { subject: `CN=${dnsNames[0]}`, dnsNames, notAfter: at(notAfterDays) } }, NOW)).leaf.info;
const date = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000).toUTCString();

const missingIntermediate = (c: Chain): Partial<ChainReport> => ({
  built: [c.leaf.info],
  sources: ['sent'],
  links: [],
  trusted: false,
  anchorStore: null,
  missingIssuer: c.intermediates[0]!.info.subject,
  aia: { needed: true, fetches: [], completedChain: false },
});

const privateRoot = (c: Chain): Partial<ChainReport> => ({
  ...trustedPath(c),
  sources: ['sent', 'sent', 'sent'],
  trusted: false,
  anchorStore: null,
  untrustedRoot: true,
  rootSentAt: 2,
  unusedSent: [],
});

export const TRIGGERS: Partial<Record<FindingCode, Trigger[]>> = {
  dns_not_found: [{ name: 'NXDOMAIN', spec: { resolution: err('dns_not_found') } }],
  address_blocked: [
    { name: 'private', spec: { resolution: ok([blocked('10.0.0.5', '10.0.0.0/8'), blocked('fd00::5', 'fc00::/7')]) } },
  ],
  connection_refused: [{ name: 'RST', spec: { handshake: err('connection_refused') } }],
  connection_timeout: [{ name: 'silent', spec: { handshake: err('connection_timeout') } }],
  handshake_timeout: [{ name: 'accepted, then silent', spec: { handshake: err('handshake_timeout') } }],
  not_tls: [
    { name: 'plain HTTP', spec: { handshake: err('not_tls') } },
    { name: 'SMTP without STARTTLS', spec: { target: { protocol: 'smtp', port: 587 }, handshake: err('not_tls') } },
  ],
  handshake_failed: [{ name: 'alert', spec: { handshake: err('handshake_failed', 'alert 40 handshake_failure') } }],
  cert_expired: [{ name: 'expired', spec: { leaf: { notBefore: at(-90), notAfter: at(-3) } } }],
  cert_not_yet_valid: [{ name: 'future', spec: { leaf: { notBefore: at(2), notAfter: at(90) } } }],
  cert_expiring_soon: [{ name: '7 days', spec: { leaf: { notBefore: at(-60), notAfter: at(7) } } }],
  chain_cert_expired: [{ name: 'intermediate', spec: { intermediates: [{ notAfter: at(-1) }] } }],
  validity_too_long: [
    {
      name: '800 days',
      spec: {
        leaf: { notBefore: new Date('2020-09-01T00:00:00Z'), notAfter: new Date(Date.parse('2020-09-01') + 800 * DAY) },
      },
    },
  ],
  chain_incomplete: [
    { name: 'no AIA', spec: { send: leafOnly, chain: missingIntermediate } },
    {
      name: 'AIA URL in the leaf',
      spec: { leaf: { aiaIssuerUrl: 'http://ca.example/int.der' }, send: leafOnly, chain: missingIntermediate },
    },
  ],
  chain_untrusted_root: [{ name: 'private root', spec: { send: withRoot, chain: privateRoot } }],
  cert_self_signed: [{ name: 'self-signed', spec: { selfSignedLeaf: true } }],
  chain_order: [
    {
      name: 'intermediate first',
      spec: { send: (c) => [c.intermediates[0]!.info, c.leaf.info], chain: { outOfOrder: true } },
    },
  ],
  chain_includes_root: [{ name: 'root sent', spec: { send: withRoot, chain: { rootSentAt: 2 } } }],
  chain_signature_invalid: [{ name: 'leaf', spec: { leaf: { badSignature: true } } }],
  hostname_mismatch: [
    { name: 'other domain', spec: { target: { host: 'api.example.org' } } },
    {
      name: 'wildcard',
      spec: { leaf: { dnsNames: ['*.example.com', 'example.com'] }, target: { host: 'a.b.example.com' } },
    },
    { name: 'no SAN', spec: { leaf: { omitSan: true, subject: 'CN=other.example.net' } } },
  ],
  no_san: [{ name: 'CN only', spec: { leaf: { omitSan: true } } }],
  weak_signature_algorithm: [{ name: 'SHA-1 leaf', spec: { leaf: { signatureHash: 'SHA-1' } } }],
  weak_key: [{ name: 'RSA 1024', spec: { leaf: { key: { type: 'rsa', bits: 1024 } } } }],
  wrong_key_usage: [{ name: 'clientAuth only', spec: { leaf: { extKeyUsage: ['clientAuth'] } } }],
  leaf_is_ca: [{ name: 'cA=TRUE', spec: { leaf: { ca: true } } }],
  legacy_tls_only: [
    {
      name: 'TLS 1.0/1.1 only',
      spec: {
        handshake: err('handshake_failed', 'alert 70 protocol_version'),
        protocols: { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false },
      },
    },
  ],
  legacy_tls_enabled: [{ name: 'TLS 1.0 on', spec: { protocols: { TLSv1: true } } }],
  sni_required: [
    { name: 'fails without SNI', spec: { noSni: err('handshake_failed', 'alert 112 unrecognized_name') } },
    { name: 'other site', spec: async () => ({ noSni: await otherLeaf(['default.example.net']) }) },
  ],
  backends_inconsistent: [
    { name: 'one refuses', spec: { backends: [{ address: '203.0.113.11', serve: err('connection_refused') }] } },
  ],
  clock_skew: [{ name: '10 min ahead', spec: { http: { date: date(600) } } }],
  hsts_missing: [{ name: 'no header', spec: { http: { strictTransportSecurity: null } } }],
  client_cert_required: [
    {
      name: 'required',
      spec: {},
      edit: (report) => {
        const hs = report.endpoints[0]!.handshake;
        if (hs.status === 'completed')
          hs.result.clientCertRequest = {
            caNames: ['CN=Mesh Client Root, O=Example'],
            required: true,
            refusal: 'server sent TLS alert certificate_required (116)',
          };
      },
    },
  ],
  check_deadline_exceeded: [
    {
      name: 'stopped with the HTTP request unfinished',
      spec: {},
      edit: (report) => {
        report.deadline = { timeoutMs: 3000, elapsedMs: 3004, reached: ['resolve', 'handshake'], unfinished: ['http'] };
      },
    },
  ],
};

/** Typed stand-ins for codes whose rules land with a later issue. */
const SAMPLES: { [C in FindingCode]?: FindingParams[C] } = {
  // revocation codes: their rules are proven against loopback CRL/OCSP servers (test/revocation*.test.ts,
  // test/rules-revocation.test.ts); typed samples here, so tsc checks the keys their fixes read
  cert_revoked: {
    reason: 'keyCompromise',
    revokedAt: '2026-11-01T00:00:00Z',
    source: 'crl',
    url: 'http://crl.example/ca.crl',
    sha256: 'cd'.repeat(32),
    builtIndex: 0,
  },
  ocsp_must_staple_missing: { protocol: 'TLSv1.3', ocspUrl: 'http://ocsp.example/' },
  ocsp_staple_invalid: {
    problem: 'stale',
    stapleStatus: 'good',
    otherSource: null,
    otherStatus: null,
    thisUpdate: '2026-11-01T00:00:00Z',
    nextUpdate: '2026-11-08T00:00:00Z',
    mustStaple: false,
  },
  revocation_unchecked: {
    noPointers: false,
    status: 'unknown',
    sources: 'ocsp:unreachable, crl:unreachable',
    ocspUrl: 'http://ocsp.example/',
    crlUrl: 'http://crl.example/ca.crl',
    builtIndex: 0,
  },
  // path-validation codes (issue 9): their rules are proven by test/rules-path.test.ts and the BoringSSL suite;
  // here typed samples stand in, so tsc checks the keys their fixes read against FindingParams
  chain_cert_not_yet_valid: {
    subject: 'CN=R12',
    notBefore: '2027-01-01T00:00:00Z',
    now: '2026-12-03T00:00:00Z',
    builtIndex: 1,
  },
  ca_not_ca: { subject: 'CN=Leaf As CA', basicConstraints: 'absent', builtIndex: 1 },
  ca_cannot_sign: { subject: 'CN=R12', keyUsage: 'digitalSignature', builtIndex: 1 },
  path_length_exceeded: { subject: 'CN=Root', pathLength: 0, below: 1, builtIndex: 2 },
  unknown_critical_extension: { subject: 'CN=R12', oids: '1.2.3.4', builtIndex: 1 },
  name_constraints_violation: {
    subject: 'CN=api.example.com',
    name: 'api.example.com',
    subtree: 'permitted DNS corp.example',
    constrainedBy: 'CN=Corp CA',
    builtIndex: 0,
    constrainedAt: 1,
  },
  key_refused: {
    subject: 'CN=Evil CA',
    sentIndex: 1,
    reason: 'RSA exponent of 3070 bits',
    count: 75,
    sha256: 'ab'.repeat(32),
  },
  chain_too_complex: { exhausted: 'signature checks', signatureChecks: 48, maxSignatureChecks: 48, trusted: false },
  key_mismatch: { file: 'privkey.pem', key: 'RSA 2048', leafKey: 'EC prime256v1' },
};

/** Every finding `code`'s rule produces over its triggers (or the typed sample), as the rule emitted it. */
export async function triggeredFindings(code: FindingCode): Promise<RuleFinding[]> {
  const sample = SAMPLES[code];
  if (sample !== undefined)
    return [{ code, severity: 'warning', certIndex: 0, summary: '', params: sample, causes: [] }];
  const out: RuleFinding[] = [];
  for (const trigger of TRIGGERS[code] ?? []) {
    const spec = typeof trigger.spec === 'function' ? await trigger.spec() : trigger.spec;
    const built = await reportWith(spec);
    trigger.edit?.(built.report);
    const found = diagnose(built.report, { now: built.now }).findings.filter((f) => f.code === code);
    if (found.length !== 1) throw new Error(`trigger "${trigger.name}" gave ${found.length} ${code} findings`);
    const { clients: _c, fixes: _f, ...finding } = found[0]!;
    out.push(finding);
  }
  return out;
}
