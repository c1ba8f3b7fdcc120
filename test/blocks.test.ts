import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ChatMessage, type IncidentView, incidentActions } from '../src/chat/port.js';
import { MORE_IN_THREAD, renderSlack, type SlackMessage } from '../src/render/blocks.js';
import { clip, esc } from '../src/render/blocks-kit.js';
import { diagnosis, finding, target } from './support/diagnosis-fixture.js';
import { blockKitViolation } from './support/fake-slack.js';

const open: IncidentView = { id: 'inc-1', status: 'open', requestedBy: 'U1' };
const resolved: IncidentView = { ...open, status: 'resolved', resolvedBy: 'U9', resolvedAt: '2026-01-15T13:00:00Z' };

const blockIds = (m: SlackMessage) => m.blocks.map((b) => b.block_id ?? '');

/** Every page is something Slack accepts (the fake's independent copy of Slack's limits). */
function assertAcceptable(pages: SlackMessage[]): void {
  assert.ok(pages.length >= 1);
  for (const p of pages) {
    assert.equal(blockKitViolation(p.blocks), null, JSON.stringify(blockKitViolation(p.blocks)));
    assert.ok(p.text.length > 0 && p.text.length <= 4000, `fallback length ${p.text.length}`);
  }
}

/** No `<` reaches Slack except our own user mentions `<@U…>`. */
function assertNoMarkupInjection(pages: SlackMessage[]): void {
  const json = JSON.stringify(pages);
  assert.doesNotMatch(json, /<(?!@[UW][A-Z0-9]+>)/);
}

const d = diagnosis();
const everyKind: ChatMessage[] = [
  { kind: 'progress', target: target(), phase: 'handshake' },
  { kind: 'diagnosis', diagnosis: d, incident: open, actions: incidentActions('inc-1') },
  { kind: 'findings', diagnosis: d },
  {
    kind: 'delta',
    fixed: ['chain_incomplete'],
    still: ['cert_expiring_soon'],
    appeared: [],
    diagnosis: d,
    incident: open,
    by: 'U2',
  },
  { kind: 'fix_guide', diagnosis: d, stack: 'nginx' },
  { kind: 'chain', diagnosis: d },
  {
    kind: 'help',
    commands: [
      { name: 'check', usage: '/cert check TARGET', summary: 'diagnose', examples: ['/cert check a.example'] },
    ],
    unknown: 'frobnicate',
  },
  { kind: 'notice', level: 'error', code: 'rate_limited', text: 'slow down', retryAfterSec: 12 },
];

for (const msg of everyKind) {
  test(`renderSlack(${msg.kind}) fits Block Kit limits and has a fallback`, () => {
    assertAcceptable(renderSlack(msg));
  });
}

test('parent: verdict, headline code, facts, top fix, buttons with the incident id', () => {
  const [m, ...rest] = renderSlack(everyKind[1]);
  assert.equal(rest.length, 0);
  const ids = blockIds(m);
  assert.deepEqual(ids.slice(0, 2), ['verdict:critical', 'headline:chain_incomplete']);
  assert.ok(ids.includes('facts') && ids.includes('topfix:chain_incomplete') && ids.includes('status:open'));
  const actions = m.blocks.find((b) => b.type === 'actions');
  assert.ok(actions?.type === 'actions');
  assert.deepEqual(
    actions.elements.map((e) => [e.action_id, e.value]),
    [
      ['recheck', 'inc-1'],
      ['fix_guide', 'inc-1'],
      ['show_chain', 'inc-1'],
      ['watch', 'inc-1'],
    ],
  );
});

test('parent: resolved state names who and when', () => {
  const [m] = renderSlack({
    kind: 'diagnosis',
    diagnosis: diagnosis({ findings: [] }),
    incident: resolved,
    actions: [],
  });
  const status = m.blocks.find((b) => b.block_id === 'status:resolved');
  assert.ok(status?.type === 'context');
  assert.match(status.elements[0].text, /<@U9>/);
  assert.ok(blockIds(m).includes('verdict:ok') && blockIds(m).includes('headline:ok'));
});

test('findings: one block per finding, block_id finding:<code>:<certIndex>', () => {
  const [m] = renderSlack({
    kind: 'findings',
    diagnosis: diagnosis({ findings: [finding('hostname_mismatch'), finding('hsts_missing', 'info', -1)] }),
  });
  assert.deepEqual(
    blockIds(m).filter((id) => id.startsWith('finding:')),
    ['finding:hostname_mismatch:0', 'finding:hsts_missing:-1'],
  );
});

