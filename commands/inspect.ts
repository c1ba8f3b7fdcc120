/**
 * `/cert inspect` (issue 9 item 5): a pasted PEM in the command text, a certificate file shared with a
 * mention of the bot (Slack), or a local path (the shell bot). The diagnosis is posted like a check's,
 * with the per-certificate chain view in its thread. A pasted or uploaded private key is never stored,
 * parsed further or echoed: the requester alone is told to treat it as leaked.
 */
import type { CommandContext, CommandHelp, SharedFile } from '../src/chat/port.js';
import { errorNotice, refusalNotice } from '../src/chat/views.js';
import { messageOf } from './check.js';

export const definition: CommandHelp = {
  name: 'inspect',
  usage: '/cert inspect PASTED-PEM (or share a .pem/.crt/.der/.p7b file and mention the bot with "inspect")',
  summary: 'Diagnose a certificate or chain file before deploying it: order, missing intermediates, path validation.',
  examples: ['/cert inspect -----BEGIN CERTIFICATE----- MIID… -----END CERTIFICATE-----'],
};

/** Any PEM private key block, encrypted or not (RFC 7468 §10–11, OpenSSL's legacy labels). */
export const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

export const KEY_LEAKED =
  'That contained a private key. Treat it as leaked: anyone who saw the message or file has it. Create a new key, have the certificate reissued, and revoke the old one. cert-doctor did not store or repeat it.';

/** Files above this are refused before download (a chain file is a few KB). */
export const MAX_SHARED_FILE_BYTES = 256 * 1024;

export async function runInspect(ctx: CommandContext, args: string): Promise<void> {
  const inspect = ctx.core.inspect;
  if (!inspect) {
    await ctx.port.ephemeral(errorNotice('bad_input', 'inspect is not available in this deployment.'));
    return;
  }
  const inputs = await gather(ctx, args);
  if (inputs === null) return;
  const grant = ctx.limits.acquire(ctx.userId);
  if (!grant.ok) {
    await ctx.port.ephemeral(refusalNotice(grant));
    return;
  }
  let diagnosis: Awaited<ReturnType<typeof inspect>>['diagnosis'];
  try {
    const extraCaPem = ctx.core.checkDefaults?.extraCaPem ?? [];
    diagnosis = (await inspect(inputs, { now: ctx.clock(), extraCaPem })).diagnosis;
  } catch (err) {
    await ctx.port.ephemeral(errorNotice('bad_input', messageOf(err).split('\n')[0]!));
    return;
  } finally {
    grant.release();
  }
  const incident = { id: '', status: 'open' as const, requestedBy: ctx.userId };
  const ref = await ctx.port.post({ kind: 'diagnosis', diagnosis, incident, actions: [] });
  if (diagnosis.findings.length > 0) await ctx.port.reply(ref, { kind: 'findings', diagnosis });
  await ctx.port.reply(ref, { kind: 'chain', diagnosis });
}

/** The inputs to inspect, or null after telling the requester why there are none (or that a key leaked). */
async function gather(ctx: CommandContext, args: string): Promise<{ name: string; bytes: Uint8Array }[] | null> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  if (PRIVATE_KEY.test(args)) return leaked(ctx);
  if (args.includes('-----BEGIN')) out.push({ name: 'pasted text', bytes: Buffer.from(unwrapSlack(args), 'latin1') });
  else if (args !== '' && ctx.core.readLocalFile) {
    for (const path of args.split(/\s+/)) {
      try {
        out.push({ name: path, bytes: await ctx.core.readLocalFile(path) });
      } catch (err) {
        await ctx.port.ephemeral(errorNotice('bad_input', messageOf(err).split('\n')[0]!));
        return null;
      }
    }
  }
  for (const file of ctx.files ?? []) {
    const got = await download(ctx, file);
    if (got === null) return null;
    if (PRIVATE_KEY.test(Buffer.from(got).toString('latin1'))) return leaked(ctx);
    out.push({ name: file.name, bytes: got });
  }
  if (out.length === 0) {
    await ctx.port.ephemeral(errorNotice('bad_input', `Nothing to inspect. Usage: ${definition.usage}`));
    return null;
  }
  return out;
}

async function leaked(ctx: CommandContext): Promise<null> {
  await ctx.port.ephemeral(errorNotice('bad_input', KEY_LEAKED));
  return null;
}

async function download(ctx: CommandContext, file: SharedFile): Promise<Uint8Array | null> {
  if (file.size > MAX_SHARED_FILE_BYTES) {
    await ctx.port.ephemeral(
      errorNotice(
        'bad_input',
        `${JSON.stringify(file.name)} is ${file.size} bytes; inspect reads files up to ${MAX_SHARED_FILE_BYTES} bytes.`,
      ),
    );
    return null;
  }
  try {
    return await file.download(MAX_SHARED_FILE_BYTES);
  } catch (err) {
    await ctx.port.ephemeral(
      errorNotice('bad_input', `Could not download ${JSON.stringify(file.name)}: ${messageOf(err)}`),
    );
    return null;
  }
}

/** Slack escapes &, < and > in command text and may turn line breaks into spaces; PEM base64 survives either. */
function unwrapSlack(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/-----(BEGIN|END) ([A-Z0-9 ]+)-----/g, '\n-----$1 $2-----\n');
}
