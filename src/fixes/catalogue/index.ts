import { apple, chrome, firefox } from './browsers.js';
import { curl, git } from './curl.js';
import { dotnet } from './dotnet.js';
import { docker, go } from './go.js';
import { android, java } from './java.js';
import { node } from './node.js';
import { OPENSSL_SSL_ERRORS, openssl, wrapReasons } from './openssl.js';
import { python } from './python.js';
import { quic } from './quic.js';
import { php, ruby } from './ruby-php.js';
import type { ClientError, ClientStack } from './types.js';

export type { Cause, ClientError, ClientStack, Library } from './types.js';

/**
 * Every client stack, most specific first: when two stacks' markers score the same (Docker prints Go's errors,
 * git prints libcurl's), the earlier one names the client.
 */
export const CATALOGUE: readonly ClientStack[] = [
  quic,
  docker,
  git,
  android,
  php,
  ruby,
  python,
  node,
  java,
  go,
  curl,
  dotnet,
  chrome,
  firefox,
  apple,
  openssl,
];

const expanded = new Map<string, ClientError[]>();

/**
 * A stack's errors in matching order: its own, then (for OpenSSL-based stacks) OpenSSL's verify reasons in this
 * stack's wording, then OpenSSL's TLS-level errors. Fallback errors come last.
 */
export function errorsOf(stack: ClientStack): ClientError[] {
  let list = expanded.get(stack.key);
  if (!list) {
    const shared = stack.openssl ? [...wrapReasons(stack.openssl), ...OPENSSL_SSL_ERRORS] : [];
    // A stack's own wording of a shared error (Python's "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] …") replaces it.
    const own = new Set(stack.errors.map((e) => e.id));
    const all = [...stack.errors, ...shared.filter((e) => !own.has(e.id))];
    list = [...all.filter((e) => !e.fallback), ...all.filter((e) => e.fallback)];
    expanded.set(stack.key, list);
  }
  return list;
}

export function stackOf(key: string): ClientStack {
  const stack = CATALOGUE.find((s) => s.key === key);
  if (!stack) throw new Error(`no client stack ${key}`);
  return stack;
}

/** The text a client prints for one catalogued error: what diagnoses quote (throws on an unknown id: a typo). */
export function say(stackKey: string, id: string): string {
  const error = errorsOf(stackOf(stackKey)).find((e) => e.id === id);
  if (!error) throw new Error(`client catalogue: ${stackKey} has no error ${id}`);
  return error.text;
}