test('delta: fixed / still / new codes in block_ids', () => {
  const ids = blockIds(renderSlack(everyKind[3])[0]);
  assert.ok(ids.includes('delta:fixed:chain_incomplete') && ids.includes('delta:still:cert_expiring_soon'));
  assert.ok(!ids.some((id) => id.startsWith('delta:appeared')));
});

test('a CN of <!channel> and user text with <@U…> are escaped everywhere, never a ping', () => {
  const evil = diagnosis({
    cn: '<!channel>',
    issuerCn: '<https://evil.example|paypal.com> & co',
    findings: [finding('cert_expired', 'critical', 0, ' <!here>')],
  });
  const msgs: ChatMessage[] = [
    { kind: 'diagnosis', diagnosis: evil, incident: open, actions: incidentActions('inc-1') },
    { kind: 'findings', diagnosis: evil },
    { kind: 'fix_guide', diagnosis: evil, stack: null },
    { kind: 'chain', diagnosis: evil },
    { kind: 'notice', level: 'error', code: 'bad_input', text: 'cannot parse "<@U0ADMIN> <!everyone>"' },
  ];
  for (const msg of msgs) {
    const pages = renderSlack(msg);
    assertNoMarkupInjection(pages);
    assert.doesNotMatch(JSON.stringify(pages), /<!channel>|<!here>|<!everyone>/);
  }
  assert.match(JSON.stringify(renderSlack(msgs[1])), /&lt;!channel&gt;/);
});

test('many long findings paginate: every page acceptable, "more in thread" on all but the last, nothing lost', () => {
  const many = Array.from({ length: 70 }, (_, i) => finding(`code_${i}`, 'warning', i % 3, ' x'.repeat(600)));
  const pages = renderSlack({ kind: 'findings', diagnosis: diagnosis({ findings: many }) });
  assert.ok(pages.length > 2, `pages: ${pages.length}`);
  assertAcceptable(pages);
  pages.slice(0, -1).forEach((p) => {
    assert.equal(p.blocks.at(-1)?.block_id, 'more');
    assert.match(JSON.stringify(p.blocks.at(-1)), new RegExp(MORE_IN_THREAD));
  });
  assert.notEqual(pages.at(-1)?.blocks.at(-1)?.block_id, 'more');
  const ids = pages.flatMap(blockIds).filter((id) => id.startsWith('finding:'));
  assert.equal(ids.length, 70);
  assert.equal(new Set(ids).size, 70);
});

test('clip never leaves half an entity, half a mention or half a surrogate pair', () => {
  assert.equal(clip(esc('a&b'), 4), 'a…');
  assert.equal(clip('x <@U123>', 6), 'x …');
  assert.equal(clip('ab😀cd', 4), 'ab…');
  assert.equal(clip('short', 10), 'short');
});

test('fuzz: arbitrary certificate and finding strings never break limits or inject markup', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 400 }),
      fc.string({ maxLength: 4000 }),
      fc.integer({ min: 0, max: 80 }),
      (cn, text, n) => {
        const findings = Array.from({ length: n }, (_, i) => finding(`c${i}`, 'critical', i % 4, text));
        const dd = diagnosis({ cn, issuerCn: cn, findings });
        for (const msg of [
          { kind: 'diagnosis', diagnosis: dd, incident: open, actions: incidentActions('inc-1') },
          { kind: 'findings', diagnosis: dd },
          { kind: 'fix_guide', diagnosis: dd, stack: 'nginx' },
        ] as ChatMessage[]) {
          const pages = renderSlack(msg);
          assertAcceptable(pages);
          assertNoMarkupInjection(pages);
          if (msg.kind === 'diagnosis') assert.equal(pages.length, 1);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('parent stays one message with its buttons even with a worst-case CN and summary', () => {
  const huge = '<&>'.repeat(3000);
  const dd = diagnosis({ cn: huge, issuerCn: huge, findings: [finding('cert_expired', 'critical', 0, huge)] });
  const pages = renderSlack({ kind: 'diagnosis', diagnosis: dd, incident: open, actions: incidentActions('inc-1') });
  assert.equal(pages.length, 1);
  assertAcceptable(pages);
  assert.ok(pages[0].blocks.some((b) => b.type === 'actions'));
});
