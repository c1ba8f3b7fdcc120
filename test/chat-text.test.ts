import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incidentActions } from '../src/chat/port.js';
import { renderChatText } from '../src/render/chat-text.js';
import type { Fix } from '../src/rules/types.js';
import { diagnosisWith, finding } from './support/diagnosis.js';

const fix = (stack: string, audience: Fix['audience'] = 'server'): Fix => ({
  audience,
  stack,
  title: `t-${stack}`,
  steps: ['s'],
});

const expired = { ...finding('cert_expired'), fixes: [fix('python', 'client'), fix('apache'), fix('nginx')] };
const d = { ...diagnosisWith([expired, finding('hsts_missing', 'info')]), serverStack: 'nginx' };
const incident = { id: '7', status: 'open' as const, requestedBy: 'U1' };

test('every view-model kind renders, finding codes verbatim', () => {
  const cases: [Parameters<typeof renderChatText>[0], RegExp[]][] = [
    [{ kind: 'progress', target: d.target, phase: 'handshake' }, [/Checking example\.test:443/]],
    [
      { kind: 'diagnosis', diagnosis: d, incident, actions: incidentActions('7') },
      [/CRITICAL .*\[cert_expired\]/, /Incident #7 open/],
    ],
    [{ kind: 'findings', diagnosis: d }, [/\[cert_expired\]/, /\[hsts_missing\]/]],
    [
      {
        kind: 'delta',
        fixed: ['chain_incomplete'],
        still: ['cert_expired'],
        appeared: [],
        diagnosis: d,
        incident,
        by: 'U2',
      },
      [/fixed: chain_incomplete/, /still: cert_expired/, /new: —/],
    ],
    [{ kind: 'fix_guide', diagnosis: d, stack: 'nginx' }, [/server: nginx/]],
    [{ kind: 'chain', diagnosis: d }, [/No handshake completed/]],
    [
      {
        kind: 'help',
        commands: [{ name: 'check', usage: '/cert check T', summary: 's', examples: ['/cert check a'] }],
      },
      [/\/cert check T/],
    ],
    [
      { kind: 'notice', level: 'error', code: 'rate_limited', text: 'wait', retryAfterSec: 3 },
      [/^error \[rate_limited\]: wait$/],
    ],
  ];
  for (const [msg, patterns] of cases) {
    const text = renderChatText(msg).join('\n');
    for (const re of patterns) assert.match(text, re, msg.kind);
  }
});

test('actions are numbered only when asked; a resolved incident names who and when', () => {
  const resolved = {
    ...incident,
    status: 'resolved' as const,
    resolvedBy: 'U2',
    resolvedAt: '2026-03-01T12:00:00.000Z',
  };
  const msg = { kind: 'diagnosis' as const, diagnosis: d, incident: resolved, actions: incidentActions('7') };
  assert.match(
    renderChatText(msg, { numberActions: true }).join('\n'),
    /\[1\] Re-check {2}\[2\] Fix guide {2}\[3\] Show chain/,
  );
  assert.match(renderChatText(msg).join('\n'), /\[Re-check\] {2}\[Fix guide\]/);
  assert.match(renderChatText(msg).join('\n'), /resolved by U2 at 2026-03-01 12:00 UTC/);
});

test('fix guide: the detected stack first, other servers next, client workarounds last', () => {
  const text = renderChatText({ kind: 'fix_guide', diagnosis: d, stack: 'nginx' }).join('\n');
  const at = (s: string) => text.indexOf(s);
  assert.ok(at('t-nginx') < at('t-apache') && at('t-apache') < at('t-python'), text);
});

test('text from certificates and users cannot inject terminal controls or break lines', () => {
  const hostile = {
    ...finding('hostname_mismatch'),
    summary: 'CN \u001b[2J\u001b]0;pwned\u0007 \u202eevil\nsecond line \u009b31m',
  };
  const lines = renderChatText({ kind: 'findings', diagnosis: diagnosisWith([hostile]) });
  assert.equal(lines.length, 2);
  for (const l of lines) assert.doesNotMatch(l, /[\u0000-\u001f\u007f-\u009f\u202e]/);
  assert.match(lines[1]!, /\\x1b\[2J.*\\x07.*\\u\{202e\}evil\\nsecond line \\x9b31m/);
});
