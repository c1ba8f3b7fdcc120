/**
 * Fixed Diagnosis values for renderer golden tests. Hand-built plain data (renderers never parse DER), with a
 * fixed clock, so every rendering is byte-for-byte reproducible.
 */
import type {
  Attempt,
  CertInfo,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  ProbeReport,
  ProtocolSupport,
  Target,
} from '../../src/probe/types.js';
import type { Diagnosis, EndpointVerdict, Finding, RuleResult, Verdict } from '../../src/rules/types.js';

export const CHECKED_AT = '2026-03-01T12:00:00.000Z';
const DAY = 86_400_000;

function isoIn(days: number): string {
  return new Date(Date.parse(CHECKED_AT) + days * DAY).toISOString();
}

function cert(over: Partial<CertInfo> & { subjectCN: string; issuerCN: string; sha256: string }): CertInfo {
  return {
    der: Buffer.from(`fake DER for ${over.subjectCN}`).toString('base64'),
    subject: `CN=${over.subjectCN}`,
    issuer: `CN=${over.issuerCN}`,
    san: null,
    serialNumber: '0a1b2c3d4e5f',
    notBefore: isoIn(-30),
    notAfter: isoIn(60),
    key: { algorithm: 'EC', bits: 256, curve: 'prime256v1' },
    signatureAlgorithm: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
    basicConstraints: null,
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    subjectKeyId: null,
    authorityKeyId: null,
    aia: { caIssuers: [], ocsp: [] },
    crlDistributionPoints: [],
    mustStaple: false,
    selfIssued: false,
    selfSigned: false,
    ...over,
  };
}

const ROOT = cert({
  subjectCN: 'ISRG Root X1',
  issuerCN: 'ISRG Root X1',
  subject: 'CN=ISRG Root X1, O=Internet Security Research Group, C=US',
  issuer: 'CN=ISRG Root X1, O=Internet Security Research Group, C=US',
  sha256: '96bcec06264976f37460779acf28c5a7cfe8a3c0aae11a8ffcee05c0bddf08c6',
  notBefore: '2015-06-04T11:04:38.000Z',
  notAfter: '2035-06-04T11:04:38.000Z',
  key: { algorithm: 'RSA', bits: 4096, curve: null },
  signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  basicConstraints: { ca: true, pathLength: null, critical: true },
  keyUsage: ['keyCertSign', 'cRLSign'],
  extKeyUsage: null,
  selfIssued: true,
  selfSigned: true,
});

const R11 = cert({
  subjectCN: 'R11',
  issuerCN: 'ISRG Root X1',
  subject: "CN=R11, O=Let's Encrypt, C=US",
  issuer: ROOT.subject,
  sha256: '591e9ce6c863d3a079e9fabe1478c7339a26b21269dde795211361024ae31a44',
  notBefore: '2024-03-13T00:00:00.000Z',
  notAfter: '2027-03-12T23:59:59.000Z',
  key: { algorithm: 'RSA', bits: 2048, curve: null },
  signatureAlgorithm: { oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  basicConstraints: { ca: true, pathLength: 0, critical: true },
  keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
  aia: { caIssuers: ['http://x1.i.lencr.org/'], ocsp: [] },
});

function target(host: string, port = 443): Target {
  return { input: host, host, port, sni: host, protocol: 'https', ipVersion: null, unicodeHost: null };
}

function handshake(sentChain: HandshakeResult['sentChain']): Attempt<HandshakeResult> {
  return {
    status: 'completed',
    result: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      alpn: 'h2',
      sentChain,
      ocspStaple: null,
      timings: { connectMs: 12, tlsMs: 31 },
    },
  };
}

function chain(over: Partial<ChainReport> & Pick<ChainReport, 'built' | 'sources'>): Attempt<ChainReport> {
  const links = over.built.slice(1).map(() => ({
    signatureValid: true,
    issuerIsCa: true,
    issuerCanSign: true,
    pathLenOk: true,
  }));
  return {
    status: 'completed',
    result: {
      links,
      trusted: true,
      anchorStore: 'mozilla',
      missingIssuer: null,
      untrustedRoot: false,
      unusedSent: [],
      outOfOrder: false,
      rootSentAt: null,
      aia: { needed: false, fetches: [], completedChain: false },
      rejectionHint: null,
      ...over,
    },
  };
}

