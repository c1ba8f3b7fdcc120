/** Small builders of view-models shared by handlers (no formatting: renderers do that). */
import type { Diagnosis } from '../rules/types.js';
import {
  type ChatMessage,
  type Incident,
  type IncidentView,
  incidentActions,
  type LimitRefusal,
  type NoticeCode,
} from './port.js';

export function incidentView(i: Incident): IncidentView {
  const view: IncidentView = { id: i.id, status: i.status, requestedBy: i.requestedBy };
  if (i.resolvedBy !== null) view.resolvedBy = i.resolvedBy;
  if (i.resolvedAt !== null) view.resolvedAt = i.resolvedAt;
  return view;
}

/** The parent message of an incident. */
export function diagnosisMessage(incident: Incident, diagnosis: Diagnosis = incident.lastDiagnosis): ChatMessage {
  return { kind: 'diagnosis', diagnosis, incident: incidentView(incident), actions: incidentActions(incident.id) };
}

export function errorNotice(code: NoticeCode, text: string): ChatMessage {
  return { kind: 'notice', level: 'error', code, text };
}

export function infoNotice(text: string, code: NoticeCode = 'info'): ChatMessage {
  return { kind: 'notice', level: 'info', code, text };
}

/** "try again in N s", with N from the limiter. */
export function refusalNotice(r: LimitRefusal): ChatMessage {
  const why =
    r.reason === 'busy'
      ? 'The bot is running as many checks as it allows at once.'
      : 'You have started checks faster than the per-user limit allows.';
  return {
    kind: 'notice',
    level: 'error',
    code: r.reason,
    text: `${why} Try again in ${r.retryAfterSec} s.`,
    retryAfterSec: r.retryAfterSec,
  };
}

/** True when a diagnosis still has something that breaks clients. */
export function hasCritical(d: Diagnosis): boolean {
  return d.findings.some((f) => f.severity === 'critical');
}
