// The keepalived pair state machine with a clock the test moves: takeover timing without waiting.
import { describe, expect, it } from 'vitest';
import { parsePairCommand, parseSimulateArgs } from '../../shared/cli/simulate-args.js';
import { UsageError } from '../../shared/cli/usage-error.js';
import { createGatewayPair, DEFAULT_TAKEOVER_DELAY_MS, SimulatorOptionError } from '../../shared/simulator/index.js';

function pairAt(takeoverDelayMs?: number) {
  let now = 1000;
  const pair = createGatewayPair({ now: () => now, ...(takeoverDelayMs !== undefined && { takeoverDelayMs }) });
  return { pair, advance: (ms: number) => (now += ms) };
}

describe('createGatewayPair', () => {
  it('starts with both members up, a MASTER, and their own identities', () => {
    // Prepare / Act
    const { pair } = pairAt();
    // Assess
    expect(pair.takeoverDelayMs).toBe(DEFAULT_TAKEOVER_DELAY_MS);
    expect(pair.state()).toEqual({
      master: 'a',
      members: {
        a: { up: true, identity: { hostname: 'gw-a', vendor: 'pptp-monitor', firmwareRevision: 1 } },
        b: { up: true, identity: { hostname: 'gw-b', vendor: 'pptp-monitor', firmwareRevision: 1 } },
      },
      pendingTakeover: undefined,
    });
  });

  it('fails over to the other member at once, and back', () => {
    // Prepare
    const { pair } = pairAt();
    // Act
    const first = pair.failover();
    const second = pair.failover();
    // Assess
    expect(first).toEqual([{ kind: 'master', at: 1000, master: 'b', was: 'a', reason: 'failover' }]);
    expect(second).toMatchObject([{ kind: 'master', master: 'a', was: 'b' }]);
    expect(pair.state().master).toBe('a');
  });

  it('refuses to fail over to a member that is down', () => {
    // Prepare
    const { pair } = pairAt();
    pair.setMemberUp('b', false);
    // Act
    const events = pair.failover();
    // Assess
    expect(events).toEqual([{ kind: 'unchanged', at: 1000, why: 'member b is down; a stays MASTER' }]);
    expect(pair.state().master).toBe('a');
  });

  it('when the MASTER goes down, the virtual address is down until the BACKUP takes over after the delay', () => {
    // Prepare
    const { pair, advance } = pairAt(3000);
    // Act
    const down = pair.setMemberUp('a', false);
    advance(2999);
    const early = pair.tick();
    const masterEarly = pair.state().master;
    advance(1);
    const due = pair.tick();
    // Assess
    expect(down).toEqual([
      { kind: 'member', at: 1000, member: 'a', up: false },
      { kind: 'virtual-down', at: 1000, was: 'a' },
      { kind: 'takeover-scheduled', at: 1000, member: 'b', takeoverAt: 4000 },
    ]);
    expect(early).toEqual([]);
    expect(masterEarly).toBeUndefined();
    expect(due).toEqual([{ kind: 'master', at: 4000, master: 'b', was: undefined, reason: 'takeover' }]);
    expect(pair.nextDeadline()).toBeUndefined();
  });

  it('a BACKUP going down leaves the MASTER alone, and coming back up it stays BACKUP (nopreempt)', () => {
    // Prepare
    const { pair } = pairAt();
    // Act
    const down = pair.setMemberUp('b', false);
    const up = pair.setMemberUp('b', true);
    // Assess
    expect(down).toEqual([{ kind: 'member', at: 1000, member: 'b', up: false }]);
    expect(up).toEqual([{ kind: 'member', at: 1000, member: 'b', up: true }]);
    expect(pair.state().master).toBe('a');
    expect(pair.nextDeadline()).toBeUndefined();
  });

  it('with both members down the virtual address is down; the first back up takes it after the delay', () => {
    // Prepare
    const { pair, advance } = pairAt(100);
    pair.setMemberUp('a', false);
    // Act: b goes down before its takeover is due
    advance(50);
    const bDown = pair.setMemberUp('b', false);
    advance(1000);
    const nothing = pair.tick();
    const bothDown = pair.state();
    const bUp = pair.setMemberUp('b', true);
    advance(100);
    const takeover = pair.tick();
    // Assess
    expect(bDown).toEqual([
      { kind: 'member', at: 1050, member: 'b', up: false },
      { kind: 'takeover-cancelled', at: 1050, member: 'b' },
    ]);
    expect(nothing).toEqual([]);
    expect(bothDown).toMatchObject({ master: undefined, pendingTakeover: undefined, members: { a: { up: false }, b: { up: false } } });
    expect(bUp).toEqual([
      { kind: 'member', at: 2050, member: 'b', up: true },
      { kind: 'takeover-scheduled', at: 2050, member: 'b', takeoverAt: 2150 },
    ]);
    expect(takeover).toMatchObject([{ kind: 'master', master: 'b', reason: 'takeover' }]);
  });

  it('says so when failover finds no member up', () => {
    // Prepare
    const { pair } = pairAt();
    pair.setMemberUp('a', false);
    pair.setMemberUp('b', false);
    // Act / Assess
    expect(pair.failover()).toEqual([{ kind: 'unchanged', at: 1000, why: 'no member is up' }]);
  });

  it('failover during the master-down delay is the BACKUP taking over now', () => {
    // Prepare
    const { pair } = pairAt();
    pair.setMemberUp('a', false);
    // Act
    const events = pair.failover();
    // Assess
    expect(events).toEqual([{ kind: 'master', at: 1000, master: 'b', was: undefined, reason: 'failover' }]);
    expect(pair.nextDeadline()).toBeUndefined();
  });

  it('reflects a firmware change in the member identity, and so in what the virtual address announces', () => {
    // Prepare
    const { pair } = pairAt();
    // Act
    const events = pair.setFirmware('a', 2);
    // Assess
    expect(events).toEqual([{ kind: 'firmware', at: 1000, member: 'a', firmwareRevision: 2, was: 1 }]);
    const state = pair.state();
    expect(state.members[state.master!].identity).toEqual({ hostname: 'gw-a', vendor: 'pptp-monitor', firmwareRevision: 2 });
    expect(state.members.b.identity.firmwareRevision).toBe(1);
  });

  it('refuses a firmware revision or delay that does not fit', () => {
    // Prepare
    const { pair } = pairAt();
    // Act / Assess
    expect(() => pair.setFirmware('a', 65536)).toThrow(new SimulatorOptionError('firmwareRevision must be a whole number from 0 to 65535, got 65536'));
    expect(() => createGatewayPair({ now: () => 0, takeoverDelayMs: -1 })).toThrow(SimulatorOptionError);
  });

  it('returns copies of its state', () => {
    // Prepare
    const { pair } = pairAt();
    // Act
    pair.state().members.a.identity.firmwareRevision = 9;
    // Assess
    expect(pair.state().members.a.identity.firmwareRevision).toBe(1);
  });
});

