/**
 * The chain part of the terminal diagnosis: the chain we built drawn as a tree (root at the top, leaf at the
 * bottom, like a browser's certificate viewer), then the chain as the server sent it when that differs.
 */
import type { CertInfo, ChainReport, EndpointReport, SentCert } from '../probe/types.js';
import type { Diagnosis, Finding } from '../rules/types.js';
import type { Style } from './ansi.js';
import { chainGroups, chainStatusOf } from './backends.js';
import {
  certName,
  daysLeft,
  describeKey,
  escapeControl as e,
  findingsByCert,
  formatDate,
  type Grade,
  relativeTime,
  severityOf,
  sourceOf,
} from './format.js';

export interface TextContext {
  st: Style;
  now: Date;
  verbose: boolean;
}

interface TreeNode {
  title: string;
  details: string[];
}

const INDENT = '  ';
const MARKS: Record<Grade, string> = { bad: '✗', warn: '!', neutral: 'i', good: '✓' };
/** Colour only: expiry within this many days is shown as a warning (the rule's own threshold decides findings). */
const EXPIRY_WARN_DAYS = 30;

/**
 * The chain of every distinct served chain: one drawing when every address sends the same certificates (the
 * usual case), else one per group of addresses, headed by those addresses. Markers show only the findings
 * that hold on those addresses.
 */
export function renderChains(d: Diagnosis, ctx: TextContext): string {
  const groups = chainGroups(d.report.endpoints);
  const several = groups.length > 1;
  return groups
    .map((g) => {
      const findings = d.findings.filter((f) => !f.addresses || g.some((ep) => f.addresses!.includes(ep.address)));
      const where = several ? ` ${ctx.st.dim(`for ${g.map((ep) => e(ep.address)).join(', ')}`)}` : '';
      return renderChain(g[0]!, findings, where, ctx);
    })
    .filter((s) => s !== '')
    .join('\n\n');
}

function renderChain(ep: EndpointReport, findings: Finding[], where: string, ctx: TextContext): string {
  if (ep.handshake.status !== 'completed') return '';
  const sent = ep.handshake.result.sentChain;
  const marks = findingsByCert(findings);
  if (ep.chain.status !== 'completed') {
    const why = ep.chain.status === 'error' ? `${ep.chain.code}: ${ep.chain.error}` : ep.chain.why;
    const head = `${ctx.st.bold('Chain')}${where} not built — ${e(why)}`;
    return [head, ...sentLines(sent, null, marks, ctx)].join('\n');
  }
  const chain = ep.chain.result;
  const out = [
    `${ctx.st.bold('Chain as built')}${where} ${ctx.st.dim('(root at top, leaf at bottom)')} — ${chainStatus(chain, ctx)}`,
  ];
  out.push(...treeLines(builtNodes(chain, marks, ctx), ctx));
  if (ctx.verbose) out.push(...aiaLines(chain, ctx));
  if (sentDiffers(sent, chain)) out.push('', ...sentLines(sent, chain, null, ctx));
  return out.join('\n');
}

function chainStatus(chain: ChainReport, ctx: TextContext): string {
  const status = chainStatusOf(chain, ctx.now);
  return ctx.st.grade(status.grade, e(status.text));
}

function builtNodes(chain: ChainReport, marks: Map<number, Finding[]>, ctx: TextContext): TreeNode[] {
  const nodes = chain.built.map((cert, i) => certNode(cert, i, chain, marks.get(i) ?? [], ctx));
  if (chain.missingIssuer !== null) {
    const title = `${ctx.st.grade('bad', '?')} ${ctx.st.bold(e(chain.missingIssuer))}`;
    nodes.push({
      title,
      details: [ctx.st.grade('bad', 'missing: not sent by the server, not found via AIA or trust store')],
    });
  }
  return nodes.reverse();
}

function certNode(cert: CertInfo, i: number, chain: ChainReport, findings: Finding[], ctx: TextContext): TreeNode {
  const source = sourceOf(chain.sources[i]);
  const title = `#${i} ${ctx.st.bold(e(certName(cert)))}  ${ctx.st.dim(`(${source.label})`)}`;
  const issuer = `${e(cert.issuerCN ?? cert.issuer)}${cert.selfSigned ? ' (self-signed)' : ''}`;
  const details = [
    `issuer   ${issuer}`,
    validityLine(cert, ctx),
    `key      ${describeKey(cert.key)} · ${e(cert.signatureAlgorithm.name)}`,
  ];
  if (ctx.verbose) details.push(...verboseCertLines(cert));
  if (chain.links[i]?.signatureValid === false) {
    details.push(ctx.st.grade('bad', `✗ signature does not verify with the key of #${i + 1}`));
  }
  details.push(...markerLines(findings, ctx));
  return { title, details };
}

