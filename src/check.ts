import type { Judgement } from './diagnose.js';
import { afterPoll } from './event-loop.js';
import { type AddressPolicy, createAddressPolicy } from './probe/address-policy.js';
import type { AiaCache } from './probe/aia.js';
import { lazyAiaFetcher } from './probe/aia-lazy.js';
import type { HttpMode } from './probe/http-plan.js';
import { probe } from './probe/index.js';
import { type CheckProfile, stepsFor } from './probe/profile.js';
import type { LookupFn } from './probe/resolve.js';
import { parseTarget } from './probe/target.js';
import { loadTrustStore, prepareBuiltinAnchors, type TrustStore } from './probe/trust.js';
import type { ProbeReport } from './probe/types.js';
import type { Diagnosis, RuleOptions } from './rules/types.js';
import { trace } from './trace.js';

/** Phases reported while a check runs, so a chat message can be updated in place. */
export type CheckPhase = 'resolving' | 'resolved' | 'handshake' | 'chain' | 'done';

export interface CheckOptions {
  /** the injected clock; the real one is chosen at entry points only */
  now: () => Date;
  /** overall deadline for the probe, ms (default 10 000) */
  timeoutMs?: number;
  /** CIDRs the address policy lets through in addition to public addresses */
  allow?: string[];
  /** PEM bundles (file contents) of extra trust anchors */
  extraCaPem?: string[];
  /** where those bundles came from (paths), named in fix commands; absent when they were given inline */
  caFiles?: string[];
  ruleOptions?: Partial<RuleOptions>;
  /** resolver override (tests, or a resolver other than the system's); default: the system resolver */
  lookup?: LookupFn;
  /** called as phases complete; errors thrown by it are ignored */
  onPhase?: (phase: CheckPhase, detail: string) => void;
  /**
   * which lane of the worker pool runs it (src/pool): 'interactive' (default, a person waits) or 'sweep'
   * (the scheduler, which gets a bounded share of the threads); ignored by check() itself
   */
  lane?: 'interactive' | 'sweep';
  /** send the HTTP request: 'auto' (HTTPS, ALPN h2/http/1.1, or an unknown port), 'on', 'off' (default auto) */
  http?: HttpMode;
  /** 'sweep' skips the no-SNI handshake and protocol scan except every Nth check of a target (probe/profile.ts) */
  profile?: CheckProfile;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * AIA answers are cached across checks (per process), one cache per address policy: an answer "blocked"
 * under one allow-list must not be replayed under another.
 */
const aiaCaches = new Map<string, AiaCache>();

function aiaCacheFor(allow: readonly string[]): AiaCache {
  const key = allow.join(',');
  let cache = aiaCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    aiaCaches.set(key, cache);
  }
  return cache;
}

/**
 * Address policies are reused across checks with the same allow-list for a few seconds: building one
 * parses the allow entries into BlockLists and reads this machine's interface addresses, ~0.3 ms a check
 * that a sweep pays thousands of times. The lifetime bounds how long a changed interface address goes
 * unnoticed.
 */
const POLICY_LIFETIME_MS = 10_000;
const policies = new Map<string, { policy: AddressPolicy; until: number }>();

function policyFor(allow: readonly string[]): AddressPolicy {
  const key = allow.join(',');
  const now = performance.now();
  const hit = policies.get(key);
  if (hit !== undefined && hit.until > now) return hit.policy;
  const policy = createAddressPolicy([...allow]);
  if (policies.size >= 8) policies.delete(policies.keys().next().value!);
  policies.set(key, { policy, until: now + POLICY_LIFETIME_MS });
  return policy;
}

/**
 * Trust stores are reused across checks with the same extra anchors: parsing the bundles and indexing the
 * built-in roots costs ~1 ms a check, which a sweep of thousands pays for nothing. Anchors are immutable.
 */
const trustStores = new Map<string, TrustStore>();

function trustStoreFor(extraCaPem: string[]): TrustStore {
  const key = extraCaPem.join('\n');
  let store = trustStores.get(key);
  if (store === undefined) {
    store = loadTrustStore({ extraCaPem });
    if (trustStores.size >= 8) trustStores.delete(trustStores.keys().next().value!);
    trustStores.set(key, store);
  }
  return store;
}

