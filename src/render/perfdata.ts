/**
 * Nagios/Icinga performance data for the terminal output, as check_ssl_cert prints it: `label=value;warn;crit`
 * after a `|` on the first line (Nagios plugin guidelines, "Performance data"). One value per certificate that
 * matters: the leaf each address serves (`days_left` is the soonest of them, so one threshold alerts on the
 * worst backend) and every chain certificate the server sends (`days_chain_elem<i>`, i as in the built chain);
 * trust-store anchors are left out (clients do not check an anchor's expiry).
 */
import type { CertInfo } from '../probe/types.js';
import { observed } from '../rules/lib/observed.js';
import type { Diagnosis } from '../rules/types.js';
import { daysLeft } from './format.js';

export interface Thresholds {
  warnDays: number;
  critDays: number;
}

/** `days_left=79;30;7 days_chain_elem1=1200;30;7`; '' when no certificate was seen. */
export function perfData(d: Diagnosis, t: Thresholds, prefix = ''): string {
  const now = new Date(d.checkedAt);
  const value = (label: string, cert: CertInfo) =>
    `${perfLabel(prefix + label)}=${daysLeft(cert.notAfter, now)};${t.warnDays};${t.critDays}`;
  const served = d.report.endpoints.flatMap((ep) => {
    const leaf = observed(ep.handshake)?.sentChain[0];
    return leaf && !('malformed' in leaf) ? [{ address: ep.address, leaf }] : [];
  });
  if (served.length === 0) return '';
  const soonest = served.reduce((a, b) => (Date.parse(b.leaf.notAfter) < Date.parse(a.leaf.notAfter) ? b : a));
  const out = [value('days_left', soonest.leaf)];
  if (d.report.endpoints.length > 1) for (const s of served) out.push(value(`days_left_${s.address}`, s.leaf));
  const chain = d.report.endpoints[0]?.chain;
  if (chain?.status === 'completed') {
    chain.result.built.forEach((cert, i) => {
      if (i > 0 && chain.result.sources[i] !== 'trust_store') out.push(value(`days_chain_elem${i}`, cert));
    });
  }
  return out.join(' ');
}

/** Labels with anything but letters, digits, `_`, `.`, `-` and `:` are single-quoted; `'` and `=` are dropped. */
function perfLabel(label: string): string {
  const clean = label.replace(/['=]/g, '');
  return /^[A-Za-z0-9_.:-]+$/.test(clean) ? clean : `'${clean}'`;
}
