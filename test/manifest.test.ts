import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { App } from '@slack/bolt';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ACTION_IDS as PORT_ACTION_IDS, type SlackAppDeps } from '../src/chat/port.js';
import { InFlight, registerListeners } from '../src/chat/slack/listeners.js';
import { ACTION_IDS, BOT_EVENTS, BOT_SCOPES, SLASH_COMMAND, WEB_API_SCOPES } from '../src/chat/slack/registry.js';
import { createLogger } from '../src/log.js';

const root = new URL('../', import.meta.url);
/** Slack's published schema is third-party data: read from ../shared beside the checkout, never copied in. */
const schemaDir = new URL('../shared/slack-manifest-schema/', root);
const schemaSkip = existsSync(new URL('manifest.schema.json', schemaDir))
  ? false
  : `Slack's manifest schema is not at ${schemaDir.pathname} (../shared is absent beside the checkout)`;
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, schemaDir), 'utf8'));

interface Manifest {
  display_information: { name: string };
  features: {
    app_home?: { home_tab_enabled?: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; usage_hint?: string; should_escape?: boolean; url?: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
    org_deploy_enabled: boolean;
  };
}

const manifest = parse(readFileSync(new URL('manifest.yml', root), 'utf8')) as Manifest;

/** The dispatcher schema is draft-07 and refers to the versioned files by their published URL. */
function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  const base = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';
  ajv.addSchema(readJson('manifest.schema.1.0.0.json'), `${base}manifest.schema.1.0.0.json`);
  ajv.addSchema(readJson('manifest.schema.2.0.0.json'), `${base}manifest.schema.2.0.0.json`);
  return ajv.compile(readJson('manifest.schema.json'));
}

test("manifest.yml validates against Slack's manifest schema", { skip: schemaSkip }, () => {
  const validate = validator();
  const ok = validate(manifest);
  assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
});

test('the schema really rejects a broken manifest (the validator is not vacuous)', { skip: schemaSkip }, () => {
  const validate = validator();
  const broken = structuredClone(manifest) as unknown as Record<string, Record<string, unknown>>;
  broken.settings.socket_mode_enabeld = true;
  assert.equal(validate(broken), false);
  const badCommand = structuredClone(manifest);
  badCommand.features.slash_commands[0].command = 'cert';
  assert.equal(validate(badCommand), false);
});

test('manifest and registry agree: command, events, scopes, interactivity', () => {
  assert.deepEqual(
    manifest.features.slash_commands.map((c) => c.command),
    [SLASH_COMMAND],
  );
  assert.deepEqual([...manifest.settings.event_subscriptions.bot_events].sort(), [...BOT_EVENTS].sort());
  assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [...BOT_SCOPES].sort());
  for (const [method, scope] of Object.entries(WEB_API_SCOPES)) {
    if (scope) assert.ok(manifest.oauth_config.scopes.bot.includes(scope), `${method} needs ${scope}`);
  }
  assert.equal(manifest.settings.interactivity.is_enabled, ACTION_IDS.length > 0);
  // App Home is published on app_home_opened: the tab is on exactly when that event is handled
  assert.equal(
    manifest.features.app_home?.home_tab_enabled === true,
    (BOT_EVENTS as readonly string[]).includes('app_home_opened'),
  );
});

test('manifest: Socket Mode by default, no org deploy, /cert has a usage hint and escaping on', () => {
  assert.equal(manifest.settings.socket_mode_enabled, true);
  assert.equal(manifest.settings.org_deploy_enabled, false);
  const cert = manifest.features.slash_commands[0];
  assert.ok(cert.usage_hint && cert.usage_hint.length > 0);
  assert.equal(cert.should_escape, true);
  // Socket Mode apps must not carry request URLs (Slack ignores them and they mislead self-hosters).
  assert.equal(cert.url, undefined);
  assert.equal(manifest.settings.event_subscriptions.request_url, undefined);
  assert.equal(manifest.display_information.name, 'cert-doctor');
});

test('the listeners app.ts registers are exactly the manifest command, events and action ids', () => {
  const seen = { commands: [] as string[], events: [] as string[], actions: [] as string[], middleware: 0 };
  const recorder = {
    use: () => {
      seen.middleware += 1;
    },
    command: (name: string) => seen.commands.push(name),
    event: (name: string) => seen.events.push(name),
    action: (c: { action_id: string; type: string }) => {
      assert.equal(c.type, 'block_actions');
      seen.actions.push(c.action_id);
    },
  };
  const deps = { log: createLogger({ level: 'silent' }) } as unknown as SlackAppDeps;
  registerListeners(recorder as unknown as App, deps, new InFlight());
  assert.deepEqual(
    seen.commands,
    manifest.features.slash_commands.map((c) => c.command),
  );
  assert.deepEqual(seen.events.sort(), [...manifest.settings.event_subscriptions.bot_events].sort());
  assert.deepEqual(seen.actions.sort(), [...PORT_ACTION_IDS].sort());
  assert.equal(seen.middleware, 1, 'the event_id dedup middleware');
  assert.equal(manifest.settings.interactivity.is_enabled, seen.actions.length > 0);
});