type DiagnoseModule = typeof import('./diagnose.js');
let diagnoseModule: Promise<DiagnoseModule> | undefined;

/**
 * The rules, fixes and stack recognition: loaded on a process's first check, while its probe waits on the
 * network, instead of before the probe starts (issue 12: a CLI check compiles them during the handshake).
 */
export function loadDiagnose(): Promise<DiagnoseModule> {
  diagnoseModule ??= import('./diagnose.js');
  return diagnoseModule;
}

/**
 * For a thread that imported the module with its entry (the pool's workers: a thread serves many checks,
 * so its first one need not wait for the load; and under tsx a worker's dynamic imports are not compiled).
 */
export function useLoadedDiagnose(loaded: DiagnoseModule): void {
  diagnoseModule ??= Promise.resolve(loaded);
}

/**
 * Parse the target (throws InputError, one line quoting the input), probe it, run every rule, attach
 * fixes. Never throws for anything the server does: hostile servers become findings.
 */
export async function check(input: string, opts: CheckOptions): Promise<Diagnosis> {
  const { report, now, rules } = await probeFor(input, opts);
  const diagnosis = rules.diagnose(report, { now, ruleOptions: opts.ruleOptions, caFiles: opts.caFiles });
  trace('check: rules done');
  notify(opts, 'done', diagnosis.verdict);
  return diagnosis;
}

/**
 * check() up to the rules' verdict, without clients, fixes or stack recognition (diagnose.ts judge): for a
 * caller that stores what the rules found and never shows it (the sweep). Same findings, same verdict.
 */
export async function checkJudged(input: string, opts: CheckOptions): Promise<{ report: ProbeReport } & Judgement> {
  const { report, now, rules } = await probeFor(input, opts);
  const judgement = rules.judge(report, { now, ruleOptions: opts.ruleOptions });
  trace('check: rules done');
  notify(opts, 'done', judgement.verdict);
  return { report, ...judgement };
}

async function probeFor(
  input: string,
  opts: CheckOptions,
): Promise<{ report: ProbeReport; now: Date; rules: DiagnoseModule }> {
  trace('check: starts');
  const target = parseTarget(input);
  const policy = policyFor(opts.allow ?? []);
  const trust = trustStoreFor(opts.extraCaPem ?? []);
  trace('check: trust store ready');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchAia = lazyAiaFetcher({
    policy,
    timeoutMs: Math.min(5_000, timeoutMs),
    deadlineAt: Date.now() + timeoutMs,
    cache: aiaCacheFor(policy.allow),
  });
  const now = opts.now();
  notify(opts, 'resolving', target.host);
  let rules: Promise<DiagnoseModule> | undefined;
  const probing = probe(target, {
    now,
    timeoutMs,
    policy,
    trust,
    fetchAia,
    lookup: opts.lookup,
    onPhase: (phase, detail) => {
      // Once the addresses are known the main handshake's connection opens at once; compiling the rules and
      // indexing the trust anchors then fill the wait for the server, not the way to the first connect: they
      // start once its SYN and ClientHello are out (afterPoll: a continuation here would run ahead of both).
      if (phase === 'resolved') {
        // two polls: the probe's other connections (no-SNI, scan) open first, after one (address-probe.ts)
        const later = afterPoll().then(afterPoll);
        rules ??= later.then(loadDiagnose);
        void later.then(() => prepareBuiltinAnchors()).catch(() => undefined);
      }
      opts.onPhase?.(phase, detail);
    },
    http: opts.http,
    steps: {
      ...stepsFor(opts.profile ?? 'full', `${target.protocol}://${target.host}:${target.port}`),
      // a sweep's full checks too: their no-SNI handshake needs no connection afterwards (issue 8)
      ...(opts.lane === 'sweep' ? { flightRead: true } : {}),
    },
  });
  const report = await probing;
  trace('check: probe done');
  return { report, now, rules: await (rules ?? loadDiagnose()) };
}

function notify(opts: CheckOptions, phase: CheckPhase, detail: string): void {
  try {
    opts.onPhase?.(phase, detail);
  } catch {
    // progress callbacks never break a check
  }
}
