// The local monitor on the SLA fold: its per-target states kept in data/sla-state.json beside the sent
// ledger (replaced whole after each cycle), a restarted monitor stepping on from them, and a state that is
// missing, damaged or built for another configuration rebuilt from the stored results with a line saying
// why. Scripted probe results (no sockets) so that an hour of minutes with an outage and a latency ticket
// runs in milliseconds; the real store, ledger and SLA state file in a temp directory.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor, type LoadReport, type LocalMonitor } from '../../shared/cycles/local-monitor.js';
import { localView } from '../../shared/cycles/local-view.js';
import { replayWindow } from '../../shared/cycles/target-fold.js';
import { nodeTimers } from '../../shared/probe/node-deps.js';
import type { ProbeResult } from '../../shared/probe/types.js';
import type { Notification } from '../../shared/sla/notification.js';
import { SLA_STATE_FILE, createSlaStateFile } from '../../shared/store/sla-state-file.js';
import { createLocalStore } from '../../shared/store/local-store.js';
import { createSentLedger } from '../../shared/store/sent-ledger.js';
import { runCli } from '../support/cli.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;
const minute = (k: number): number => T0 + k * MIN;
const root = mkdtempSync(join(tmpdir(), 'pmt-sla-state-'));
afterAll(() => process.env.KEEP ? undefined : rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `data-${++dirs}`);

