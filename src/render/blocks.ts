/**
 * Pure renderer: a chat view-model (src/chat/port.ts) → Slack messages within Block Kit limits.
 * `renderSlack` returns pages: the first is the message itself (ending in "…more in thread" when
 * truncated), the rest are continuation pages the transport posts in its thread (`splitForThread`).
 * Every page carries a text fallback (notifications, screen readers).
 */
import type { ChatMessage } from '../chat/port.js';
import { chainBlocks, fixGuideBlocks, helpBlocks, noticeBlocks, progressBlocks } from './blocks-detail.js';
import { deltaBlocks, diagnosisBlocks, findingsBlocks, targetText, verdictLine } from './blocks-diagnosis.js';
import { explanationBlocks, explanationFallback } from './blocks-explain.js';
import { esc, paginate, type SlackMessage } from './blocks-kit.js';
import { reminderBlocks, watchHistoryBlocks, watchListBlocks } from './blocks-watch.js';
import { targetLabel } from './format.js';
import { reminderWords } from './watch-format.js';

export type { Block, SlackMessage } from './blocks-kit.js';
export { esc, LIMITS, MORE_IN_THREAD, splitForThread } from './blocks-kit.js';

/** Render a view-model into one or more messages; pages[0] is what is posted or updated in place. */
export function renderSlack(msg: ChatMessage): SlackMessage[] {
  switch (msg.kind) {
    case 'progress':
      return paginate(
        progressBlocks(msg.target, msg.phase, msg.detail),
        `⏳ Checking ${esc(targetLabel(msg.target))}…`,
      );
    case 'diagnosis':
      return paginate(diagnosisBlocks(msg.diagnosis, msg.incident, msg.actions), verdictLine(msg.diagnosis));
    case 'findings':
      return paginate(findingsBlocks(msg.diagnosis), `Findings for ${targetText(msg.diagnosis)}`);
    case 'delta':
      return paginate(deltaBlocks(msg), `Re-check: ${verdictLine(msg.diagnosis)}`);
    case 'fix_guide':
      return paginate(fixGuideBlocks(msg.diagnosis, msg.stack), `Fix guide for ${targetText(msg.diagnosis)}`);
    case 'chain':
      return paginate(chainBlocks(msg.diagnosis), `Chain of ${targetText(msg.diagnosis)}`);
    case 'help':
      return paginate(helpBlocks(msg.commands, msg.unknown), 'cert-doctor: /cert check example.com');
    case 'explanation':
      return paginate(explanationBlocks(msg.explanation), explanationFallback(msg.explanation));
    case 'notice':
      return paginate(noticeBlocks(msg.level, msg.code, msg.text, msg.retryAfterSec), esc(msg.text));
    case 'reminder':
      return paginate(reminderBlocks(msg), esc(reminderWords(msg.facts).headline));
    case 'watch_list':
      return paginate(watchListBlocks(msg), esc(msg.title));
    case 'watch_history':
      return paginate(watchHistoryBlocks(msg), `History of ${esc(msg.target)}`);
  }
}

/** The single message for places that cannot thread (ephemeral, response_url): the first page. */
export function renderSingle(msg: ChatMessage): SlackMessage {
  return renderSlack(msg)[0];
}
