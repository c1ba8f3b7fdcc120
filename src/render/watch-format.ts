/**
 * Words for reminders and watched endpoints, shared by the Slack and terminal renderers. Pure; values
 * from certificates and users are returned raw (each renderer escapes for its medium).
 */
import type { HistoryChange, WatchRow } from '../chat/port.js';
import type { ReminderFacts } from '../store/types.js';
import { formatDate, relativeTime } from './format.js';

export interface ReminderWords {
  /** one line: what happened to which target */
  headline: string;
  /** detail lines */
  lines: string[];
}

const when = (iso: string | undefined) => (iso ? formatDate(iso) : 'an unknown date');
const days = (n: number | undefined) => (n === undefined ? '?' : `${n} day${Math.abs(n) === 1 ? '' : 's'}`);
/** daysLeft is floored: -1 means expired less than a day ago. */
const ago = (left: number | undefined) => (left === undefined || left >= -1 ? '' : ` ${days(-left - 1)} ago`);
const codeList = (codes: string[] | undefined) => (codes ?? []).map((c) => `\`${c}\``).join(', ');

export function reminderWords(f: ReminderFacts): ReminderWords {
  const fp = f.fingerprint ? [`certificate sha256 ${f.fingerprint.slice(0, 16)}…`] : [];
  switch (f.kind) {
    case 'threshold': {
      const lines = [`notAfter ${when(f.notAfter)}`, ...fp];
      if ((f.thresholds?.length ?? 0) > 1)
        lines.push(`thresholds crossed while no reminder went out: ${f.thresholds!.join(', ')} days`);
      if (f.lifetimeDays !== undefined) {
        lines.push(`a ${f.lifetimeDays}-day certificate: reminders come at fractions of its lifetime`);
      }
      if (f.renewalStuck) {
        lines.push('past 2/3 of its lifetime and no newer certificate is served: automatic renewal looks stuck');
      }
      return { headline: `⏳ ${f.target}: the certificate expires in ${days(f.daysLeft)}`, lines };
    }
    case 'expired':
      return {
        headline: `🚨 ${f.target}: the certificate served has expired${ago(f.daysLeft)} — clients refuse it`,
        lines: [`notAfter ${when(f.notAfter)}`, ...fp, 'renew and deploy it, then reload the server'],
      };
    case 'stuck':
      return {
        headline: `⚠️ ${f.target}: renewal looks stuck — past 2/3 of the lifetime and no newer certificate served`,
        lines: [
          `expires in ${days(f.daysLeft)} (notAfter ${when(f.notAfter)})`,
          ...fp,
          'ACME clients renew with 1/3 of the lifetime left: check the renewal job and its logs',
        ],
      };
    case 'renewed':
      return {
        headline: `✅ ${f.target}: renewed — every address serves the new certificate`,
        lines: [
          `expiry ${when(f.notAfter)} → ${when(f.newNotAfter)}`,
          'expiry reminders start over for the new certificate',
        ],
      };
    case 'partial_renewal': {
      const old = f.oldAddresses ?? [];
      return {
        headline: `🔁 ${f.target}: ${old.length} of ${f.addressCount ?? '?'} addresses still serve the old certificate`,
        lines: [
          `old (notAfter ${when(f.notAfter)}): ${old.join(', ')}`,
          `new (notAfter ${when(f.newNotAfter)}) on the others: deploy it to every backend`,
        ],
      };
    }
    case 'broken':
      return {
        headline: `🚨 ${f.target}: the check turned critical: ${codeList(f.codes)}`,
        lines: f.codes?.includes('unreachable')
          ? ['no address answered with a certificate two checks in a row']
          : ['run `/cert check ' + f.target + '` for the findings and fixes'],
      };
    case 'recovered':
      return { headline: `✅ ${f.target}: recovered — ${codeList(f.codes)} cleared`, lines: [] };
  }
}

/** "expires 2026-04-01 00:00 UTC (in 12 days)" or why nothing is known. */
export function expiryPhrase(row: WatchRow, now: Date): string {
  if (row.nextExpiry) return `expires ${formatDate(row.nextExpiry)} (${relativeTime(row.nextExpiry, now)})`;
  if (row.verdict === null) return 'not checked yet';
  // no address probed (refused by the address policy, no DNS answer): the per-address lines are empty
  const why = row.addresses.length === 0 && row.codes.length > 0 ? ` (${row.codes.join(', ')})` : '';
  return `no certificate seen${why}`;
}

export function rowStatus(row: WatchRow): string {
  const verdict = row.verdict ?? 'pending';
  return row.pausedReason ? `${verdict}, paused: ${row.pausedReason}` : verdict;
}

export function addressPhrase(a: WatchRow['addresses'][number], now: Date): string {
  const exp = a.notAfter ? `expires ${relativeTime(a.notAfter, now)}` : `no certificate (${a.error ?? 'unknown'})`;
  return `${a.address}: ${exp}, ${a.verdict}`;
}

export function historyPhrase(c: HistoryChange): string {
  if (c.what === 'first_seen') return `${formatDate(c.at)} ${c.address}: first seen, ${c.to ?? 'no certificate'}`;
  if (c.what === 'address_gone') return `${formatDate(c.at)} ${c.address}: no longer resolved`;
  return `${formatDate(c.at)} ${c.address}: ${c.what.replace('_', ' ')} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`;
}
