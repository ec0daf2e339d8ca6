// The agent's fault campaign: the built agent as a real process on the host loopback (gateways are
// in-process peers: one healthy, one refusing, one silent), publishing to the CloudWatch wire fake,
// through a proxy the test cuts and restores. Each case asserts the exact set of points the fake ends
// up holding, key by key (metric, dimensions, timestamp) with counts, against the minutes the agent
// logged as probed: CloudWatch down for four minutes, throttling and 5xx bursts, kill -9 at seeded
// random moments with restarts on the same spool, and a full disk under the spool.
//
// ServerIdentity. The agent publishes gw-ok's identity (the only gateway that answers SCCRQ with an
// SCCRP: gw-refused never connects, gw-silent never answers) sparsely, as the probe Lambda does: one
// point in each process's first minute, a cold start that knows no identity yet, and then only when it
// changes (never here) or at gw-ok's daily refresh minute, should a run cross it. So the first minute
// of every agent process, each restart of the kill and disk-full cases included, holds one point more.
//
// Time: `--time-scale 10`, a schedule minute every 6 real seconds. The four cases run concurrently
// (each has its own agent, fake, proxy and state directory; they share only the peers), so the file
// takes as long as its longest case, the kill campaign (about 70 s).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../shared/aws/retry.js';
import { MINUTE_MS } from '../../shared/common/time.js';
import { loadConfig } from '../../shared/config/index.js';
import { readHistory } from '../../shared/metrics/cloudwatch-history.js';
import { isRefreshMinute } from '../../shared/metrics/identity-memory.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { nextMinute } from '../../shared/runners/agent/agent-loop.js';
import { intervalStates } from '../../shared/sla/intervals.js';
import { cycleDoneInterval, startAgentChild, withoutSdkNodeWarning, type AgentChild, type AgentLine } from '../support/agent-child.js';
import { countLines, keyCounts, minutesOf, pointKey, storedRequestLog, type StoredRequestLog } from '../support/agent-points.js';
import { startSwitchableProxy, type ResponseDecision, type SwitchableProxy, type SwitchableProxyOptions } from '../support/agent-switchable-proxy.js';
import { mountSmallTmpfs, requireTmpfsMount } from '../support/agent-tmpfs.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { healthy, silentAfterAccept, startPeer, type Peer } from '../support/hostile-peers.js';
import { mulberry32 } from '../support/prng.js';

const LOCATION = 'office-lab';
const NAMESPACE = 'PptpMonitorAgentFaults';
/** Schedule minutes per real minute: a cycle every 6 s, the probe budget 4.6 s, the drain stops 0.5 s before the next minute. */
const TIME_SCALE = 10;
const REAL_MINUTE_MS = MINUTE_MS / TIME_SCALE;
/** Every probe's timeout, ms: the silent gateway holds a cycle's probing for this long. */
const PROBE_TIMEOUT_MS = 1500;
const SEED = 0x5eed_a9e7;
/** The disk-full case's state directory, in bytes. */
const TMPFS_BYTES = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const defined = <T>(v: T | undefined): v is T => v !== undefined;
const iso = (ms: number): string => new Date(ms).toISOString();

/** The target whose probe gets an SCCRP, so the only one with an identity to publish. */
const IDENTIFIED = 'gw-ok';

/**
 * Whether the process whose first probed minute is `first` publishes gw-ok's ServerIdentity in `minute`:
 * its cold start, and gw-ok's daily refresh minute (the fingerprint never changes). Holds when the first
 * minute's publish succeeded (else the cold start is due again the next minute): in every case here the
 * first minute goes out while CloudWatch is up.
 */
const identityIn = (minute: number, first: number): boolean => minute === first || isRefreshMinute(IDENTIFIED, minute);

