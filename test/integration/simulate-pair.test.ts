// `simulate --pair` on real loopback sockets, driven through its stdin as an operator would, and probed
// by the real prober: the identity on the virtual address follows the MASTER, a member that is down
// fails its own probe while the virtual address still answers.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSimulateArgs } from '../../shared/cli/simulate-args.js';
import { runSimulate } from '../../shared/cli/simulate-command.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import { probeByKind } from '../../shared/probe/registry.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { PROBERS } from '../../shared/probers/index.js';
import { PPTP_CONTROL } from '../../shared/probers/pptp/options.js';
import { startPairSimulator, type PairEvent, type PairSimulator } from '../../shared/simulator/index.js';

/** Probe deadline, in ms: a loopback exchange takes a few ms. */
const TIMEOUT_MS = 1000;
/** Master-down delay in these tests, in ms: long enough to see the address down, short enough to wait out. */
const TAKEOVER_DELAY_MS = 200;

const probeKind = probeByKind(PROBERS, nodeProbeDeps());
const probe = (port: number): Promise<ProbeResult> =>
  probeKind(PPTP_CONTROL, { target: `127.0.0.1:${port}`, host: '127.0.0.1', port }, { timeoutMs: TIMEOUT_MS });
const identity = (result: ProbeResult): { ok: boolean; hostname?: string; firmwareRevision?: number } => ({
  ok: result.ok,
  ...(result.server && { hostname: result.server.hostname, firmwareRevision: result.server.firmwareRevision }),
});

/** Polls until check() passes or timeoutMs runs out (then fails with check's own message). */
async function eventually(check: () => void | Promise<void>, timeoutMs = 3000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (performance.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const pairs: PairSimulator[] = [];
afterEach(async () => {
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

describe('simulate --pair', () => {
  it('moves the identity on the virtual address with failover, member down and firmware, probed by the real prober', async () => {
    // Prepare
    const stdin = new PassThrough();
    const controller = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    const running = runSimulate(parseSimulateArgs(['--pair', '--port', '0', '--takeover-delay', String(TAKEOVER_DELAY_MS)]), {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      stdin,
      signal: controller.signal,
    });
    await eventually(() => expect(out[0]).toContain('simulating a keepalived pair'));
    const ports = /virtual 127\.0\.0\.1:(\d+) MASTER a; member a \(gw-a, firmware 1\) on 127\.0\.0\.1:(\d+) up; member b \(gw-b, firmware 1\) on 127\.0\.0\.1:(\d+) up/.exec(out[0]!);
    expect(ports).not.toBeNull();
    const [virtual, a, b] = ports!.slice(1).map(Number) as [number, number, number];
    const sent = (line: string, lines: number): Promise<void> => {
      stdin.write(`${line}\n`);
      return eventually(() => expect(out.length).toBeGreaterThanOrEqual(lines));
    };

    // Act / Assess: at start, a is MASTER; each member answers as itself.
    expect(identity(await probe(virtual))).toEqual({ ok: true, hostname: 'gw-a', firmwareRevision: 1 });
    expect(identity(await probe(a))).toEqual({ ok: true, hostname: 'gw-a', firmwareRevision: 1 });
    expect(identity(await probe(b))).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });

    // failover: b answers on the virtual address.
    await sent('failover', 2);
    expect(out[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z MASTER b \(gw-b, firmware 1\) answers on 127\.0\.0\.1:\d+ \(was a; failover\)$/);
    expect(identity(await probe(virtual))).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });

    // firmware a 2, then back to a: the virtual address now announces revision 2.
    await sent('firmware a 2', 3);
    await sent('failover', 4);
    expect(identity(await probe(virtual))).toEqual({ ok: true, hostname: 'gw-a', firmwareRevision: 2 });
    expect(identity(await probe(b))).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });

    // member a down (a is MASTER): a fails its own probe; after the delay b answers on the virtual address.
    await sent('member a down', 7);
    expect(out.slice(4, 7).map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `member a down: refuses connections on 127.0.0.1:${a}`,
      `virtual 127.0.0.1:${virtual} down: MASTER a is down`,
      `b takes over 127.0.0.1:${virtual} in ${TAKEOVER_DELAY_MS} ms`,
    ]);
    expect((await probe(a)).failure?.class).toBe('connect_refused');
    await eventually(() => expect(out.length).toBe(8));
    expect(out[7]).toMatch(/MASTER b \(gw-b, firmware 1\) answers on 127\.0\.0\.1:\d+ \(was none; takeover\)$/);
    expect(identity(await probe(virtual))).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });
    expect((await probe(a)).failure?.class).toBe('connect_refused');

    // Mistakes are said, and the session goes on.
    stdin.write('member c down\nfailover\nstatus\n');
    await eventually(() => expect(out.length).toBe(9));
    expect(err.map((l) => l.replace(/^\d{4}-\S+ /, ''))).toEqual([
      "member: needs a member, a or b, got 'c'",
      'unchanged: member a is down; b stays MASTER',
    ]);
    expect(out[8]).toBe(
      `virtual 127.0.0.1:${virtual} MASTER b; member a (gw-a, firmware 2) on 127.0.0.1:${a} down; member b (gw-b, firmware 1) on 127.0.0.1:${b} up`,
    );
    controller.abort();
    expect(await running).toBe(0);
    expect(out.at(-1)).toMatch(/ stopped$/);
    expect((await probe(virtual)).failure?.class).toBe('connect_refused');
  });

  it('takes the virtual address down with both members, and back up with the first one to return', async () => {
    // Prepare
    const events: PairEvent[] = [];
    const pair = await startPairSimulator({ port: 0, takeoverDelayMs: TAKEOVER_DELAY_MS, onEvent: (e) => events.push(e) });
    pairs.push(pair);
    // Act
    await pair.setMemberUp('b', false);
    await pair.setMemberUp('a', false);
    const bothDown = await probe(pair.virtualPort);
    await pair.setMemberUp('b', true);
    const beforeTakeover = await probe(pair.virtualPort);
    await eventually(() => expect(pair.state().master).toBe('b'));
    const after = await probe(pair.virtualPort);
    // Assess
    expect(bothDown.failure?.class).toBe('connect_refused');
    expect(beforeTakeover.failure?.class).toBe('connect_refused');
    expect(identity(after)).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });
    expect(identity(await probe(pair.memberPorts.b))).toEqual({ ok: true, hostname: 'gw-b', firmwareRevision: 1 });
    expect((await probe(pair.memberPorts.a)).failure?.class).toBe('connect_refused');
    expect(events.map((e) => e.kind)).toEqual(['member', 'member', 'virtual-down', 'member', 'takeover-scheduled', 'master']);
  });
});
