/**
 * `/metrics` (Prometheus text format, prom-client) for people who already alert with Prometheus: per
 * watched endpoint and address, seconds until expiry, the verdict and the last check time. Values are
 * read from the store at scrape time, so a scrape never shows a state the database does not hold.
 */
import { Gauge, Registry } from 'prom-client';
import type { Verdict } from '../rules/types.js';
import type { WatchContext } from '../store/types.js';

const VERDICTS: Verdict[] = ['ok', 'warning', 'critical', 'unknown'];

export interface MetricsEndpoint {
  contentType: string;
  render(): Promise<string>;
}

export function watchMetrics(
  watch: Pick<WatchContext, 'subscriptions' | 'observations'>,
  clock: () => Date,
): MetricsEndpoint {
  const registry = new Registry();
  const labels = ['channel', 'target', 'address'] as const;
  const expiry = new Gauge({
    name: 'cert_doctor_certificate_expiry_seconds',
    help: 'Seconds until the certificate served at this address expires (negative once expired).',
    labelNames: labels,
    registers: [registry],
  });
  const verdict = new Gauge({
    name: 'cert_doctor_endpoint_verdict',
    help: 'The latest verdict for this address: 1 for the current verdict label, 0 for the others.',
    labelNames: [...labels, 'verdict'],
    registers: [registry],
  });
  const checked = new Gauge({
    name: 'cert_doctor_last_check_timestamp_seconds',
    help: 'When the watched endpoint was last checked (Unix time).',
    labelNames: ['channel', 'target'],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'cert_doctor_endpoint_paused',
    help: '1 when reminders for this endpoint are paused (bot removed, channel archived).',
    labelNames: ['channel', 'target'],
    registers: [registry],
  });
  // One collect fills all four from one read of the store.
  const collect = async () => {
    for (const g of [expiry, verdict, checked, paused]) g.reset();
    const subs = await watch.subscriptions.all();
    const latest = await watch.observations.latest(subs.map((s) => s.id));
    const now = clock().getTime();
    for (const s of subs) {
      paused.set({ channel: s.channel, target: s.target }, s.pausedReason ? 1 : 0);
      const obs = latest.get(s.id);
      if (!obs) continue;
      checked.set({ channel: s.channel, target: s.target }, obs.at.getTime() / 1000);
      for (const e of obs.endpoints) {
        const l = { channel: s.channel, target: s.target, address: e.address };
        if (e.leaf) expiry.set(l, (Date.parse(e.leaf.notAfter) - now) / 1000);
        for (const v of VERDICTS) verdict.set({ ...l, verdict: v }, e.verdict === v ? 1 : 0);
      }
    }
  };
  return {
    contentType: registry.contentType,
    render: async () => {
      await collect();
      return registry.metrics();
    },
  };
}
