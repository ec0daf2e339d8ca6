// Gateway groups and identity events through the folds (shared/sla/groups, shared/cycles/group-fold.ts):
// backtest histories for every policy and event, checked field by field, and replay equality (one replay
// from the empty states equals stepping minute by minute, and stepping in uneven batches, with every
// notification the same).
import { describe, expect, it } from 'vitest';
import type { ResolvedGroup, ResolvedTarget } from '../../shared/config/types.js';
import { advanceGroup, advanceIdentities, emptyEventsState, replayFleet } from '../../shared/cycles/group-fold.js';
import type { FoldState } from '../../shared/sla/fold/index.js';
import type { GroupState } from '../../shared/sla/groups/group-policies.js';
import { indistinguishableMembers, observationsOf, type IdentityState } from '../../shared/sla/groups/identity-events.js';
import { identityFingerprint } from '../../shared/sla/identity.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { D0, EU_CENTRAL, MIN, makeLocalTarget } from '../support/sla-fixtures.js';

const GROUP: ResolvedGroup = { name: 'vpn', members: ['vpn-a', 'vpn-b'] };
const TARGETS: ResolvedTarget[] = [makeLocalTarget({ name: 'vpn' }), makeLocalTarget({ name: 'vpn-a', host: 'a.example' }), makeLocalTarget({ name: 'vpn-b', host: 'b.example' })];
const CONFIG = { targets: TARGETS, groups: [GROUP] };
const A = { hostname: 'gw-a', vendor: 'keepalived-lab', firmwareRevision: 1 };
const B = { hostname: 'gw-b', vendor: 'keepalived-lab', firmwareRevision: 1 };
const POPTOP = { hostname: 'local', vendor: 'linux', firmwareRevision: 1 };

type Minute = { vpn: boolean | 'skip'; a: boolean; b: boolean; serving?: 'a' | 'b'; idA?: typeof A; idB?: typeof B };

/** One record per target and minute from a per-minute script; the virtual address announces the serving member's identity. */
function history(minutes: Minute[]): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  minutes.forEach((m, i) => {
    const at = D0 + i * MIN;
    const idA = m.idA ?? A;
    const idB = m.idB ?? B;
    const rec = (target: string, ok: boolean, server?: typeof A): ProbeRecord => ({
      target,
      region: EU_CENTRAL,
      intervalStart: at,
      ok,
      ...(ok ? { controlMs: 5, ...(server ? { server } : {}) } : { failureClass: 'connect_timeout' as const }),
    });
    if (m.vpn !== 'skip') out.push(rec('vpn', m.vpn, (m.serving ?? 'a') === 'a' ? idA : idB));
    out.push(rec('vpn-a', m.a, idA), rec('vpn-b', m.b, idB));
  });
  return out;
}

const fill = (n: number, m: Minute): Minute[] => Array.from({ length: n }, () => ({ ...m }));
const ALL_UP: Minute = { vpn: true, a: true, b: true };

function replay(records: ProbeRecord[], minutes: number): Notification[] {
  return replayFleet(CONFIG, records, { fromExclusive: D0 - MIN, toInclusive: D0 + minutes * MIN });
}

/** The same history stepped in batches (sizes cycling through `batches`), as runners step it, with state carried over. */
function stepped(records: ProbeRecord[], minutes: number, batches: number[]): Notification[] {
  let folds = new Map<string, FoldState | undefined>();
  let group: GroupState | undefined;
  let ids: IdentityState | undefined;
  const byTarget = new Map<string, ProbeRecord[]>();
  for (const r of records) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  const out: Notification[] = [];
  let t = D0 - MIN;
  const obs = observationsOf(records);
  for (let i = 0; t < D0 + minutes * MIN; i++) {
    const to = Math.min(D0 + minutes * MIN, t + batches[i % batches.length]! * MIN);
    const step = advanceGroup(GROUP, TARGETS, folds, byTarget, group, { quietThrough: t, toInclusive: to });
    folds = new Map(step.folds);
    group = step.state;
    out.push(...step.notifications);
    const id = advanceIdentities(CONFIG, ids, obs, { quietThrough: t, toInclusive: to });
    ids = id.state;
    out.push(...id.notifications);
    t = to;
  }
  return out.sort((a, b) => a.at - b.at);
}

const brief = (n: Notification) => ({ status: n.status, policy: n.policy, severity: n.severity, target: n.target, startsAt: (n.startsAt - D0) / MIN, at: (n.at - D0) / MIN, ...(n.endsAt !== undefined ? { endsAt: (n.endsAt - D0) / MIN } : {}) });

