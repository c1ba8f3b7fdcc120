/**
 * Terminal rendering of the chat view-models (src/chat/port.ts) for the shell bot. Pure: a view-model in,
 * lines out. Finding codes always appear verbatim (`[code]`) so a reader can search them and tests can
 * match them.
 * Formatting shared with the other renderers comes from ./format.js.
 */
import type { ChatMessage, CommandHelp, IncidentView, MessageAction } from '../chat/port.js';
import type { CertInfo, ChainReport } from '../probe/types.js';
import type { Diagnosis, Finding, Fix } from '../rules/types.js';
import { addressesNote, backendRows, chainGroups, chainStatusOf } from './backends.js';
import { explanationLines } from './explain-lines.js';
import {
  certName,
  describeKey,
  escapeControl,
  formatDate,
  headlineOf,
  moreFindings,
  primaryLeaf,
  severityOf,
  sourceOf,
  targetLabel,
  verdictOf,
} from './format.js';
import { watchLines } from './text-watch.js';

export interface ChatTextOptions {
  /** numbered actions ("[1] Re-check"): the shell lets the user type the number */
  numberActions?: boolean;
}

/**
 * Render one view-model to lines (no trailing newline). Certificates, servers and users control much of
 * the text (subjects, summaries, the typed target): every line goes through `escapeControl` so none of it can
 * move the cursor, recolour the terminal or reorder text (ANSI/bidi injection), or break a line.
 */
export function renderChatText(msg: ChatMessage, opts: ChatTextOptions = {}): string[] {
  return linesOf(msg, opts).map(escapeControl);
}

function linesOf(msg: ChatMessage, opts: ChatTextOptions): string[] {
  switch (msg.kind) {
    case 'progress':
      return [`Checking ${targetLabel(msg.target)}… ${PHASE_WORDS[msg.phase]}`];
    case 'diagnosis':
      return diagnosisLines(msg.diagnosis, msg.incident, msg.actions, opts);
    case 'findings':
      return findingsLines(msg.diagnosis);
    case 'delta':
      return deltaLines(msg);
    case 'fix_guide':
      return fixGuideLines(msg.diagnosis, msg.stack);
    case 'chain':
      return chainLines(msg.diagnosis);
    case 'help':
      return helpLines(msg.commands, msg.unknown);
    case 'explanation':
      return explanationLines(msg.explanation);
    case 'notice':
      return [`${msg.level === 'error' ? 'error' : 'note'} [${msg.code}]: ${msg.text}`];
    case 'reminder':
    case 'watch_list':
    case 'watch_history':
      return watchLines(msg);
  }
}

const PHASE_WORDS: Record<string, string> = {
  resolving: '(resolving)',
  resolved: '(resolved → handshake)',
  handshake: '(handshake done → chain)',
  chain: '(chain built → rules)',
  done: '(done)',
};

function diagnosisLines(d: Diagnosis, incident: IncidentView, actions: MessageAction[], opts: ChatTextOptions) {
  const lines = [headlineLine(d)];
  lines.push(...keyFacts(d).map((f) => `  ${f}`));
  lines.push(...backendLines(d).map((l) => `  ${l}`));
  const fix = d.headline?.fixes[0];
  if (fix) lines.push(`  Top fix (${fix.stack}): ${fix.title}${fix.steps[0] ? ` — ${fix.steps[0]}` : ''}`);
  lines.push(`  ${incidentLine(incident)}`);
  if (actions.length > 0) lines.push(`  ${actionsLine(actions, opts.numberActions ?? false)}`);
  return lines;
}

/** "CRITICAL host:443 — [code] summary (+2 more findings)", judged at the diagnosis's own clock. */
function headlineLine(d: Diagnosis): string {
  const h = headlineOf(d, new Date(d.checkedAt));
  const more = h.more > 0 ? ` (+${moreFindings(h.more)})` : '';
  return `${h.verdict.label} ${h.target} — ${h.code ? `[${h.code}] ` : ''}${h.text}${more}`;
}

