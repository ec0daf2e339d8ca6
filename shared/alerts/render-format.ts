// The small formatters every part of an alert uses: shortened free text, bounded dedup keys, times,
// durations, rates, the failure classes by count. Pure.
import { createHash } from 'node:crypto';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../common/time.js';
import { FAILURE_CLASSES } from '../probe/failure-classes.js';
import type { Notification, PolicyName } from '../sla/notification.js';
import { ELLIPSIS, MAX_FIELD_CHARS, MAX_LIST_LINES } from './render-limits.js';

export function policyPhrase(policy: PolicyName): string {
  switch (policy) {
    case 'down':
      return 'DOWN';
    case 'error_budget':
      return 'error budget burning too fast';
    case 'latency':
      return 'SLOW (control time p95 above the threshold)';
    case 'no_data':
      return 'NO DATA (the monitoring is blind, the gateway is not implicated)';
    case 'redundancy_lost':
      return 'REDUNDANCY LOST (a group member is down; the virtual address still serves)';
    case 'membership_wrong':
      return 'GROUP MEMBERSHIP WRONG (every member is down, yet the virtual address answers)';
    case 'failover':
      return 'FAILOVER (another member now answers on the virtual address)';
    case 'failover_flapping':
      return 'FAILOVER FLAPPING (several failovers within an hour)';
    case 'firmware_change':
      return 'IDENTITY CHANGED (firmware revision, vendor or host name)';
  }
}

/** Failure classes with a count above zero: most failed probes first, ties in taxonomy order, unknown names last. */
export function classesByCount(n: Notification): Array<[string, number]> {
  const order = (cls: string): number => {
    const i = (FAILURE_CLASSES as readonly string[]).indexOf(cls);
    return i === -1 ? FAILURE_CLASSES.length : i;
  };
  return Object.entries(n.failureClasses)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .map(([cls, count]): [string, number] => [clip(cls), count])
    .sort((a, b) => b[1] - a[1] || order(a[0]) - order(b[0]));
}

export function capNote(count: number): string {
  return count > MAX_LIST_LINES ? ` (${count}, first ${MAX_LIST_LINES} listed)` : '';
}

/** Free text from config or the network, shortened to MAX_FIELD_CHARS so the message size stays bounded. */
export function clip(text: string): string {
  return text.length <= MAX_FIELD_CHARS ? text : `${text.slice(0, MAX_FIELD_CHARS - ELLIPSIS.length)}${ELLIPSIS}`;
}

/**
 * The dedupKey embeds the target name, so it is as unbounded as the name. A key over MAX_FIELD_CHARS keeps
 * its head and gets a hash of the whole key: still the same for every notification of the incident (so
 * pagers keep merging) and still distinct between incidents. Keys of config-valid names (63 chars) pass as is.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_FIELD_CHARS) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, MAX_FIELD_CHARS - hash.length - 1)}#${hash}`;
}

export function listInline(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LIST_LINES).map(clip).join(', ');
  return items.length > MAX_LIST_LINES ? `${shown} and ${items.length - MAX_LIST_LINES} more` : shown;
}

export function formatRate(rate: number): string {
  return `${rate.toFixed(1)}x`;
}

export function budget(remaining: number): string {
  const pct = (remaining * 100).toFixed(1);
  return remaining < 0 ? `none (overspent by ${(-remaining * 100).toFixed(1)}%)` : `${pct}%`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `10:05Z`: short enough for an SMS, unambiguous about the zone. */
export function hhmm(ms: number): string {
  return `${iso(ms).slice(11, 16)}Z`;
}

/** Compact, for subjects: `45s`, `12m`, `1h 5m`, `2h`, `3d 4h`. Whole units, rounded down. */
export function shortDuration(ms: number): string {
  const d = Math.max(0, ms);
  if (d < MINUTE_MS) return `${Math.floor(d / 1000)}s`;
  if (d < HOUR_MS) return `${Math.floor(d / MINUTE_MS)}m`;
  if (d < DAY_MS) {
    const m = Math.floor((d % HOUR_MS) / MINUTE_MS);
    return `${Math.floor(d / HOUR_MS)}h${m > 0 ? ` ${m}m` : ''}`;
  }
  const h = Math.floor((d % DAY_MS) / HOUR_MS);
  return `${Math.floor(d / DAY_MS)}d${h > 0 ? ` ${h}h` : ''}`;
}

/** Spelled out, for bodies: `12 min`, `1 h 5 min`, `3 d 4 h`. */
export function longDuration(ms: number): string {
  return shortDuration(ms).replace(/(\d+)([smhd])/g, (_all, num: string, unit: string) => `${num} ${{ s: 's', m: 'min', h: 'h', d: 'd' }[unit as 's' | 'm' | 'h' | 'd']}`);
}
