// One monitor per data directory. Two monitors appending to one store would store every interval twice
// and print every notification twice, so `run` takes `<dir>/monitor.lock` before anything else, which is
// also the start-up check that the directory exists (or can be made) and can be written.
//
// The lock is a file holding the holder's PID, host and process start time, created atomically with its
// content (written to a private file, then link()ed into place: link fails if the lock exists, so no reader
// ever sees a half-written lock). A lock whose process is gone (the monitor was killed) is stale and taken
// over; the take-over itself is guarded by a second exclusive file so two starting monitors cannot both
// take over one stale lock. A lock from another host cannot be checked and is treated as held.
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SECOND_MS } from '../common/time.js';
import { DataDirError, DataDirLockedError, fsProblem, type LockHolder } from './errors.js';

export const LOCK_FILE = 'monitor.lock';
/** Guard file held for the few milliseconds a stale lock is being replaced. */
const TAKEOVER_FILE = 'monitor.lock.takeover';
/** A take-over guard older than this was left by a process that died mid-take-over, in ms. */
const TAKEOVER_STALE_MS = 10 * SECOND_MS;
/** Tries before giving up on a lock that keeps changing hands, and the pause between them, in ms. */
const ACQUIRE_TRIES = 50;
const RETRY_PAUSE_MS = 20;

export interface DataDirLock {
  readonly dir: string;
  readonly path: string;
  /** Set when a stale lock was replaced: its holder (whose process had ended), absent if it was unreadable. */
  readonly tookOver?: { holder?: LockHolder };
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface LockDeps {
  pid: number;
  host: string;
  now(): number;
  /** Whether the lock's holder still runs; only asked for holders on this host. */
  isRunning(holder: LockHolder): Promise<boolean>;
  procStart(pid: number): Promise<string | undefined>;
}

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot), or undefined off Linux or for a gone PID. */
async function linuxProcStart(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function isRunning(holder: LockHolder): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if (fsProblem(err) === 'ESRCH') return false;
  }
  // A PID that is alive but started at another time is a new process that reused the number.
  if (holder.procStart === undefined) return true;
  const now = await linuxProcStart(holder.pid);
  return now === undefined || now === holder.procStart;
}

export const nodeLockDeps = (): LockDeps => ({ pid: process.pid, host: hostname(), now: Date.now, isRunning, procStart: linuxProcStart });

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const { pid, host, since, procStart } = v as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string' || typeof since !== 'string') return undefined;
    const sinceMs = Date.parse(since);
    if (!Number.isFinite(sinceMs)) return undefined;
    return { pid, host, since: sinceMs, ...(typeof procStart === 'string' && { procStart }) };
  } catch {
    return undefined;
  }
}

const holderText = (h: LockHolder): string =>
  `${JSON.stringify({ pid: h.pid, host: h.host, since: new Date(h.since).toISOString(), ...(h.procStart !== undefined && { procStart: h.procStart }) })}\n`;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes the directory if needed and checks that it is one; throws DataDirError naming the problem. */
async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = fsProblem(err);
    // EEXIST from a recursive mkdir: something that is not a directory is there.
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new DataDirError(dir, `${dir} is not a directory (a file is in the way)`, { cause: err });
    throw new DataDirError(dir, `cannot create the directory ${dir} (${code})`, { cause: err });
  }
  const info = await stat(dir).catch((err: unknown) => {
    throw new DataDirError(dir, `cannot read ${dir} (${fsProblem(err)})`, { cause: err });
  });
  if (!info.isDirectory()) throw new DataDirError(dir, `${dir} is not a directory (a file is in the way)`);
}

/** Creates `path` holding `text` only if nothing is there; false if something is. */
async function createExclusive(dir: string, path: string, text: string): Promise<boolean> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
  } catch (err) {
    throw new DataDirError(dir, `cannot write in ${dir} (${fsProblem(err)})`, { cause: err });
  }
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if (fsProblem(err) === 'EEXIST') return false;
    throw new DataDirError(dir, `cannot write in ${dir} (${fsProblem(err)})`, { cause: err });
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Replaces the stale lock whose text is `staleText`, under the take-over guard; false when it changed hands meanwhile. */
async function takeOver(dir: string, path: string, staleText: string, ours: string, deps: LockDeps): Promise<boolean> {
  const guard = join(dir, TAKEOVER_FILE);
  if (!(await createExclusive(dir, guard, ours))) {
    const age = await stat(guard).then((s) => deps.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await unlink(guard).catch(() => {});
    return false;
  }
  try {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current !== undefined && current !== staleText) return false;
    if (current !== undefined) await unlink(path);
    return await createExclusive(dir, path, ours);
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/**
 * Takes `<dir>/monitor.lock`, making the directory if needed. Throws DataDirError when the directory
 * cannot be used, DataDirLockedError when a running monitor holds it.
 */
export async function lockDataDir(dir: string, deps: LockDeps = nodeLockDeps()): Promise<DataDirLock> {
  await ensureDirectory(dir);
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: deps.pid, host: deps.host, since: deps.now() };
  const procStart = await deps.procStart(deps.pid);
  if (procStart !== undefined) me.procStart = procStart;
  const ours = holderText(me);
  let tookOver: { holder?: LockHolder } | undefined;
  let acquired = false;
  for (let i = 0; i < ACQUIRE_TRIES && !acquired; i++) {
    if (await createExclusive(dir, path, ours)) {
      acquired = true;
      break;
    }
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // released meanwhile: try again
    const holder = parseHolder(text);
    if (holder !== undefined && (holder.host !== deps.host || (await deps.isRunning(holder)))) {
      const where = holder.host === deps.host ? 'on this host' : `on host ${holder.host}; if it is gone, delete ${path}`;
      throw new DataDirLockedError(dir, path, holder, `${dir} is in use by another pptp-monitor run (PID ${holder.pid} ${where}, since ${new Date(holder.since).toISOString()})`);
    }
    // Stale (its process ended) or unreadable (not written by us): take it over.
    if (await takeOver(dir, path, text, ours, deps)) {
      acquired = true;
      tookOver = holder !== undefined ? { holder } : {};
    } else await pause(RETRY_PAUSE_MS);
  }
  if (!acquired) throw new DataDirError(dir, `cannot take the lock ${path}: it keeps changing hands`);

  // A second Ctrl-C exits at once (process.exit); the lock goes with the process rather than staying stale.
  const onExit = (): void => {
    try {
      if (readFileSync(path, 'utf8') === ours) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  let released = false;
  return {
    dir,
    path,
    ...(tookOver !== undefined && { tookOver }),
    async release() {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      // Only our own lock: never one a later monitor took over after ours was judged stale.
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === ours) await unlink(path).catch(() => {});
    },
  };
}
