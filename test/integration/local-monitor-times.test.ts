// The local monitor evaluates an interval as soon as its result is in, a minute before the interval ends:
// no time in what it prints or posts may lie after the moment it is delivered (issue 9: "Printed at
// 18:39:00: Evaluated: ...18:40:00"; a webhook at 19:00:02 carried endsAt 19:01:00).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAlert } from '../../shared/alerts/render.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { probePptp } from '../../shared/probers/pptp/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { startSimulator, type Simulator } from '../../shared/simulator/index.js';
import { createLocalStore } from '../../shared/store/local-store.js';

const T0 = Date.parse('2026-11-24T18:30:00Z');
const minute = (k: number): number => T0 + k * 60_000;

describe('local monitor: notification times', () => {
  let simulator: Simulator;
  let config: ResolvedConfig;
  const dir = mkdtempSync(join(tmpdir(), 'pmt-times-'));

  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 500 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`, 't.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never dates a firing, a resolved or their bodies after the moment they are delivered', async () => {
    // Prepare: a clock that reads each cycle's interval start plus the time the cycle has taken, as a
    // monitor started on the minute sees it.
    let cycleStart = minute(0);
    let realStart = Date.now();
    const clock = { now: () => cycleStart + (Date.now() - realStart) };
    const delivered: Array<{ n: Notification; atMs: number }> = [];
    const deps = nodeProbeDeps();
    const monitor = createLocalMonitor(config, {
      probe: (t, o) => probePptp(t, o, deps),
      store: createLocalStore(dir),
      clock: { now: () => performance.now() },
      wallClock: clock.now,
      timers: nodeTimers,
      onResult: () => undefined,
      deliver: async (n) => void delivered.push({ n, atMs: clock.now() }),
      onStoreError: (_, err) => {
        throw err;
      },
    });
    await monitor.load(minute(0));
    // Act: healthy 0-4, the gateway refuses 5-7 (18:35-18:37), healthy from 8.
    for (let k = 0; k < 16; k++) {
      cycleStart = minute(k);
      realStart = Date.now();
      await simulator.setFault(k >= 5 && k < 8 ? 'refuse' : 'none');
      await monitor.cycle(minute(k));
    }
    // Assess
    expect(delivered.map(({ n }) => [n.status, n.policy])).toEqual([
      ['firing', 'down'],
      ['resolved', 'down'],
    ]);
    for (const { n, atMs } of delivered) {
      expect(n.at).toBeLessThanOrEqual(atMs);
      expect(n.startsAt).toBeLessThanOrEqual(atMs);
      if (n.endsAt !== undefined) expect(n.endsAt).toBeLessThanOrEqual(atMs);
      const https = JSON.parse((JSON.parse(renderAlert(n, { runbookBaseUrl: 'docs/runbooks/' }).message) as { https: string }).https) as { startsAt: string; endsAt: string | null };
      expect(Date.parse(https.startsAt)).toBeLessThanOrEqual(atMs);
      if (https.endsAt !== null) expect(Date.parse(https.endsAt)).toBeLessThanOrEqual(atMs);
    }
    // The outage's own span: 18:35 to 18:38, three minutes; the page was decided with the 18:37 result
    // (before 18:38), the resolved with the 18:40 result (before 18:41).
    const [firing, resolved] = delivered.map(({ n }) => n);
    expect([firing?.startsAt, resolved?.endsAt]).toEqual([minute(5), minute(8)]);
    expect(firing!.at).toBeGreaterThanOrEqual(minute(7));
    expect(firing!.at).toBeLessThan(minute(8));
    expect(resolved!.at).toBeGreaterThanOrEqual(minute(10));
    expect(resolved!.at).toBeLessThan(minute(11));
  }, 60_000);
});
