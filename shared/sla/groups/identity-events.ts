// Identity events, derived from who answered each interval (the SCCRP identity, as a fingerprint: see
// ../identity.ts), as a fold like the SLA core's: state' = step(state, observations of completed intervals).
//
// - A target's identity changes (firmware revision, vendor or host name): a `firmware_change` event
//   (severity info), naming the old and new identity.
// - On a group's virtual address, the identity moves from one member's to another's (each member's own
//   identity is learnt from its own probes): a `failover` event (info) instead. A change on the virtual
//   address to a member's new identity after that member's own change was seen is that member's event, not
//   a second one.
// - FLAP_FAILOVERS failovers of a group within FLAP_WINDOW_MS: a `failover_flapping` ticket, resolved once
//   a whole window has passed without a failover (its end is the last failover).
//
// The identity of an interval is the largest fingerprint among its observations (every location's
// probes, or CloudWatch's Maximum of the ServerIdentity metric): one rule for the local store, backtest
// and the evaluator. An interval without one (the probe failed before the reply; CloudWatch has a point
// only when a location's identity changed) changes nothing. Events never page, and a replay from the
// empty state gives the same events with the same dedup keys. Pure.
import { HOUR_MS, MINUTE_MS } from '../../common/time.js';
import type { ResolvedGroup, ResolvedTarget } from '../../config/types.js';
import { fingerprintFirmware, fingerprintNames, identityFingerprint, type ServerIdentity } from '../identity.js';
import type { IdentityView, Notification } from '../notification.js';
import type { ProbeRecord } from '../probe-record.js';

/** Failovers within FLAP_WINDOW_MS that make a pair flapping: every failover drops every user's tunnel. */
export const FLAP_FAILOVERS = 3;
export const FLAP_WINDOW_MS = HOUR_MS;

/** Who answered in one interval of one target. */
export interface IdentityObservation {
  target: string;
  intervalStart: number;
  fingerprint: number;
  /** The names, when the source kept them (the local store does; CloudWatch does not). */
  server?: ServerIdentity;
}

interface KnownIdentity {
  fp: number;
  server?: ServerIdentity;
  /** Start of the interval it was first seen in (ms). */
  since: number;
}

export interface IdentityState {
  /** Last instant stepped (ms, a minute), null before the first step. */
  t: number | null;
  /** Per target, the identity answering now. */
  ids: Record<string, KnownIdentity>;
  /** Per group, the failovers of the last window (instants, ascending) and the open flapping ticket's start. */
  groups: Record<string, { fo: number[]; flap: number | null }>;
}

export const emptyIdentityState = (): IdentityState => ({ t: null, ids: {}, groups: {} });

/** Fingerprints by identity text: a history repeats a handful of identities millions of times. */
const fingerprints = new Map<string, number>();
const FINGERPRINT_CACHE_ENTRIES = 4096;

function cachedFingerprint(server: ServerIdentity): number {
  const key = `${server.hostname}\u0000${server.vendor}\u0000${server.firmwareRevision}\u0000${server.peerName ?? '\u0001'}`;
  let fp = fingerprints.get(key);
  if (fp === undefined) {
    if (fingerprints.size >= FINGERPRINT_CACHE_ENTRIES) fingerprints.clear();
    fp = identityFingerprint(server);
    fingerprints.set(key, fp);
  }
  return fp;
}

/** Observations from probe records: per target and interval, the largest fingerprint announced. */
export function observationsOf(records: Iterable<ProbeRecord>): IdentityObservation[] {
  const best = new Map<string, Map<number, IdentityObservation>>();
  for (const r of records) {
    if (r.server === undefined) continue;
    const fingerprint = cachedFingerprint(r.server);
    let perTarget = best.get(r.target);
    if (perTarget === undefined) best.set(r.target, (perTarget = new Map()));
    const seen = perTarget.get(r.intervalStart);
    if (seen === undefined || fingerprint > seen.fingerprint) perTarget.set(r.intervalStart, { target: r.target, intervalStart: r.intervalStart, fingerprint, server: r.server });
  }
  const out: IdentityObservation[] = [];
  for (const perTarget of best.values()) for (const o of perTarget.values()) out.push(o);
  return out;
}

