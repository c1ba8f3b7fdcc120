/**
 * Hands the corrected fullchain.pem to the thread when the served chain is incomplete, misordered or carries
 * extras (src/fixes/fullchain.ts decides; nothing is offered that did not verify). A failed upload (no
 * files:write scope yet, Slack down) is told in the thread and never fails the check that already answered.
 * On a re-check the file goes up again only when it differs from the one the previous diagnosis produced
 * (a renewed leaf, a new intermediate); the same file again would only bury the thread in copies, so the
 * re-check says in one line that the one above still applies.
 */
import { correctedFullchain } from '../fixes/fullchain.js';
import { fullchainUpload } from '../render/fullchain.js';
import type { Diagnosis } from '../rules/types.js';
import type { ConversationPort, MessageRef } from './port.js';
import { infoNotice } from './views.js';

export async function offerFullchainOnRecheck(
  port: ConversationPort,
  parent: MessageRef,
  after: Diagnosis,
  before: Diagnosis,
): Promise<string | null> {
  if (!port.uploadFile) return null;
  const file = correctedFullchain(after);
  if (!file) return null;
  if (correctedFullchain(before)?.pem === file.pem) {
    const text = `The server still sends a chain that is ${file.reasons.join(' and ')}: the corrected ${file.filename} handed over earlier in this thread is unchanged and still applies.`;
    await port.reply(parent, infoNotice(text, 'fullchain_unchanged')).catch(() => undefined);
    return null;
  }
  return offerFullchain(port, parent, after);
}

export async function offerFullchain(port: ConversationPort, parent: MessageRef, d: Diagnosis): Promise<string | null> {
  if (!port.uploadFile) return null;
  const file = correctedFullchain(d);
  if (!file) return null;
  try {
    return await port.uploadFile(parent, fullchainUpload(file, d.target));
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
    await port
      .reply(parent, infoNotice(`I could not attach the corrected fullchain.pem here (${code}).`))
      .catch(() => undefined);
    return null;
  }
}
