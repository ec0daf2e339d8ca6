// The real Debian pptpd in a namespace of the test's own, probed by the real CLI inside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResultJson } from '../../shared/cli/result-json.js';
import { runCli } from '../support/cli.js';
import { requirePptpd, startPptpd, type PptpdInstance } from '../support/pptpd.js';

// pptpd forks a control process per connection and drops a few percent of them under load (see
// shared/TOOLING.md); one retry keeps that daemon quirk from failing a test about our prober.
const RETRY = ['--attempts', '2'];

describe('pptp-monitor check against the real pptpd', () => {
  let pptpd: PptpdInstance | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) {
      console.warn(`skipping pptpd integration tests: ${skipReason}`);
      return;
    }
    pptpd = await startPptpd('pptpd');
  });

  afterAll(async () => {
    await pptpd?.stop();
  });

  it('reports a healthy gateway with every phase timed and the identity pptpd announces', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    // Act
    const run = await runCli(['check', '127.0.0.1', '--json', ...RETRY], { netns: pptpd.netns });
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result).toMatchObject({ target: '127.0.0.1', host: '127.0.0.1', port: 1723, address: '127.0.0.1', ok: true });
    expect(result!.server).toEqual({
      hostname: 'local',
      vendor: 'linux',
      firmwareRevision: 1,
      protocolVersion: 0x0100,
      maxChannels: 1,
      framingCapabilities: 0,
      bearerCapabilities: 0,
    });
    for (const key of ['connectMs', 'controlMs', 'echoMs', 'totalMs'] as const) {
      expect(result!.timings[key]).toBeGreaterThan(0);
      expect(result!.timings[key]).toBeLessThan(5000);
    }
    expect(result!.timings.dnsMs).toBeUndefined();
    expect(result!.timings.callMs).toBeUndefined();
    expect(result!.failure).toBeUndefined();
  });

  it('answers Stop-Control-Connection-Request: no note about an unanswered Stop', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1', '--json', '--no-echo', ...RETRY], { netns: pptpd.netns });
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result!.ok).toBe(true);
    expect(result!.timings.echoMs).toBeUndefined();
    expect(result!.notes ?? []).not.toContain('Stop-Control-Connection-Request went unanswered');
  });

  it('classifies --call as call_dropped: pptpd accepts the call, then pppd cannot start and the call is dropped', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1', '--call', '--json'], { netns: pptpd.netns });
    expect(run.code).toBe(1);
    const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
    expect(result!.ok).toBe(false);
    expect(result!.failure).toMatchObject({ class: 'call_dropped', phase: 'call', runbook: 'docs/runbooks/call_dropped.md' });
    // The call was accepted (OCRP result 1) before it was dropped, so its set-up was timed.
    expect(result!.timings.callMs).toBeGreaterThan(0);
    expect(result!.server?.vendor).toBe('linux');
  });

  it('prints one human row per target with status, timings and identity', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    const run = await runCli(['check', '127.0.0.1', '127.0.0.1:1', ...RETRY], { netns: pptpd.netns });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^UP {4}127\.0\.0\.1 {2}connect \d+\.\d\d ms {2}control \d+\.\d\d ms {2}echo \d+\.\d\d ms/m);
    expect(run.stdout).toContain('server: local / linux, firmware 1, PPTP 1.0, max channels 1');
    expect(run.stdout).toMatch(/^DOWN {2}127\.0\.0\.1:1 {2}connect_refused in connect/m);
    expect(run.stdout).toContain('runbook: docs/runbooks/connect_refused.md');
    expect(run.stdout).not.toContain('\u001b['); // not a TTY: no colour
  });
});

describe('pptpd at its connection limit', () => {
  let pptpd: PptpdInstance | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) return;
    // -C 1: one connection at a time.
    pptpd = await startPptpd('pptpd-limit', ['-C', '1']);
  });

  afterAll(async () => {
    await pptpd?.stop();
  });

  it('reports control_timeout, not a reset: pptpd stops accepting and the handshake waits in the backlog', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    // Prepare: one client holds the only connection (inside the namespace, like the probe).
    const holder = pptpd.netns.spawn(process.execPath, ['-e', "require('net').connect(1723, '127.0.0.1', () => console.log('held')); setTimeout(() => {}, 20000)"]);
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    try {
      // Act
      const run = await runCli(['check', '127.0.0.1', '--timeout', '1500', '--json'], { netns: pptpd.netns });
      // Assess
      const [result] = JSON.parse(run.stdout) as ProbeResultJson[];
      expect(result!.failure).toMatchObject({ class: 'control_timeout', phase: 'control' });
      expect(result!.timings.connectMs).toBeGreaterThan(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
