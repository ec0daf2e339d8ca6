// The evaluator's shard state with the groups' and identities' EventsState: kept through encode and decode,
// and a damaged events state refused on its own (its groups and identities rebuilt), never a crash or a
// silently wrong state.
import { describe, expect, it } from 'vitest';
import { decodeEventsState, decodeShardState, emptyShardState, encodeShardState } from '../../shared/cycles/evaluator-shard-state.js';
import type { EventsState } from '../../shared/cycles/group-fold.js';
import { identityFingerprint } from '../../shared/sla/identity.js';

const T = Date.UTC(2026, 0, 1, 12, 0);
const fp = identityFingerprint({ hostname: 'gw-a', vendor: 'lab', firmwareRevision: 1 });
const EVENTS: EventsState = {
  groups: { vpn: { rl: { 'vpn-a': T - 600_000 }, mw: null, ve: T - 3_600_000 } },
  ids: { t: T, ids: { vpn: { fp, since: T - 60_000, server: { hostname: 'gw-a', vendor: 'lab', firmwareRevision: 1 } }, 'vpn-a': { fp, since: T - 120_000 } }, groups: { vpn: { fo: [T - 300_000], flap: null } } },
  solo: { t: T - 60_000, ids: {}, groups: {} },
};

describe('shard state: events', () => {
  it('keeps the events state through encode and decode', () => {
    const state = { ...emptyShardState(), events: EVENTS };
    const { state: back, damaged } = decodeShardState(encodeShardState(state), T);
    expect(damaged).toEqual([]);
    expect(back.events).toEqual(EVENTS);
  });

  it('a state written before events existed decodes without them (rebuilt by the next run)', () => {
    const { state: back } = decodeShardState(encodeShardState(emptyShardState()), T);
    expect(back.events).toBeUndefined();
  });

  it.each([
    ['not an object', 7, 'ev: not {groups, ids}'],
    ['a ticket start that is not an instant', { ...EVENTS, groups: { vpn: { rl: { 'vpn-a': 'soon' }, mw: null, ve: null } } }, 'ev.groups.vpn.rl.vpn-a: not an instant'],
    ['a fingerprint out of range', { ...EVENTS, ids: { ...EVENTS.ids, ids: { vpn: { fp: 2 ** 60, since: T } } } }, 'ev.ids.ids.vpn: not {fp, since}'],
    ['a failover list with a non-instant', { ...EVENTS, ids: { ...EVENTS.ids, groups: { vpn: { fo: [-1], flap: null } } } }, 'ev.ids.groups.vpn: not {fo, flap}'],
    ['a damaged solo state', { ...EVENTS, solo: { t: 'x' } }, 'ev.solo: not {t, ids, groups}'],
  ])('refuses %s, naming the field', (_title, value, problem) => {
    expect(decodeEventsState(value)).toBe(problem);
    const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, folds: {}, pending: {}, hb: {}, cov: {}, ev: value }));
    const { state, damaged } = decodeShardState(bytes, T);
    expect(state.events).toBeUndefined();
    expect(damaged).toEqual([{ target: '(groups and identities)', problem }]);
  });
});
