/**
 * The terminal diagnosis: headline verdict, target facts, every finding with causes, broken clients and fixes,
 * the chain (text-chain.ts), then what could not be checked. Pure: same Diagnosis and options, same bytes.
 * Everything that came from a certificate, a server or a user goes through `escapeControl` before styling.
 */
import type { Attempt, EndpointReport, HttpResult, ProtocolSupport, TlsVersion } from '../probe/types.js';
import type { Diagnosis } from '../rules/types.js';
import { makeStyle } from './ansi.js';
import { addressesNote, backendRows } from './backends.js';
import {
  addressLabel,
  escapeControl as e,
  formatDate,
  formatDuration,
  headlineOf,
  moreFindings,
  notChecked,
  protocolOf,
  targetLabel,
} from './format.js';
import { renderChains, type TextContext } from './text-chain.js';
import { findingBlock } from './text-finding.js';

export interface TextOptions {
  /** emit ANSI colour; the CLI passes `stdout.isTTY && !NO_COLOR` */
  color: boolean;
  /** the clock relative dates are computed against; defaults to the diagnosis time */
  now?: Date;
  /** add per-certificate SANs, serials, fingerprints, AIA fetches and the rules that passed */
  verbose?: boolean;
}

type Row = [label: string, value: string];

const INDENT = '  ';
const SCAN_ORDER: TlsVersion[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'];

export function renderText(d: Diagnosis, opts: TextOptions): string {
  const ctx: TextContext = {
    st: makeStyle(opts.color),
    now: opts.now ?? new Date(d.checkedAt),
    verbose: opts.verbose === true,
  };
  const sections = [
    headline(d, ctx),
    facts(d, ctx),
    backends(d, ctx),
    findings(d, ctx),
    renderChains(d, ctx),
    checkedLines(d, ctx),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

function headline(d: Diagnosis, ctx: TextContext): string {
  const h = headlineOf(d, ctx.now);
  const lead = `${ctx.st.grade(h.verdict.grade, h.verdict.label)} ${ctx.st.bold(e(h.target))}`;
  const more = h.more > 0 ? ctx.st.dim(` (+${moreFindings(h.more)})`) : '';
  return h.code === null ? `${lead}: ${e(h.text)}${more}` : `${lead} — ${e(h.code)}: ${e(h.text)}${more}`;
}

function facts(d: Diagnosis, ctx: TextContext): string {
  const report = d.report;
  const rows: Row[] = [['target', targetFacts(d)], ...resolutionRows(d, ctx)];
  rows.push(...report.endpoints.map((ep) => endpointRow(ep, ctx)));
  // With several addresses these rows are the first address's; the Backends matrix has every address's.
  const first = report.endpoints.length > 1 ? `${e(report.endpoints[0]!.address)}: ` : '';
  const own = (rows: Row[]): Row[] => rows.map(([label, value]) => [label, first + value]);
  rows.push(...own(protocolRows(report.protocols, ctx)), ...own(httpRows(report.http, ctx)));
  const dns = report.timings.dnsMs === null ? '' : ` (DNS ${formatDuration(report.timings.dnsMs)})`;
  rows.push(['checked', `${formatDate(d.checkedAt)} · took ${formatDuration(report.timings.totalMs)}${dns}`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${INDENT}${ctx.st.dim(label.padEnd(width))}  ${value}`).join('\n');
}

function targetFacts(d: Diagnosis): string {
  const t = d.target;
  if (d.report.source === 'file')
    return `file ${e(t.input)}${t.host === '' ? ' · no host name given' : ` · name ${e(t.host)}`}`;
  const sni = t.sni === null ? 'no SNI (IP address)' : `SNI ${e(t.sni)}`;
  const plain = [t.host, t.unicodeHost, targetLabel(t)].includes(t.input.trim());
  const typed = plain ? '' : ` · typed ${e(JSON.stringify(t.input))}`;
  return `${e(targetLabel(t))} · ${e(t.protocol)} · ${sni}${typed}`;
}

function resolutionRows(d: Diagnosis, ctx: TextContext): Row[] {
  const res = d.report.resolution;
  if (res.status === 'skipped') return ctx.verbose ? [['addresses', `not resolved: ${e(res.why)}`]] : [];
  if (res.status === 'error') return [['addresses', attemptError(res, ctx)]];
  const list = res.result.map((a) => {
    const blocked = a.allowed ? '' : ctx.st.grade('bad', ` blocked${a.blockedBy ? `: ${e(a.blockedBy)}` : ''}`);
    return `${e(a.address)} (IPv${a.family}${blocked})`;
  });
  return [['addresses', list.join(', ') || 'none']];
}

function endpointRow(ep: EndpointReport, ctx: TextContext): Row {
  const where = e(addressLabel(ep.address, ep.family));
  const hs = ep.handshake;
  if (hs.status === 'error') return ['endpoint', `${where}  ${attemptError(hs, ctx)}`];
  if (hs.status === 'skipped') return ['endpoint', `${where}  ${ctx.st.dim(`skipped: ${e(hs.why)}`)}`];
  const r = hs.result;
  const proto = r.protocol ? protocolOf(r.protocol) : null;
  const parts = [
    proto ? ctx.st.grade(proto.grade, proto.label) : 'unknown protocol',
    e(r.cipher ?? 'unknown cipher'),
    r.alpn ? `ALPN ${e(r.alpn)}` : 'no ALPN',
    `connect ${formatDuration(r.timings.connectMs)}, handshake ${formatDuration(r.timings.tlsMs)}`,
  ];
  const leaf = r.sentChain[0];
  if (ctx.verbose && leaf && !('malformed' in leaf)) parts.push(`leaf sha256 ${e(leaf.sha256.slice(0, 16))}…`);
  return ['endpoint', `${where}  ${parts.join(' · ')}`];
}

function protocolRows(protocols: Attempt<ProtocolSupport>, ctx: TextContext): Row[] {
  if (protocols.status === 'skipped') return ctx.verbose ? [['protocols', `not scanned: ${e(protocols.why)}`]] : [];
  if (protocols.status === 'error') return [['protocols', attemptError(protocols, ctx)]];
  const cells = SCAN_ORDER.map((v) => {
    const p = protocolOf(v);
    const a = protocols.result[v];
    if (a?.status !== 'completed') return `${p.label} ${ctx.st.dim('?')}`;
    if (!a.result) return `${p.label} ${ctx.st.dim('no')}`;
    return `${p.label} ${ctx.st.grade(p.grade, 'yes')}`;
  });
  return [['protocols', cells.join(' · ')]];
}

function httpRows(http: Attempt<HttpResult>, ctx: TextContext): Row[] {
  if (http.status === 'skipped') return ctx.verbose ? [['http', `not requested: ${e(http.why)}`]] : [];
  if (http.status === 'error') return [['http', attemptError(http, ctx)]];
  const r = http.result;
  const parts = [`HTTP ${r.status}`, r.server ? `Server ${e(r.server)}` : 'no Server header'];
  parts.push(r.strictTransportSecurity ? `HSTS ${e(r.strictTransportSecurity)}` : 'no HSTS');
  return [['http', parts.join(' · ')]];
}

function attemptError(a: { code: string; error: string }, ctx: TextContext): string {
  return ctx.st.grade('bad', `error ${e(a.code)}: ${e(a.error)}`);
}

/** The per-backend matrix, as aligned columns: only when the name has more than one address. */
function backends(d: Diagnosis, ctx: TextContext): string {
  const rows = backendRows(d, ctx.now);
  if (rows.length === 0) return '';
  const cells = rows.map((r) => [
    { text: r.address, grade: null },
    { text: r.fingerprint ? `sha256 ${r.fingerprint}` : 'no leaf', grade: null },
    r.expiry,
    r.chain,
    r.tls,
    { text: r.verdict.label, grade: r.verdict.grade },
  ]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => e(row[i]!.text).length)));
  const lines = cells.map(
    (row) =>
      INDENT +
      row
        .map((c, i) => {
          const text = e(c.text).padEnd(i === row.length - 1 ? 0 : widths[i]!);
          return c.grade ? ctx.st.grade(c.grade, text) : text;
        })
        .join('  ')
        .trimEnd(),
  );
  return [ctx.st.bold(`Backends (${rows.length} addresses)`), ...lines].join('\n');
}

function findings(d: Diagnosis, ctx: TextContext): string {
  if (d.findings.length === 0) return '';
  const head = ctx.st.bold(`Findings (${d.findings.length})`);
  return [head, ...d.findings.map((f) => findingBlock(f, d.serverStack, ctx, addressesNote(d, f)))].join('\n\n');
}

function checkedLines(d: Diagnosis, ctx: TextContext): string {
  const lines = notChecked(d).map(({ codes, why }) =>
    ctx.st.dim(`not checked: ${codes.map(e).join(', ')}, because ${e(why)}`),
  );
  for (const r of d.results) {
    if (r.status !== 'rule_error') continue;
    const why = r.why ? `: ${e(r.why)}` : '';
    lines.push(ctx.st.grade('bad', `internal error in rule ${e(r.code)} (a cert-doctor bug, not your server)${why}`));
  }
  if (ctx.verbose) {
    const passed = d.results.filter((r) => r.status === 'pass').map((r) => e(r.code));
    if (passed.length > 0) lines.push(ctx.st.dim(`passed: ${passed.join(', ')}`));
    const na = d.results.filter((r) => r.status === 'not_applicable').map((r) => e(r.code));
    if (na.length > 0)
      lines.push(ctx.st.dim(`not applicable to ${e(d.target.protocol)} on port ${d.target.port}: ${na.join(', ')}`));
  }
  return lines.join('\n');
}
