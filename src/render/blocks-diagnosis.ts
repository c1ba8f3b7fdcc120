/**
 * Block Kit for a diagnosis: the compact parent (verdict, headline, key facts, top fix, status, buttons)
 * and the thread detail (every finding with causes, clients, fixes). Codes live in block_ids
 * (`verdict:<verdict>`, `headline:<code>`, `finding:<code>:<certIndex>`) so tests and tools read them
 * without parsing prose.
 */
import type { ChatMessage, IncidentView, MessageAction } from '../chat/port.js';
import type { Diagnosis, Finding, Fix, Severity, Verdict } from '../rules/types.js';
import { addressesNote, backendRows, chainStatusOf } from './backends.js';
import {
  actions,
  type Block,
  blockId,
  button,
  clip,
  context,
  esc,
  fields,
  header,
  LIMITS,
  mention,
  section,
} from './blocks-kit.js';
import { daysLeft, formatDate, primaryLeaf, targetLabel } from './format.js';

const VERDICT_ICON: Record<Verdict, string> = { ok: '✅', warning: '⚠️', critical: '❌', unknown: '❔' };
const VERDICT_WORD: Record<Verdict, string> = {
  ok: 'OK',
  warning: 'Warning',
  critical: 'Critical',
  unknown: 'Unknown',
};
/** Parent budget per part, so the parent is always one message with its buttons (≈ 5k chars worst case). */
const PARENT = { headline: 1500, fact: 300, topFix: 1500 } as const;
const SEVERITY_ICON: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

/** `example.com:443` escaped, the one label every message leads with. */
export const targetText = (d: Diagnosis): string => esc(targetLabel(d.target));

/** "❌ Critical — example.com:443: <headline summary>" as one escaped line (fallback text, header). */
export function verdictLine(d: Diagnosis): string {
  const what = d.headline ? d.headline.summary : d.verdict === 'ok' ? 'no problems found' : 'could not be checked';
  return `${VERDICT_ICON[d.verdict]} ${VERDICT_WORD[d.verdict]} — ${targetText(d)}: ${esc(what)}`;
}

export function severityTag(s: Severity): string {
  return `${SEVERITY_ICON[s]} *${s}*`;
}

function certLabel(d: Diagnosis, certIndex: number): string {
  if (certIndex < 0) return '';
  const primary = d.report.endpoints[0];
  const built = primary?.chain.status === 'completed' ? primary.chain.result.built : [];
  const cert = built[certIndex];
  const name = cert ? (cert.subjectCN ?? cert.subject) : null;
  const role = certIndex === 0 ? 'leaf' : `cert #${certIndex}`;
  return name ? ` (${role}: ${esc(name)})` : ` (${role})`;
}

/** Key facts: expiry, issuer, TLS version, addresses, chain. Missing facts are left out, not invented. */
export function keyFacts(d: Diagnosis): string[] {
  const out: string[] = [];
  const leaf = primaryLeaf(d);
  if (leaf) {
    const days = daysLeft(leaf.notAfter, new Date(d.checkedAt));
    const rel = days < 0 ? `expired ${-days} d ago` : `${days} d left`;
    out.push(`*Subject*\n${esc(leaf.subjectCN ?? leaf.subject)}`);
    out.push(`*Expires*\n${esc(formatDate(leaf.notAfter))} (${rel})`);
    out.push(`*Issuer*\n${esc(leaf.issuerCN ?? leaf.issuer)}`);
  }
  const primary = d.report.endpoints[0];
  if (primary?.handshake.status === 'completed' && primary.handshake.result.protocol) {
    out.push(`*TLS*\n${esc(primary.handshake.result.protocol)}`);
  }
  if (d.report.resolution.status === 'completed') {
    const addrs = d.report.resolution.result.map((a) => a.address + (a.allowed ? '' : ' (blocked)'));
    if (addrs.length) out.push(`*Addresses*\n${esc(clip(addrs.slice(0, 8).join(', '), 400))}`);
  }
  if (primary?.chain.status === 'completed') {
    const c = primary.chain.result;
    const status = chainStatusOf(c, new Date(d.checkedAt)).text;
    out.push(`*Chain*\n${c.built.length} cert${c.built.length === 1 ? '' : 's'}, ${esc(status)}`);
  }
  return out;
}

function fixText(fix: Fix, maxSteps: number): string {
  const steps = fix.steps.slice(0, maxSteps).map((s, i) => `${i + 1}. ${esc(s)}`);
  if (fix.steps.length > maxSteps) steps.push(`… ${fix.steps.length - maxSteps} more step(s) in the Fix guide`);
  const cmd = fix.command ? `\n\`\`\`${esc(fix.command.replace(/`/g, "'"))}\`\`\`` : '';
  const warn = fix.warning ? `\n:warning: ${esc(fix.warning)}` : '';
  return `*${esc(fix.title)}* (${esc(fix.stack)}, ${fix.audience})\n${steps.join('\n')}${cmd}${warn}`;
}

function statusLine(incident: IncidentView, d: Diagnosis): string {
  const checked = `checked ${esc(formatDate(d.checkedAt))}`;
  if (incident.status === 'resolved' && incident.resolvedBy) {
    const when = incident.resolvedAt ? esc(formatDate(incident.resolvedAt)) : 'unknown time';
    return `✅ Resolved by ${mention(incident.resolvedBy)} at ${when} · ${checked}`;
  }
  const counts = countBySeverity(d.findings);
  return `Requested by ${mention(incident.requestedBy)} · ${checked} · ${counts} · details in thread`;
}

