/**
 * One finding in the terminal diagnosis: severity and code, the summary, likely causes, the clients it breaks,
 * then the fixes. Short output spells out the fix for the detected server stack and names the others by
 * title (with any warning kept visible); verbose output spells out every fix.
 */
import type { Finding, Fix } from '../rules/types.js';
import {
  audienceOf,
  escapeControl as e,
  effectOf,
  type Grade,
  orderedFixes,
  primaryFixes,
  severityOf,
} from './format.js';
import type { TextContext } from './text-chain.js';

const INDENT = '  ';
const ITEM = INDENT.repeat(2);
const DETAIL = INDENT.repeat(4);
const MARKS: Record<Grade, string> = { good: '✓', warn: '!', bad: '✗', neutral: '·' };

/** `addresses`: "on 127.0.0.3 (1 of 2 addresses)" when the name has several addresses, else ''. */
export function findingBlock(f: Finding, serverStack: string | null, ctx: TextContext, addresses = ''): string {
  const sev = severityOf(f.severity);
  const cert = f.certIndex < 0 ? '' : f.certIndex === 0 ? ' · leaf (#0)' : ` · chain cert #${f.certIndex}`;
  const whereText = `${cert}${addresses ? ` · ${e(addresses)}` : ''}`;
  const where = whereText ? ctx.st.dim(whereText) : '';
  const lines = [`${INDENT}${ctx.st.grade(sev.grade, `[${sev.label}]`)} ${ctx.st.bold(e(f.code))}${where}`];
  lines.push(`${INDENT}${e(f.summary)}`);
  if (f.causes.length > 0) {
    lines.push(`${INDENT}${ctx.st.bold('Likely causes')}`, ...f.causes.map((c, i) => `${ITEM}${i + 1}. ${e(c)}`));
  }
  if (f.clients.length > 0)
    lines.push(`${INDENT}${ctx.st.bold('Breaks')}`, ...f.clients.map((c) => clientLine(c, ctx)));
  if (f.fixes.length > 0) lines.push(`${INDENT}${ctx.st.bold('Fix')}`, ...fixSection(f, serverStack, ctx));
  return lines.join('\n');
}

function clientLine(c: Finding['clients'][number], ctx: TextContext): string {
  const eff = effectOf(c.effect);
  const note = c.note ? ` — ${e(c.note)}` : '';
  return `${ITEM}${ctx.st.grade(eff.grade, `${MARKS[eff.grade]} ${e(c.client)} ${eff.label}`)}${note}`;
}

function fixSection(f: Finding, serverStack: string | null, ctx: TextContext): string[] {
  const fixes = orderedFixes(f);
  const spelled = new Set(ctx.verbose ? fixes : primaryFixes(f, serverStack));
  const out: string[] = [];
  const rest: Fix[] = [];
  for (const fix of fixes) {
    if (spelled.has(fix)) out.push(...fixLines(fix, ctx));
    else rest.push(fix);
  }
  if (rest.length === 0) return out;
  return [
    ...out,
    ...collapsedLines(rest, ctx),
    `${ITEM}${ctx.st.dim('(run with --verbose for the steps of every fix)')}`,
  ];
}

function fixLines(fix: Fix, ctx: TextContext): string[] {
  const out = [
    `${ITEM}▸ ${ctx.st.bold(e(fix.title))} ${ctx.st.dim(`(${e(fix.stack)}, ${audienceOf(fix.audience).label})`)}`,
  ];
  if (fix.warning) out.push(warningLine(fix.warning, ctx));
  fix.steps.forEach((step, i) => {
    out.push(...multiline(step).map((l, j) => `${DETAIL}${j === 0 ? `${i + 1}. ` : '   '}${l}`));
  });
  if (fix.command)
    out.push(...multiline(fix.command).map((l, j) => `${DETAIL}${j === 0 ? ctx.st.dim('$') : ' '} ${l}`));
  return out;
}

/** Fixes not spelled out: one line per title listing the stacks it exists for; warnings stay visible. */
function collapsedLines(fixes: Fix[], ctx: TextContext): string[] {
  const groups = new Map<string, Fix[]>();
  for (const fix of fixes) {
    const key = `${fix.audience}\u0000${fix.title}`;
    groups.set(key, [...(groups.get(key) ?? []), fix]);
  }
  return [...groups.values()].flatMap((group) => {
    const stacks = group.map((x) => e(x.stack)).join(', ');
    const head = `${ITEM}▸ ${e(group[0]!.title)} ${ctx.st.dim(`(${stacks}, ${audienceOf(group[0]!.audience).label})`)}`;
    const warnings = [...new Set(group.map((x) => x.warning).filter((w): w is string => Boolean(w)))];
    return [head, ...warnings.map((w) => warningLine(w, ctx))];
  });
}

function warningLine(warning: string, ctx: TextContext): string {
  return `${DETAIL}${ctx.st.grade('bad', `⚠ WARNING: ${e(warning)}`)}`;
}

/** Steps and commands may legitimately span lines (a heredoc); each line is escaped on its own. */
function multiline(text: string): string[] {
  return text.split('\n').map(e);
}
