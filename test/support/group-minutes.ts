// The synthetic minutes the gateway-group tests drive the local monitor through, the group's names, and a
// notification reduced to what and when (in those minutes).
import type { Notification } from '../../shared/sla/notification.js';

/** The first synthetic minute (ms since the epoch). */
export const T0 = Date.parse('2026-12-01T09:00:00Z');
export const MIN = 60_000;
/** Start of synthetic minute k (ms). */
export const minute = (k: number): number => T0 + k * MIN;
export const iso = (k: number): string => new Date(minute(k)).toISOString();

export const GROUP = 'office-vpn';
export const MEMBER_A = 'office-vpn-a';
export const MEMBER_B = 'office-vpn-b';

/** What a notification is about and when, in synthetic minutes (k of minute(k)). */
export const brief = (n: Notification) => ({
  policy: n.policy,
  status: n.status,
  severity: n.severity,
  target: n.target,
  startsAt: (n.startsAt - T0) / MIN,
  at: (n.at - T0) / MIN,
  ...(n.endsAt !== undefined ? { endsAt: (n.endsAt - T0) / MIN } : {}),
});
