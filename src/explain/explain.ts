import type { ClientStack } from '../fixes/catalogue/index.js';
import { parseTarget } from '../probe/target.js';
import type { Target } from '../probe/types.js';
import type { Diagnosis } from '../rules/types.js';
import { checkFor, faultOf } from './checks.js';
import { fixesFor } from './client-fixes.js';
import { closestGuesses, type Hit, recognise } from './match.js';
import { extractTarget } from './target.js';
import type { ClientView, ExplainMatch, ExplainTarget, Explanation } from './types.js';

export interface ExplainOptions {
  /**
   * runs the live check for "host:port"; absent when the caller checks nothing (--no-check). It may decline with
   * `{ skipped: why }` (a chat user over the rate limit).
   */
  check?: (input: string) => Promise<Diagnosis | { skipped: string }>;
  /** why no check runs when `check` is absent, e.g. "--no-check was given" */
  noCheckReason?: string;
}

/** Pasted logs can be long; the error is near the top or bottom, and 64 KiB holds any real stack trace. */
export const MAX_INPUT = 64 * 1024;

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
const HAS_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * "Your client says X; the server at host:port does Y; here is the fix." Recognises the client and its error from
 * the catalogue, lists the finding codes it can mean (most likely first, each with why and the check that tells
 * it apart), runs the live check when the text names a host, and joins both. Text that matches nothing gets
 * closest guesses and no causes. Never throws for any input.
 */
export async function explain(raw: string, opts: ExplainOptions = {}): Promise<Explanation> {
  const notes: string[] = [];
  let input = raw.length > MAX_INPUT ? raw.slice(0, MAX_INPUT) : raw;
  if (raw.length > MAX_INPUT) notes.push(`Only the first ${MAX_INPUT / 1024} KiB of the text were read.`);
  if (HAS_PRIVATE_KEY.test(input)) {
    input = input.replace(PRIVATE_KEY, '[private key removed]');
    notes.push(
      'The text contained a private key. Treat it as leaked: replace the key and reissue the certificate. cert-doctor did not keep or repeat it.',
    );
  }
  input = input.trim();
  const rec = recognise(input);
  const client = rec.stack ? clientView(rec.stack, rec.library) : null;
  const target = extractTarget(input);
  const parsed = target ? parseTarget(endpointOf(target)) : null;
  const matches = causesOf(rec.hits, parsed);
  const explanation: Explanation = {
    input,
    client,
    recognised: matches.length > 0,
    matches,
    guesses: matches.length > 0 ? [] : closestGuesses(input, rec.stack),
    target,
    checked: null,
    notes,
    fixes: [],
    diagnosis: null,
  };
  await runCheck(explanation, opts);
  if (client?.quic) notes.unshift(quicNote(explanation));
  joinDiagnosis(explanation);
  const codes = matches.map((m) => m.code);
  explanation.fixes =
    matches.length > 0 ? fixesFor(codes, rec.stack, parsed ?? placeholderTarget(), explanation.diagnosis) : [];
  return explanation;
}

/** Node 20 has no QUIC: say so, and that the same host's TCP TLS endpoint is what was (or can be) checked. */
function quicNote(e: Explanation): string {
  const head = 'Node 20 has no QUIC client, so cert-doctor cannot repeat this HTTP/3 handshake';
  if (e.checked)
    return `${head}: it checked the TCP TLS endpoint ${e.checked} instead, which serves the same certificate in nearly every deployment.`;
  if (e.target)
    return `${head}; the TCP TLS endpoint ${endpointOf(e.target)} serves the same certificate in nearly every deployment, and that is what a check looks at.`;
  return `${head}; a check of the same host's TCP TLS endpoint (port 443) sees the same certificate in nearly every deployment.`;
}

export function endpointOf(t: ExplainTarget): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function clientView(stack: ClientStack, library: { name: string; quic?: boolean } | null): ClientView {
  return {
    key: stack.key,
    label: stack.label,
    library: library?.name ?? null,
    versions: stack.versions,
    quic: stack.quic === true || library?.quic === true,
  };
}

/** Every cause of every matched error, first mention wins (the errors are already most specific first). */
function causesOf(hits: Hit[], target: Target | null): ExplainMatch[] {
  const out: ExplainMatch[] = [];
  for (const { stack, error } of hits) {
    for (const c of error.causes) {
      if (out.some((m) => m.code === c.code)) continue;
      out.push({
        code: c.code,
        why: c.why,
        fault: faultOf(c.code),
        check: checkFor(c.code, target),
        error: { client: stack.key, id: error.id, text: error.text },
        confirmed: null,
      });
    }
  }
  return out;
}

async function runCheck(e: Explanation, opts: ExplainOptions): Promise<void> {
  if (!e.target) {
    if (e.recognised)
      e.notes.push(
        'The text names no host, so nothing was checked: run `cert-doctor check HOST` to see the server side.',
      );
    return;
  }
  const endpoint = endpointOf(e.target);
  if (!opts.check) {
    e.notes.push(
      `Not checked (${opts.noCheckReason ?? 'no check requested'}): \`cert-doctor check ${endpoint}\` shows the server side.`,
    );
    return;
  }
  try {
    const result = await opts.check(endpoint);
    if ('skipped' in result) {
      e.notes.push(`Not checked (${result.skipped}): \`cert-doctor check ${endpoint}\` shows the server side.`);
      return;
    }
    e.diagnosis = result;
    e.checked = endpoint;
  } catch (err) {
    e.notes.push(
      `The check of ${endpoint} failed inside cert-doctor: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Mark which causes the server shows, and say plainly whose side has to change. */
function joinDiagnosis(e: Explanation): void {
  const d = e.diagnosis;
  if (d) {
    const codes = new Set(d.findings.map((f) => f.code));
    for (const m of e.matches) m.confirmed = codes.has(m.code);
  }
  const lead = e.matches.find((m) => m.confirmed) ?? (d ? null : e.matches[0]);
  if (d && e.matches.length > 0 && !lead) {
    const blocked = d.findings.find(
      (f) =>
        f.code === 'address_blocked' ||
        f.code === 'dns_not_found' ||
        f.code === 'connection_refused' ||
        f.code === 'connection_timeout',
    );
    e.notes.push(
      blocked
        ? `The check could not reach the server (${blocked.code}), so none of these causes could be confirmed from here.`
        : `The server at ${e.checked} shows none of these causes from here: the difference is on the client's side (its trust store, a TLS-intercepting proxy, its clock, or the name it connects to).`,
    );
    return;
  }
  if (!lead) return;
  const confirmedText = lead.confirmed ? ` The server at ${e.checked} shows it: [${lead.code}].` : '';
  if (lead.fault === 'server')
    e.notes.push(`The fault is the server's.${confirmedText} Fix it there; changing the client only hides it.`);
  else if (lead.fault === 'client') e.notes.push(`The client has to change: [${lead.code}].${confirmedText}`);
  else
    e.notes.push(
      `Either side can fix [${lead.code}]: the server (a publicly trusted certificate) or the client (trust the right root; verification stays on).${confirmedText}`,
    );
}

function placeholderTarget(): Target {
  return parseTarget('host.example');
}
