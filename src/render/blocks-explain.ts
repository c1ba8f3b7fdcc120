import type { Explanation } from '../explain/types.js';
import { type Block, context, esc, section } from './blocks-kit.js';
import { headlineOf } from './format.js';

/** Slack blocks for `/cert explain`: the client, the likely causes (codes verbatim), the server's side, the fix. */
export function explanationBlocks(e: Explanation): Block[] {
  const client = e.client
    ? `*Client:* ${esc(e.client.label)}${e.client.library ? ` — ${esc(e.client.library)}` : ''}${e.client.quic ? ' (QUIC / HTTP/3)' : ''}`
    : '*Client:* not recognised';
  const blocks: Block[] = [section(client, 'explain:client')];
  if (!e.recognised) {
    const guesses = e.guesses.map((g) => `• ${esc(g.client)}: \`${esc(g.text)}\``).join('\n');
    blocks.push(
      section(
        `*Not recognised:* no catalogued client error matches this text, so no cause is named.${guesses ? `\n_Closest catalogued errors (guesses to compare, not causes):_\n${guesses}` : ''}`,
        'explain:unrecognised',
      ),
    );
  } else {
    blocks.push(
      section(
        `*Your client says:* \`${esc(e.matches[0]!.error.text)}\`\n*Likely causes, most likely first:*`,
        'explain:says',
      ),
    );
    e.matches.forEach((m, i) => {
      const seen =
        m.confirmed === null
          ? ''
          : m.confirmed
            ? ' :white_check_mark: seen on the server'
            : ' — not seen on the server';
      const side = m.fault === 'server' ? "server's fault" : m.fault === 'client' ? 'client side' : 'either side';
      blocks.push(
        section(
          `${i + 1}. \`${m.code}\` (${side})${seen}: ${esc(m.why)}\n_Tell apart:_ ${esc(m.check)}`,
          `explain:cause:${m.code}`,
        ),
      );
    });
  }
  if (e.diagnosis) {
    const h = headlineOf(e.diagnosis, new Date(e.diagnosis.checkedAt));
    blocks.push(
      section(
        `*The server at ${esc(e.checked ?? '')}:* *${h.verdict.label}* ${h.code ? `\`${h.code}\` ` : ''}${esc(h.text)}`,
        'explain:server',
      ),
    );
  }
  if (e.fixes.length > 0) {
    const fixes = e.fixes.map(
      (f) =>
        `• *${f.audience === 'server' ? 'Server' : 'Client'} · ${esc(f.stack)}:* ${esc(f.title)}${f.command ? `\n\`\`\`${esc(f.command)}\`\`\`` : ''}`,
    );
    blocks.push(section(`*Fix (verification stays on):*\n${fixes.join('\n')}`, 'explain:fixes'));
  }
  if (e.notes.length > 0) blocks.push(context(e.notes.map(esc), 'explain:notes'));
  return blocks;
}

export function explanationFallback(e: Explanation): string {
  if (!e.recognised) return 'cert-doctor explain: not recognised';
  return `cert-doctor explain: ${e.matches.map((m) => m.code).join(', ')}`;
}
