// The data directory lock on a real file system: one holder at a time, a dead holder's lock taken over,
// a file where the directory should be refused at once, and a release that only removes its own lock.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir, LOCK_FILE, type LockDeps } from '../../shared/store/data-lock.js';
import { DataDirError, DataDirLockedError } from '../../shared/store/errors.js';

const root = mkdtempSync(join(tmpdir(), 'pmt-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `d${++n}`);

/** A process table of our own: PIDs listed in `running` are alive. */
const deps = (pid: number, running: Set<number>): LockDeps => ({
  pid,
  host: 'test-host',
  now: Date.now,
  isRunning: async (h) => running.has(h.pid),
  procStart: async () => undefined,
});

describe('lockDataDir', () => {
  it('creates the directory and refuses a second holder while the first runs, naming its PID', async () => {
    // Prepare
    const dir = fresh();
    const running = new Set([101, 202]);
    const first = await lockDataDir(dir, deps(101, running));
    // Act
    const second = lockDataDir(dir, deps(202, running));
    // Assess
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(lockDataDir(dir, deps(202, running))).rejects.toThrow(`${dir} is in use by another pptp-monitor run (PID 101 on this host, since `);
    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const third = await lockDataDir(dir, deps(202, running));
    expect(third.tookOver).toBeUndefined();
    await third.release();
  });

  it('takes over the lock of a process that is gone, and says whose it was', async () => {
    const dir = fresh();
    const running = new Set([101]);
    await lockDataDir(dir, deps(101, running)); // never released: the process "was killed"
    running.delete(101);
    const next = await lockDataDir(dir, deps(303, new Set([303])));
    expect(next.tookOver?.holder?.pid).toBe(101);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 303, host: 'test-host' });
    await next.release();
  });

  it('lets only one of two monitors starting at once take over one stale lock', async () => {
    const dir = fresh();
    await lockDataDir(dir, deps(101, new Set([101])));
    const running = new Set([404, 505]);
    const results = await Promise.allSettled([lockDataDir(dir, deps(404, running)), lockDataDir(dir, deps(505, running))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(DataDirLockedError);
  });

  it('treats a lock from another host as held (its PID cannot be checked from here)', async () => {
    const dir = fresh();
    await lockDataDir(dir, { ...deps(101, new Set()), host: 'other-host' });
    await expect(lockDataDir(dir, deps(202, new Set()))).rejects.toThrow(`(PID 101 on host other-host; if it is gone, delete ${join(dir, LOCK_FILE)}, since `);
  });

  it('refuses a path that is a file, at once, naming it', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(lockDataDir(file, deps(1, new Set()))).rejects.toThrow(new DataDirError(file, `${file} is not a directory (a file is in the way)`));
    await expect(lockDataDir(join(file, 'sub'), deps(1, new Set()))).rejects.toThrow(`${join(file, 'sub')} is not a directory (a file is in the way)`);
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const dir = fresh();
    const mine = await lockDataDir(dir, deps(101, new Set([101])));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 999, host: 'test-host', since: new Date().toISOString() }));
    await mine.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