/** The keys one probed minute must leave in CloudWatch, as the probe Lambda publishes them; `identity`: with gw-ok's ServerIdentity. */
function minuteKeys(minute: number, identity = false): string[] {
  const k = (metricName: string, dimensions: Record<string, string>): string => pointKey({ metricName, dimensions, timestamp: new Date(minute) });
  const at = (target: string, more: Record<string, string> = {}): Record<string, string> => ({ Target: target, ProbeRegion: LOCATION, ...more });
  return [
    ...(identity ? [k('ServerIdentity', { Target: IDENTIFIED })] : []),
    k('ProbeFailed', { Target: 'gw-ok' }),
    k('ConnectTime', at('gw-ok')),
    k('ControlTime', at('gw-ok')),
    k('ProbeFailed', { Target: 'gw-refused' }),
    k('ProbeFailures', at('gw-refused', { FailureClass: 'connect_refused' })),
    k('ProbeFailed', { Target: 'gw-silent' }),
    k('ConnectTime', at('gw-silent')),
    k('ProbeFailures', at('gw-silent', { FailureClass: 'control_timeout' })),
    k('ProbesRun', { ProbeRegion: LOCATION, Shard: '0' }),
  ];
}
/** Points of a minute without the identity. */
const PER_MINUTE = minuteKeys(0).length;
/** Points of a minute probed by the process whose first minute is `first`. */
const pointsIn = (minute: number, first: number): number => PER_MINUTE + (identityIn(minute, first) ? 1 : 0);

/** Each key of these minutes, all probed by the process whose first minute is `first`, stored exactly once. */
function onceEach(minutes: readonly number[], first: number): Map<string, number> {
  return new Map(minutes.flatMap((m) => minuteKeys(m, identityIn(m, first))).map((key) => [key, 1]));
}

/** Counts added key by key (the points of two processes, which may have probed the same minute). */
function sumCounts(...all: ReadonlyArray<ReadonlyMap<string, number>>): Map<string, number> {
  const sum = new Map<string, number>();
  for (const counts of all) for (const [key, n] of counts) sum.set(key, (sum.get(key) ?? 0) + n);
  return sum;
}

const hostPort = (endpoint: string): { host: string; port: number } => ({ host: '127.0.0.1', port: Number(new URL(endpoint).port) });
const linesOf = (agent: AgentChild, message: string): AgentLine[] => agent.lines.filter((l) => l.message === message);
const drainedFields = (agent: AgentChild): unknown[][] => linesOf(agent, 'spool drained').map((l) => [l['sentCurrent'], l['sentBacklog'], l['owedEntries'], l['stopped']]);

