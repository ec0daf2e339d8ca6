// Restarts of the local monitor against the simulator, with the real store and sent ledger in a temp dir:
// a restart within a probed minute stores nothing twice, a restarted monitor prints nothing the last run
// printed (ticket reminders included) and picks the evaluation up where the last run stopped.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor, type LocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { probePptp } from '../../shared/probers/pptp/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { startSimulator, type Simulator } from '../../shared/simulator/index.js';
import { createLocalStore } from '../../shared/store/local-store.js';
import { createSentLedger, SENT_LEDGER_FILE } from '../../shared/store/sent-ledger.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const minute = (k: number): number => T0 + k * 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('local monitor restarts', () => {
  let simulator: Simulator;
  let config: ResolvedConfig;
  const root = mkdtempSync(join(tmpdir(), 'pmt-restart-'));
  let dirs = 0;

  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 500 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`, 't.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(root, { recursive: true, force: true });
  });

  const freshDir = (): string => join(root, `data-${++dirs}`);
  function monitor(dir: string, sent: Notification[], probes: number[] = []): LocalMonitor {
    const deps = nodeProbeDeps();
    return createLocalMonitor(config, {
      probe: (t, o) => {
        probes.push(1);
        return probePptp(t, o, deps);
      },
      store: createLocalStore(dir),
      ledger: createSentLedger(dir),
      clock: nodeClock,
      timers: nodeTimers,
      onResult: () => undefined,
      deliver: async (n) => void sent.push(n),
      onStoreError: (_, err) => {
        throw err;
      },
    });
  }
  const storedLines = (dir: string): string[] =>
    readdirSync(dir)
      .filter((f) => f.startsWith('results-'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));

  it('does not probe or store again a minute the last run already stored, and prints nothing again', async () => {
    // Prepare: a run that sees an outage page at minute 4, and stops after minute 5's cycle.
    const dir = freshDir();
    const first: Notification[] = [];
    const a = monitor(dir, first);
    await a.load(minute(0));
    await a.cycle(minute(0));
    await simulator.setFault('refuse');
    for (let k = 1; k <= 5; k++) await a.cycle(minute(k));
    await simulator.setFault('none');
    expect(first.map((n) => [n.status, n.policy, iso(n.at)])).toEqual([['firing', 'down', '2026-11-24T10:04:00.000Z']]);
    // Act: a restart within minute 5, which the last run already probed, then minute 6.
    const again: Notification[] = [];
    const probes: number[] = [];
    const b = monitor(dir, again, probes);
    const loaded = await b.load(minute(5) + 30_000);
    const same = await b.cycle(minute(5));
    // Assess
    expect(loaded).toMatchObject({ records: 6, duplicates: 0, evaluatedUntil: minute(6) });
    expect(same).toMatchObject({ probed: 0, alreadyStored: 1, stored: 0, notifications: [] });
    expect(probes).toEqual([]);
    expect(storedLines(dir)).toHaveLength(6);
    await b.cycle(minute(6));
    expect(storedLines(dir)).toHaveLength(7);
    expect(again).toEqual([]);
  }, 30_000);

  it('evaluates from where the last run stopped: the outage resolves under its key, and the minutes it was stopped are no no_data page', async () => {
    // Prepare: the page is printed at minute 4; the monitor stops after minute 5 while the gateway is down.
    const dir = freshDir();
    const first: Notification[] = [];
    const a = monitor(dir, first);
    await a.load(minute(0));
    await a.cycle(minute(0));
    await simulator.setFault('refuse');
    for (let k = 1; k <= 5; k++) await a.cycle(minute(k));
    await simulator.setFault('none');
    // Act: restarted at minute 12 (6 minutes without a probe), healthy.
    const again: Notification[] = [];
    const b = monitor(dir, again);
    await b.load(minute(12));
    for (let k = 12; k <= 16; k++) await b.cycle(minute(k));
    // Assess: before, the evaluation began at the restart, and printed a no_data RESOLVED whose page it never
    // sent. The minutes 6-11 nobody probed are not an outage of the monitor's own: nothing about them is told.
    expect(again.map((n) => [n.status, n.policy, iso(n.at)])).toEqual([['resolved', 'down', '2026-11-24T10:15:00.000Z']]);
    const down = again.filter((n) => n.policy === 'down');
    expect(down.map((n) => n.dedupKey)).toEqual([first[0]?.dedupKey]);
  }, 30_000);

  it('never re-sends what the ledger holds, even when the watermark was lost after a delivery', async () => {
    // Prepare: a run that printed a page, then a ledger whose watermark went back to before the page
    // (as after a crash between the delivery and the watermark's write).
    const dir = freshDir();
    const first: Notification[] = [];
    const a = monitor(dir, first);
    await a.load(minute(0));
    await a.cycle(minute(0));
    await simulator.setFault('refuse');
    for (let k = 1; k <= 4; k++) await a.cycle(minute(k));
    await simulator.setFault('none');
    expect(first).toHaveLength(1);
    const path = join(dir, SENT_LEDGER_FILE);
    const ledger = JSON.parse(readFileSync(path, 'utf8')) as { evaluatedUntil: string; sent: Array<{ dedupKey: string; status: string }> };
    expect(ledger.sent).toEqual([{ dedupKey: first[0]?.dedupKey, status: 'firing', at: '2026-11-24T10:04:00.000Z' }]);
    await createSentLedger(dir).save({ evaluatedUntil: minute(1), sent: [{ dedupKey: first[0]?.dedupKey ?? '', status: 'firing', at: minute(4) }] });
    // Act: two restarts one after the other, each evaluating the same minutes again.
    const printed: Notification[] = [];
    for (const restartAt of [5, 5]) {
      const m = monitor(dir, printed);
      await m.load(minute(restartAt));
      await m.cycle(minute(restartAt));
    }
    // Assess
    expect(printed).toEqual([]);
  }, 30_000);
});
