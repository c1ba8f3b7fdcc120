import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { handleAction } from '../commands/actions.js';
import { routeCommand } from '../commands/router.js';
import { chatCore } from '../src/chat/core.js';
import { openDb } from '../src/store/db.js';
import { SqliteIncidentStore } from '../src/store/incidents.js';
import { makeContext, RecordingPort } from './support/chat.js';
import { startRepairableServer } from './support/swap.js';

let srv: Awaited<ReturnType<typeof startRepairableServer>>;
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-check-'));
before(async () => {
  srv = await startRepairableServer();
});
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

const codes = (d: { findings: { code: string }[] }) => d.findings.map((f) => f.code);

test('check → progress updated in place → diagnosis parent (an incident) → findings in its thread → re-check resolves after a restart', async () => {
  const file = join(dir, 'incidents.db');
  let db = openDb(file);
  const core = chatCore({ allow: ['127.0.0.0/8'], probeTimeoutMs: 5_000 }, srv.extraCaPem);
  const { ctx, port } = makeContext({ text: `check 127.0.0.1:${srv.port}`, core, store: new SqliteIncidentStore(db) });
  await routeCommand(ctx, (err) => assert.fail(err as Error));

  const trace = port.trace;
  assert.equal(trace[0], 'post:progress');
  assert.deepEqual(trace.slice(-2), ['update:diagnosis', 'reply:findings']);
  assert.ok(
    trace.slice(1, -2).every((t) => t === 'update:progress'),
    trace.join(', '),
  );
  const parent = port.calls[0]!.op === 'post' ? port.calls[0]!.ref : assert.fail('no post');
  assert.deepEqual(
    port.anchors().slice(1),
    Array(port.calls.length - 1).fill(parent),
    'all on the parent or in its thread',
  );
  const phases = port.calls.flatMap((c) => (c.msg.kind === 'progress' ? [c.msg.phase] : []));
  assert.deepEqual(phases, [...new Set(phases)], 'no phase shown twice');

  const diag = port.last('diagnosis');
  assert.ok(codes(diag.diagnosis).includes('chain_incomplete'), codes(diag.diagnosis).join(','));
  assert.deepEqual(
    diag.actions.map((a) => [a.id, a.value]),
    [
      ['recheck', diag.incident.id],
      ['fix_guide', diag.incident.id],
      ['show_chain', diag.incident.id],
      ['watch', diag.incident.id],
    ],
  );
  assert.equal(diag.incident.status, 'open');
  assert.ok(codes(port.last('findings').diagnosis).includes('chain_incomplete'));
  db.close();

  // The bot restarts; the operator fixes the server; someone presses Re-check on the old message.
  srv.repair();
  db = openDb(file);
  const store = new SqliteIncidentStore(db);
  assert.equal((await store.getByMessage(parent.channel, parent.ts))?.id, diag.incident.id);
  const port2 = new RecordingPort();
  const at = new Date(Date.now() + 60_000);
  await handleAction(
    { ...ctx, port: port2, store, userId: 'U2', clock: () => at, actionId: 'recheck', incidentId: diag.incident.id },
    (err) => assert.fail(err as Error),
  );
  assert.deepEqual(port2.trace, ['reply:delta', 'update:diagnosis']);
  const delta = port2.last('delta');
  assert.deepEqual(delta.fixed, ['chain_incomplete']);
  assert.ok(!delta.still.includes('chain_incomplete') && !delta.appeared.includes('chain_incomplete'));
  assert.deepEqual(
    [delta.incident.status, delta.incident.resolvedBy, delta.incident.resolvedAt],
    ['resolved', 'U2', at.toISOString()],
  );
  assert.equal(port2.last('diagnosis').incident.status, 'resolved');
  assert.deepEqual(port2.anchors(), [parent, parent]);
  assert.equal((await store.get(diag.incident.id))?.status, 'resolved');
  db.close();
});

test('a re-check that still finds a critical problem keeps the incident open; a relapse re-opens a resolved one', async () => {
  const own = await startRepairableServer();
  try {
    const core = chatCore({ allow: ['127.0.0.0/8'], probeTimeoutMs: 5_000 }, own.extraCaPem);
    const { ctx, port, db } = makeContext({ text: `check 127.0.0.1:${own.port}`, core });
    await routeCommand(ctx, (err) => assert.fail(err as Error));
    const id = port.last('diagnosis').incident.id;
    const recheck = async () => {
      const p = new RecordingPort();
      await handleAction({ ...ctx, port: p, actionId: 'recheck', incidentId: id }, (err) => assert.fail(err as Error));
      return p.last('delta');
    };

    const still = await recheck();
    assert.deepEqual(
      [still.fixed, still.still.includes('chain_incomplete'), still.incident.status],
      [[], true, 'open'],
    );

    own.repair();
    assert.equal((await recheck()).incident.status, 'resolved');

    own.breakAgain();
    const relapse = await recheck();
    assert.ok(relapse.appeared.includes('chain_incomplete'));
    assert.deepEqual([relapse.incident.status, relapse.incident.resolvedBy], ['open', undefined]);
    db.close();
  } finally {
    await own.close();
  }
});
