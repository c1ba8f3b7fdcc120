/**
 * The first step of a one-shot `cert-doctor check TARGET` (issue 12), run by bin/cert-doctor.cjs from its own
 * small bundle (dist/cli-preconnect.cjs) before the program (dist/cli-bundle.cjs, ~20-40 ms to load) is loaded:
 * it opens the main handshake's TCP connection (then the protocol scan's), so the connect round trip overlaps
 * with that load instead of following it. The probe takes the connections and the DNS answer
 * (src/probe/preconnect.ts).
 *
 * It connects only where the check itself would, and only once the check could not fail on its input: the
 * same option parser, target parser, allow-list and address policy (public addresses plus --allow /
 * CERT_DOCTOR_ALLOW), the first address the probe would try (resolve.ts probeAddresses), and the --ca /
 * CERT_DOCTOR_CA bundles read and parsed as the check parses them (a broken one is reported by the check,
 * and nothing has connected; a bundle that parsed in an earlier run is not parsed again, src/cli-ca-memo.ts).
 * Anything unexpected, or a lookup slower than `waitMs`, and it does nothing: the check then resolves,
 * connects and reports exactly as before. Never throws.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { type CaMemo, parsedBefore, rememberParsed } from './cli-ca-memo.js';
import { allowList, CHECK_OPTIONS, caBundles, httpMode, intOption, ruleOptions } from './cli-inputs.js';
import { createAddressPolicy } from './probe/address-policy.js';
import { warmIsIp } from './probe/isip-warmup.js';
import { EARLY_CONNECTIONS, offerAnswers, offerConnection, offerValidCa } from './probe/preconnect.js';
import { lookupNow, probeAddresses, resolveTarget } from './probe/resolve.js';
import { parseTarget } from './probe/target.js';
import { trace } from './trace.js';

/**
 * How long the launcher waits for the DNS answer, once everything else is ready, before loading the program
 * anyway (about that load's time). Only the wait counts: under CPU load the parsing takes longer, and a
 * patience that counted it gave up on lookups that had long answered.
 */
export const PRECONNECT_WAIT_MS = 25;

export async function preconnect(
  args: string[],
  env: NodeJS.ProcessEnv,
  waitMs: number = PRECONNECT_WAIT_MS,
  caMemo: CaMemo | null = null,
): Promise<void> {
  try {
    const plan = await connectPlan(args, env, waitMs, caMemo);
    if (plan === null) return;
    // the main handshake's connection first, then the protocol scan's (preconnect.ts EARLY_CONNECTIONS); net.connect
    // sends its SYN from a nextTick: the main one leaves before the others are made, all before the program loads
    const connect = () =>
      offerConnection(() => net.connect({ host: plan.address, port: plan.port }), plan.address, plan.port);
    connect();
    await new Promise<void>((resolve) => process.nextTick(resolve));
    for (let i = 1; i < plan.connections; i++) connect();
    trace(`preconnect: connecting ${plan.address} port ${plan.port} (${plan.connections} connections)`);
    // what a run with an already-parsed --ca (or none) saves before its SYN; test/preconnect.test.ts reads it
    const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
    trace(`preconnect: node:crypto ${loaded.includes('NativeModule crypto') ? '' : 'not '}loaded`);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    // the SYNs are out: now the bundles that parsed are written down for the next run
    rememberParsed(caMemo, plan.parsed);
  } catch {
    // an optimisation only: the check meets whatever this met, and reports it
  }
}

/** The answers, or null when they take longer than `waitMs` (a late answer still reaches the check). */
async function within<T>(answers: Promise<T>, waitMs: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
  });
  try {
    return await Promise.race([answers, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where the check's main handshake will connect, or null when the check would do otherwise (or fail). */
async function connectPlan(
  args: string[],
  env: NodeJS.ProcessEnv,
  waitMs: number,
  caMemo: CaMemo | null,
): Promise<{ address: string; port: number; connections: number; parsed: string[] } | null> {
  if (args[0] !== 'check') return null;
  const { values, positionals } = parseArgs({
    args: args.slice(1),
    options: CHECK_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help || values.targets !== undefined || positionals.length !== 1) return null;
  // every option the check validates, validated: a usage error must not follow a connect
  intOption('--timeout', values.timeout, 100, 300_000);
  ruleOptions(values['warn-days'], values['crit-days']);
  httpMode(values.http, values['no-http']);
  // the process's first isIP (parseTarget's, then the lookup's) with V8's regexp tier-up off (isip-warmup.ts)
  warmIsIp();
  const target = parseTarget(positionals[0]!);
  // STARTTLS servers may speak first (an SMTP banner): only targets where the client's ClientHello opens
  if (target.protocol !== 'https' && target.protocol !== 'tls') return null;
  // The lookup starts first (it waits on the resolver; the rest uses the CPU meanwhile). The connect waits for
  // the allow-list and the CA bundles too, so a bad --allow or a broken --ca is the check's one-line error,
  // with nothing connected.
  const answers = target.ipVersion === null ? lookupNow(target.host) : null;
  if (answers !== null) offerAnswers(target.host, answers);
  const policy = createAddressPolicy(await allowList(values.allow ?? [], env));
  const bundles = await caBundles(values.ca ?? [], env);
  // the check's own validation (trust.ts loadTrustStore parses each extra bundle with it), unless these very
  // bundles passed it in an earlier run: node:crypto and OpenSSL are then not loaded before the SYN
  const known = parsedBefore(caMemo, bundles);
  trace(`preconnect: --ca ${bundles.length === 0 ? 'none' : known ? 'parsed in an earlier run' : 'parsing'}`);
  if (!known) {
    const { customAnchors } = await import('./probe/trust-anchors.js');
    bundles.forEach(customAnchors);
  }
  offerValidCa(bundles);
  // a lookup still under way after all that: the check takes its answer when it comes, and connects itself
  if (answers !== null && (await within(answers, waitMs)) === null) return null;
  const resolution = await resolveTarget(target, {
    policy,
    timeoutMs: 10_000,
    lookup: answers === null ? undefined : () => answers,
  });
  if (resolution.status !== 'completed') return null;
  const first = probeAddresses(resolution.result, 1)[0];
  if (first === undefined) return null;
  return { address: first.address, port: target.port, connections: EARLY_CONNECTIONS, parsed: known ? [] : bundles };
}
