// Filtered, rejected and closed ports, made real with iptables inside a namespace the test creates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResultJson } from '../../shared/cli/result-json.js';
import { runCli } from '../support/cli.js';
import { createNetns, requireNetns, type Netns } from '../support/netns.js';

describe('pptp-monitor check against filtered and closed ports', () => {
  let netns: Netns | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    skipReason = await requireNetns();
    if (skipReason) return;
    netns = await createNetns('filter');
    const rules = [
      ['-A', 'INPUT', '-p', 'tcp', '--dport', '1723', '-j', 'DROP'],
      ['-A', 'OUTPUT', '-p', 'tcp', '--dport', '1725', '-j', 'REJECT', '--reject-with', 'icmp-host-unreachable'],
    ];
    for (const rule of rules) {
      const r = await netns.run('iptables', rule);
      if (r.code !== 0) throw new Error(`iptables ${rule.join(' ')} failed: ${r.stderr}`);
    }
  });

  afterAll(async () => {
    await netns?.destroy();
  });

  it('classifies a port whose SYNs are dropped as connect_timeout, on time', async (ctx) => {
    if (!netns) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1:1723', '--timeout', '700', '--json'], { netns });
    expect(run.code).toBe(1);
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result!.failure).toMatchObject({ class: 'connect_timeout', phase: 'connect', runbook: 'docs/runbooks/connect_timeout.md' });
    // The probe waited out its whole deadline (the connect phase's own clock starts a moment later, once
    // the socket exists, so its elapsedMs is a little under 700).
    expect(result!.timings.totalMs).toBeGreaterThanOrEqual(700);
    expect(result!.timings.totalMs).toBeLessThan(700 + 50);
    expect(result!.failure!.elapsedMs).toBeGreaterThan(650);
  });

  it('classifies an ICMP host-unreachable answer as network_unreachable', async (ctx) => {
    if (!netns) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1:1725', '--timeout', '2000', '--json'], { netns });
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result!.failure).toMatchObject({ class: 'network_unreachable', phase: 'connect' });
    expect(result!.failure!.message).toContain('EHOSTUNREACH');
  });

  it('classifies a closed port as connect_refused', async (ctx) => {
    if (!netns) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1:1724', '--json'], { netns });
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result!.failure).toMatchObject({ class: 'connect_refused', phase: 'connect' });
    expect(result!.timings.totalMs).toBeLessThan(1000);
  });

  it('retries a filtered port within one deadline and reports the attempts', async (ctx) => {
    if (!netns) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1:1723', '--timeout', '900', '--attempts', '3', '--json'], { netns });
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result!.failure!.class).toBe('connect_timeout');
    expect(result!.timings.totalMs).toBeLessThan(900 + 50);
  });
});