const MODERN: ProtocolSupport = {
  'TLSv1.3': { status: 'completed', result: true },
  'TLSv1.2': { status: 'completed', result: true },
  'TLSv1.1': { status: 'completed', result: false },
  TLSv1: { status: 'completed', result: false },
};

function report(t: Target, endpoints: EndpointReport[], over: Partial<ProbeReport> = {}): ProbeReport {
  return {
    target: t,
    startedAt: CHECKED_AT,
    resolution: {
      status: 'completed',
      result: endpoints.map((ep) => ({ address: ep.address, family: ep.family, allowed: true, blockedBy: null })),
    },
    endpoints,
    protocols: { status: 'completed', result: MODERN },
    http: {
      status: 'completed',
      result: {
        status: 200,
        date: 'Sun, 01 Mar 2026 12:00:00 GMT',
        server: 'nginx/1.25.3',
        strictTransportSecurity: 'max-age=63072000',
        receivedAt: CHECKED_AT,
      },
    },
    revocation: { status: 'skipped', why: 'revocation checks are not implemented yet' },
    timings: { totalMs: 412, dnsMs: 4 },
    options: { timeoutMs: 10_000, extraCaCount: 0 },
    ...over,
  };
}

const ALL_RULES = ['cert_expired', 'cert_expiring_soon', 'chain_incomplete', 'hostname_mismatch', 'hsts_missing'];

function results(overrides: Record<string, Omit<RuleResult, 'code'>>): RuleResult[] {
  return ALL_RULES.map((code) => ({ code, ...(overrides[code] ?? { status: 'pass' as const }) }));
}

const RANK: Record<Verdict, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** Each address's verdict: the worst of the findings that hold on it (all of them when a finding names none). */
function endpointVerdicts(r: ProbeReport, findings: Finding[]): EndpointVerdict[] {
  return r.endpoints.map((ep) => {
    const on = findings.filter((f) => !f.addresses || f.addresses.includes(ep.address));
    const seen: Verdict = ep.handshake.status === 'completed' ? 'ok' : 'unknown';
    const verdict = on
      .map((f): Verdict => (f.severity === 'info' ? 'ok' : f.severity))
      .reduce((a, b) => (RANK[b] > RANK[a] ? b : a), seen);
    return { address: ep.address, verdict, codes: on.filter((f) => f.addresses).map((f) => f.code) };
  });
}

function diagnosis(verdict: Verdict, r: ProbeReport, findings: Finding[], res: RuleResult[]): Diagnosis {
  return {
    target: r.target,
    verdict,
    headline: verdict === 'ok' ? null : (findings[0] ?? null),
    findings,
    results: res,
    endpoints: endpointVerdicts(r, findings),
    serverStack: 'nginx',
    checkedAt: CHECKED_AT,
    report: r,
  };
}

/** Healthy: EC leaf → R11 → ISRG Root X1 (trust store), two addresses, TLS 1.3. */
export function okDiagnosis(): Diagnosis {
  const t = target('api.example.com');
  const leaf = cert({
    subjectCN: 'api.example.com',
    issuerCN: 'R11',
    issuer: R11.subject,
    sha256: 'a1'.repeat(32),
    san: { dns: ['api.example.com', 'www.api.example.com'], ip: [], other: [] },
    aia: { caIssuers: ['http://r11.i.lencr.org/'], ocsp: ['http://r11.o.lencr.org'] },
  });
  const ep = (address: string, family: 4 | 6): EndpointReport => ({
    address,
    family,
    handshake: handshake([leaf, R11]),
    noSni: handshake([leaf, R11]),
    chain: chain({ built: [leaf, R11, ROOT], sources: ['sent', 'sent', 'trust_store'] }),
  });
  const r = report(t, [ep('93.184.216.34', 4), ep('2606:2800:220:1:248:1893:25c8:1946', 6)]);
  return diagnosis('ok', r, [], results({}));
}