describe('pptp-monitor agent under faults: the exact points the CloudWatch fake ends up holding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-faults-'));
  const configPath = join(dir, 'monitor.yml');
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const agents: AgentChild[] = [];
  const summary: Record<string, string> = {};
  let ok: Peer;
  let silent: Peer;

  function agent(options: Omit<Parameters<typeof startAgentChild>[0], 'configPath' | 'location' | 'timeScale'>): AgentChild {
    const child = startAgentChild({ configPath, location: LOCATION, timeScale: TIME_SCALE, ...options });
    agents.push(child);
    return child;
  }

  /** A fresh fake, and the proxy the agent reaches it through; `hooks` see the fake first. */
  async function fakeBehindProxy(hooks: (fake: CloudWatchFake) => SwitchableProxyOptions = () => ({})): Promise<{ fake: CloudWatchFake; proxy: SwitchableProxy }> {
    const fake = await startCloudWatchFake();
    const proxy = await startSwitchableProxy(hostPort(fake.endpoint), hooks(fake));
    cleanups.push(() => proxy.close(), () => fake.close());
    return { fake, proxy };
  }

  beforeAll(async () => {
    ok = await startPeer(healthy);
    silent = await startPeer(silentAfterAccept);
    // A port nothing listens on: the probe's connect is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refusedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const target = (name: string, port: number, regions: string): string => `  - { name: ${name}, host: 127.0.0.1, port: ${port}, regions: [${regions}], timeout: ${PROBE_TIMEOUT_MS} }\n`;
    writeFileSync(
      configPath,
      `version: 1\nhomeRegion: eu-central-1\nnamespace: ${NAMESPACE}\nagents:\n  - { name: ${LOCATION}, description: the fault campaign's loopback }\ntargets:\n` +
        target('gw-ok', ok.port, LOCATION) +
        // Also an AWS region that never reports: quorum 2 of 2, so a duplicated failure would reach the quorum on its own.
        target('gw-refused', refusedPort, `${LOCATION}, eu-central-1`) +
        target('gw-silent', silent.port, LOCATION),
    );
  });

  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await Promise.all(agents.map((a) => a.exited));
    for (const cleanup of cleanups.reverse()) await cleanup();
    await ok?.close();
    await silent?.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(['agent fault campaign', ...Object.entries(summary).sort().map(([k, v]) => `  ${k}: ${v}`)].join('\n'));
  });

  it.concurrent('CloudWatch unreachable for four minutes: every minute arrives once under its own timestamp, the current minute first, then the backlog oldest first', async ({ expect }) => {
    let cycles = 0;
    let log: StoredRequestLog | undefined;
    const { fake, proxy } = await fakeBehindProxy((f) => {
      const stored = (log = storedRequestLog(f, () => cycles));
      return { onResponse: (status) => (stored.noteResponse(status), 'forward') };
    });
    const run = agent({
      stateDir: join(dir, 'outage'),
      endpoint: proxy.endpoint,
      cycles: 8,
      onLine(line) {
        if (cycleDoneInterval(line) === undefined) return;
        cycles++;
        if (cycles === 1) void proxy.down();
        if (cycles === 5) void proxy.up();
      },
    });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(withoutSdkNodeWarning(run.stderr())).toBe('');
    expect(run.garbage).toEqual([]);

    const minutes = run.lines.map(cycleDoneInterval).filter(defined);
    expect(minutes.map((m) => m - minutes[0]!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * MINUTE_MS));
    const [m1, m2, m3, m4, m5, m6, m7, m8] = minutes as [number, number, number, number, number, number, number, number];
    const points = (m: number): number => pointsIn(m, m1);
    // Every probed minute's points, each exactly once, under the minute it was probed in; gw-ok's
    // identity in m1 (the cold start, published before the outage) and at its refresh minute if crossed.
    expect(countLines(keyCounts(fake.datums))).toEqual(countLines(onceEach(minutes, m1)));
    // The order of the stored requests, and the cycle each was sent in (cycles done when the fake answered):
    // the first cycle after the outage sent its own minute first, then the backlog, oldest first.
    expect(log!.requests().map((r) => [r.tag, minutesOf(r.samples).map(iso)])).toEqual(
      [[0, m1], [5, m6], [5, m2], [5, m3], [5, m4], [5, m5], [6, m7], [7, m8]].map(([tag, m]) => [tag, [iso(m!)]]),
    );
    expect(drainedFields(run)).toEqual([
      [points(m1), 0, 0, 'empty'],
      ...[1, 2, 3, 4].map((owed) => [0, 0, owed, 'current_failed']),
      [points(m6), [m2, m3, m4, m5].reduce((n, m) => n + points(m), 0), 0, 'empty'],
      [points(m7), 0, 0, 'empty'],
      [points(m8), 0, 0, 'empty'],
    ]);
    summary['1 outage'] = `8 cycles, CloudWatch down for 4 minutes; points expected ${minutes.reduce((n, m) => n + points(m), 0)} (identity ${minutes.filter((m) => identityIn(m, m1)).length}), held ${fake.datums.length}, duplicates 0`;
  }, 90_000);

  it.concurrent('throttling, 5xx and resets: retried or spooled, no point lost, none stored twice', async ({ expect }) => {
    const A = DEFAULT_RETRY_POLICY.attempts;
    const fake = await startCloudWatchFake();
    cleanups.push(() => fake.close());
    // Faults for the cycle after the nth: a burst the retries absorb, one that fails a send (A attempts), a reset and a throttle, another failed send.
    const faults: Record<number, Array<[number, 'throttle' | 'server' | 'reset']>> = { 1: [[A - 2, 'throttle']], 2: [[A, 'server']], 3: [[1, 'reset'], [1, 'throttle']], 4: [[A, 'throttle']] };
    let cycles = 0;
    const run = agent({
      stateDir: join(dir, 'throttled'),
      endpoint: fake.endpoint,
      cycles: 6,
      onLine(line) {
        if (cycleDoneInterval(line) === undefined) return;
        cycles++;
        for (const [n, kind] of faults[cycles] ?? []) fake.failNext(n, kind);
      },
    });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(withoutSdkNodeWarning(run.stderr())).toBe('');
    const minutes = run.lines.map(cycleDoneInterval).filter(defined);
    expect(minutes).toHaveLength(6);
    const [m1, m2, m3, m4, m5, m6] = minutes as [number, number, number, number, number, number];
    const points = (m: number): number => pointsIn(m, m1);
    // gw-ok's identity in m1 (the cold start; its cycle had no fault) and at its refresh minute if crossed.
    expect(countLines(keyCounts(fake.datums))).toEqual(countLines(onceEach(minutes, m1)));
    // Request by request: a failed request was not stored, so its retry is no duplicate; six stored, one per minute.
    const times = (n: number, what: string | number): Array<string | number> => Array<string | number>(n).fill(what);
    expect(fake.requests.map((r) => `${r.operation} ${r.injected ?? r.status}`)).toEqual(
      [200, ...times(A - 2, 'throttle'), 200, ...times(A, 'server'), 'reset', 'throttle', 200, 200, ...times(A, 'throttle'), 200, 200].map((s) => `PutMetricData ${s}`),
    );
    expect(drainedFields(run)).toEqual([
      [points(m1), 0, 0, 'empty'],
      [points(m2), 0, 0, 'empty'],
      [0, 0, 1, 'current_failed'],
      [points(m4), points(m3), 0, 'empty'],
      [0, 0, 1, 'current_failed'],
      [points(m6), points(m5), 0, 'empty'],
    ]);
    const injected = fake.requests.filter((r) => r.injected).length;
    summary['2 throttling'] = `6 cycles, ${injected} injected faults (throttles, 5xx, a reset); points expected ${minutes.reduce((n, m) => n + points(m), 0)} (identity ${minutes.filter((m) => identityIn(m, m1)).length}), held ${fake.datums.length}, duplicates 0`;
  }, 90_000);

  it.concurrent('kill -9 at seeded random moments, restarted on the same spool: no minute that reached the spool is lost; duplicates only of the request in flight, one per kill', async ({ expect }) => {
    type Mode = 'timer' | 'on-request' | 'on-ack';
    const rng = mulberry32(SEED);
    // Six kills at random phases of the minute, one per sixth of it (stratified, so the probing, the
    // sends and the idle rest all get some), and three aimed at the narrow windows: the request in
    // flight (dropped before the fake sees it) and, twice, CloudWatch's answer (stored, never acked).
    const modes: Mode[] = ['timer', 'timer', 'timer', 'on-ack', 'timer', 'on-request', 'timer', 'on-ack', 'timer'];
    const phases = shuffle([0, 1, 2, 3, 4, 5].map((i) => ((i + rng()) * REAL_MINUTE_MS) / 6), rng);
    const stateDir = join(dir, 'killed');
    const origin = Date.now();
    let run = 0;
    let armed: Mode | undefined;
    let current: AgentChild | undefined;
    const trigger = (mode: Mode): ResponseDecision => {
      if (armed !== mode || !current) return 'forward';
      armed = undefined;
      current.kill('SIGKILL');
      return 'drop';
    };
    let log: StoredRequestLog | undefined;
    const { fake, proxy } = await fakeBehindProxy((f) => {
      const stored = (log = storedRequestLog(f, () => run));
      return {
        onRequest: () => trigger('on-request'),
        onResponse: (status) => (stored.noteResponse(status), status.includes(' 200 ') ? trigger('on-ack') : 'forward'),
      };
    });
    const kills: Array<{ run: number; mode: Mode; landed: string }> = [];
    const runs: AgentChild[] = [];
    const spooled = new Set<number>();

    for (const mode of modes) {
      run++;
      const child = (current = agent({ stateDir, endpoint: proxy.endpoint, drillClock: { originMs: origin } }));
      runs.push(child);
      const starting = await child.waitFor((l) => l.message === 'agent starting', 10_000);
      const [seenAt, wallAt] = [Date.now(), Date.parse(starting.timestamp)];
      const firstMinute = nextMinute(wallAt);
      const realAt = (wall: number): number => seenAt + (wall - wallAt) / TIME_SCALE;
      if (mode === 'timer') {
        await sleep(realAt(firstMinute) + phases.pop()! - Date.now());
        const since = child.lines.slice(child.lines.indexOf(starting));
        const has = (message: string): boolean => since.some((l) => l.message === message);
        const landed = proxy.inFlight() > 0 ? 'mid-send' : has('agent cycle done') ? 'idle' : has('spool drained') ? 'after the sends' : since.filter((l) => l.message === 'probe').length < 3 ? 'mid-probe' : 'spooling or sending';
        kills.push({ run, mode, landed });
        child.kill('SIGKILL');
      } else {
        await sleep(realAt(firstMinute) - Date.now());
        armed = mode;
        kills.push({ run, mode, landed: mode === 'on-ack' ? 'after CloudWatch stored, before the ack' : 'request dropped in flight' });
        if ((await Promise.race([child.exited, sleep(2 * REAL_MINUTE_MS).then(() => 'late')])) === 'late') throw new Error(`run ${run}: no request to kill on within two minutes`);
      }
      expect((await child.exited).signal).toBe('SIGKILL');
      armed = undefined;
      // A restart takes a moment; what the killed process left in the spool is what must not be lost.
      await sleep(300);
      for (const name of readdirSync(join(stateDir, 'spool'))) if (/^\d{15}-\d{12}\.json$/.test(name)) spooled.add(Number(name.slice(0, 15)));
    }
    run++;
    const last = (current = agent({ stateDir, endpoint: proxy.endpoint, drillClock: { originMs: origin }, cycles: 2 }));
    runs.push(last);
    expect(await last.exited).toEqual({ code: 0, signal: null });
    expect(linesOf(last, 'spool drained').map((l) => l['owed'])).toEqual([0, 0]);
    expect(readdirSync(join(stateDir, 'spool')).filter((n) => n.endsWith('.json'))).toEqual([]);

    const probedBy = runs.map((r) => new Set(linesOf(r, 'probe').map((l) => Math.floor(Date.parse(l.timestamp) / MINUTE_MS) * MINUTE_MS)));
    // The harness: no minute is probed by two processes (the drill clock carries on across restarts).
    expect(probedBy.reduce((n, s) => n + s.size, 0)).toBe(new Set(probedBy.flatMap((s) => [...s])).size);
    const logged = runs.flatMap((r) => r.lines.map(cycleDoneInterval).filter(defined));
    const mustHold = [...new Set([...logged, ...spooled])].sort((a, b) => a - b);
    const held = minutesOf(fake.datums);
    // Every minute logged as probed or found in the spool is held; every held minute was probed by someone.
    expect(mustHold.filter((m) => !held.includes(m)).map(iso)).toEqual([]);
    expect(held.filter((m) => !probedBy.some((s) => s.has(m))).map(iso)).toEqual([]);
    // Every restart is a cold start: the first minute of each process holds gw-ok's identity too (a
    // process is killed in its first minute, the last one runs two), as does gw-ok's refresh minute.
    const firstOf = new Map(probedBy.flatMap((s) => [...s].map((m) => [m, Math.min(...s)] as const)));
    const identityHeld = held.filter((m) => identityIn(m, firstOf.get(m)!));
    const counts = keyCounts(fake.datums);
    expect([...counts.keys()].sort()).toEqual(held.flatMap((m) => minuteKeys(m, identityIn(m, firstOf.get(m)!))).sort());
    expect(identityHeld.length).toBeGreaterThanOrEqual(2);

    // Duplicates: each extra copy of a key follows a copy in the last request a killed process had
    // stored, and comes from a later process: a kill costs at most that one request again.
    const requests = log!.requests();
    const lastOf = new Map(requests.map((r, i) => [r.tag, i]));
    const copies = new Map<string, number[]>();
    requests.forEach((r, i) => r.samples.forEach((s) => copies.set(pointKey(s), [...(copies.get(pointKey(s)) ?? []), i])));
    const killed = new Set(kills.map((k) => k.run));
    const dupsOfRun = new Map<number, number>();
    for (const [key, at] of copies) {
      for (let j = 0; j + 1 < at.length; j++) {
        const [first, again] = [requests[at[j]!]!, requests[at[j + 1]!]!];
        expect({ key, killed: killed.has(first.tag), itsLastRequest: lastOf.get(first.tag) === at[j], resentLater: again.tag > first.tag }).toEqual({ key, killed: true, itsLastRequest: true, resentLater: true });
        dupsOfRun.set(first.tag, (dupsOfRun.get(first.tag) ?? 0) + 1);
      }
    }
    for (const k of kills) {
      const lastRequest = lastOf.has(k.run) ? requests[lastOf.get(k.run)!]!.samples.length : 0;
      // Killed on CloudWatch's answer: that whole request is sent again, its process's first minute with
      // gw-ok's identity; dropped in flight: nothing was stored twice.
      if (k.mode === 'on-ack') expect([k.run, dupsOfRun.get(k.run)]).toEqual([k.run, PER_MINUTE + 1]);
      if (k.mode === 'on-request') expect([k.run, dupsOfRun.get(k.run)]).toEqual([k.run, undefined]);
      expect(dupsOfRun.get(k.run) ?? 0).toBeLessThanOrEqual(lastRequest);
    }
    const duplicates = [...dupsOfRun.values()].reduce((a, b) => a + b, 0);

    // Duplicates do not change verdicts: the evaluator's history read decides a minute with more reports
    // than reporting locations per location. gw-refused fails in the agent alone, quorum 2 of 2: every
    // minute is unknown, a duplicated one too, though its ProbeFailed Sum (2) reaches the quorum.
    const loaded = await loadConfig(configPath);
    if (!loaded.ok) throw new Error('config');
    const { config } = loaded;
    const client = new CloudWatchClient({ region: config.homeRegion, endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDREAD', secretAccessKey: 'read' } });
    cleanups.push(() => client.destroy());
    const [from, to] = [held[0]!, held.at(-1)! + MINUTE_MS];
    const warned: string[] = [];
    const history = await readHistory(client, config, { fromMs: from, toMs: to, latency: false, probeShards: probeShardMap(config), log: { warn: (m) => void warned.push(m) } });
    const verdicts = config.targets.map((t) => new Map(intervalStates(t, history.records.get(t.name) ?? [], from, to).map((s) => [s.start, `${t.name} ${s.verdict} [${s.failing.join()}]`])));
    for (const m of held) expect([iso(m), ...verdicts.map((v) => v.get(m))]).toEqual([iso(m), 'gw-ok up []', `gw-refused unknown [${LOCATION}]`, `gw-silent down [${LOCATION}]`]);
    const refusedFailed = (m: number) => fake.datums.filter((d) => d.metricName === 'ProbeFailed' && d.dimensions['Target'] === 'gw-refused' && d.timestamp.getTime() === m);
    const doubled = held.filter((m) => refusedFailed(m).length > 1);
    const quorum = config.targets.find((t) => t.name === 'gw-refused')!.quorum;
    for (const m of doubled) expect([iso(m), refusedFailed(m).reduce((n, d) => n + d.value * d.count, 0) >= quorum]).toEqual([iso(m), true]);
    expect(doubled.length).toBeGreaterThanOrEqual(2);
    expect(warned).toContain('duplicate probe reports: minutes with more reports than reporting locations, decided per location');

    const lostInCrash = runs.reduce((n, r) => n + Number(linesOf(r, 'agent starting')[0]?.['lostInCrash'] ?? 0), 0);
    const landed = kills.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k.landed]: (acc[k.landed] ?? 0) + 1 }), {});
    summary['3 kill -9'] =
      `${kills.length} kills (${Object.entries(landed).map(([where, n]) => `${n} ${where}`).join(', ')}), ${logged.length} cycles done over ${runs.length} processes, ` +
      `${held.length} minutes held of ${new Set(probedBy.flatMap((s) => [...s])).size} probed (${mustHold.length} logged or spooled, all held; ${lostInCrash} points lost in a crash mid-append); ` +
      `points expected ${held.length * PER_MINUTE + identityHeld.length} distinct (${identityHeld.length} identity), held ${fake.datums.length} = ${counts.size} distinct + ${duplicates} duplicates (from ${dupsOfRun.size} kills, ≤ ${PER_MINUTE + 1} each; ${doubled.length} minutes doubled, verdicts unchanged)`;
  }, 150_000);

  it.concurrent('disk full under the spool: the agent keeps probing and publishes directly; with CloudWatch down too, the loss is counted', async ({ expect, skip }) => {
    const reason = requireTmpfsMount();
    if (reason) return skip(reason);
    const tmpfs = await mountSmallTmpfs(join(dir, 'full-state'), TMPFS_BYTES);
    cleanups.push(() => tmpfs.unmount());
    const { fake, proxy } = await fakeBehindProxy();
    let cycles = 0;
    let filled = 0;
    const run = agent({
      stateDir: tmpfs.dir,
      endpoint: proxy.endpoint,
      cycles: 4,
      onLine(line) {
        // The disk fills once the agent runs (it holds its lock and spool directory), before the first minute.
        if (line.message === 'agent starting') filled = tmpfs.fill();
        if (cycleDoneInterval(line) === undefined) return;
        cycles++;
        if (cycles === 2) void proxy.down();
        if (cycles === 3) void proxy.up();
      },
    });
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(withoutSdkNodeWarning(run.stderr())).toBe('');
    const minutes = run.lines.map(cycleDoneInterval).filter(defined);
    expect(minutes).toHaveLength(4);
    const [m1, m2, m3, m4] = minutes as [number, number, number, number];
    const points = (m: number): number => pointsIn(m, m1);
    // Monitoring went on: the minutes CloudWatch could take are held, each once; the one it could not is
    // gone. gw-ok's identity in m1 (the cold start, sent directly) and at its refresh minute if crossed.
    const firstRun = onceEach([m1, m2, m4], m1);
    expect(countLines(keyCounts(fake.datums))).toEqual(countLines(firstRun));
    expect(minutesOf(fake.datums)).not.toContain(m3);
    expect(linesOf(run, 'spool: cannot write, publishing directly (nothing is kept if that fails)').map((l) => [l.level, l['error'], l['points']])).toEqual(minutes.map((m) => ['ERROR', 'ENOSPC', points(m)]));
    expect(linesOf(run, 'Data points lost: the spool could not take them and PutMetricData failed').map((l) => [l.level, l['points'], l['spoolError']])).toEqual([['ERROR', points(m3), 'ENOSPC']]);
    const drained = linesOf(run, 'spool drained');
    expect(drained.map((l) => [l['sentCurrent'], l['owed'], (l['dropped'] as Record<string, number>)['unspooled']])).toEqual([
      [points(m1), 0, 0],
      [points(m2), 0, 0],
      [0, 0, points(m3)],
      [points(m4), 0, points(m3)],
    ]);
    expect(linesOf(run, 'agent stopped').map((l) => (l['dropped'] as Record<string, number>)['unspooled'])).toEqual([points(m3)]);
    expect(filled).toBeGreaterThan(0);

    // Restarted on the disk still full (systemd's Restart=): it cannot write its lock, and monitors anyway.
    tmpfs.fill();
    const again = agent({ stateDir: tmpfs.dir, endpoint: proxy.endpoint, cycles: 1 });
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(withoutSdkNodeWarning(again.stderr())).toMatch(/^pptp-monitor agent: warning: cannot write in .* \(ENOSPC\): running without the state directory's lock; free space under /);
    const [m5] = again.lines.map(cycleDoneInterval).filter(defined) as [number];
    expect(minutesOf(fake.datums)).toContain(m5);
    // The restart is a cold start: its minute holds gw-ok's identity again. Its schedule clock starts over
    // (no drill clock), so m5 may be a minute the first run probed too: those keys are then held twice.
    expect(countLines(keyCounts(fake.datums))).toEqual(countLines(sumCounts(firstRun, onceEach([m5], m5))));
    summary['4 disk full'] = `4 cycles on a full ${TMPFS_BYTES / 1024} KiB tmpfs, CloudWatch down for 1 minute, then a restart on the full disk (no lock, 1 cycle); points expected ${[m1, m2, m4].reduce((n, m) => n + points(m), 0) + PER_MINUTE + 1} (+${points(m3)} counted lost), held ${fake.datums.length}, dropped.unspooled ${points(m3)}`;
  }, 90_000);
});

/** Fisher-Yates with the given random source. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
