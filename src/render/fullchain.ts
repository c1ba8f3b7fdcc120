/**
 * The message that goes with the corrected fullchain.pem in a diagnosis thread: what was wrong with the served
 * chain, the exact line for the detected server, and the one-line diff. Certificate names come from the server:
 * controls become visible escapes and a backtick cannot close the inline code span; the Slack port escapes `&<>`.
 */
import type { UploadFile } from '../chat/port.js';
import type { FullchainFile } from '../fixes/fullchain.js';
import { STACKS } from '../fixes/stacks.js';
import type { Target } from '../probe/types.js';
import { escapeControl, targetLabel } from './format.js';

const REASONS: Record<FullchainFile['reasons'][number], string> = {
  incomplete: 'is missing an intermediate',
  misordered: 'is out of order',
  extras: 'carries certificates that do not belong (a root or unrelated ones)',
};

export function fullchainUpload(file: FullchainFile, target: Target): UploadFile {
  const code = (s: string) => `\`${escapeControl(s).replace(/`/g, 'ʹ')}\``;
  const count = file.pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0;
  const why = file.reasons.map((r) => REASONS[r]).join(', and ');
  const comment = [
    `Corrected chain for ${code(targetLabel(target))}: the served chain ${why}. fullchain.pem holds the leaf, then ${count - 1} intermediate${count === 2 ? '' : 's'} in order, no root; verified to a trusted root.`,
    `${STACKS[file.stack].label}: ${code(file.configLine)}`,
    `Diff: ${code(file.diff)}`,
  ].join('\n');
  return { filename: file.filename, title: 'fullchain.pem (corrected chain)', content: file.pem, comment };
}
