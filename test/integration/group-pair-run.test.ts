// A gateway group watched by the local monitor, live: the simulated keepalived pair on loopback (a
// virtual address that answers with the MASTER's identity, and each member on its own port), the real
// prober, the real JSON Lines store, and the group policies and identity events deciding. Minutes are
// synthetic (a fixed base + k minutes, the wall clock at the end of each), so an afternoon of failovers
// takes a few seconds. Every notification the monitor delivers is asserted, in order, with its times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor, type LocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { checkKindOf, PROBERS } from '../../shared/probers/index.js';
import { indistinguishableMembers } from '../../shared/sla/groups/identity-events.js';
import type { Notification } from '../../shared/sla/notification.js';
import { brief, GROUP, iso, MEMBER_A, MEMBER_B, MIN, minute, T0 } from '../support/group-minutes.js';
import { startPairSimulator, type PairSimulator } from '../../shared/simulator/index.js';
import { createLocalStore } from '../../shared/store/local-store.js';

/** Probe deadline, in ms: a loopback exchange takes a few ms; a refused member fails at once. */
const TIMEOUT_MS = 1000;

describe('local monitor watching a keepalived pair (simulated)', () => {
  let pair: PairSimulator;
  let config: ResolvedConfig;
  let dir: string;

  beforeAll(async () => {
    // Takeovers are not part of this script (the MASTER never goes down), so the delay is irrelevant.
    pair = await startPairSimulator({ port: 0, takeoverDelayMs: 0 });
    const yaml = [
      'version: 1',
      'homeRegion: eu-central-1',
      `defaults: { regions: [eu-central-1], timeout: ${TIMEOUT_MS} }`,
      'targets: []',
      'groups:',
      `  - name: ${GROUP}`,
      `    host: ${pair.host}`,
      `    port: ${pair.virtualPort}`,
      '    members:',
      `      - { name: ${MEMBER_A}, host: ${pair.host}, port: ${pair.memberPorts.a} }`,
      `      - { name: ${MEMBER_B}, host: ${pair.host}, port: ${pair.memberPorts.b} }`,
      '',
    ].join('\n');
    const parsed = parseConfig(yaml, 'monitor.yml', { runner: 'local' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
    dir = mkdtempSync(join(tmpdir(), 'pmt-group-pair-'));
  });

  afterAll(async () => {
    await pair?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tells a failover, a member down as a redundancy ticket (no page), flapping after three failovers in an hour (resolved after a quiet one), and a firmware update', async () => {
    // Prepare: the monitor as `pptp-monitor run` wires it (the prober of each target's check kind), its wall clock at the end of the minute being run.
    const delivered: Notification[] = [];
    const deps = nodeProbeDeps();
    const kinds = new Map(config.targets.map((t) => [t.name, checkKindOf(t)]));
    let wall = minute(0);
    const monitor: LocalMonitor = createLocalMonitor(config, {
      probe: (target, options) => PROBERS.proberFor(kinds.get(target.target)!).probe(target, options, deps),
      store: createLocalStore(dir),
      clock: nodeClock,
      wallClock: () => wall,
      timers: nodeTimers,
      onResult: () => undefined,
      deliver: async (n) => void delivered.push(n),
      onStoreError: (_lines, err) => {
        throw err;
      },
    });
    expect(await monitor.load(minute(0))).toEqual({ records: 0, skipped: 0, duplicates: 0 });
    /** Runs minutes [from, to) and returns what they delivered. */
    const run = async (from: number, to: number): Promise<Notification[]> => {
      const out: Notification[] = [];
      for (let k = from; k < to; k++) {
        wall = minute(k + 1);
        const cycle = await monitor.cycle(minute(k));
        expect(cycle.probed, `minute ${k}`).toBe(3);
        out.push(...cycle.notifications);
      }
      return out;
    };
    const started = performance.now();

    // Act / Assess, step by step: 4 healthy minutes with a MASTER, nothing to tell.
    expect(await run(0, 4)).toEqual([]);
    expect(monitor.identities()?.ids[GROUP]?.server?.hostname).toBe('gw-a');

    // failover: b answers on the virtual address from minute 4.
    await pair.failover();
    const failover = await run(4, 6);
    expect(failover.map(brief)).toEqual([{ policy: 'failover', status: 'firing', severity: 'info', target: GROUP, startsAt: 4, at: 5 }]);
    expect(failover[0]!.identity?.from).toMatchObject({ member: MEMBER_A, hostname: 'gw-a', firmwareRevision: 1 });
    expect(failover[0]!.identity?.to).toMatchObject({ member: MEMBER_B, hostname: 'gw-b', firmwareRevision: 1 });
    expect(failover[0]!.dedupKey).toBe(`${GROUP}/failover/${iso(4)}`);

    // Member a (now BACKUP) down for 5 minutes (6-10): the address still serves, so a ticket for the member, down for 3 intervals; no page.
    await pair.setMemberUp('a', false);
    const lost = await run(6, 11);
    expect(lost.map(brief)).toEqual([{ policy: 'redundancy_lost', status: 'firing', severity: 'ticket', target: MEMBER_A, startsAt: 6, at: 9 }]);
    expect(lost[0]!.dedupKey).toBe(`${MEMBER_A}/redundancy_lost/${iso(6)}`);
    expect(lost[0]!.group).toEqual({ name: GROUP, members: [MEMBER_A, MEMBER_B], down: [MEMBER_A], serving: [MEMBER_B] });
    expect(lost[0]!.dominantFailureClass).toBe('connect_refused');

    // Member a back from minute 11 (nopreempt: b stays MASTER): resolved after 3 up intervals, ended at its first up minute.
    await pair.setMemberUp('a', true);
    const back = await run(11, 15);
    expect(back.map(brief)).toEqual([{ policy: 'redundancy_lost', status: 'resolved', severity: 'ticket', target: MEMBER_A, startsAt: 6, at: 14, endsAt: 11 }]);
    expect(back[0]!.dedupKey).toBe(lost[0]!.dedupKey);

    // Two more failovers (minutes 15 and 17): the third within the hour opens failover_flapping, from the first one's start.
    await pair.failover();
    const second = await run(15, 17);
    await pair.failover();
    const third = await run(17, 19);
    expect([...second, ...third].map(brief)).toEqual([
      { policy: 'failover', status: 'firing', severity: 'info', target: GROUP, startsAt: 15, at: 16 },
      { policy: 'failover', status: 'firing', severity: 'info', target: GROUP, startsAt: 17, at: 18 },
      { policy: 'failover_flapping', status: 'firing', severity: 'ticket', target: GROUP, startsAt: 4, at: 18 },
    ]);
    expect(second[0]!.identity?.from.hostname).toBe('gw-b');
    expect(second[0]!.identity?.to.hostname).toBe('gw-a');
    expect(third[1]!.failovers).toEqual([minute(4), minute(15), minute(17)]);
    expect(third[1]!.dedupKey).toBe(`${GROUP}/failover_flapping/${iso(4)}`);

    // b (MASTER again) updated to firmware 2 from minute 19: one event, on the member, not a failover or a second event from the address.
    await pair.setFirmware('b', 2);
    const firmware = await run(19, 21);
    expect(firmware.map(brief)).toEqual([{ policy: 'firmware_change', status: 'firing', severity: 'info', target: MEMBER_B, startsAt: 19, at: 20 }]);
    expect(firmware[0]!.identity?.from).toMatchObject({ hostname: 'gw-b', firmwareRevision: 1 });
    expect(firmware[0]!.identity?.to).toMatchObject({ hostname: 'gw-b', firmwareRevision: 2 });

    // A quiet hour after the last failover (minute 17) the flapping ticket resolves, ended at that failover.
    const quiet = await run(21, 80);
    expect(quiet.map(brief)).toEqual([{ policy: 'failover_flapping', status: 'resolved', severity: 'ticket', target: GROUP, startsAt: 4, at: 77, endsAt: 17 }]);

    // The whole run, as delivered: never a page, nothing twice.
    expect(delivered.map((n) => [n.policy, n.status, n.target])).toEqual([
      ['failover', 'firing', GROUP],
      ['redundancy_lost', 'firing', MEMBER_A],
      ['redundancy_lost', 'resolved', MEMBER_A],
      ['failover', 'firing', GROUP],
      ['failover', 'firing', GROUP],
      ['failover_flapping', 'firing', GROUP],
      ['firmware_change', 'firing', MEMBER_B],
      ['failover_flapping', 'resolved', GROUP],
    ]);
    // Distinct host names: every member is told apart, so failovers can be seen.
    expect(indistinguishableMembers(config.groups![0]!, monitor.identities()!)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