function keyFacts(d: Diagnosis): string[] {
  const leaf = primaryLeaf(d);
  const facts: string[] = [];
  if (leaf) {
    facts.push(`Subject: ${certName(leaf)}   Issuer: ${leaf.issuerCN ?? leaf.issuer}`);
    facts.push(`Expires: ${formatDate(leaf.notAfter)}   Key: ${describeKey(leaf.key)}`);
  }
  const chain = chainOf(d);
  if (chain)
    facts.push(`Chain: ${chain.built.length} certificate(s), ${chainStatusOf(chain, new Date(d.checkedAt)).text}`);
  return facts;
}

/** The per-backend matrix (more than one address): "backend <address> <VERDICT> · sha256 … · expiry · chain · TLS". */
function backendLines(d: Diagnosis): string[] {
  const rows = backendRows(d, new Date(d.checkedAt));
  if (rows.length === 0) return [];
  return [
    `Backends (${rows.length} addresses):`,
    ...rows.map((r) => {
      const fp = r.fingerprint ? `sha256 ${r.fingerprint}` : 'no leaf';
      return `  backend ${r.address} ${r.verdict.label} · ${fp} · ${r.expiry.text} · ${r.chain.text} · ${r.tls.text}`;
    }),
  ];
}

function incidentLine(i: IncidentView): string {
  if (i.status === 'resolved') {
    return `Incident #${i.id} resolved by ${i.resolvedBy ?? '?'} at ${i.resolvedAt ? formatDate(i.resolvedAt) : '?'}`;
  }
  return `Incident #${i.id} open (asked by ${i.requestedBy})`;
}

function actionsLine(actions: MessageAction[], numbered: boolean): string {
  return actions.map((a, i) => (numbered ? `[${i + 1}] ${a.label}` : `[${a.label}]`)).join('  ');
}

function findingsLines(d: Diagnosis): string[] {
  if (d.findings.length === 0) return ['No problems found.'];
  const lines = [`${d.findings.length} finding(s) for ${targetLabel(d.target)}:`, ...backendLines(d)];
  for (const f of d.findings) lines.push(...findingLines(f, addressesNote(d, f)));
  return lines;
}

