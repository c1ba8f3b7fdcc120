/**
 * Block Kit for the thread replies and short messages: fix guide, chain (sent vs built), progress,
 * help and notices. Every string from a certificate, a server or a user is escaped here.
 */

import type { CommandHelp, NoticeCode } from '../chat/port.js';
import type { CheckPhase } from '../check.js';
import type { CertInfo, CertSource, EndpointReport, SentCert, Target } from '../probe/types.js';
import type { Diagnosis, Fix } from '../rules/types.js';
import { chainGroups, chainStatusOf } from './backends.js';
import { severityTag, targetText } from './blocks-diagnosis.js';
import { type Block, context, esc, header, section } from './blocks-kit.js';
import { formatDate, targetLabel } from './format.js';

const PHASES: CheckPhase[] = ['resolving', 'resolved', 'handshake', 'chain', 'done'];

/** "⏳ Checking example.com:443… resolved ✓ → handshake …", updated in place as phases finish. */
export function progressBlocks(target: Target, phase: CheckPhase, detail?: string): Block[] {
  const at = PHASES.indexOf(phase);
  const steps = PHASES.slice(1).map((p, i) => (i + 1 <= at ? `${p} ✓` : i + 1 === at + 1 ? `*${p}…*` : p));
  const lines = [`⏳ Checking ${esc(targetLabel(target))}…`, steps.join(' → ')];
  if (detail) lines.push(esc(detail));
  return [section(lines.join('\n'), `progress:${phase}`)];
}

function fixSteps(fix: Fix): string {
  const steps = fix.steps.map((s, i) => `${i + 1}. ${esc(s)}`).join('\n');
  const cmd = fix.command ? `\n\`\`\`${esc(fix.command.replace(/`/g, "'"))}\`\`\`` : '';
  const warn = fix.warning ? `\n:warning: ${esc(fix.warning)}` : '';
  return `*${esc(fix.title)}* — ${esc(fix.stack)} ${fix.audience === 'server' ? 'server fix' : 'client workaround'}\n${steps}${cmd}${warn}`;
}

/** Fixes for the detected stack first (then generic, then the rest), one section per fix. */
export function fixGuideBlocks(d: Diagnosis, stack: string | null): Block[] {
  const blocks: Block[] = [header(`Fix guide — ${targetLabel(d.target)}${stack ? ` (${stack})` : ''}`, 'fix_guide')];
  const rank = (f: Fix) => (f.stack === stack ? 0 : f.stack === 'generic' ? 1 : f.audience === 'server' ? 2 : 3);
  for (const finding of d.findings) {
    const fixes = [...finding.fixes].sort((a, b) => rank(a) - rank(b));
    if (!fixes.length) continue;
    blocks.push(
      section(
        `${severityTag(finding.severity)} \`${finding.code}\` — ${esc(finding.summary)}`,
        `fix:${finding.code}:${finding.certIndex}`,
      ),
    );
    fixes.forEach((fix, i) => {
      blocks.push(section(fixSteps(fix), `fix:${finding.code}:${finding.certIndex}:${i}`));
    });
  }
  if (blocks.length === 1) blocks.push(section(`Nothing to fix for ${targetText(d)}.`, 'fix:none'));
  return blocks;
}

function certLine(c: CertInfo, source?: CertSource): string {
  const name = esc(c.subjectCN ?? c.subject);
  const issuer = esc(c.issuerCN ?? c.issuer);
  const from = source ? ` · ${source.replace('_', ' ')}` : '';
  return `*${name}*\nissued by ${issuer} · expires ${esc(formatDate(c.notAfter))} · sha256 \`${c.sha256.slice(0, 16)}…\`${from}`;
}

function sentLine(c: SentCert): string {
  return 'malformed' in c ? `_unparseable certificate_: ${esc(c.error)}` : certLine(c);
}

/**
 * The chain as the server sent it and the path we built, one section per certificate; when addresses serve
 * different chains, each distinct chain follows with the addresses that serve it (block ids of the first
 * group unchanged, later groups suffixed with `:<group>`).
 */
export function chainBlocks(d: Diagnosis): Block[] {
  const blocks: Block[] = [header(`Chain — ${targetLabel(d.target)}`, 'chain')];
  const primary = d.report.endpoints[0];
  const groups = chainGroups(d.report.endpoints);
  if (primary?.handshake.status !== 'completed' || groups.length === 0) {
    const why = primary?.handshake.status === 'error' ? primary.handshake.error : 'no TLS handshake completed';
    return [...blocks, section(`No chain to show: ${esc(why)}`, 'chain:none')];
  }
  groups.forEach((group, g) => {
    const suffix = g === 0 ? '' : `:${g}`;
    const where = groups.length > 1 ? ` from ${group.map((ep) => esc(ep.address)).join(', ')}` : '';
    blocks.push(...groupBlocks(d, group[0]!, suffix, where));
  });
  return blocks;
}

function groupBlocks(d: Diagnosis, ep: EndpointReport, suffix: string, where: string): Block[] {
  if (ep.handshake.status !== 'completed') return [];
  const blocks: Block[] = [];
  const sent = ep.handshake.result.sentChain;
  const n = `${sent.length} certificate${sent.length === 1 ? '' : 's'}`;
  blocks.push(section(`*As sent*${where} (${n}, in order)`, `chain:sent${suffix}`));
  sent.forEach((c, i) => {
    blocks.push(section(`#${i} ${sentLine(c)}`, `sent:${i}${suffix}`));
  });
  if (ep.chain.status !== 'completed') {
    return [...blocks, section(`*As built:* not available (${esc(ep.chain.status)})`, `chain:built${suffix}`)];
  }
  const chain = ep.chain.result;
  const verdict = chain.missingIssuer
    ? `issuer missing: ${esc(chain.missingIssuer)}`
    : esc(chainStatusOf(chain, new Date(d.checkedAt)).text);
  blocks.push(section(`*As built*${where} (${chain.built.length}, ${verdict})`, `chain:built${suffix}`));
  chain.built.forEach((c, i) => {
    blocks.push(section(`#${i} ${certLine(c, chain.sources[i])}`, `built:${i}${suffix}`));
  });
  return blocks;
}

export function helpBlocks(commands: CommandHelp[], unknown?: string): Block[] {
  const blocks: Block[] = [];
  if (unknown !== undefined) blocks.push(section(`Unknown subcommand \`${esc(unknown)}\`.`, 'help:unknown'));
  for (const c of commands) {
    const examples = c.examples.map((e) => `\`${esc(e)}\``).join('  ');
    blocks.push(section(`*${esc(c.usage)}* — ${esc(c.summary)}\n${examples}`, `help:${c.name}`));
  }
  blocks.push(context(['In a diagnosis thread: `@cert-doctor recheck`'], 'help:thread'));
  return blocks;
}

export function noticeBlocks(level: 'info' | 'error', code: NoticeCode, text: string, retryAfterSec?: number): Block[] {
  const retry = retryAfterSec ? ` Try again in ${retryAfterSec} s.` : '';
  return [section(`${level === 'error' ? ':x:' : 'ℹ️'} ${esc(text)}${retry}`, `notice:${code}`)];
}