const INCOMPLETE: Finding = {
  code: 'chain_incomplete',
  severity: 'critical',
  certIndex: 0,
  summary: "the server sent 1 usable certificate; the issuer of api.example.com (CN=R11, O=Let's Encrypt) is missing",
  params: { sent: 2, missingIssuer: "CN=R11, O=Let's Encrypt, C=US" },
  causes: [
    'the server is configured with cert.pem instead of fullchain.pem',
    'the intermediate was dropped when the certificate was renewed',
  ],
  clients: [
    { client: 'browsers', effect: 'works', note: 'they fetch the intermediate via AIA or have it cached' },
    { client: 'curl', effect: 'fails', note: 'OpenSSL does not fetch missing intermediates' },
    { client: 'python', effect: 'fails', note: 'ssl does not fetch AIA' },
  ],
  fixes: [
    {
      audience: 'client',
      stack: 'python',
      title: 'Trust the intermediate explicitly',
      steps: ['Download R11.pem from https://letsencrypt.org/certs/2024/r11.pem', 'Pass it as `verify=` to requests'],
      warning: 'a workaround: every client has to do it, fix the server instead',
    },
    {
      audience: 'server',
      stack: 'nginx',
      title: 'Serve the full chain',
      steps: ['Point `ssl_certificate` at fullchain.pem (leaf then intermediate), not cert.pem', 'Reload nginx'],
      command: 'cat cert.pem R11.pem > fullchain.pem\nnginx -t && systemctl reload nginx',
    },
  ],
};

const EXPIRING: Finding = {
  code: 'cert_expiring_soon',
  severity: 'warning',
  certIndex: 0,
  summary: 'certificate expires in 12 days (notAfter 2026-03-13T12:00:00Z); renew at least 30 days ahead',
  params: { daysLeft: 12, notAfter: isoIn(12), warnDays: 30 },
  causes: ['automatic renewal (certbot, cert-manager) is failing'],
  clients: [],
  fixes: [
    { audience: 'server', stack: 'generic', title: 'Renew now', steps: ['Run the renewal'], command: 'certbot renew' },
  ],
};

/** Critical: only the leaf (plus an unrelated old intermediate) was sent; the leaf also expires in 12 days. */
export function incompleteDiagnosis(): Diagnosis {
  const t = target('api.example.com');
  const leaf = cert({
    subjectCN: 'api.example.com',
    issuerCN: 'R11',
    issuer: R11.subject,
    sha256: 'b2'.repeat(32),
    notAfter: isoIn(12),
  });
  const stale = cert({ subjectCN: 'R3', issuerCN: 'ISRG Root X1', sha256: 'c3'.repeat(32), notAfter: isoIn(-150) });
  const ep: EndpointReport = {
    address: '93.184.216.34',
    family: 4,
    handshake: handshake([leaf, stale]),
    noSni: handshake([leaf, stale]),
    chain: chain({
      built: [leaf],
      sources: ['sent'],
      trusted: false,
      anchorStore: null,
      missingIssuer: R11.subject,
      unusedSent: [1],
      aia: { needed: true, fetches: [], completedChain: false },
    }),
  };
  const r = report(t, [ep], { http: { status: 'error', code: 'connection_reset', error: 'peer reset after headers' } });
  const res = results({
    chain_incomplete: { status: 'fail' },
    cert_expiring_soon: { status: 'fail' },
    hsts_missing: { status: 'not_evaluated', why: 'the HTTP request failed (connection_reset)' },
  });
  return diagnosis('critical', r, [INCOMPLETE, EXPIRING], res);
}

/** Transport failure: the port refuses connections; nothing about certificates could be checked. */
export function refusedDiagnosis(): Diagnosis {
  const t = target('db.internal.example', 8443);
  const refused = 'connect ECONNREFUSED 10.0.0.7:8443 (db.internal.example:8443, SNI db.internal.example)';
  const ep: EndpointReport = {
    address: '10.0.0.7',
    family: 4,
    handshake: { status: 'error', code: 'connection_refused', error: refused },
    noSni: { status: 'skipped', why: 'no TCP connection' },
    chain: { status: 'skipped', why: 'no TLS handshake completed' },
  };
  const skipped = { status: 'skipped' as const, why: 'no TLS handshake completed' };
  const r = report(t, [ep], { protocols: skipped, http: skipped, timings: { totalMs: 9, dnsMs: 2 } });
  const finding: Finding = {
    code: 'connection_refused',
    severity: 'critical',
    certIndex: -1,
    summary: 'db.internal.example:8443 (10.0.0.7) refused the TCP connection; expected a TLS server listening',
    params: { address: '10.0.0.7', port: 8443 },
    causes: ['the service is not running or listens on another port', 'a firewall rejects the connection'],
    clients: [{ client: 'all', effect: 'fails', note: 'nothing is listening' }],
    fixes: [],
  };
  const why = { status: 'not_evaluated' as const, why: 'no TLS handshake completed' };
  const res = ALL_RULES.map((code) => ({ code, ...why }));
  return diagnosis('unknown', r, [finding], res);
}