function findingLines(f: Finding, on: string): string[] {
  const where = `${f.certIndex >= 0 ? ` (cert #${f.certIndex})` : ''}${on ? ` ${on}` : ''}`;
  const lines = [`• ${severityOf(f.severity).label} [${f.code}]${where}: ${f.summary}`];
  if (f.causes.length > 0) lines.push(`    Likely causes: ${f.causes.join('; ')}`);
  const failing = f.clients.filter((c) => c.effect === 'fails').map((c) => c.client);
  const warned = f.clients.filter((c) => c.effect === 'warns').map((c) => c.client);
  const impact = [
    ...(failing.length ? [`fails in ${failing.join(', ')}`] : []),
    ...(warned.length ? [`may fail in ${warned.join(', ')}`] : []),
  ];
  if (impact.length > 0) lines.push(`    Clients: ${impact.join('; ')}`);
  const fix = f.fixes[0];
  if (fix) lines.push(`    Fix (${fix.stack}): ${fix.title}`);
  return lines;
}

function deltaLines(msg: Extract<ChatMessage, { kind: 'delta' }>): string[] {
  const list = (xs: string[]) => (xs.length > 0 ? xs.join(', ') : '—');
  const lines = [
    `Re-check by ${msg.by}: ${verdictOf(msg.diagnosis.verdict).label} ${targetLabel(msg.diagnosis.target)}`,
    `  fixed: ${list(msg.fixed)}`,
    `  still: ${list(msg.still)}`,
    `  new: ${list(msg.appeared)}`,
    `  ${incidentLine(msg.incident)}`,
  ];
  return lines;
}

function fixGuideLines(d: Diagnosis, stack: string | null): string[] {
  if (d.findings.length === 0) return ['Nothing to fix: no findings.'];
  const lines = [`Fix guide for ${targetLabel(d.target)} (server: ${stack ?? 'not detected'}):`];
  d.findings.forEach((f, i) => {
    lines.push(`${i + 1}. [${f.code}] ${f.summary}`);
    const fixes = orderFixes(f.fixes, stack);
    if (fixes.length === 0) lines.push('   (no fix steps known for this finding)');
    for (const fix of fixes) lines.push(...fixLines(fix));
  });
  return lines;
}

/** The detected stack's server fixes first, then other server fixes, then client workarounds. */
function orderFixes(fixes: Fix[], stack: string | null): Fix[] {
  const rank = (f: Fix) => (f.audience === 'server' ? (f.stack === stack ? 0 : 1) : 2);
  return [...fixes].sort((a, b) => rank(a) - rank(b));
}

function fixLines(fix: Fix): string[] {
  const lines = [`   ${fix.audience === 'server' ? 'Server' : 'Client'} · ${fix.stack}: ${fix.title}`];
  lines.push(...fix.steps.map((s, i) => `     ${i + 1}) ${s}`));
  if (fix.command) lines.push(`     $ ${fix.command}`);
  if (fix.warning) lines.push(`     warning: ${fix.warning}`);
  return lines;
}

/** Each distinct served chain, as sent and as built; with several, headed by the addresses that serve it. */
function chainLines(d: Diagnosis): string[] {
  const lines = [`Chain of ${targetLabel(d.target)}:`];
  const groups = chainGroups(d.report.endpoints);
  if (d.report.endpoints[0]?.handshake.status !== 'completed' || groups.length === 0) {
    lines.push('  No handshake completed: no chain to show.');
    return lines;
  }
  for (const group of groups) {
    const ep = group[0]!;
    if (ep.handshake.status !== 'completed') continue;
    const from = groups.length > 1 ? ` from ${group.map((x) => x.address).join(', ')}` : '';
    lines.push(`  As sent by the server${from}:`);
    lines.push(
      ...ep.handshake.result.sentChain.map((c, i) => `    #${i} ${'malformed' in c ? certName(c) : certLabel(c)}`),
    );
    if (ep.chain.status !== 'completed') {
      lines.push('  As built: not available.');
      continue;
    }
    const chain = ep.chain.result;
    const status = chain.trusted
      ? `${chainStatusOf(chain, new Date(d.checkedAt)).text}, anchor: ${chain.anchorStore ?? '?'}`
      : 'NOT trusted';
    lines.push(`  As built (${status}):`);
    lines.push(...chain.built.map((c, i) => `    #${i} ${certLabel(c)} [${sourceOf(chain.sources[i]).label}]`));
    if (chain.missingIssuer) lines.push(`    missing issuer: ${chain.missingIssuer}`);
  }
  return lines;
}

function helpLines(commands: CommandHelp[], unknown?: string): string[] {
  const lines: string[] = [];
  if (unknown !== undefined) lines.push(`Unknown subcommand ${JSON.stringify(unknown)}.`);
  lines.push('cert-doctor diagnoses TLS certificates. Commands:');
  for (const c of commands) {
    lines.push(`  ${c.usage}`, `      ${c.summary}`);
    for (const e of c.examples) lines.push(`      e.g. ${e}`);
  }
  return lines;
}

function chainOf(d: Diagnosis): ChainReport | null {
  const chain = d.report.endpoints[0]?.chain;
  return chain?.status === 'completed' ? chain.result : null;
}

function certLabel(c: CertInfo): string {
  return `${certName(c)} ← ${c.issuerCN ?? c.issuer} · expires ${formatDate(c.notAfter)} · ${describeKey(c.key)} · ${c.signatureAlgorithm.name}`;
}