function configOf(controlP95Ms = 250): ResolvedConfig {
  const parsed = parseConfig(
    `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1] }\ntargets:\n  - { name: gw, host: 192.0.2.1, latency: { controlP95Ms: ${controlP95Ms}, for: 10 } }\n  - { name: quiet-gw, host: 192.0.2.2 }\n`,
    't.yml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

/** Minute k of the script: gw refuses at 10-13 and 52-54, is slow (400 ms) at 25-45; quiet-gw is always fine. */
function scripted(target: string, k: number): ProbeResult {
  const base = { target, host: '192.0.2.1', port: 1723, attempts: 1, notes: [] };
  if (target === 'gw' && ((k >= 10 && k <= 13) || (k >= 52 && k <= 54))) {
    return { ...base, ok: false, timings: { dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined, totalMs: 1 }, failure: { class: 'connect_refused', message: 'refused', phase: 'connect', elapsedMs: 1 } };
  }
  const control = target === 'gw' && k >= 25 && k <= 45 ? 400 : 40;
  return { ...base, ok: true, timings: { dnsMs: undefined, connectMs: 1, controlMs: control, echoMs: 1, callMs: undefined, totalMs: control + 3 } };
}

interface Harness {
  monitor: LocalMonitor;
  sent: Notification[];
}

function harness(dir: string, config: ResolvedConfig, sent: Notification[], clock: { k: number }, keepState = true): Harness {
  const monitor = createLocalMonitor(config, {
    probe: async (t) => scripted(t.target, clock.k),
    store: createLocalStore(dir),
    ledger: createSentLedger(dir),
    ...(keepState && { slaState: createSlaStateFile(dir) }),
    clock: { now: () => performance.now() },
    wallClock: () => minute(clock.k) + 30_000,
    timers: nodeTimers,
    onResult: () => undefined,
    deliver: async (n) => void sent.push(n),
    onStoreError: (_, err) => {
      throw err;
    },
    onSlaStateError: (err) => {
      throw err;
    },
  });
  return { monitor, sent };
}

/** Runs minutes [from, to) on a monitor loaded at `from`; returns the load report. */
async function runMinutes(h: Harness, clock: { k: number }, from: number, to: number): Promise<LoadReport> {
  clock.k = from;
  const loaded = await h.monitor.load(minute(from) + 1_000);
  for (let k = from; k < to; k++) {
    clock.k = k;
    await h.monitor.cycle(minute(k));
  }
  return loaded;
}

const identity = (n: Notification): string => `${n.at} ${n.dedupKey} ${n.status}`;

async function uninterrupted(minutes: number): Promise<Notification[]> {
  const dir = freshDir();
  const clock = { k: 0 };
  const h = harness(dir, configOf(), [], clock);
  await runMinutes(h, clock, 0, minutes);
  return h.sent;
}

describe('local monitor: SLA state beside the sent ledger', () => {
  it('writes every target\'s fold state after each cycle, whole, and a restarted monitor steps on from it: the same notifications as one run', async () => {
    // Prepare
    const reference = await uninterrupted(70);
    const dir = freshDir();
    const clock = { k: 0 };
    const sent: Notification[] = [];
    const reports: LoadReport[] = [];
    // Act: a restart every 7 minutes (each a new process as far as the monitor knows).
    for (let from = 0; from < 70; from += 7) reports.push(await runMinutes(harness(dir, configOf(), sent, clock), clock, from, Math.min(70, from + 7)));
    // Assess
    // (the second outage pages as error_budget: the budget burnt by the first one fires before down does).
    expect(reference.map((n) => [n.policy, n.status, (n.at - T0) / MIN])).toEqual([
      ['down', 'firing', 12.5],
      ['down', 'resolved', 16.5],
      ['latency', 'firing', 34.5],
      ['error_budget', 'firing', 52.5],
      ['latency', 'resolved', 64.5],
    ]);
    expect(sent.map(identity)).toEqual(reference.map(identity));
    expect(reports.every((r) => r.rebuilt === undefined)).toBe(true);
    const stored = JSON.parse(readFileSync(join(dir, SLA_STATE_FILE), 'utf8')) as { v: number; targets: Record<string, { t: number }> };
    expect(stored.v).toBe(1);
    expect(Object.keys(stored.targets).sort()).toEqual(['gw', 'quiet-gw']);
    expect(stored.targets['gw']?.t).toBe(minute(70));
    expect(existsSync(join(dir, `${SLA_STATE_FILE}.tmp`))).toBe(false);
  });

  it('sends what a backtest of the stored results finds', async () => {
    // Prepare
    const dir = freshDir();
    const clock = { k: 0 };
    const h = harness(dir, configOf(), [], clock);
    // Act
    await runMinutes(h, clock, 0, 70);
    const records = (await createLocalStore(dir).read(minute(0), minute(71))).records;
    const config = configOf();
    const replayed = config.targets.flatMap((t) => replayWindow(localView(t), records.filter((r) => r.target === t.name), { fromExclusive: minute(0), toInclusive: minute(70) }));
    // Assess: the same keys, statuses and instants (the monitor's `at` is its clock, 30 s into each minute).
    const key = (n: Notification): string => `${n.dedupKey} ${n.status} ${Math.ceil(n.at / MIN)}`;
    expect(h.sent.map(key)).toEqual(replayed.sort((a, b) => a.at - b.at).map(key));
  });

  for (const damage of [
    { name: 'a file that is not JSON', apply: (dir: string) => writeFileSync(join(dir, SLA_STATE_FILE), '{"v":1,"targets":{'), reason: /sla-state\.json is not JSON$/ },
    { name: 'a missing file', apply: (dir: string) => unlinkSync(join(dir, SLA_STATE_FILE)), reason: /^no .*sla-state\.json$/ },
    {
      name: 'one target\'s damaged state',
      apply: (dir: string) => {
        const path = join(dir, SLA_STATE_FILE);
        const stored = JSON.parse(readFileSync(path, 'utf8')) as { targets: Record<string, Record<string, unknown>> };
        stored.targets['gw']!['k'] = -3;
        writeFileSync(path, JSON.stringify(stored));
      },
      reason: /sla-state\.json: .+/,
    },
  ]) {
    it(`rebuilds the state from the stored results after ${damage.name}, says why, and sends nothing twice and nothing less`, async () => {
      // Prepare: 30 minutes (an outage told, a latency stretch under way), then the damage.
      const reference = await uninterrupted(70);
      const dir = freshDir();
      const clock = { k: 0 };
      const sent: Notification[] = [];
      await runMinutes(harness(dir, configOf(), sent, clock), clock, 0, 30);
      damage.apply(dir);
      // Act
      const loaded = await runMinutes(harness(dir, configOf(), sent, clock), clock, 30, 70);
      // Assess
      expect(loaded.rebuilt?.map((r) => r.target)).toContain('gw');
      for (const r of loaded.rebuilt ?? []) expect(r.reason).toMatch(damage.reason);
      expect(sent.map(identity)).toEqual(reference.map(identity));
    });
  }

  it('rebuilds the states of another configuration (latency objective changed) and applies the new one from the restart on', async () => {
    // Prepare
    const dir = freshDir();
    const clock = { k: 0 };
    const sent: Notification[] = [];
    await runMinutes(harness(dir, configOf(250), sent, clock), clock, 0, 30);
    // Act: restarted at 10:30 with an objective of 500 ms, which the 400 ms stretch (10:25-10:45) does not break.
    const loaded = await runMinutes(harness(dir, configOf(500), sent, clock), clock, 30, 70);
    // Assess: the rebuild says so, and no latency ticket opens.
    // (quiet-gw's configuration did not change: its state is kept.)
    expect(loaded.rebuilt).toEqual([{ target: 'gw', reason: expect.stringMatching(/sla-state\.json: built for another configuration of the target/) }]);
    expect(sent.map((n) => [n.policy, n.status, (n.at - T0) / MIN])).toEqual([
      ['down', 'firing', 12.5],
      ['down', 'resolved', 16.5],
      ['error_budget', 'firing', 52.5],
    ]);
  });

  it('without an SLA state file, rebuilds at every start and reports nothing (tests and embedders that keep no file)', async () => {
    const reference = await uninterrupted(70);
    const dir = freshDir();
    const clock = { k: 0 };
    const sent: Notification[] = [];
    const reports: LoadReport[] = [];
    for (let from = 0; from < 70; from += 20) reports.push(await runMinutes(harness(dir, configOf(), sent, clock, false), clock, from, Math.min(70, from + 20)));
    expect(sent.map(identity)).toEqual(reference.map(identity));
    expect(reports.every((r) => r.rebuilt === undefined)).toBe(true);
    expect(existsSync(join(dir, SLA_STATE_FILE))).toBe(false);
  });
});

describe('pptp-monitor run: the SLA state on disk', () => {
  it('says on stderr that it rebuilt a damaged SLA state from the stored results, and writes a good one', async () => {
    // Prepare: a store with two results of a closed port, and a damaged SLA state file.
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const data = freshDir();
    mkdirSync(data, { recursive: true });
    const config = join(root, 'cli.yml');
    writeFileSync(config, `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: down-gw, host: 127.0.0.1, port: ${port} }\n`);
    const now = Math.floor(Date.now() / MIN) * MIN;
    for (const k of [3, 2]) {
      const line = JSON.stringify({ v: 1, interval: new Date(now - k * MIN).toISOString(), target: 'down-gw', region: 'local', ok: false, failureClass: 'connect_refused', attempts: 1, totalMs: 1 });
      writeFileSync(join(data, `results-${new Date(now - k * MIN).toISOString().slice(0, 10)}.jsonl`), `${line}\n`, { flag: 'a' });
    }
    writeFileSync(join(data, SLA_STATE_FILE), 'garbage');
    // Act
    const run = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`pptp-monitor run: SLA state of 1 target(s) (down-gw) rebuilt from the stored results: ${join(data, SLA_STATE_FILE)} is not JSON\n`);
    const stored = JSON.parse(readFileSync(join(data, SLA_STATE_FILE), 'utf8')) as { targets: Record<string, { o: number }> };
    expect(stored.targets['down-gw']?.o).toBe(now - 3 * MIN);
  }, 30_000);
});