/** The members of a group that answer with one identity (by their own probes): failover cannot be seen between them. */
export function indistinguishableMembers(group: ResolvedGroup, state: IdentityState): string[][] {
  const byFp = new Map<number, string[]>();
  for (const m of group.members) {
    const id = state.ids[m];
    if (id === undefined) continue;
    const list = byFp.get(id.fp) ?? [];
    list.push(m);
    byFp.set(id.fp, list);
  }
  return [...byFp.values()].filter((l) => l.length > 1);
}

/** The member whose own identity is `fp` now (the first in config order), if exactly known. */
export function memberAnswering(group: ResolvedGroup, state: IdentityState, fp: number): string | undefined {
  const matching = group.members.filter((m) => state.ids[m]?.fp === fp);
  return matching.length === 1 ? matching[0] : undefined;
}

export interface IdentityStepResult {
  state: IdentityState;
  notifications: Notification[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

const cloneState = (s: IdentityState): IdentityState => ({
  t: s.t,
  ids: Object.fromEntries(Object.entries(s.ids).map(([k, v]) => [k, { ...v, ...(v.server ? { server: { ...v.server } } : {}) }])),
  groups: Object.fromEntries(Object.entries(s.groups).map(([k, v]) => [k, { fo: [...v.fo], flap: v.flap }])),
});

/**
 * Steps `state` to `toInclusive` (floored to the minute) with the observations of intervals that ended
 * after state.t and by then (earlier ones were decided without them; later ones are for a later step).
 * `nowMs` caps the `at` of what it emits, as for stepFold.
 */
export function stepIdentities(
  config: { targets: readonly ResolvedTarget[]; groups: readonly ResolvedGroup[] },
  state: IdentityState,
  observations: readonly IdentityObservation[],
  toInclusive: number,
  nowMs?: number,
): IdentityStepResult {
  const to = Math.floor(toInclusive / MINUTE_MS) * MINUTE_MS;
  if (state.t !== null && to <= state.t) return { state, notifications: [] };
  const targets = new Map(config.targets.map((t) => [t.name, t]));
  const vipOf = new Map(config.groups.map((g) => [g.name, g]));
  const memberOf = new Map<string, ResolvedGroup>();
  for (const g of config.groups) for (const m of g.members) memberOf.set(m, g);
  // Targets in an order where members come before the virtual addresses (a member's identity must be known before the address moves to it).
  const rank = (name: string): number => (vipOf.has(name) ? 1 : 0);
  const order = new Map(config.targets.map((t, i) => [t.name, i]));
  // Sorted by when each interval completes, then members before virtual addresses, then config order (one number, `k`).
  const due: Array<{ o: IdentityObservation; end: number; k: number; target: string; intervalStart: number }> = [];
  for (const o of observations) {
    const target = targets.get(o.target);
    if (target === undefined || !Number.isFinite(o.intervalStart)) continue;
    const end = o.intervalStart + target.intervalMinutes * MINUTE_MS;
    if ((state.t !== null && end <= state.t) || end > to) continue;
    due.push({ o, end, k: rank(o.target) * order.size + order.get(o.target)!, target: o.target, intervalStart: o.intervalStart });
  }
  due.sort((a, b) => a.end - b.end || a.k - b.k || a.intervalStart - b.intervalStart || a.o.fingerprint - b.o.fingerprint);

  const next = cloneState(state);
  const out: Notification[] = [];
  // Each interval's identity: the largest fingerprint among its observations (sorted last among its equals).
  const chosen: typeof due = [];
  for (const o of due) {
    const last = chosen[chosen.length - 1];
    if (last !== undefined && last.target === o.target && last.intervalStart === o.intervalStart) chosen[chosen.length - 1] = o;
    else chosen.push(o);
  }
  // As stepFold's: the interval's end, or the runner's clock when that is earlier (never before the event's start).
  const at = (instant: number, edge = instant - MINUTE_MS): number => (nowMs !== undefined ? Math.max(edge, Math.min(instant, nowMs)) : instant);
  let i = 0;
  const first = next.t === null ? (chosen[0]?.end ?? to) : next.t + MINUTE_MS;
  for (let m = first; m <= to; m += MINUTE_MS) {
    for (; i < chosen.length && chosen[i]!.end <= m; i++) {
      const { o, end } = chosen[i]!;
      const target = targets.get(o.target)!;
      const before = next.ids[o.target];
      if (before !== undefined && before.fp === o.fingerprint) {
        if (before.server === undefined && o.server !== undefined) before.server = { ...o.server };
        continue;
      }
      next.ids[o.target] = { fp: o.fingerprint, since: o.intervalStart, ...(o.server ? { server: { ...o.server } } : {}) };
      if (before === undefined) continue;
      const group = vipOf.get(o.target);
      const from = view(before.fp, before.server);
      const toView = view(o.fingerprint, o.server);
      if (group !== undefined) {
        const fromMember = memberAnswering(group, next, before.fp) ?? memberFormerly(group, next, before.fp);
        const toMember = memberAnswering(group, next, o.fingerprint);
        if (fromMember !== undefined) from.member = fromMember;
        if (toMember !== undefined) toView.member = toMember;
        if (fromMember !== undefined && toMember !== undefined && fromMember !== toMember) {
          out.push(event(target, 'failover', o, at(end, o.intervalStart), { from, to: toView }, { name: group.name, members: [...group.members], down: [], serving: [toMember] }));
          flapping(next, group, target, o, at(end, o.intervalStart), out);
          continue;
        }
        // The member now answering changed its own identity, and said so from its own probes.
        if (toMember !== undefined && toMember === fromMember) continue;
      }
      const memberGroup = memberOf.get(o.target);
      out.push(event(target, 'firmware_change', o, at(end, o.intervalStart), { from, to: toView }, memberGroup === undefined ? undefined : { name: memberGroup.name, members: [...memberGroup.members], down: [], serving: [] }));
    }
    // A flapping ticket resolves once a whole window passes without a failover.
    for (const [name, g] of Object.entries(next.groups)) {
      const last = g.fo[g.fo.length - 1];
      if (g.flap !== null && last !== undefined && m >= last + FLAP_WINDOW_MS) {
        const target = targets.get(name);
        if (target !== undefined) {
          const n = base(target, 'failover_flapping', 'ticket', g.flap, at(m, last + FLAP_WINDOW_MS));
          n.status = 'resolved';
          n.endsAt = last;
          n.failovers = [...g.fo];
          out.push(n);
        }
        g.flap = null;
      }
      while (g.fo.length > 0 && g.fo[0]! <= m - FLAP_WINDOW_MS) g.fo.shift();
      if (g.fo.length === 0 && g.flap === null) delete next.groups[name];
    }
  }
  next.t = to;
  return { state: next, notifications: out };
}

/** A member whose own identity was `fp` before it changed (the virtual address still shows the old one). */
function memberFormerly(group: ResolvedGroup, state: IdentityState, fp: number): string | undefined {
  return group.members.find((m) => state.ids[m] !== undefined && fingerprintFirmware(fp) !== fingerprintFirmware(state.ids[m]!.fp) && fingerprintNames(fp) === fingerprintNames(state.ids[m]!.fp));
}

function view(fp: number, server: ServerIdentity | undefined): IdentityView {
  return { fingerprint: fp, firmwareRevision: fingerprintFirmware(fp), ...(server ? { hostname: server.hostname, vendor: server.vendor } : {}) };
}

function base(target: ResolvedTarget, policy: Notification['policy'], severity: Notification['severity'], startsAt: number, at: number): Notification {
  return {
    status: 'firing',
    severity,
    target: target.name,
    policy,
    startsAt,
    at,
    dedupKey: `${target.name}/${policy}/${iso(startsAt)}`,
    regions: { all: [...target.regions], affected: [] },
    failureClasses: {},
    slo: target.slo.availability,
  };
}

function event(target: ResolvedTarget, policy: 'failover' | 'firmware_change', o: IdentityObservation, at: number, identity: NonNullable<Notification['identity']>, group: Notification['group']): Notification {
  const n = base(target, policy, 'info', o.intervalStart, at);
  n.identity = identity;
  if (group !== undefined) n.group = group;
  if (o.server) n.lastServer = { ...o.server };
  return n;
}

function flapping(state: IdentityState, group: ResolvedGroup, target: ResolvedTarget, o: IdentityObservation, at: number, out: Notification[]): void {
  const g = (state.groups[group.name] ??= { fo: [], flap: null });
  g.fo.push(o.intervalStart);
  while (g.fo.length > 0 && g.fo[0]! <= o.intervalStart - FLAP_WINDOW_MS) g.fo.shift();
  if (g.flap === null && g.fo.length >= FLAP_FAILOVERS) {
    g.flap = g.fo[0]!;
    const n = base(target, 'failover_flapping', 'ticket', g.flap, at);
    n.failovers = [...g.fo];
    n.group = { name: group.name, members: [...group.members], down: [], serving: [] };
    out.push(n);
  }
}