/** A hostile server: terminal escapes and newlines in the CN, SAN, issuer and Server header. */
export const HOSTILE_CN = 'evil\u001b[31m.example\nCRITICAL fake line\r\u001b]0;pwned\u0007';

export function hostileDiagnosis(): Diagnosis {
  const t = target('shop.example.org');
  const leaf = cert({
    subjectCN: HOSTILE_CN,
    issuerCN: 'Hostile CA\u001b[2J',
    subject: `CN=${HOSTILE_CN}`,
    issuer: 'CN=Hostile CA\u001b[2J',
    sha256: 'd4'.repeat(32),
    san: { dns: [HOSTILE_CN], ip: [], other: [] },
  });
  const ep: EndpointReport = {
    address: '203.0.113.9',
    family: 4,
    handshake: handshake([leaf]),
    noSni: handshake([leaf]),
    chain: chain({ built: [leaf], sources: ['sent'], trusted: false, anchorStore: null, untrustedRoot: false }),
  };
  const r = report(t, [ep]);
  if (r.http.status === 'completed') r.http.result.server = 'nginx\u001b]0;owned\u0007\n';
  const finding: Finding = {
    code: 'hostname_mismatch',
    severity: 'critical',
    certIndex: 0,
    summary: `certificate is valid for ${JSON.stringify(HOSTILE_CN).slice(1, -1)} — not shop.example.org; raw: ${HOSTILE_CN}`,
    params: { host: 'shop.example.org', san: HOSTILE_CN },
    causes: [`the server presents the certificate of ${HOSTILE_CN}`],
    clients: [{ client: HOSTILE_CN, effect: 'fails', note: HOSTILE_CN }],
    fixes: [],
  };
  const res = results({
    hostname_mismatch: { status: 'fail' },
    hsts_missing: { status: 'rule_error', why: 'bug\u001b[1m' },
  });
  return diagnosis('critical', r, [finding], res);
}

/** Warning: the server sends leaf, root, intermediate and a garbage blob; TLS 1.0 is still enabled. */
export function misorderedDiagnosis(): Diagnosis {
  const t = { ...target('legacy.example.net', 8443), input: 'https://legacy.example.net:8443/login' };
  const leaf = cert({ subjectCN: 'legacy.example.net', issuerCN: 'R11', issuer: R11.subject, sha256: 'e5'.repeat(32) });
  const garbage = { malformed: true as const, der: 'AAEC', error: 'unexpected end of DER' };
  const ep: EndpointReport = {
    address: '198.51.100.20',
    family: 4,
    handshake: handshake([leaf, ROOT, R11, garbage]),
    noSni: handshake([leaf, ROOT, R11, garbage]),
    chain: chain({
      built: [leaf, R11, ROOT],
      sources: ['sent', 'sent', 'sent'],
      outOfOrder: true,
      rootSentAt: 1,
      unusedSent: [3],
    }),
  };
  const legacy: ProtocolSupport = { ...MODERN, TLSv1: { status: 'completed', result: true } };
  legacy['TLSv1.1'] = { status: 'error', code: 'connection_reset', error: 'reset during ClientHello' };
  const r = report(t, [ep], { protocols: { status: 'completed', result: legacy } });
  const order: Finding = {
    code: 'chain_order',
    severity: 'warning',
    certIndex: -1,
    summary: 'the server sent the chain as leaf, ISRG Root X1, R11; expected leaf, R11',
    params: { sentOrder: 'leaf,ISRG Root X1,R11' },
    causes: ['certificates were concatenated in the wrong order'],
    clients: [{ client: 'java', effect: 'warns', note: 'older JSSE rejects out-of-order chains' }],
    fixes: [],
  };
  const legacyTls: Finding = {
    code: 'legacy_tls_enabled',
    severity: 'info',
    certIndex: -1,
    summary: 'TLS 1.0 is enabled; RFC 8996 deprecates it',
    params: { versions: 'TLSv1' },
    causes: ['an old ssl_protocols line'],
    clients: [],
    fixes: [],
  };
  const res = results({ hsts_missing: { status: 'not_applicable' } });
  return diagnosis('warning', r, [order, legacyTls], res);
}

