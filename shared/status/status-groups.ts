// The status page's view of gateway groups: per group who serves the virtual address now (by the identity
// it answers with, matched to the members' own), whether redundancy holds, members that cannot be told
// apart (failover invisible: say so rather than guess), and the identity events of the page's span as
// annotations. From the same records and the same identity fold as the alerts. Pure.
import type { ResolvedConfig, ResolvedGroup, ResolvedTarget } from '../config/types.js';
import { advanceIdentities } from '../cycles/group-fold.js';
import { describeIdentity } from '../sla/identity.js';
import { indistinguishableMembers, memberAnswering, observationsOf } from '../sla/groups/identity-events.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import type { TargetModel } from './status-model.js';

/**
 * - redundant: the virtual address and every member answer;
 * - redundancy_lost: a member is down, the virtual address serves (a ticket);
 * - membership_wrong: every member is down, yet the virtual address answers (a ticket);
 * - down: the virtual address is down (its page);
 * - unknown: too little data to tell.
 */
export type GroupState = 'redundant' | 'redundancy_lost' | 'membership_wrong' | 'down' | 'unknown';

export interface GroupEvent {
  /** The first interval the new identity answered (the notification's startsAt). */
  at: number;
  kind: 'failover' | 'failover_flapping' | 'firmware_change';
  text: string;
}

export interface GroupModel {
  name: string;
  state: GroupState;
  members: Array<{ name: string; state: TargetModel['state']; identity?: string }>;
  /** The member whose identity the virtual address answers with, when exactly one matches. */
  serving?: string;
  /** The virtual address's identity now. */
  identity?: string;
  /** Members answering with one identity: a failover between them cannot be seen. */
  indistinguishable: string[][];
  /** Identity events since the page's span start, oldest first. */
  events: GroupEvent[];
}

export function groupModels(
  config: Pick<ResolvedConfig, 'groups'>,
  targets: readonly TargetModel[],
  view: (name: string) => ResolvedTarget | undefined,
  history: (name: string) => readonly ProbeRecord[],
  spanStart: number,
  evaluatedAt: number,
): GroupModel[] {
  const byName = new Map(targets.map((t) => [t.name, t]));
  return (config.groups ?? []).map((group) => groupModel(group, byName, view, history, spanStart, evaluatedAt));
}

function groupModel(group: ResolvedGroup, byName: ReadonlyMap<string, TargetModel>, view: (name: string) => ResolvedTarget | undefined, history: (name: string) => readonly ProbeRecord[], spanStart: number, evaluatedAt: number): GroupModel {
  const names = [group.name, ...group.members];
  const targets = names.map(view).filter((t): t is ResolvedTarget => t !== undefined);
  const observations = observationsOf(names.flatMap((n) => [...history(n)]));
  const ids = advanceIdentities({ targets, groups: [group] }, undefined, observations, { quietThrough: spanStart, toInclusive: evaluatedAt });
  const known = ids.state.ids;
  const identityOf = (name: string): string | undefined => (known[name] === undefined ? undefined : describeIdentity(known[name]!.fp, known[name]!.server));
  const vip = byName.get(group.name);
  const members = group.members.map((name) => ({ name, state: byName.get(name)?.state ?? 'no_data', ...(identityOf(name) !== undefined ? { identity: identityOf(name)! } : {}) }));
  const down = members.filter((m) => m.state === 'down');
  let state: GroupState;
  if (vip === undefined || vip.state === 'no_data') state = 'unknown';
  else if (vip.state === 'down') state = 'down';
  else if (down.length === members.length) state = 'membership_wrong';
  else if (down.length > 0) state = 'redundancy_lost';
  else state = 'redundant';
  const vipFp = known[group.name]?.fp;
  const serving = vipFp === undefined ? undefined : memberAnswering(group, ids.state, vipFp);
  const events: GroupEvent[] = ids.notifications
    .filter((n) => n.status === 'firing' && (n.policy === 'failover' || n.policy === 'failover_flapping' || n.policy === 'firmware_change'))
    .map((n) => ({
      at: n.startsAt,
      kind: n.policy as GroupEvent['kind'],
      text:
        n.policy === 'failover'
          ? `failover: ${n.identity?.from.member ?? 'unknown'} → ${n.identity?.to.member ?? 'unknown'}`
          : n.policy === 'failover_flapping'
            ? `flapping: ${n.failovers?.length ?? 0} failovers within an hour`
            : `identity of ${n.target} changed: ${describeIdentity(n.identity!.from.fingerprint)} → ${describeIdentity(n.identity!.to.fingerprint)}`,
    }));
  return {
    name: group.name,
    state,
    members,
    ...(serving !== undefined ? { serving } : {}),
    ...(identityOf(group.name) !== undefined ? { identity: identityOf(group.name)! } : {}),
    indistinguishable: indistinguishableMembers(group, ids.state),
    events,
  };
}