function countBySeverity(findings: Finding[]): string {
  if (!findings.length) return 'no findings';
  const by = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const parts = (['critical', 'warning', 'info'] as const).filter((s) => by(s) > 0).map((s) => `${by(s)} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`;
}

/** The parent message of an incident. Small by construction: details go to the thread. */
export function diagnosisBlocks(d: Diagnosis, incident: IncidentView, buttons: MessageAction[]): Block[] {
  const headlineCode = d.headline?.code ?? (d.verdict === 'ok' ? 'ok' : 'none');
  const blocks: Block[] = [
    header(`${VERDICT_ICON[d.verdict]} ${targetLabel(d.target)} — ${VERDICT_WORD[d.verdict]}`, `verdict:${d.verdict}`),
    section(
      clip(
        d.headline
          ? `${severityTag(d.headline.severity)} \`${d.headline.code}\`${certLabel(d, d.headline.certIndex)}\n${esc(d.headline.summary)}`
          : verdictLine(d),
        PARENT.headline,
      ),
      `headline:${headlineCode}`,
    ),
  ];
  const facts = keyFacts(d).map((f) => clip(f, PARENT.fact));
  if (facts.length) blocks.push(fields(facts, 'facts'));
  const top = d.headline?.fixes[0];
  if (top) blocks.push(section(clip(`*Top fix* — ${fixText(top, 4)}`, PARENT.topFix), `topfix:${d.headline?.code}`));
  blocks.push(context([statusLine(incident, d)], `status:${incident.status}`));
  if (buttons.length) {
    blocks.push(
      actions(buttons.map((b) => button(b.id, b.label, b.value, b.id === 'recheck' ? 'primary' : undefined))),
    );
  }
  return blocks;
}

/** One section per finding: summary, causes, clients, first fix; clipped to the section limit. */
export function findingBlock(d: Diagnosis, f: Finding): Block {
  const on = addressesNote(d, f);
  const lines = [`${severityTag(f.severity)} \`${f.code}\`${certLabel(d, f.certIndex)}${on ? ` _${esc(on)}_` : ''}`];
  lines.push(esc(f.summary));
  if (f.causes.length) lines.push(`*Likely causes:* ${f.causes.map((c, i) => `${i + 1}. ${esc(c)}`).join(' ')}`);
  const breaks = f.clients.filter((c) => c.effect !== 'works');
  if (breaks.length)
    lines.push(`*Clients:* ${breaks.map((c) => `${esc(c.client)}: ${c.effect} (${esc(c.note)})`).join('; ')}`);
  if (f.fixes[0]) lines.push(`*Fix:* ${fixText(f.fixes[0], 6)}`);
  return section(clip(lines.join('\n'), LIMITS.sectionText), `finding:${f.code}:${f.certIndex}`);
}

/** The thread detail: a summary line and every finding, most severe first (the Diagnosis order). */
export function findingsBlocks(d: Diagnosis): Block[] {
  const head = section(`*${countBySeverity(d.findings)}* for ${targetText(d)}`, `findings:${d.verdict}`);
  const matrix = backendBlocks(d);
  if (!d.findings.length) {
    return [head, ...matrix, section('Nothing to fix. Every rule that could run passed.', 'findings:none')];
  }
  return [head, ...matrix, ...d.findings.map((f) => findingBlock(d, f))];
}

/**
 * The per-backend matrix (more than one address): a heading, then one section per address whose block_id is
 * `backend:<verdict>:<address>` so tools read each address's verdict without parsing prose.
 */
export function backendBlocks(d: Diagnosis): Block[] {
  const rows = backendRows(d, new Date(d.checkedAt));
  if (rows.length === 0) return [];
  const lines = rows.map((r) => {
    const fp = r.fingerprint ? `\`${r.fingerprint}\`` : '_no leaf_';
    const cells = [fp, esc(r.expiry.text), esc(r.chain.text), esc(r.tls.text)];
    const text = `${VERDICT_ICON[r.verdict.slug]} *${esc(r.address)}* — ${VERDICT_WORD[r.verdict.slug]}\n${cells.join(' · ')}`;
    return section(clip(text, LIMITS.sectionText), blockId(`backend:${r.verdict.slug}:${r.address}`));
  });
  return [section(`*Backends* (${rows.length} addresses: fingerprint · expiry · chain · TLS)`, 'backends'), ...lines];
}

/** Codes joined for a block_id, cut at a whole code so the id stays parseable within 255 chars. */
function codeList(prefix: string, codes: string[]): string {
  let id = prefix;
  for (const [i, c] of codes.entries()) {
    const next = `${id}${i === 0 ? '' : ','}${c}`;
    if (next.length > LIMITS.blockId) break;
    id = next;
  }
  return id;
}

export type DeltaView = Extract<ChatMessage, { kind: 'delta' }>;

/** The re-check reply: fixed / still / new by code, the new verdict, and resolved-by when it is. */
export function deltaBlocks(v: DeltaView): Block[] {
  const groups: [string, string, string[]][] = [
    ['fixed', '✅ Fixed', v.fixed],
    ['still', '⏳ Still', v.still],
    ['appeared', '🆕 New', v.appeared],
  ];
  const blocks: Block[] = [
    section(`Re-check by ${mention(v.by)}: ${verdictLine(v.diagnosis)}`, `verdict:${v.diagnosis.verdict}`),
  ];
  for (const [key, label, codes] of groups) {
    if (!codes.length) continue;
    blocks.push(
      section(`*${label}:* ${codes.map((c) => `\`${esc(c)}\``).join(', ')}`, codeList(`delta:${key}:`, codes)),
    );
  }
  if (!v.fixed.length && !v.still.length && !v.appeared.length)
    blocks.push(section('No findings before or now.', 'delta:none'));
  blocks.push(context([statusLine(v.incident, v.diagnosis)], `status:${v.incident.status}`));
  return blocks;
}
