import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { quote } from './errors.js';
import { takeAnswers } from './preconnect.js';
import type { Attempt, ResolvedAddress, Target } from './types.js';

/**
 * Resolve a target once and judge every address with the address policy. Callers connect to the
 * addresses returned here and never look the name up again (DNS rebinding, DESIGN.md "Safety").
 */

export type LookupFn = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export interface ResolveOptions {
  policy: AddressPolicy;
  timeoutMs: number;
  /** injected for tests; defaults to the system resolver (getaddrinfo: honours /etc/hosts, nsswitch) */
  lookup?: LookupFn;
}

/**
 * `verbatim` keeps getaddrinfo's order, which already applies the RFC 6724 destination-address sort. A one-shot
 * CLI check may have started this very lookup before the program loaded (preconnect.ts): its answer, once.
 */
export const systemLookup: LookupFn = (host) => takeAnswers(host) ?? lookupNow(host);

export async function lookupNow(host: string): Promise<{ address: string; family: 4 | 6 }[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/** getaddrinfo and c-ares codes that mean "the name has no address", as opposed to "DNS failed". */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NXDOMAIN']);

type Failure = Extract<Attempt<never>, { status: 'error' }>;

class LookupTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(() => rejectTimeout(new LookupTimeout()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function failure(host: string, err: unknown, timeoutMs: number): Failure {
  if (err instanceof LookupTimeout) {
    return {
      status: 'error',
      code: 'dns_failed',
      error: `DNS lookup for ${quote(host)} did not answer within ${timeoutMs} ms`,
    };
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : null;
  if (code !== null && NOT_FOUND_CODES.has(code)) {
    return { status: 'error', code: 'dns_not_found', error: `DNS has no address for ${quote(host)} (${code})` };
  }
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return { status: 'error', code: 'dns_failed', error: `DNS lookup for ${quote(host)} failed: ${detail}` };
}

function judge(policy: AddressPolicy, address: string, family: 4 | 6): ResolvedAddress {
  const verdict = policy.check(address);
  return { address, family, allowed: verdict.allowed, blockedBy: verdict.blockedBy };
}

function dedupe(answers: { address: string; family: number }[]): { address: string; family: 4 | 6 }[] {
  const seen = new Set<string>();
  const out: { address: string; family: 4 | 6 }[] = [];
  for (const { address } of answers) {
    const family = isIP(address);
    const key = address.toLowerCase();
    if (family === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push({ address: key, family: family as 4 | 6 });
  }
  return out;
}

/** Resolve `target.host` (IP literals are not looked up). Never throws; failures come back as the Attempt. */
export async function resolveTarget(target: Target, opts: ResolveOptions): Promise<Attempt<ResolvedAddress[]>> {
  if (target.ipVersion !== null) {
    return { status: 'completed', result: [judge(opts.policy, target.host, target.ipVersion)] };
  }
  const lookup = opts.lookup ?? systemLookup;
  let answers: { address: string; family: 4 | 6 }[];
  try {
    answers = dedupe(
      await withTimeout(
        Promise.resolve().then(() => lookup(target.host)),
        opts.timeoutMs,
      ),
    );
  } catch (err) {
    return failure(target.host, err, opts.timeoutMs);
  }
  if (answers.length === 0) {
    return { status: 'error', code: 'dns_not_found', error: `DNS has no address for ${quote(target.host)}` };
  }
  return { status: 'completed', result: answers.map((a) => judge(opts.policy, a.address, a.family)) };
}

/**
 * The allowed addresses to probe, at most `max`, families interleaved as in Happy Eyeballs
 * (RFC 8305 §4), starting with the family the resolver put first (its RFC 6724 preference).
 */
export function probeAddresses(resolved: ResolvedAddress[], max = 8): ResolvedAddress[] {
  const allowed = resolved.filter((r) => r.allowed);
  const first = allowed[0]?.family ?? 6;
  const queues = {
    first: allowed.filter((r) => r.family === first),
    other: allowed.filter((r) => r.family !== first),
  };
  const out: ResolvedAddress[] = [];
  for (let i = 0; out.length < max && i < allowed.length; i++) {
    const a = queues.first[i];
    const b = queues.other[i];
    if (a) out.push(a);
    if (b && out.length < max) out.push(b);
  }
  return out;
}

/**
 * The `address_blocked` failure when the policy refused every address, naming each refused range;
 * null when at least one address may be probed.
 */
export function blockedFailure(target: Target, resolved: ResolvedAddress[]): Failure | null {
  if (resolved.length === 0 || resolved.some((r) => r.allowed)) return null;
  const refused = resolved.map((r) => `${r.address} is in ${r.blockedBy}`).join('; ');
  return {
    status: 'error',
    code: 'address_blocked',
    error: `the address policy refuses every address of ${quote(target.host)}: ${refused}; allow a range with --allow or CERT_DOCTOR_ALLOW`,
  };
}