describe('parseSimulateArgs --pair', () => {
  it('takes --pair and --takeover-delay, and leaves pair out without it', () => {
    expect(parseSimulateArgs(['--pair', '--port', '0', '--takeover-delay', '200'])).toEqual({
      host: '127.0.0.1',
      port: 0,
      fault: 'none',
      pair: true,
      takeoverDelayMs: 200,
      help: false,
    });
    expect(parseSimulateArgs([])).not.toHaveProperty('pair');
  });

  it.each([
    [['--pair', '--fault', 'silent'], "--fault: does not apply to --pair (members go down and up with 'member <a|b> <down|up>')"],
    [['--takeover-delay', '100'], '--takeover-delay: only applies to --pair'],
    [['--pair', '--port', '65534'], '--port: with --pair must be 0-65533 (members use port+1 and port+2), got 65534'],
    [['--pair', '--takeover-delay', '60001'], '--takeover-delay: must be 0-60000 (ms), got 60001'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('parsePairCommand', () => {
  it('reads failover, member, firmware; leaves other words to the caller', () => {
    expect(parsePairCommand(['failover'])).toEqual({ command: 'failover' });
    expect(parsePairCommand(['member', 'a', 'down'])).toEqual({ command: 'member', member: 'a', up: false });
    expect(parsePairCommand(['member', 'b', 'up'])).toEqual({ command: 'member', member: 'b', up: true });
    expect(parsePairCommand(['firmware', 'a', '2'])).toEqual({ command: 'firmware', member: 'a', firmwareRevision: 2 });
    expect(parsePairCommand(['status'])).toBeUndefined();
  });

  it.each([
    [['member', 'c', 'down'], "member: needs a member, a or b, got 'c'"],
    [['member', 'a', 'sideways'], "member a: needs 'down' or 'up', got 'sideways'"],
    [['firmware', 'b'], "firmware b: needs one revision, 0-65535, got ''"],
    [['firmware', 'b', 'x'], "firmware b: must be 0-65535, got 'x'"],
    [['failover', 'now'], "failover takes no value, got 'now'"],
  ])('refuses %j', (words, message) => {
    expect(() => parsePairCommand(words)).toThrow(new UsageError(message));
  });
});
