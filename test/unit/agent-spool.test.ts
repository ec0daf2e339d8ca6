// The agent's spool on real directories (what a restart, a crash, a full disk and a damaged file leave),
// its drain with a recording sender, and the one-request sender it is built on.
import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../shared/common/time.js';
import { identityDatum, METRIC_UNITS, planRequests, type Datum } from '../../shared/metrics/index.js';
import { createMetricSender, type MetricSender, type SendOutcome } from '../../shared/metrics/cloudwatch-publisher.js';
import { drainSpool } from '../../shared/runners/agent/spool-drain.js';
import { createSpool, parseDatum, SPOOL_MAX_AGE_MS, type SpoolFs, type SpoolOptions } from '../../shared/runners/agent/spool.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const roots: string[] = [];
afterAll(async () => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pmt-spool-'));
  roots.push(dir);
  return dir;
}

/** One minute of `targets` ConnectTime points, values distinct so that nothing folds. */
function minute(at: number, targets = 2, from = 0): Datum[] {
  return Array.from({ length: targets }, (_, i) => ({
    metricName: 'ConnectTime' as const,
    dimensions: { Target: `gw-${from + i}`, ProbeRegion: 'eu-west-1' },
    timestamp: at,
    value: 10 + i,
    unit: 'Milliseconds' as const,
  }));
}

async function openSpool(dir: string, options: Partial<SpoolOptions> = {}) {
  const warnings: string[] = [];
  const spool = createSpool({ dir, now: () => T0 + 10 * MINUTE_MS, log: { warn: (m) => warnings.push(m) }, ...options });
  const opened = await spool.open();
  return { spool, opened, warnings };
}

const names = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => n !== 'corrupt').sort();

/** Answers from a script (ok by default) and records every batch it was given, by earliest timestamp. */
function recordingSender(script: Array<SendOutcome | undefined> = []): MetricSender & { calls: Datum[][] } {
  const calls: Datum[][] = [];
  return {
    calls,
    async send(points) {
      expect(planRequests(points)).toHaveLength(1);
      calls.push([...points]);
      return script[calls.length - 1] ?? { ok: true, attempts: 1 };
    },
  };
}
const down: SendOutcome = { ok: false, attempts: 4, error: 'InternalServiceError (HTTP 500): internal', refused: false };
const firstTimestamps = (calls: Datum[][]): number[] => calls.map((c) => Math.min(...c.map((p) => p.timestamp)));

