// A keepalived (VRRP) pair of gateways as a state machine: which member is MASTER (and so owns the
// virtual address), which members are up, and what each announces in its Start-Control-Connection-Reply.
// No sockets and no timers: the caller passes a clock, asks nextDeadline() when to call tick() again,
// and applies the events to its listeners (pair-simulator.ts). That keeps the takeover timing testable
// without waiting for it.
//
// Modelled on keepalived with `nopreempt`: a member coming back up stays BACKUP while the other is
// MASTER. When the MASTER goes down the virtual address is gone until the BACKUP's master-down timer
// (takeoverDelayMs) fires; when no member is up it stays gone.
import { SimulatorOptionError } from './errors.js';
import type { GatewayIdentity } from './simulated-connection.js';

export const PAIR_MEMBERS = ['a', 'b'] as const;
export type PairMemberName = (typeof PAIR_MEMBERS)[number];

/**
 * Delay between the MASTER going down and the BACKUP taking the address, in ms: keepalived's
 * master-down interval is 3 advert intervals (1 s each) plus skew, so about 3 s.
 */
export const DEFAULT_TAKEOVER_DELAY_MS = 3000;
/** Longest takeover delay, in ms: beyond a minute it is a typo, not a VRRP timer. */
export const MAX_TAKEOVER_DELAY_MS = 60_000;

/** Identities unless told otherwise: two hosts of one vendor on the same firmware, as a fresh pair is. */
export const DEFAULT_PAIR_IDENTITIES: Readonly<Record<PairMemberName, Required<GatewayIdentity>>> = {
  a: { hostname: 'gw-a', vendor: 'pptp-monitor', firmwareRevision: 1 },
  b: { hostname: 'gw-b', vendor: 'pptp-monitor', firmwareRevision: 1 },
};

export interface PairMemberState {
  up: boolean;
  identity: Required<GatewayIdentity>;
}

export interface PairState {
  /** The member that owns the virtual address; undefined while the address is down. */
  master: PairMemberName | undefined;
  members: Record<PairMemberName, PairMemberState>;
  /** A BACKUP waiting out the master-down delay, and the clock time it takes over at. */
  pendingTakeover: { member: PairMemberName; at: number } | undefined;
}

/** What changed, in order; `at` is the clock time the change happened. */
export type PairEvent =
  | { kind: 'master'; at: number; master: PairMemberName; was: PairMemberName | undefined; reason: 'failover' | 'takeover' }
  | { kind: 'virtual-down'; at: number; was: PairMemberName }
  | { kind: 'takeover-scheduled'; at: number; member: PairMemberName; takeoverAt: number }
  | { kind: 'takeover-cancelled'; at: number; member: PairMemberName }
  | { kind: 'member'; at: number; member: PairMemberName; up: boolean }
  | { kind: 'firmware'; at: number; member: PairMemberName; firmwareRevision: number; was: number }
  /** A command that changes nothing, and why: 'failover' with the other member down, ... */
  | { kind: 'unchanged'; at: number; why: string };

export interface GatewayPairOptions {
  /** Milliseconds, monotonic; performance.now in the simulator, a number the test moves in tests. */
  now: () => number;
  /** Default DEFAULT_TAKEOVER_DELAY_MS; 0 takes over at the next tick. */
  takeoverDelayMs?: number;
  identities?: Partial<Record<PairMemberName, Partial<GatewayIdentity>>>;
}

export interface GatewayPair {
  readonly takeoverDelayMs: number;
  /** A copy: changing it changes nothing. */
  state(): PairState;
  /** The other member becomes MASTER at once (keepalived's priority drop or a `systemctl stop`). */
  failover(): PairEvent[];
  /** A member stops (false) or starts (true) answering, on its own address and as MASTER. */
  setMemberUp(member: PairMemberName, up: boolean): PairEvent[];
  /** A member now announces this firmware revision (an upgrade, or a rollback). */
  setFirmware(member: PairMemberName, firmwareRevision: number): PairEvent[];
  /** Applies a takeover whose delay has run out; call it at nextDeadline(). */
  tick(): PairEvent[];
  /** Clock time of the next tick() with something to do, or undefined. */
  nextDeadline(): number | undefined;
}

