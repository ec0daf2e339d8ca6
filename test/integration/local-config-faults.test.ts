// The README's demo, held to its word: with the shipped monitor.local.yml, every fault the simulator can
// play (and the ones the README and the config name, with their arguments) must show as the failure class
// the fault table promises, and the local monitor must page (or, for `slow 400`, open the latency ticket).
// Only the target's port is changed, so the test does not fight a running `npm start` for 17230.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createLocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { probeTargetFor, type ProbeResult } from '../../shared/probe/index.js';
import { probeOptionsFor } from '../../shared/probers/index.js';
import { probePptp } from '../../shared/probers/pptp/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { FAULT_EXPECTED_CLASS, SIMULATOR_FAULTS, startSimulator, type FaultOptions, type Simulator, type SimulatorFault } from '../../shared/simulator/index.js';
import type { LocalStore } from '../../shared/store/local-store.js';

const SHIPPED = fileURLToPath(new URL('../../monitor.local.yml', import.meta.url));
const T0 = Date.parse('2026-11-24T10:00:00Z');
const minute = (k: number): number => T0 + k * 60_000;

/** The faults as the README and monitor.local.yml name them, then every other fault with its defaults. */
const NAMED: Array<{ command: string; fault: SimulatorFault; options?: FaultOptions }> = [
  { command: 'silent', fault: 'silent' },
  { command: 'reset', fault: 'reset' },
  { command: 'reject 4', fault: 'reject', options: { resultCode: 4 } },
  { command: 'drop-calls', fault: 'drop-calls' },
  ...SIMULATOR_FAULTS.filter((f) => !['none', 'silent', 'reset', 'drop-calls', 'slow'].includes(f)).map((fault) => ({ command: fault, fault })),
];

/** A store that keeps nothing: these tests are about what the probe and evaluator see. */
const memoryStore: LocalStore = { dir: 'memory', append: async () => undefined, read: async () => ({ records: [], skipped: [], duplicates: 0 }) };

describe('the shipped monitor.local.yml against each simulator fault', () => {
  let simulator: Simulator;
  let config: ResolvedConfig;
  const deps = nodeProbeDeps();

  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    const text = readFileSync(SHIPPED, 'utf8');
    expect(text.match(/port: 17230\b/g)).toHaveLength(1);
    const parsed = parseConfig(text.replace(/port: 17230\b/, `port: ${simulator.port}`), 'monitor.local.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
  });
  afterAll(async () => {
    await simulator.close();
  });

  const probeOnce = async (): Promise<ProbeResult> => {
    const target = config.targets[0];
    if (!target) throw new Error('no target in monitor.local.yml');
    return probePptp(probeTargetFor(target), probeOptionsFor(target), deps);
  };

  const monitor = (sent: Notification[], results: ProbeResult[] = []): ReturnType<typeof createLocalMonitor> =>
    createLocalMonitor(config, {
      probe: async (t, o) => {
        const result = await probePptp(t, o, deps);
        results.push(result);
        return result;
      },
      store: memoryStore,
      clock: nodeClock,
      timers: nodeTimers,
      onResult: () => undefined,
      deliver: async (n) => void sent.push(n),
      onStoreError: () => undefined,
    });

  it('keeps a healthy simulated gateway UP with every check the config turns on (echo and call included)', async () => {
    await simulator.setFault('none');
    expect(config.targets[0]?.checks).toEqual({ echo: true, call: true });
    const result = await probeOnce();
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.timings.callMs).toBeGreaterThan(0);
  });

  for (const { command, fault, options } of NAMED) {
    it(`shows 'fault ${command}' as ${String(FAULT_EXPECTED_CLASS[fault])}`, async () => {
      await simulator.setFault(fault, options);
      const result = await probeOnce();
      await simulator.setFault('none');
      expect(result.failure?.class).toBe(FAULT_EXPECTED_CLASS[fault]);
      if (command === 'reject 4') expect(result.failure?.message).toContain('result 4');
    });
  }

  it("pages DOWN with the call_dropped runbook three minutes into 'fault drop-calls', and resolves after 'fault none'", async () => {
    const sent: Notification[] = [];
    const m = monitor(sent);
    for (let k = 0; k < 3; k++) await m.cycle(minute(k));
    await simulator.setFault('drop-calls');
    for (let k = 3; k < 6; k++) await m.cycle(minute(k));
    await simulator.setFault('none');
    for (let k = 6; k < 9; k++) await m.cycle(minute(k));
    expect(sent.map((n) => [n.status, n.policy, n.dominantFailureClass, new Date(n.at).toISOString()])).toEqual([
      ['firing', 'down', 'call_dropped', '2026-11-24T10:06:00.000Z'],
      ['resolved', 'down', 'call_dropped', '2026-11-24T10:09:00.000Z'],
    ]);
  }, 60_000);

  it("opens the latency ticket under 'fault slow 400' (control p95 above the config's 250 ms) and stays UP", async () => {
    const sent: Notification[] = [];
    const results: ProbeResult[] = [];
    const m = monitor(sent, results);
    for (let k = 0; k < 5; k++) await m.cycle(minute(100 + k));
    await simulator.setFault('slow', { delayMs: 400 });
    // The ticket waits until the p95 has stayed above for latency.for (15 minutes unless configured).
    const forMinutes = config.targets[0]?.latency?.forMinutes ?? 15;
    let slowMinutes = 0;
    for (; slowMinutes <= forMinutes && !sent.some((n) => n.policy === 'latency'); slowMinutes++) await m.cycle(minute(105 + slowMinutes));
    await simulator.setFault('none');
    expect(results.map((r) => r.failure?.class ?? 'ok')).toEqual(results.map(() => 'ok'));
    const ticket = sent.find((n) => n.policy === 'latency');
    expect(ticket).toMatchObject({ status: 'firing', severity: 'ticket', latency: { thresholdMs: 250 } });
    expect(ticket?.latency?.p95ByRegion['local']).toBeGreaterThan(400);
    expect(slowMinutes).toBe(forMinutes);
    expect(ticket?.at).toBe(minute(105 + forMinutes));
    expect(ticket?.startsAt).toBe(minute(105));
    expect(sent.filter((n) => n.policy !== 'latency')).toEqual([]);
  }, 120_000);
});