describe('spool', () => {
  it('lists entries oldest first whatever the append order, reads back the points, and forgets an acked entry', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    await spool.append(minute(T0 + 2 * MINUTE_MS));
    await spool.append(minute(T0));
    await spool.append(minute(T0 + MINUTE_MS));
    const pending = spool.pending();
    expect(pending.map((e) => e.timestamp)).toEqual([T0, T0 + MINUTE_MS, T0 + 2 * MINUTE_MS]);
    expect(await spool.read(pending[0]!)).toEqual(minute(T0));
    await spool.ack(pending[0]!);
    expect(spool.pending().map((e) => e.timestamp)).toEqual([T0 + MINUTE_MS, T0 + 2 * MINUTE_MS]);
    expect(await names(dir)).not.toContain(pending[0]!.name);
    expect(spool.stats()).toMatchObject({ entries: 2, points: 4, oldestTimestamp: T0 + MINUTE_MS });
  });

  it('makes an append durable: tmp written and fsynced, renamed, then the directory fsynced', async () => {
    const dir = await tempDir();
    const calls: string[] = [];
    const short = (path: string): string => (path === dir ? 'dir' : path.endsWith('.tmp') ? 'tmp' : 'entry');
    const recording: SpoolFs = {
      ...nodeFs,
      async open(path, flags) {
        const handle = await nodeFs.open(path, flags);
        calls.push(`open ${short(path)}`);
        return {
          async writeFile(data: string) {
            calls.push('write');
            await handle.writeFile(data);
          },
          async sync() {
            calls.push(`fsync ${short(path)}`);
            await handle.sync();
          },
          close: () => handle.close(),
        };
      },
      async rename(from, to) {
        calls.push(`rename ${short(from)} ${short(to)}`);
        await nodeFs.rename(from, to);
      },
    };
    const { spool } = await openSpool(dir, { fs: recording });
    await spool.append(minute(T0));
    expect(calls).toEqual(['open tmp', 'write', 'fsync tmp', 'rename tmp entry', 'open dir', 'fsync dir']);
  });

  it('after a restart lists the same entries oldest first and continues the sequence', async () => {
    const dir = await tempDir();
    const first = (await openSpool(dir)).spool;
    await first.append(minute(T0 + MINUTE_MS));
    await first.append(minute(T0));
    const before = first.pending();

    const { spool, opened } = await openSpool(dir);
    expect(spool.pending()).toEqual(before);
    expect(opened).toMatchObject({ entries: 2, points: 4, tmpFiles: 0, corruptFiles: 0 });
    const appended = await spool.append(minute(T0 - MINUTE_MS));
    expect(appended.entries[0]!.sequence).toBe(Math.max(...before.map((e) => e.sequence)) + 1);
    expect(spool.pending()[0]!.name).toBe(appended.entries[0]!.name);
  });

  it('deletes the .tmp files a crash left and counts their points as lost', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '001795000000000-000000000007.json.tmp'), JSON.stringify({ v: 1, points: minute(T0, 3) }));
    await writeFile(join(dir, '001795000000000-000000000008.json.tmp'), '{"v":1,"points":[{"metricN');
    const { spool, opened } = await openSpool(dir);
    expect(opened).toMatchObject({ tmpFiles: 2, lostInCrash: 3, entries: 0 });
    expect(await readdir(dir)).toEqual([]);
    expect(spool.stats().dropped.lostInCrash).toBe(3);
    expect((await spool.append(minute(T0))).entries[0]!.sequence).toBe(9); // a deleted name is not reused
  });

  it('moves unreadable and invalid files to corrupt/, counts them, and keeps the valid ones', async () => {
    const dir = await tempDir();
    const { spool: writer } = await openSpool(dir);
    await writer.append(minute(T0));
    const good = writer.pending()[0]!.name;
    const badUnit = minute(T0 + MINUTE_MS).map((p) => ({ ...p, unit: 'Bytes' }));
    await writeFile(join(dir, `${String(T0 + MINUTE_MS).padStart(15, '0')}-000000000005.json`), JSON.stringify({ v: 1, points: badUnit }));
    await writeFile(join(dir, `${String(T0).padStart(15, '0')}-000000000006.json`), 'not json');
    const { spool, opened, warnings } = await openSpool(dir);
    expect(opened).toMatchObject({ corruptFiles: 2, corrupt: 2, entries: 1 });
    expect(spool.pending().map((e) => e.name)).toEqual([good]);
    expect((await readdir(join(dir, 'corrupt'))).sort()).toHaveLength(2);
    expect(warnings.filter((w) => w.includes('set aside'))).toHaveLength(2);

    // A file damaged after open is found on read, set aside, and never listed again.
    await writeFile(join(dir, good), JSON.stringify({ v: 1, points: minute(T0).map((p) => ({ ...p, value: 'NaN' })) }));
    expect(await spool.read(spool.pending()[0]!)).toBeUndefined();
    expect(spool.pending()).toEqual([]);
    expect(spool.stats().dropped.corrupt).toBe(4);
    expect(await readdir(join(dir, 'corrupt'))).toContain(good);
  });

  it('sets aside a file whose name does not carry its earliest timestamp, or whose points are not one request', async () => {
    const dir = await tempDir();
    const name = (at: number, seq: number): string => `${String(at).padStart(15, '0')}-${String(seq).padStart(12, '0')}.json`;
    await writeFile(join(dir, name(T0 + MINUTE_MS, 1)), JSON.stringify({ v: 1, points: minute(T0) }));
    await writeFile(join(dir, name(T0, 2)), JSON.stringify({ v: 1, points: minute(T0, 1001) }));
    await writeFile(join(dir, name(T0, 3)), JSON.stringify({ v: 1, points: minute(T0, 1000) }));
    const { spool, opened } = await openSpool(dir);
    expect(opened).toMatchObject({ corruptFiles: 2, corrupt: 1003, entries: 1, points: 1000 });
    expect((await readdir(join(dir, 'corrupt'))).sort()).toEqual([name(T0, 2), name(T0 + MINUTE_MS, 1)]);
    expect(spool.pending().map((e) => e.name)).toEqual([name(T0, 3)]);
  });

  it('spools a point of every unit, the ServerIdentity fingerprint (unit None) too, and reads it back, also after a restart', async () => {
    const dir = await tempDir();
    const { spool: writer } = await openSpool(dir);
    // The largest fingerprint there is (below 2^48): it must come back exact, not rounded.
    const identity = identityDatum(2 ** 48 - 1, { target: 'gw-0', intervalStart: T0 });
    expect(identity).toEqual({ metricName: 'ServerIdentity', dimensions: { Target: 'gw-0' }, timestamp: T0, value: 2 ** 48 - 1, unit: 'None' });
    const points: Datum[] = [
      ...minute(T0),
      { metricName: 'ProbeFailed', dimensions: { Target: 'gw-0' }, timestamp: T0, value: 0, unit: 'Count' },
      identity,
    ];
    expect([...new Set(points.map((p) => p.unit))].sort()).toEqual([...METRIC_UNITS].sort());
    expect(await writer.append(points)).toMatchObject({ spooled: true, entries: [{ timestamp: T0, points: 4 }] });
    expect(await writer.read(writer.pending()[0]!)).toEqual(points);

    const { spool, opened } = await openSpool(dir);
    expect(opened).toMatchObject({ entries: 1, points: 4, corruptFiles: 0 });
    expect(await spool.read(spool.pending()[0]!)).toEqual(points);
    for (const unit of METRIC_UNITS) expect(parseDatum({ ...identity, unit })).toEqual({ ...identity, unit });
  });

  it('checks every field of every point read back', () => {
    const ok = minute(T0, 1)[0]!;
    expect(parseDatum(JSON.parse(JSON.stringify(ok)))).toEqual(ok);
    const bad: Array<[string, unknown]> = [
      ['unknown metricName', { ...ok, metricName: 'Latency' }],
      ['dimensions is not an object', { ...ok, dimensions: ['Target', 'x'] }],
      ['a dimension value is not a string', { ...ok, dimensions: { Target: 3 } }],
      ['timestamp is not a finite number', { ...ok, timestamp: '2026-11-24' }],
      ['value is not a finite number', { ...ok, value: null }],
      ['value is not a finite number', { ...ok, value: Number.POSITIVE_INFINITY }],
      ['timestamp is not a finite number', { ...ok, timestamp: Number.NaN }],
      ['unknown unit', { ...ok, unit: 'Seconds' }],
      ["unknown field 'extra'", { ...ok, extra: 1 }],
      ['a point is not an object', 'ConnectTime'],
    ];
    for (const [problem, value] of bad) expect(parseDatum(value)).toContain(problem);
  });

  it('drops the oldest entries, and counts their points, when an append would pass maxBytes', async () => {
    const dir = await tempDir();
    const probe = (await openSpool(await tempDir())).spool;
    const entryBytes = (await probe.append(minute(T0))).entries[0]!.bytes;
    const { spool, warnings } = await openSpool(dir, { maxBytes: entryBytes * 3 });
    for (let m = 0; m < 5; m++) await spool.append(minute(T0 + m * MINUTE_MS));
    expect(spool.pending().map((e) => e.timestamp)).toEqual([2, 3, 4].map((m) => T0 + m * MINUTE_MS));
    expect(spool.stats()).toMatchObject({ entries: 3, bytes: entryBytes * 3, dropped: { full: 4 } });
    expect(await names(dir)).toHaveLength(3);
    expect(warnings.filter((w) => w.includes('full'))).toHaveLength(2);
  });

  it('drops entries older than maxAgeMs on open and before a drain', async () => {
    const dir = await tempDir();
    let now = T0;
    const clock = { now: () => now };
    const { spool: writer } = await openSpool(dir, clock);
    await writer.append(minute(T0 - SPOOL_MAX_AGE_MS - 1));
    await writer.append(minute(T0));
    const { spool, opened } = await openSpool(dir, clock);
    expect(opened.tooOld).toBe(2);
    expect(spool.pending().map((e) => e.timestamp)).toEqual([T0]);

    now = T0 + SPOOL_MAX_AGE_MS + 1;
    const sender = recordingSender();
    await drainSpool({ spool, sender, current: { spooled: true, entries: [] }, deadline: now + MINUTE_MS, now: clock.now });
    expect(sender.calls).toEqual([]);
    expect(spool.stats()).toMatchObject({ entries: 0, dropped: { tooOld: 4 } });
    expect(await names(dir)).toEqual([]);
  });

  it('acknowledges an entry once: a second ack is harmless and it is never listed again, not even after a restart', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    const [entry] = (await spool.append(minute(T0))).entries;
    await spool.append(minute(T0 + MINUTE_MS));
    const acking = spool.ack(entry!);
    expect(spool.pending().map((e) => e.name)).not.toContain(entry!.name); // out of the index before the unlink
    await acking;
    await spool.ack(entry!);
    expect(spool.pending().map((e) => e.timestamp)).toEqual([T0 + MINUTE_MS]);
    expect(await spool.read(entry!)).toBeUndefined();
    expect(spool.stats().points).toBe(2);
    expect((await openSpool(dir)).spool.pending().map((e) => e.timestamp)).toEqual([T0 + MINUTE_MS]);
  });

  it('splits an append into entries of exactly one PutMetricData request each', async () => {
    const { spool } = await openSpool(await tempDir());
    const points = minute(T0, 2500);
    const { entries } = await spool.append(points);
    expect(entries.map((e) => e.points)).toEqual([1000, 1000, 500]);
    const read = await Promise.all(entries.map((e) => spool.read(e)));
    for (const batch of read) expect(planRequests(batch!)).toHaveLength(1);
    expect(read.flatMap((b) => b!.map((p) => p.dimensions['Target'])).sort()).toEqual(points.map((p) => p.dimensions['Target']).sort());
  });
});

