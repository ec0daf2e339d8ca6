// The SLA report of gateway groups (redundant pairs): a virtual address users connect to and its member
// nodes, each an ordinary target with its own TargetReport. The issue's rule: "the SLA report counts
// availability on the virtual address only, and lists the members' downtime as redundancy-lost time".
//
// - The group's availability and verdict ARE its virtual address's TargetReport (referenced, never
//   recomputed, so the group and its address can never disagree).
// - REDUNDANCY LOST. A member's down time is its report's counted down intervals (`downSpans`: what its
//   downtimeMinutes sums, quorum verdict down, outside excluded maintenance; no `down.for` threshold, as
//   for all report downtime), less the time its virtual address was itself counted down: then the outage
//   is the address's, already in its availability, and the pair had nothing left to lose. The group's
//   total is the union over members (≥ 1 member down, address not down), so two members down at once
//   count once. Time the address was unknown or not covered does not hide a member's known outage.
//   This is not the redundancy_lost ticket's clock (group-policies.ts opens it on a member's down
//   *incident*, after down.for intervals): the report counts minutes, the ticket pages on confirmed ones.
// - EVENTS. The failovers, firmware changes and flapping of the range, by the identity fold
//   (groups/identity-events.ts) replayed from the empty state over the observations, quiet up to the
//   range's start: what advanceIdentities (shared/cycles/group-fold.ts) does, written here with
//   stepIdentities because the pure core does not import the cycles.
// - INDISTINGUISHABLE: members answering with one identity at the range's end: a failover between them
//   cannot be seen, and the report says so rather than showing a quiet timeline as proof of none.
//
// A group is reported only when the report holds its virtual address and every member (a report split
// into parts may not): half a group would show a pair's redundancy as if one node were all of it. Pure.
import { MINUTE_MS } from '../common/time.js';
import type { ResolvedGroup, ResolvedTarget } from '../config/types.js';
import { emptyIdentityState, FLAP_WINDOW_MS, indistinguishableMembers, stepIdentities, type IdentityObservation } from './groups/identity-events.js';
import { describeIdentity, formatFirmware } from './identity.js';
import type { IdentityView, Notification } from './notification.js';
import type { ReportRange } from './report-coverage.js';
import type { DownSpan, TargetReport } from './report.js';

/** The identity events a report's timeline shows. */
export type GroupEventKind = 'failover' | 'firmware_change' | 'failover_flapping';

export interface GroupEvent {
  /** When it happened, ms: the first interval the new identity answered in (failover_flapping: its start, or when it resolved). */
  at: number;
  kind: GroupEventKind;
  /** One line: 'failover: office-vpn-a → office-vpn-b', 'firmware 0x0001 → 0x0002 on office-vpn-b'. */
  text: string;
}

export interface GroupMemberReport {
  target: string;
  /** Minutes the member was counted down while its virtual address was not. */
  redundancyLostMinutes: number;
  /** The member's own downtime (its report's downtimeMinutes): not SLA downtime, shown beside the lost time. */
  downtimeMinutes: number;
  /** The member's own incidents in the range (its report's count). */
  incidents: number;
}

export interface GroupReport {
  name: string;
  /** The virtual address's report: the group's availability and verdict. */
  virtualAddress: TargetReport;
  /** In the config's order. */
  members: GroupMemberReport[];
  /** Minutes with at least one member counted down while the virtual address was not (the union over members). */
  redundancyLostMinutes: number;
  /** In time order. */
  events: GroupEvent[];
  /** Sets of members answering with one identity at the range's end: failover between them cannot be seen. */
  indistinguishable: string[][];
}

const EVENT_KINDS: ReadonlySet<string> = new Set<GroupEventKind>(['failover', 'firmware_change', 'failover_flapping']);

/**
 * The groups of `config` whose targets all have a report in `targetReports`. `observations`: who answered,
 * per target and interval, from reportRecordsFromMs(range) (what the report read; the replay starts from
 * nothing there).
 */
