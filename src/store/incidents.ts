/**
 * Incidents: a diagnosis parent message (channel, ts) and its thread, with who asked, the status, and the
 * last diagnosis (JSON). Statements are prepared once in the constructor.
 */
import type { Diagnosis } from '../rules/types.js';
import type { Db } from './db.js';
import type { Incident, IncidentStatus, IncidentStore, NewIncident } from './types.js';

interface Row {
  id: number;
  channel: string;
  ts: string;
  target: string;
  requested_by: string;
  status: IncidentStatus;
  resolved_by: string | null;
  resolved_at: string | null;
  created_at: string;
  updated_at: string;
  last_diagnosis: string;
}

/** An id that is not an incident the store knows. */
export class IncidentNotFoundError extends Error {
  readonly code = 'incident_not_found';
  constructor(id: string) {
    super(`no incident with id ${JSON.stringify(id)}`);
    this.name = 'IncidentNotFoundError';
  }
}

export class SqliteIncidentStore implements IncidentStore {
  #insert;
  #byId;
  #byMessage;
  #update;
  #resolve;
  #lastNumericTs;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string, string, string]>(
      `INSERT INTO incidents (channel, ts, target, requested_by, status, created_at, updated_at, last_diagnosis)
       VALUES (?, ?, ?, ?, 'open', ?, ?, ?)`,
    );
    this.#byId = db.prepare<[number], Row>('SELECT * FROM incidents WHERE id = ?');
    this.#byMessage = db.prepare<[string, string], Row>('SELECT * FROM incidents WHERE channel = ? AND ts = ?');
    this.#update = db.prepare<{ id: number; status: IncidentStatus | null; now: string; diagnosis: string }>(
      `UPDATE incidents SET
         last_diagnosis = @diagnosis,
         updated_at = @now,
         status = COALESCE(@status, status),
         resolved_by = CASE WHEN @status = 'open' THEN NULL ELSE resolved_by END,
         resolved_at = CASE WHEN @status = 'open' THEN NULL ELSE resolved_at END
       WHERE id = @id`,
    );
    // the shell's message refs are plain numbers ("12"); Slack's ("1700000000.000100") never match GLOB [0-9]*
    this.#lastNumericTs = db.prepare<[string, string], { n: number | null }>(
      `SELECT MAX(n) AS n FROM (
         SELECT CAST(ts AS INTEGER) AS n FROM incidents WHERE channel = ? AND ts NOT GLOB '*[^0-9]*'
         UNION ALL
         SELECT CAST(ts AS INTEGER) FROM pending_checks WHERE channel = ? AND ts NOT GLOB '*[^0-9]*'
       )`,
    );
    this.#resolve = db.prepare<[string, string, string, number]>(
      `UPDATE incidents SET status = 'resolved', resolved_by = ?, resolved_at = ?, updated_at = ? WHERE id = ?`,
    );
  }

  async create(input: NewIncident): Promise<Incident> {
    const now = input.now.toISOString();
    const info = this.#insert.run(
      input.channel,
      input.ts,
      input.target,
      input.requestedBy,
      now,
      now,
      JSON.stringify(input.diagnosis),
    );
    return this.#must(String(info.lastInsertRowid));
  }

  async lastNumericTs(channel: string): Promise<number> {
    return this.#lastNumericTs.get(channel, channel)?.n ?? 0;
  }

  async get(id: string): Promise<Incident | null> {
    return this.#get(id);
  }

  #get(id: string): Incident | null {
    const n = toRowId(id);
    if (n === null) return null;
    const row = this.#byId.get(n);
    return row ? fromRow(row) : null;
  }

  async getByMessage(channel: string, ts: string): Promise<Incident | null> {
    const row = this.#byMessage.get(channel, ts);
    return row ? fromRow(row) : null;
  }

  async update(id: string, patch: { diagnosis: Diagnosis; status?: IncidentStatus; now: Date }): Promise<Incident> {
    const n = this.#rowId(id);
    this.#update.run({
      id: n,
      status: patch.status ?? null,
      now: patch.now.toISOString(),
      diagnosis: JSON.stringify(patch.diagnosis),
    });
    return this.#must(id);
  }

  async resolve(id: string, by: string, at: Date): Promise<Incident> {
    const iso = at.toISOString();
    this.#resolve.run(by, iso, iso, this.#rowId(id));
    return this.#must(id);
  }

  #rowId(id: string): number {
    const n = toRowId(id);
    if (n === null || !this.#byId.get(n)) throw new IncidentNotFoundError(id);
    return n;
  }

  #must(id: string): Incident {
    const found = this.#get(id);
    if (!found) throw new IncidentNotFoundError(id);
    return found;
  }
}

/** Ids arrive from Slack button values and shell input: only canonical positive integers are ids. */
function toRowId(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  return Number(id);
}

function fromRow(row: Row): Incident {
  return {
    id: String(row.id),
    channel: row.channel,
    ts: row.ts,
    target: row.target,
    requestedBy: row.requested_by,
    status: row.status,
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastDiagnosis: JSON.parse(row.last_diagnosis) as Diagnosis,
  };
}