export const otherMember = (member: PairMemberName): PairMemberName => (member === 'a' ? 'b' : 'a');

export function isPairMemberName(value: string): value is PairMemberName {
  return (PAIR_MEMBERS as readonly string[]).includes(value);
}

function checkTakeoverDelay(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TAKEOVER_DELAY_MS) {
    throw new SimulatorOptionError(`takeoverDelayMs must be a whole number of ms from 0 to ${MAX_TAKEOVER_DELAY_MS}, got ${ms}`);
  }
  return ms;
}

function checkFirmware(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new SimulatorOptionError(`firmwareRevision must be a whole number from 0 to 65535, got ${value}`);
  }
  return value;
}

/** Both members up, a MASTER. Identity strings are checked by the listeners that announce them. */
export function createGatewayPair(options: GatewayPairOptions): GatewayPair {
  const { now } = options;
  const takeoverDelayMs = checkTakeoverDelay(options.takeoverDelayMs ?? DEFAULT_TAKEOVER_DELAY_MS);
  const identityOf = (member: PairMemberName): Required<GatewayIdentity> => {
    const identity = { ...DEFAULT_PAIR_IDENTITIES[member], ...options.identities?.[member] };
    checkFirmware(identity.firmwareRevision);
    return identity;
  };
  const members: Record<PairMemberName, PairMemberState> = {
    a: { up: true, identity: identityOf('a') },
    b: { up: true, identity: identityOf('b') },
  };
  let master: PairMemberName | undefined = 'a';
  let pending: PairState['pendingTakeover'];

  const becomeMaster = (member: PairMemberName, reason: 'failover' | 'takeover', at: number): PairEvent => {
    const was = master;
    master = member;
    pending = undefined;
    return { kind: 'master', at, master: member, was, reason };
  };

  const scheduleTakeover = (member: PairMemberName, at: number): PairEvent => {
    pending = { member, at: at + takeoverDelayMs };
    return { kind: 'takeover-scheduled', at, member, takeoverAt: pending.at };
  };

  return {
    takeoverDelayMs,
    state() {
      return {
        master,
        members: { a: { ...members.a, identity: { ...members.a.identity } }, b: { ...members.b, identity: { ...members.b.identity } } },
        pendingTakeover: pending && { ...pending },
      };
    },
    failover() {
      const at = now();
      // With the address down and a BACKUP waiting, failover is that BACKUP taking over now.
      const candidate = master !== undefined ? otherMember(master) : pending?.member;
      if (candidate === undefined) return [{ kind: 'unchanged', at, why: 'no member is up' }];
      if (!members[candidate].up) return [{ kind: 'unchanged', at, why: `member ${candidate} is down; ${master ?? 'no member'} stays MASTER` }];
      return [becomeMaster(candidate, 'failover', at)];
    },
    setMemberUp(member, up) {
      const at = now();
      if (members[member].up === up) return [{ kind: 'unchanged', at, why: `member ${member} is already ${up ? 'up' : 'down'}` }];
      members[member].up = up;
      const events: PairEvent[] = [{ kind: 'member', at, member, up }];
      if (up) {
        // Nobody owns the address and nobody is about to: this member hears no adverts and takes it.
        if (master === undefined && pending === undefined) events.push(scheduleTakeover(member, at));
        return events;
      }
      if (pending?.member === member) {
        pending = undefined;
        events.push({ kind: 'takeover-cancelled', at, member });
      }
      if (master === member) {
        master = undefined;
        events.push({ kind: 'virtual-down', at, was: member });
        const backup = otherMember(member);
        if (members[backup].up) events.push(scheduleTakeover(backup, at));
      }
      return events;
    },
    setFirmware(member, firmwareRevision) {
      const at = now();
      const was = members[member].identity.firmwareRevision;
      members[member].identity = { ...members[member].identity, firmwareRevision: checkFirmware(firmwareRevision) };
      return [{ kind: 'firmware', at, member, firmwareRevision, was }];
    },
    tick() {
      const at = now();
      if (pending === undefined || at < pending.at) return [];
      return [becomeMaster(pending.member, 'takeover', at)];
    },
    nextDeadline() {
      return pending?.at;
    },
  };
}