export function groupReports(
  config: { targets: readonly ResolvedTarget[]; groups?: readonly ResolvedGroup[] },
  targetReports: readonly TargetReport[],
  observations: readonly IdentityObservation[],
  range: ReportRange,
): GroupReport[] {
  const groups = config.groups ?? [];
  if (groups.length === 0) return [];
  const byName = new Map(targetReports.map((t) => [t.target, t]));
  const identityConfig = { targets: config.targets, groups };
  const quiet = stepIdentities(identityConfig, emptyIdentityState(), observations, range.fromMs);
  const loud = stepIdentities(identityConfig, quiet.state, observations, range.toMs);
  const out: GroupReport[] = [];
  for (const group of groups) {
    const virtualAddress = byName.get(group.name);
    const members = group.members.map((m) => byName.get(m));
    if (virtualAddress === undefined || members.some((m) => m === undefined)) continue;
    const vipDown = virtualAddress.downSpans;
    const lost = (members as TargetReport[]).map((m) => subtractSpans(m.downSpans, vipDown));
    const own = new Set([group.name, ...group.members]);
    out.push({
      name: group.name,
      virtualAddress,
      members: (members as TargetReport[]).map((m, i) => ({
        target: m.target,
        redundancyLostMinutes: spanMinutes(lost[i]!),
        downtimeMinutes: m.downtimeMinutes,
        incidents: m.incidents.count,
      })),
      redundancyLostMinutes: spanMinutes(unionSpans(lost.flat())),
      events: loud.notifications
        .filter((n) => own.has(n.target) && EVENT_KINDS.has(n.policy))
        .map(groupEvent)
        .sort((a, b) => a.at - b.at),
      indistinguishable: indistinguishableMembers(group, loud.state),
    });
  }
  return out;
}

/** Member target name → its group's name, for renderers that mark members' rows. */
export function groupMembership(groups: readonly GroupReport[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of groups ?? []) for (const m of g.members) if (!out.has(m.target)) out.set(m.target, g.name);
  return out;
}

/** The targets whose availability is an SLA's: all but group members (their downtime is redundancy lost, not the users'). */
export function slaTargets(report: { targets: readonly TargetReport[]; groups?: readonly GroupReport[] }): TargetReport[] {
  const members = groupMembership(report.groups);
  return report.targets.filter((t) => !members.has(t.target));
}

function groupEvent(n: Notification): GroupEvent {
  const kind = n.policy as GroupEventKind;
  if (kind === 'failover_flapping') {
    const windowMinutes = FLAP_WINDOW_MS / MINUTE_MS;
    if (n.status === 'resolved') return { at: n.at, kind, text: `failover flapping over: no failover in the ${windowMinutes} min after the last one` };
    return { at: n.startsAt, kind, text: `failover flapping: ${n.failovers?.length ?? 0} failovers within ${windowMinutes} min` };
  }
  const from = n.identity?.from;
  const to = n.identity?.to;
  if (kind === 'failover') return { at: n.startsAt, kind, text: `failover: ${from?.member ?? '?'} → ${to?.member ?? '?'}` };
  if (from !== undefined && to !== undefined && from.firmwareRevision !== to.firmwareRevision) {
    return { at: n.startsAt, kind, text: `firmware ${formatFirmware(from.firmwareRevision)} → ${formatFirmware(to.firmwareRevision)} on ${n.target}` };
  }
  // Same firmware: the host name or vendor changed (names shown when the history kept them).
  return { at: n.startsAt, kind, text: `identity changed on ${n.target}: ${describe(from)} → ${describe(to)}` };
}

function describe(view: IdentityView | undefined): string {
  if (view === undefined) return '?';
  const server = view.hostname !== undefined && view.vendor !== undefined ? { hostname: view.hostname, vendor: view.vendor, firmwareRevision: view.firmwareRevision } : undefined;
  return describeIdentity(view.fingerprint, server);
}

// Span arithmetic over [startMs, endMs) spans. Inputs need not be sorted; outputs are ascending and disjoint.

function unionSpans(spans: readonly DownSpan[]): DownSpan[] {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const out: DownSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.startMs <= last.endMs) last.endMs = Math.max(last.endMs, s.endMs);
    else out.push({ ...s });
  }
  return out;
}

/** The parts of `spans` outside every span of `minus`. */
function subtractSpans(spans: readonly DownSpan[], minus: readonly DownSpan[]): DownSpan[] {
  const cuts = unionSpans(minus);
  const out: DownSpan[] = [];
  for (const s of unionSpans(spans)) {
    let start = s.startMs;
    for (const c of cuts) {
      if (c.endMs <= start || c.startMs >= s.endMs) continue;
      if (c.startMs > start) out.push({ startMs: start, endMs: c.startMs });
      start = Math.max(start, c.endMs);
    }
    if (start < s.endMs) out.push({ startMs: start, endMs: s.endMs });
  }
  return out;
}

const spanMinutes = (spans: readonly DownSpan[]): number => spans.reduce((sum, s) => sum + (s.endMs - s.startMs), 0) / MINUTE_MS;