/** node:fs/promises, except that writing an entry fails with `code` after half the bytes. */
function diskFullFs(code = 'ENOSPC'): SpoolFs {
  const fail = (): Error => Object.assign(new Error(`${code}: no space left on device`), { code });
  return {
    ...nodeFs,
    async open(path, flags) {
      const handle = await nodeFs.open(path, flags);
      if (flags !== 'wx') return handle;
      return {
        writeFile: async (data: string) => {
          await handle.writeFile(data.slice(0, data.length / 2));
          throw fail();
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
}

describe('drainSpool', () => {
  it('sends the current minute first, then the backlog oldest first, acking each', async () => {
    const { spool } = await openSpool(await tempDir());
    await spool.append(minute(T0 + MINUTE_MS));
    await spool.append(minute(T0));
    const current = await spool.append(minute(T0 + 5 * MINUTE_MS, 3));
    const sender = recordingSender();
    const report = await drainSpool({ spool, sender, current, deadline: T0 + 20 * MINUTE_MS, now: () => T0 + 10 * MINUTE_MS });
    expect(firstTimestamps(sender.calls)).toEqual([T0 + 5 * MINUTE_MS, T0, T0 + MINUTE_MS]);
    expect(report).toMatchObject({ sentCurrent: { requests: 1, points: 3 }, sentBacklog: { requests: 2, points: 4 }, remaining: { requests: 0, points: 0 }, stopped: 'empty' });
    expect(spool.pending()).toEqual([]);
  });

  it('stops the backlog at its first failure and keeps the rest for the next cycle', async () => {
    const { spool } = await openSpool(await tempDir());
    for (let m = 0; m < 4; m++) await spool.append(minute(T0 + m * MINUTE_MS));
    const current = await spool.append(minute(T0 + 5 * MINUTE_MS));
    const sender = recordingSender([undefined, undefined, down]);
    const report = await drainSpool({ spool, sender, current, deadline: T0 + 20 * MINUTE_MS, now: () => T0 });
    expect(sender.calls).toHaveLength(3); // current, T0, then T0+1 failed: T0+2 and T0+3 not tried
    expect(report).toMatchObject({ stopped: 'backlog_failed', failed: { requests: 1 }, remaining: { requests: 3, points: 6 } });
    expect(spool.pending().map((e) => e.timestamp)).toEqual([1, 2, 3].map((m) => T0 + m * MINUTE_MS));
  });

  it('starts no backlog request at or after the deadline', async () => {
    const { spool } = await openSpool(await tempDir());
    for (let m = 0; m < 3; m++) await spool.append(minute(T0 + m * MINUTE_MS));
    const current = await spool.append(minute(T0 + 5 * MINUTE_MS));
    let clock = T0;
    const sender = recordingSender();
    const slow: MetricSender = {
      send(points) {
        clock += 400; // each request takes 400 ms
        return sender.send(points);
      },
    };
    const report = await drainSpool({ spool, sender: slow, current, deadline: T0 + 1000, now: () => clock });
    // current at 0→400, T0 at 400→800, T0+1 at 800→1200; at 1200 the deadline has passed.
    expect(firstTimestamps(sender.calls)).toEqual([T0 + 5 * MINUTE_MS, T0, T0 + MINUTE_MS]);
    expect(report).toMatchObject({ stopped: 'deadline', remaining: { requests: 1 } });
  });

  it('keeps the current minute in the spool when its send fails, and then leaves the backlog alone', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    await spool.append(minute(T0));
    const current = await spool.append(minute(T0 + 5 * MINUTE_MS));
    const sender = recordingSender([down]);
    const report = await drainSpool({ spool, sender, current, deadline: T0 + 20 * MINUTE_MS, now: () => T0 });
    expect(sender.calls).toHaveLength(1);
    expect(report).toMatchObject({ stopped: 'current_failed', failed: { requests: 1, points: 2 }, remaining: { requests: 2 }, errors: [down.error] });
    // Next cycle: the failed minute is backlog now, sent after the new current minute, oldest first.
    const next = await spool.append(minute(T0 + 6 * MINUTE_MS));
    const again = recordingSender();
    await drainSpool({ spool, sender: again, current: next, deadline: T0 + 20 * MINUTE_MS, now: () => T0 });
    expect(firstTimestamps(again.calls)).toEqual([T0 + 6 * MINUTE_MS, T0, T0 + 5 * MINUTE_MS]);
    expect(await names(dir)).toEqual([]);
  });

  it('sets aside an entry CloudWatch refuses and goes on with the backlog', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    await spool.append(minute(T0));
    await spool.append(minute(T0 + MINUTE_MS));
    const refused: SendOutcome = { ok: false, attempts: 1, error: 'InvalidParameterValue (HTTP 400): timestamp', refused: true };
    const sender = recordingSender([refused]);
    const report = await drainSpool({ spool, sender, current: { spooled: true, entries: [] }, deadline: T0 + MINUTE_MS, now: () => T0 });
    expect(report).toMatchObject({ refused: { requests: 1, points: 2 }, sentBacklog: { requests: 1 }, stopped: 'empty' });
    expect(spool.stats().dropped.refused).toBe(2);
    expect(await readdir(join(dir, 'corrupt'))).toHaveLength(1);
  });

  it('sends again after a restart an entry whose send succeeded but whose ack a crash prevented', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    const { entries } = await spool.append(minute(T0));
    const sender = recordingSender();
    await sender.send((await spool.read(entries[0]!))!); // sent; the process dies before ack
    const restarted = (await openSpool(dir)).spool;
    await drainSpool({ spool: restarted, sender, current: { spooled: true, entries: [] }, deadline: T0 + MINUTE_MS, now: () => T0 });
    expect(sender.calls).toEqual([minute(T0), minute(T0)]);
    expect(restarted.pending()).toEqual([]);
  });

  it('sends directly what the full disk refused, leaving no partial file, and counts it lost when that fails too', async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir, { fs: diskFullFs() });
    const current = await spool.append(minute(T0, 3));
    expect(current).toMatchObject({ spooled: false, error: 'ENOSPC', entries: [] });
    expect(current.spooled ? [] : current.unspooled).toHaveLength(3);
    expect(await readdir(dir)).toEqual([]);

    const sent = recordingSender();
    expect(await drainSpool({ spool, sender: sent, current, deadline: T0, now: () => T0 })).toMatchObject({ sentCurrent: { points: 3 }, lost: { points: 0 } });
    expect(sent.calls.flat()).toHaveLength(3);

    const report = await drainSpool({ spool, sender: recordingSender([down]), current, deadline: T0, now: () => T0 });
    expect(report).toMatchObject({ sentCurrent: { points: 0 }, lost: { requests: 1, points: 3 } });
    expect(spool.stats().dropped.unspooled).toBe(3);
  });

  it('reports a read-only directory by its code, not by a throw', async () => {
    const { spool } = await openSpool(await tempDir(), { fs: { ...nodeFs, open: async () => Promise.reject(Object.assign(new Error('read-only'), { code: 'EROFS' })) } });
    expect(await spool.append(minute(T0))).toMatchObject({ spooled: false, error: 'EROFS' });
  });
});

