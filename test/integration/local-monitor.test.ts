// The local monitor minute by minute, without waiting for real minutes: the real prober against the
// gateway simulator on loopback, the real JSON Lines store in a temp dir, the SLA core deciding. One
// outage must give one page (with the runbook of what the probe saw), then one resolved notice.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderAlert } from '../../shared/alerts/render.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { probePptp } from '../../shared/probers/pptp/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { startSimulator, type Simulator } from '../../shared/simulator/index.js';
import { createLocalStore, type LocalStore } from '../../shared/store/local-store.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const minute = (k: number): number => T0 + k * 60_000;

describe('local monitor against the simulator', () => {
  let simulator: Simulator;
  let config: ResolvedConfig;
  /** Each test's own store directory, removed after it. */
  const dirs: string[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1, us-east-1], timeout: 500 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`, 't.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
  });

  afterEach(async () => {
    await simulator.setFault('none');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await simulator.close();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'pmt-local-'));
    dirs.push(dir);
    return dir;
  }

  function monitor(sink: Notification[], store: LocalStore, storeErrors: string[] = []): ReturnType<typeof createLocalMonitor> {
    const deps = nodeProbeDeps();
    return createLocalMonitor(config, {
      probe: (t, o) => probePptp(t, o, deps),
      store,
      onStoreError: (lines, err) => void storeErrors.push(`${(err as Error).message}: ${lines.map((l) => l.target).join(',')}`),
      clock: nodeClock,
      timers: nodeTimers,
      onResult: () => undefined,
      deliver: async (n) => void sink.push(n),
    });
  }

  /** 5 healthy minutes, 6 minutes of resets, 8 healthy minutes (minutes 0 to 18). */
  async function runOutage(m: ReturnType<typeof createLocalMonitor>): Promise<void> {
    for (let k = 0; k < 5; k++) await m.cycle(minute(k));
    await simulator.setFault('reset');
    for (let k = 5; k < 11; k++) await m.cycle(minute(k));
    await simulator.setFault('none');
    for (let k = 11; k < 19; k++) await m.cycle(minute(k));
  }

  it('pages once when the gateway resets for three minutes, with its runbook, and resolves once after it heals', async () => {
    // Prepare
    const sent: Notification[] = [];
    const m = monitor(sent, createLocalStore(tempDir()));
    // Act
    await runOutage(m);
    // Assess
    const pages = sent.filter((n) => n.severity === 'page' && n.status === 'firing');
    expect(pages.map((n) => [n.policy, new Date(n.startsAt).toISOString(), new Date(n.at).toISOString()])).toEqual([['down', '2026-11-24T10:05:00.000Z', '2026-11-24T10:08:00.000Z']]);
    const [page] = pages;
    if (!page) throw new Error('no page');
    expect(page.dominantFailureClass).toBe('connection_reset');
    expect(page.dedupKey).toBe('sim-gw/down/2026-11-24T10:05:00.000Z');
    expect(renderAlert(page, { runbookBaseUrl: config.runbookBaseUrl }).runbookUrl).toBe('docs/runbooks/connection_reset.md');
    const resolved = sent.filter((n) => n.policy === 'down' && n.status === 'resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.dedupKey).toBe(page.dedupKey);
  }, 60_000);

  it('keeps every result on disk, one JSON line each, and a restarted monitor does not page again for the past', async () => {
    // Prepare: the outage above, stored in this test's own directory.
    const dir = tempDir();
    await runOutage(monitor([], createLocalStore(dir)));
    // Assess
    const files = readdirSync(dir);
    expect(files).toEqual(['results-2026-11-24.jsonl']);
    const lines = readFileSync(join(dir, files[0] ?? ''), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(19);
    expect(lines.filter((l) => (JSON.parse(l) as { failureClass?: string }).failureClass === 'connection_reset')).toHaveLength(6);
    const sent: Notification[] = [];
    const restarted = monitor(sent, createLocalStore(dir));
    expect(await restarted.load(minute(19))).toEqual({ records: 19, skipped: 0, duplicates: 0 });
    await restarted.cycle(minute(19));
    expect(sent).toEqual([]);
  }, 60_000);

  it('keeps monitoring from memory when the store cannot be written, handing the results over whole', async () => {
    // Prepare: a store whose disk is full.
    const full: LocalStore = { dir: '/full', append: async () => Promise.reject(new Error('ENOSPC: no space left on device')), read: async () => ({ records: [], skipped: [], duplicates: 0 }) };
    const sent: Notification[] = [];
    const errors: string[] = [];
    const m = monitor(sent, full, errors);
    await simulator.setFault('refuse');
    // Act
    for (let k = 100; k < 104; k++) await m.cycle(minute(k));
    await simulator.setFault('none');
    // Assess: every cycle's results reached the error hook, and the outage still paged from memory.
    expect(errors).toEqual(Array.from({ length: 4 }, () => 'ENOSPC: no space left on device: sim-gw'));
    expect(sent.filter((n) => n.status === 'firing').map((n) => [n.policy, n.dominantFailureClass])).toEqual([['down', 'connect_refused']]);
  }, 60_000);
});