/**
 * Three addresses that disagree: 192.0.2.1 serves the good chain, 192.0.2.2 a leaf that expired 8 days ago,
 * 192.0.2.3 the good chain but only TLS 1.0. Per-address protocol scans; findings name their addresses.
 */
export function backendsDiagnosis(): Diagnosis {
  const t = target('shop.example.com');
  const leaf = cert({ subjectCN: 'shop.example.com', issuerCN: 'R11', issuer: R11.subject, sha256: 'f6'.repeat(32) });
  const old = cert({
    subjectCN: 'shop.example.com',
    issuerCN: 'R11',
    issuer: R11.subject,
    sha256: '07'.repeat(32),
    serialNumber: '0a1b2c3d4e47',
    notBefore: isoIn(-98),
    notAfter: isoIn(-8),
  });
  const tls10: ProtocolSupport = {
    'TLSv1.3': { status: 'error', code: 'handshake_failed', error: 'alert protocol_version (70)' },
    'TLSv1.2': { status: 'error', code: 'handshake_failed', error: 'alert protocol_version (70)' },
    'TLSv1.1': { status: 'completed', result: false },
    TLSv1: { status: 'completed', result: true },
  };
  const ep = (address: string, served: CertInfo, protocols: ProtocolSupport): EndpointReport => ({
    address,
    family: 4,
    handshake: handshake([served, R11]),
    noSni: handshake([served, R11]),
    chain: chain({ built: [served, R11, ROOT], sources: ['sent', 'sent', 'trust_store'] }),
    protocols: { status: 'completed', result: protocols },
  });
  const r = report(t, [ep('192.0.2.1', leaf, MODERN), ep('192.0.2.2', old, MODERN), ep('192.0.2.3', leaf, tls10)]);
  const expired: Finding = {
    code: 'cert_expired',
    severity: 'critical',
    certIndex: 0,
    addresses: ['192.0.2.2'],
    summary:
      'The certificate expired 8 days ago (notAfter 2026-02-21T12:00:00.000Z); expected a certificate valid now.',
    params: { notAfter: old.notAfter, daysAgo: 8 },
    causes: ['the renewed certificate was not deployed to every server'],
    clients: [{ client: 'browsers', effect: 'fails', note: 'NET::ERR_CERT_DATE_INVALID' }],
    fixes: [],
  };
  const legacy: Finding = {
    code: 'legacy_tls_only',
    severity: 'critical',
    certIndex: -1,
    addresses: ['192.0.2.3'],
    summary: 'The server accepts only TLS 1.0; expected TLS 1.2 or TLS 1.3.',
    params: { supported: 'TLSv1', expected: 'TLSv1.2, TLSv1.3' },
    causes: ['the protocol list is pinned to old versions'],
    clients: [{ client: 'browsers', effect: 'fails', note: 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH' }],
    fixes: [],
  };
  const backends: Finding = {
    code: 'backends_inconsistent',
    severity: 'critical',
    certIndex: -1,
    addresses: ['192.0.2.2', '192.0.2.3'],
    summary:
      '2 of the 3 addresses of `shop.example.com` differ: 192.0.2.2 serves serial …4e47, which expired on 2026-02-21, verdict critical; 192.0.2.3 serves the same chain, accepts TLS 1.0, verdict critical; 192.0.2.1 serves serial …4e5f, valid until 2026-04-30. Expected every address to serve the same chain and protocols.',
    params: { odd: '192.0.2.2, 192.0.2.3', reference: '192.0.2.1', someFail: false },
    causes: ['a certificate renewal was deployed to some servers of the pool but not all'],
    clients: [],
    fixes: [],
  };
  const res = results({ cert_expired: { status: 'fail' } });
  return diagnosis('critical', r, [expired, legacy, backends], res);
}

/** Every fixture by golden file stem. */
export const FIXTURES: Record<string, () => Diagnosis> = {
  ok: okDiagnosis,
  'chain-incomplete': incompleteDiagnosis,
  'connection-refused': refusedDiagnosis,
  'hostile-cn': hostileDiagnosis,
  misordered: misorderedDiagnosis,
  backends: backendsDiagnosis,
};