describe('createMetricSender', () => {
  const cw = mockClient(CloudWatchClient);
  afterEach(() => cw.reset());
  const lines: string[] = [];
  const sender = createMetricSender({
    namespace: 'PPTPMonitor',
    region: 'eu-west-1',
    client: new CloudWatchClient({ region: 'eu-west-1' }),
    log: { write: (l) => lines.push(l) },
    sleep: async () => undefined,
    random: () => 0.5,
  });

  it('sends one request with every point, retrying as the publisher does', async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(Object.assign(new Error('internal'), { name: 'InternalServiceError', $fault: 'server' })).resolves({});
    expect(await sender.send(minute(T0, 3))).toEqual({ ok: true, attempts: 2 });
    expect(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length)).toEqual([3, 3]);
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(1);
  });

  it('reports a refusal without writing EMF, and throws for points that make more than one request', async () => {
    lines.length = 0;
    cw.on(PutMetricDataCommand).rejects(Object.assign(new Error('too old'), { name: 'InvalidParameterValue', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    expect(await sender.send(minute(T0))).toEqual({ ok: false, attempts: 1, error: 'InvalidParameterValue (HTTP 400): too old', refused: true });
    expect(lines.some((l) => l.includes('_aws'))).toBe(false);
    await expect(sender.send(minute(T0, 1001))).rejects.toThrow(/exactly one PutMetricData request, got 1001 points making 2/);
  });
});