function validityLine(cert: CertInfo, ctx: TextContext): string {
  if (Date.parse(cert.notBefore) > ctx.now.getTime()) {
    return ctx.st.grade(
      'bad',
      `valid    from ${formatDate(cert.notBefore)} (${relativeTime(cert.notBefore, ctx.now)})`,
    );
  }
  const days = daysLeft(cert.notAfter, ctx.now);
  const grade: Grade =
    Date.parse(cert.notAfter) < ctx.now.getTime() ? 'bad' : days <= EXPIRY_WARN_DAYS ? 'warn' : 'good';
  const verb = grade === 'bad' ? 'expired ' : 'expires ';
  return `${verb} ${ctx.st.grade(grade, `${formatDate(cert.notAfter)} (${relativeTime(cert.notAfter, ctx.now)})`)}`;
}

function verboseCertLines(cert: CertInfo): string[] {
  const san = cert.san ? [...cert.san.dns, ...cert.san.ip, ...cert.san.other] : null;
  return [
    `subject  ${e(cert.subject)}`,
    `SANs     ${san === null ? '(no subjectAltName extension)' : e(san.join(', '))}`,
    `valid    from ${formatDate(cert.notBefore)}`,
    `serial   ${e(cert.serialNumber)}`,
    `sha256   ${e(cert.sha256)}`,
  ];
}

function markerLines(findings: Finding[], ctx: TextContext): string[] {
  return findings.map((f) => {
    const sev = severityOf(f.severity);
    return ctx.st.grade(sev.grade, `${MARKS[sev.grade]} ${e(f.code)}`);
  });
}

function treeLines(nodes: TreeNode[], ctx: TextContext): string[] {
  return nodes.flatMap((node, depth) => {
    const head = depth === 0 ? '' : `${'   '.repeat(depth - 1)}└─ `;
    const rail = depth === nodes.length - 1 ? '   ' : `${ctx.st.dim('│')}  `;
    const body = `${'   '.repeat(depth)}${rail}`;
    return [INDENT + head + node.title, ...node.details.map((l) => INDENT + body + l)];
  });
}

function aiaLines(chain: ChainReport, ctx: TextContext): string[] {
  return chain.aia.fetches.map((f) => {
    const grade: Grade = f.status === 'ok' || f.status === 'cached' ? 'good' : 'bad';
    const detail = f.error ? `: ${e(f.error)}` : '';
    return `${INDENT}${ctx.st.dim('AIA')} ${e(f.url)} ${ctx.st.grade(grade, f.status)}${detail}`;
  });
}

/** The sent chain matters on its own when it is not exactly the built path's sent part, in order. */
function sentDiffers(sent: SentCert[], chain: ChainReport): boolean {
  const onPath = chain.built.filter((_, i) => chain.sources[i] === 'sent').map((c) => c.sha256);
  return sent.length !== onPath.length || sent.some((c, i) => 'malformed' in c || c.sha256 !== onPath[i]);
}

function sentLines(
  sent: SentCert[],
  chain: ChainReport | null,
  marks: Map<number, Finding[]> | null,
  ctx: TextContext,
): string[] {
  const n = sent.length;
  const head = `${ctx.st.bold('Chain as sent')} ${ctx.st.dim(`(${n} certificate${n === 1 ? '' : 's'}, in the order received)`)}`;
  const rows = sent.map((cert, i) => {
    const base = `${INDENT}${i}  ${ctx.st.bold(e(certName(cert)))}`;
    const notes = sentNotes(cert, i, chain, ctx);
    const markers = marks ? markerLines(marks.get(i) ?? [], ctx) : [];
    return [notes ? `${base}  ${notes}` : base, ...markers.map((m) => `${INDENT}   ${m}`)].join('\n');
  });
  return [head, ...rows];
}

function sentNotes(cert: SentCert, i: number, chain: ChainReport | null, ctx: TextContext): string {
  if ('malformed' in cert) return ctx.st.grade('bad', `✗ could not be parsed: ${e(cert.error)}`);
  if (!chain) return ctx.st.dim(`issuer ${e(cert.issuerCN ?? cert.issuer)}`);
  const notes: string[] = [];
  const at = chain.built.findIndex((b) => b.sha256 === cert.sha256);
  notes.push(at >= 0 ? ctx.st.dim(`→ built #${at}`) : ctx.st.grade('warn', 'not on the path (unused)'));
  if (chain.rootSentAt === i) notes.push(ctx.st.grade('warn', 'root sent (clients ignore it)'));
  return notes.join(' · ');
}
