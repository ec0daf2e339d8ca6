// The policies of a gateway group (a virtual address and its member nodes, each a target with its own
// fold state), judged once a minute on the targets' down incidents as their folds hold them:
//
// - a member's own address down while the virtual address is up: a `redundancy_lost` ticket for that
//   member, resolved when it is back. Held back while the virtual address is down (its `down` page says
//   more) and opened when the virtual address is back if the member is still down. Not opened for the last
//   member to go down while the others are: that is the next rule's.
// - every member down while the virtual address is up: a `membership_wrong` ticket (something else holds
//   the address), resolved when a member is back or the virtual address goes down.
// - a member's own down, error-budget and latency notifications are not sent: users connect to the
//   virtual address, whose policies (and SLA) are the group's. A member's no_data still is (blind probes).
//
// Decided from the fold states after each minute, so stepping minute by minute gives the same
// notifications however the minutes are batched; the little memory it needs (which tickets are open, and
// since when: their dedup keys) is the GroupState, plain JSON. Pure.
import type { ResolvedGroup, ResolvedTarget } from '../../config/types.js';
import type { FoldState } from '../fold/index.js';
import type { Notification, PolicyName } from '../notification.js';

/** What a group remembers between minutes: its open tickets, by their start (ms). */
export interface GroupState {
  /** Open redundancy_lost tickets: member name → startsAt. */
  rl: Record<string, number>;
  /** The open membership_wrong ticket's startsAt, null when none. */
  mw: number | null;
  /** Where the virtual address's last down incident ended (its resolved notice's endsAt), null for none. */
  ve: number | null;
}

export const emptyGroupState = (): GroupState => ({ rl: {}, mw: null, ve: null });

/** Target policies a member's incidents stop at: the group's availability is its virtual address's. */
export const MEMBER_WITHHELD: ReadonlySet<PolicyName> = new Set<PolicyName>(['down', 'error_budget', 'latency']);

interface DownView {
  open: boolean;
  /** Open: the incident's start. */
  start: number;
  /** Regions (indices) seen failing while open. */
  affected: readonly number[];
}

const NONE: DownView = { open: false, start: 0, affected: [] };

/** The down incident of a fold state (the first tracker: see fold/codec.ts's tracker order). */
function downOf(state: FoldState | undefined): DownView {
  const tr = state?.tr[0];
  return tr === undefined ? NONE : { open: tr.p !== 0, start: tr.s, affected: tr.af };
}

export interface GroupMinute {
  group: ResolvedGroup;
  targets: ReadonlyMap<string, ResolvedTarget>;
  /** The group's targets' fold states after the minute `t`. */
  states: ReadonlyMap<string, FoldState>;
  /** The group's targets' own notifications of this minute, in their order. */
  own: readonly Notification[];
  t: number;
  /** The runner's clock, as for stepFold: no `at` later than it. */
  nowMs?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The minute's notifications (the targets' own less the members' withheld, then the group's), and the group state after it. */
export function stepGroupMinute(state: GroupState, minute: GroupMinute): { state: GroupState; notifications: Notification[] } {
  const { group, states, t } = minute;
  const members = new Set(group.members);
  const out = minute.own.filter((n) => !(members.has(n.target) && MEMBER_WITHHELD.has(n.policy)));
  const next: GroupState = { rl: { ...state.rl }, mw: state.mw, ve: state.ve };
  // Where incidents that resolved this minute ended (the fold's own resolved notices say; its tracker keeps only when it resolved).
  const ended = new Map<string, number>();
  for (const n of minute.own) if (n.policy === 'down' && n.status === 'resolved') ended.set(n.target, n.endsAt ?? t);
  if (ended.has(group.name)) next.ve = ended.get(group.name)!;
  const vip = downOf(states.get(group.name));
  const views = group.members.map((name) => ({ name, ...downOf(states.get(name)) }));
  const down = views.filter((m) => m.open).map((m) => m.name);
  const serving = views.filter((m) => !m.open).map((m) => m.name);
  const allDown = serving.length === 0;
  const at = (edge: number): number => (minute.nowMs !== undefined ? Math.max(edge, Math.min(t, minute.nowMs)) : t);
  const groupFacts = { name: group.name, members: [...group.members], down, serving };
  const since = (start: number): number => Math.max(start, next.ve ?? Number.NEGATIVE_INFINITY);

  // Resolutions first (a ticket closing and another opening in one minute read in that order).
  for (const m of views) {
    const startsAt = next.rl[m.name];
    if (startsAt === undefined || (m.open && !vip.open)) continue;
    const endsAt = !m.open ? (ended.get(m.name) ?? t) : Math.max(startsAt, vip.start);
    out.push(groupNotification(minute, 'redundancy_lost', m.name, 'resolved', startsAt, at(endsAt), groupFacts, m, endsAt));
    delete next.rl[m.name];
  }
  if (next.mw !== null && (!allDown || vip.open)) {
    const back = views.filter((m) => !m.open).map((m) => ended.get(m.name) ?? t);
    const endsAt = back.length > 0 ? Math.min(...back) : Math.max(next.mw, vip.start);
    out.push(groupNotification(minute, 'membership_wrong', group.name, 'resolved', next.mw, at(endsAt), groupFacts, vip, endsAt));
    next.mw = null;
  }
  // Openings: a member down while the virtual address serves, unless it is the last one down.
  for (const m of views) {
    if (!m.open || vip.open || next.rl[m.name] !== undefined || allDown) continue;
    const startsAt = since(m.start);
    next.rl[m.name] = startsAt;
    out.push(groupNotification(minute, 'redundancy_lost', m.name, 'firing', startsAt, at(startsAt), groupFacts, m));
  }
  if (allDown && !vip.open && next.mw === null) {
    const startsAt = since(Math.max(...views.map((m) => m.start)));
    next.mw = startsAt;
    out.push(groupNotification(minute, 'membership_wrong', group.name, 'firing', startsAt, at(startsAt), groupFacts, vip));
  }
  return { state: next, notifications: out };
}

function groupNotification(
  minute: GroupMinute,
  policy: 'redundancy_lost' | 'membership_wrong',
  target: string,
  status: 'firing' | 'resolved',
  startsAt: number,
  at: number,
  group: NonNullable<Notification['group']>,
  view: DownView,
  endsAt?: number,
): Notification {
  const resolved = minute.targets.get(target);
  const regions = resolved?.regions ?? [];
  // The member's own down notification of this minute, when there is one, has the evidence (classes, regions).
  const own = minute.own.find((n) => n.target === target && n.policy === 'down');
  const n: Notification = {
    status,
    severity: 'ticket',
    target,
    policy,
    startsAt,
    ...(endsAt !== undefined ? { endsAt } : {}),
    at,
    dedupKey: `${target}/${policy}/${iso(startsAt)}`,
    regions: own?.regions ?? { all: [...regions], affected: view.affected.map((r) => regions[r]).filter((r): r is string => r !== undefined) },
    failureClasses: own?.failureClasses ?? {},
    ...(own?.dominantFailureClass !== undefined ? { dominantFailureClass: own.dominantFailureClass } : {}),
    slo: resolved?.slo.availability ?? 0,
    group,
  };
  const lastServer = minute.states.get(target)?.server;
  if (lastServer) n.lastServer = { ...lastServer };
  return n;
}