describe('group policies', () => {
  it('a member down while the virtual address serves: one redundancy_lost ticket, resolved when it is back; no page', () => {
    const records = history([...fill(10, ALL_UP), ...fill(8, { vpn: true, a: false, b: true, serving: 'b' }), ...fill(10, { ...ALL_UP, serving: 'b' })]);
    const sent = replay(records, 28).filter((n) => n.policy !== 'failover');
    expect(sent.map(brief)).toEqual([
      // Down for 3 intervals from minute 10: known at the end of minute 12.
      { status: 'firing', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 10, at: 13 },
      // Back at minute 18, confirmed after 3 up intervals; the incident ended when the member came back.
      { status: 'resolved', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 10, at: 21, endsAt: 18 },
    ]);
    expect(sent[0]!.group).toEqual({ name: 'vpn', members: ['vpn-a', 'vpn-b'], down: ['vpn-a'], serving: ['vpn-b'] });
    expect(sent[0]!.dedupKey).toBe(`vpn-a/redundancy_lost/${new Date(D0 + 10 * MIN).toISOString()}`);
    expect(sent[0]!.failureClasses).toEqual({ connect_timeout: 3 });
    expect(sent.some((n) => n.severity === 'page')).toBe(false);
  });

  it('the virtual address down pages as a target; a member down with it is held, and ticketed once the address is back', () => {
    const records = history([...fill(10, ALL_UP), ...fill(6, { vpn: false, a: false, b: true }), ...fill(10, { vpn: true, a: false, b: true, serving: 'b' }), ...fill(6, { ...ALL_UP, serving: 'b' })]);
    const sent = replay(records, 32).filter((n) => n.policy !== 'failover');
    expect(sent.map(brief)).toEqual([
      { status: 'firing', policy: 'down', severity: 'page', target: 'vpn', startsAt: 10, at: 13 },
      { status: 'resolved', policy: 'down', severity: 'page', target: 'vpn', startsAt: 10, at: 19, endsAt: 16 },
      // Held while the page was open; from the address's recovery on, the member's loss is the news.
      { status: 'firing', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 16, at: 19 },
      { status: 'resolved', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 16, at: 29, endsAt: 26 },
    ]);
  });

  it('every member down while the virtual address answers: membership_wrong, not a ticket per member', () => {
    const records = history([...fill(10, ALL_UP), ...fill(6, { vpn: true, a: false, b: false }), ...fill(6, ALL_UP)]);
    const sent = replay(records, 22);
    expect(sent.map(brief)).toEqual([
      { status: 'firing', policy: 'membership_wrong', severity: 'ticket', target: 'vpn', startsAt: 10, at: 13 },
      { status: 'resolved', policy: 'membership_wrong', severity: 'ticket', target: 'vpn', startsAt: 10, at: 19, endsAt: 16 },
    ]);
    expect(sent[0]!.group?.down).toEqual(['vpn-a', 'vpn-b']);
  });

  it('one member down, then the other: its redundancy ticket stays open, membership_wrong opens and closes, the second member gets its own ticket after', () => {
    const records = history([
      ...fill(5, ALL_UP),
      ...fill(10, { vpn: true, a: false, b: true, serving: 'b' }),
      ...fill(10, { vpn: true, a: false, b: false, serving: 'b' }),
      ...fill(10, { vpn: true, a: true, b: false, serving: 'a' }),
      ...fill(5, ALL_UP),
    ]);
    const sent = replay(records, 40).filter((n) => n.severity !== 'info');
    expect(sent.map(brief)).toEqual([
      { status: 'firing', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 5, at: 8 },
      { status: 'firing', policy: 'membership_wrong', severity: 'ticket', target: 'vpn', startsAt: 15, at: 18 },
      { status: 'resolved', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-a', startsAt: 5, at: 28, endsAt: 25 },
      { status: 'resolved', policy: 'membership_wrong', severity: 'ticket', target: 'vpn', startsAt: 15, at: 28, endsAt: 25 },
      { status: 'firing', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-b', startsAt: 15, at: 28 },
      { status: 'resolved', policy: 'redundancy_lost', severity: 'ticket', target: 'vpn-b', startsAt: 15, at: 38, endsAt: 35 },
    ]);
  });

  it('a blip shorter than down.for sends nothing', () => {
    const records = history([...fill(5, ALL_UP), ...fill(2, { vpn: true, a: false, b: true }), ...fill(5, ALL_UP)]);
    expect(replay(records, 12)).toEqual([]);
  });
});

describe('identity events', () => {
  it('a failover is an info event naming both members; three in an hour open a flapping ticket that resolves after a quiet hour', () => {
    const swap = (serving: 'a' | 'b', n: number): Minute[] => fill(n, { ...ALL_UP, serving });
    const records = history([...swap('a', 10), ...swap('b', 10), ...swap('a', 10), ...swap('b', 70)]);
    const sent = replay(records, 100);
    expect(sent.map(brief)).toEqual([
      { status: 'firing', policy: 'failover', severity: 'info', target: 'vpn', startsAt: 10, at: 11 },
      { status: 'firing', policy: 'failover', severity: 'info', target: 'vpn', startsAt: 20, at: 21 },
      { status: 'firing', policy: 'failover', severity: 'info', target: 'vpn', startsAt: 30, at: 31 },
      { status: 'firing', policy: 'failover_flapping', severity: 'ticket', target: 'vpn', startsAt: 10, at: 31 },
      { status: 'resolved', policy: 'failover_flapping', severity: 'ticket', target: 'vpn', startsAt: 10, at: 90, endsAt: 30 },
    ]);
    expect(sent[0]!.identity?.from).toMatchObject({ member: 'vpn-a', hostname: 'gw-a', firmwareRevision: 1 });
    expect(sent[0]!.identity?.to).toMatchObject({ member: 'vpn-b', hostname: 'gw-b' });
    expect(sent[3]!.failovers?.map((t) => (t - D0) / MIN)).toEqual([10, 20, 30]);
  });

  it('a firmware update on a member is one info event with both revisions, not a failover or a second event from the virtual address', () => {
    const updated = { ...A, firmwareRevision: 2 };
    const records = history([...fill(10, ALL_UP), ...fill(10, { ...ALL_UP, idA: updated })]);
    const sent = replay(records, 20);
    expect(sent.map(brief)).toEqual([{ status: 'firing', policy: 'firmware_change', severity: 'info', target: 'vpn-a', startsAt: 10, at: 11 }]);
    expect(sent[0]!.identity?.from.firmwareRevision).toBe(1);
    expect(sent[0]!.identity?.to.firmwareRevision).toBe(2);
  });

  it('members that both announce Poptop constants: no failover can be seen, and the group says so', () => {
    const records = history([...fill(10, { ...ALL_UP, idA: POPTOP, idB: POPTOP }), ...fill(10, { ...ALL_UP, serving: 'b', idA: POPTOP, idB: POPTOP })]);
    expect(replay(records, 20)).toEqual([]);
    const ids = advanceIdentities(CONFIG, undefined, observationsOf(records), { quietThrough: D0, toInclusive: D0 + 20 * MIN });
    expect(indistinguishableMembers(GROUP, ids.state)).toEqual([['vpn-a', 'vpn-b']]);
    expect(identityFingerprint(POPTOP)).toBe(identityFingerprint({ ...POPTOP }));
  });
});

describe('replay equality', () => {
  // Every scenario above at once, with a failover storm and a firmware change.
  const script: Minute[] = [
    ...fill(10, ALL_UP),
    ...fill(8, { vpn: true, a: false, b: true, serving: 'b' }),
    ...fill(6, { vpn: false, a: false, b: true, serving: 'b' }),
    ...fill(6, { vpn: true, a: false, b: false, serving: 'b' }),
    ...fill(5, { ...ALL_UP, serving: 'a' }),
    ...fill(5, { ...ALL_UP, serving: 'b' }),
    ...fill(5, { ...ALL_UP, serving: 'a' }),
    ...fill(10, { ...ALL_UP, serving: 'a', idA: { ...A, firmwareRevision: 3 } }),
    ...fill(70, ALL_UP),
  ];
  const records = history(script);
  const minutes = script.length;
  const whole = replay(records, minutes);

  it('the history gives every kind of notification', () => {
    expect(new Set(whole.map((n) => n.policy))).toEqual(new Set(['redundancy_lost', 'down', 'membership_wrong', 'failover', 'failover_flapping', 'firmware_change']));
  });

  it.each([[[1]], [[7]], [[1, 3, 13]], [[60]]])('stepping in batches of %j minutes gives exactly the replay', (batches) => {
    expect(stepped(records, minutes, batches)).toEqual(whole);
  });

  it('an events state survives JSON (what the runners store)', () => {
    const state = emptyEventsState();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('identity: a login probe\'s PPP name', () => {
  it('tells two Poptop gateways apart by the name in their CHAP Challenge, which the SCCRP alone cannot', () => {
    const poptopA = { ...POPTOP, peerName: 'gw-a' };
    const poptopB = { ...POPTOP, peerName: 'gw-b' };
    expect(identityFingerprint(POPTOP)).not.toBe(identityFingerprint(poptopA));
    expect(identityFingerprint(poptopA)).not.toBe(identityFingerprint(poptopB));
    // A record carrying the name: the observation's fingerprint includes it.
    const [o] = observationsOf([{ target: 'vpn', region: EU_CENTRAL, intervalStart: D0, ok: true, server: poptopA }]);
    expect(o?.fingerprint).toBe(identityFingerprint(poptopA));
  });
});
