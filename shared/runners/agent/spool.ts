// The agent's on-disk spool: data points are written here before they are published and leave only once
// CloudWatch acknowledged them, so an outage, a network cut or `kill -9` costs no minute that reached the
// disk. One entry file is exactly one PutMetricData request: the API is all-or-nothing, so an entry is
// sent or refused whole and the spool never has to remember that part of a file went out. The file name
// is the whole index (earliest timestamp, then a sequence: it sorts oldest first). Write to `.tmp`, fsync,
// rename, fsync the directory: after a crash a name holds a whole file or nothing, and a leftover `.tmp`
// is an append that never returned, so no caller counted it as spooled. Bounded by bytes (the oldest go
// first: the newest minutes decide alerts, old ones only fill reports) and by age. Format and guarantees:
// README.md. Not safe for overlapping calls: the agent's loop appends, then drains, one after the other.
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { PptpMonitorError } from '../../common/errors.js';
import { rejectUnknownOptions } from '../../common/options.js';
import { DAY_MS, HOUR_MS } from '../../common/time.js';
import type { Logger } from '../../log/logger.js';
import { planRequests } from '../../metrics/batch.js';
import { METRIC_UNITS, MetricName, type Datum, type MetricUnit } from '../../metrics/metric-design.js';
import { fsProblem } from '../../store/errors.js';
import { isRecord } from '../../common/is-record.js';

/**
 * Total size of the entry files, in bytes. At ~140 bytes a point (3 points a target-minute) it holds
 * about 8 days of a 100-target agent (a branch cut off over a long weekend), two weeks of 60 targets;
 * small next to any disk a host that runs Node has.
 */
export const SPOOL_MAX_BYTES = 512 * 1024 * 1024;
/** Age of an entry's earliest point past which it is dropped, in ms: CloudWatch refuses a whole request with a point older than two weeks; the hour is margin for the send and clock skew. */
export const SPOOL_MAX_AGE_MS = 14 * DAY_MS - HOUR_MS;
/** The entry files' format version (`v`). */
export const SPOOL_FILE_VERSION = 1;
/** Where unreadable, invalid and refused entry files are moved, under the spool directory, for a human to look at. */
export const SPOOL_CORRUPT_DIR = 'corrupt';

const TIMESTAMP_DIGITS = 15;
const SEQUENCE_DIGITS = 12;
const ENTRY_NAME = /^(\d{15})-(\d{12})\.json$/;
const TMP_NAME = /^(\d{15})-(\d{12})\.json\.tmp$/;

/** `spool_dir_unusable`: the directory cannot be created or listed (an operator's problem); `spool_not_open`: a caller's bug. */
export class SpoolError extends PptpMonitorError<'spool_dir_unusable' | 'spool_not_open'> {}

/** One entry file, the points of one PutMetricData request; `timestamp`: its earliest point's, ms since the epoch. */
export type SpoolEntry = Readonly<{ name: string; timestamp: number; sequence: number; points: number; bytes: number }>;

/** `entries`: what reached the spool. On failure, `unspooled` are the points that did not, `error` the file-system code. */
export type AppendOutcome = { spooled: true; entries: SpoolEntry[] } | { spooled: false; error: string; entries: SpoolEntry[]; unspooled: Datum[] };

/**
 * Points lost, by cause. full: the oldest entries deleted to stay under maxBytes; tooOld: entries older
 * than maxAgeMs; corrupt: unreadable or invalid files moved to corrupt/; refused: entries CloudWatch
 * refused as invalid, moved to corrupt/; lostInCrash: points of `.tmp` files a crash left; unspooled:
 * points that could not be spooled and whose direct send failed too (counted by the drain). A file whose
 * points cannot be counted (torn, not JSON) counts 0.
 */
export type SpoolDropped = { full: number; tooOld: number; corrupt: number; refused: number; lostInCrash: number; unspooled: number };

/** What is owed (`oldestTimestamp` in ms), and what was lost since this spool object was created. */
export type SpoolStats = { entries: number; points: number; bytes: number; oldestTimestamp: number | undefined; dropped: SpoolDropped };
/** What open() found: the entries kept, `.tmp` and corrupt files removed (and their points), points too old. */
export type SpoolOpenReport = { entries: number; points: number; bytes: number; tmpFiles: number; lostInCrash: number; corruptFiles: number; corrupt: number; tooOld: number };

export interface Spool {
  readonly dir: string;
  /** Builds the index from the directory; throws SpoolError('spool_dir_unusable') if it cannot be created or listed. */
  open(): Promise<SpoolOpenReport>;
  /** Writes the points durably, one entry per request; never throws for a file-system error, the outcome says. */
  append(points: readonly Datum[]): Promise<AppendOutcome>;
  /** Entries owed, oldest first (timestamp, then sequence). */
  pending(): SpoolEntry[];
  /** The entry's points; undefined when it is gone (acked, dropped) or was unreadable (then moved to corrupt/). */
  read(entry: SpoolEntry): Promise<Datum[] | undefined>;
  /** CloudWatch took the entry: it leaves the index at once, then its file. Never throws; a second ack does nothing. */
  ack(entry: SpoolEntry): Promise<void>;
  /** CloudWatch refused the entry's content: moved to corrupt/ and counted, so it cannot block the backlog. */
  reject(entry: SpoolEntry, reason: string): Promise<void>;
  /** Drops entries older than maxAgeMs; returns their points. */
  dropExpired(): Promise<number>;
  /** Points that could be neither spooled nor sent, for stats(). */
  countUnspooledLoss(points: number): void;
  stats(): SpoolStats;
}

/** The file handle calls the spool makes: node:fs/promises' FileHandle meets it. */
export type SpoolFileHandle = { writeFile(data: string): Promise<void>; sync(): Promise<void>; close(): Promise<void> };

/** The file-system calls the spool makes: node:fs/promises meets it; tests inject failures. */
export interface SpoolFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  open(path: string, flags: string): Promise<SpoolFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface SpoolOptions {
  /** The spool directory, under the agent's state directory; created if missing. */
  dir: string;
  /** Defaults: SPOOL_MAX_BYTES, SPOOL_MAX_AGE_MS. */
  maxBytes?: number;
  maxAgeMs?: number;
  now?: () => number;
  log?: Pick<Logger, 'warn'>;
  fs?: SpoolFs;
}

const KNOWN_OPTIONS = ['dir', 'maxBytes', 'maxAgeMs', 'now', 'log', 'fs'];

const METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(MetricName));
const DATUM_FIELDS: ReadonlySet<string> = new Set(['metricName', 'dimensions', 'timestamp', 'value', 'unit']);

const isMetricName = (v: unknown): v is MetricName => typeof v === 'string' && METRIC_NAMES.has(v);
/** Every unit a point of ours carries (None: the ServerIdentity fingerprint), so a spooled identity reads back. */
const UNITS: ReadonlySet<string> = new Set(METRIC_UNITS);
const isUnit = (v: unknown): v is MetricUnit => typeof v === 'string' && UNITS.has(v);

/** One point checked field by field, or what is wrong with it. */
export function parseDatum(v: unknown): Datum | string {
  if (!isRecord(v)) return 'a point is not an object';
  const extra = Object.keys(v).find((k) => !DATUM_FIELDS.has(k));
  if (extra !== undefined) return `unknown field '${extra}'`;
  const { metricName, dimensions, timestamp, value, unit } = v;
  if (!isMetricName(metricName)) return `unknown metricName ${JSON.stringify(metricName)}`;
  if (!isRecord(dimensions)) return 'dimensions is not an object';
  const dims = Object.entries(dimensions).filter((d): d is [string, string] => typeof d[1] === 'string');
  if (dims.length !== Object.keys(dimensions).length) return 'a dimension value is not a string';
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return 'timestamp is not a finite number';
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'value is not a finite number';
  if (!isUnit(unit)) return `unknown unit ${JSON.stringify(unit)}`;
  // fromEntries defines own properties, so a '__proto__' dimension stays a dimension.
  return { metricName, dimensions: Object.fromEntries(dims), timestamp, value, unit };
}

/** The timestamp a name carries: clamped so that every name has the same width and sorts. */
const nameTimestamp = (ms: number): number => Math.min(Math.max(0, Math.floor(ms)), 10 ** TIMESTAMP_DIGITS - 1);
const entryName = (timestamp: number, sequence: number): string =>
  `${String(timestamp).padStart(TIMESTAMP_DIGITS, '0')}-${String(sequence).padStart(SEQUENCE_DIGITS, '0')}.json`;
const earliest = (points: readonly Datum[]): number => points.reduce((min, p) => Math.min(min, p.timestamp), Infinity);
const byAge = (a: SpoolEntry, b: SpoolEntry): number => a.timestamp - b.timestamp || a.sequence - b.sequence;

type FileContent = { ok: true; points: Datum[] } | { ok: false; problem: string; points: number };

/** An entry file's text checked whole: version, every point, the name's timestamp, one request. */
function parseEntryFile(text: string, timestamp: number): FileContent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON', points: 0 };
  }
  if (!isRecord(value) || value['v'] !== SPOOL_FILE_VERSION) return { ok: false, problem: `not a version ${SPOOL_FILE_VERSION} spool entry`, points: 0 };
  const raw = value['points'];
  if (!Array.isArray(raw) || raw.length === 0) return { ok: false, problem: 'no points', points: 0 };
  const points: Datum[] = [];
  for (const [i, item] of raw.entries()) {
    const parsed = parseDatum(item);
    if (typeof parsed === 'string') return { ok: false, problem: `point ${i}: ${parsed}`, points: raw.length };
    points.push(parsed);
  }
  if (nameTimestamp(earliest(points)) !== timestamp) return { ok: false, problem: 'the name does not carry the earliest timestamp', points: points.length };
  // The sender refuses points that are not exactly one request; an entry written under other limits is
  // set aside here rather than failing every drain.
  if (planRequests(points).length !== 1) return { ok: false, problem: 'not one PutMetricData request', points: points.length };
  return { ok: true, points };
}

export function createSpool(options: SpoolOptions): Spool {
  rejectUnknownOptions('createSpool', options, KNOWN_OPTIONS);
  const { dir, log } = options;
  const maxBytes = options.maxBytes ?? SPOOL_MAX_BYTES;
  const maxAgeMs = options.maxAgeMs ?? SPOOL_MAX_AGE_MS;
  if (!dir) throw new TypeError('createSpool: dir is required');
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError(`createSpool: maxBytes must be a positive integer, got ${maxBytes}`);
  if (!(maxAgeMs > 0)) throw new TypeError(`createSpool: maxAgeMs must be positive, got ${maxAgeMs}`);
  const fs: SpoolFs = options.fs ?? nodeFs;
  const now = options.now ?? Date.now;

  const index = new Map<string, SpoolEntry>();
  let bytes = 0;
  let nextSequence = 0;
  let opened = false;
  const dropped: SpoolDropped = { full: 0, tooOld: 0, corrupt: 0, refused: 0, lostInCrash: 0, unspooled: 0 };

  const path = (name: string): string => join(dir, name);
  const add = (entry: SpoolEntry): void => {
    index.set(entry.name, entry);
    bytes += entry.bytes;
  };
  const remove = (entry: SpoolEntry): boolean => {
    const stored = index.get(entry.name); // the index's own record: a caller's copy may be stale
    if (stored) bytes -= stored.bytes;
    return index.delete(entry.name);
  };
  const ordered = (): SpoolEntry[] => [...index.values()].sort(byAge);

  async function withFile(file: string, flags: string, use: (handle: SpoolFileHandle) => Promise<void>): Promise<void> {
    const handle = await fs.open(file, flags);
    try {
      await use(handle);
    } finally {
      await handle.close();
    }
  }

  /** Makes renames and unlinks durable. A failure is logged, not thrown: the change is made, only its survival of a power cut is in doubt. */
  async function syncDir(): Promise<void> {
    try {
      await withFile(dir, 'r', (handle) => handle.sync());
    } catch (err) {
      log?.warn('spool: cannot fsync the directory', { dir, error: fsProblem(err) });
    }
  }

  /** Unlinks; false (and a WARN line) if the file is still there: it will reappear after a restart. */
  async function unlinkQuiet(name: string): Promise<boolean> {
    const problem = await fs.unlink(path(name)).then(() => undefined, fsProblem);
    if (problem === undefined || problem === 'ENOENT') return true;
    log?.warn('spool: cannot delete a file', { file: path(name), error: problem });
    return false;
  }

  /** Moves a file to corrupt/ (deletes it if it cannot be moved); never throws. */
  async function quarantine(name: string, problem: string): Promise<void> {
    log?.warn('spool: entry file set aside', { file: path(name), problem, movedTo: join(dir, SPOOL_CORRUPT_DIR) });
    try {
      await fs.mkdir(join(dir, SPOOL_CORRUPT_DIR), { recursive: true });
      await fs.rename(path(name), join(dir, SPOOL_CORRUPT_DIR, name));
    } catch {
      await unlinkQuiet(name);
    }
  }

  /** A file read and checked; `gone` when it no longer exists. */
  async function load(name: string, timestamp: number): Promise<FileContent & { bytes: number; gone?: boolean }> {
    let text: string;
    try {
      text = await fs.readFile(path(name), 'utf8');
    } catch (err) {
      return { ok: false, problem: `unreadable (${fsProblem(err)})`, points: 0, bytes: 0, gone: fsProblem(err) === 'ENOENT' };
    }
    return { ...parseEntryFile(text, timestamp), bytes: Buffer.byteLength(text) };
  }

  /** Deletes entries, oldest first, while `until` says so; their points. */
  async function dropOldest(until: (entry: SpoolEntry) => boolean): Promise<{ points: number; files: number }> {
    let points = 0;
    let files = 0;
    for (const entry of ordered()) {
      if (until(entry)) break;
      remove(entry);
      await unlinkQuiet(entry.name);
      points += entry.points;
      files++;
    }
    if (files > 0) await syncDir();
    return { points, files };
  }

  /** One entry written durably, or the file-system code that stopped it. */
  async function writeEntry(points: Datum[]): Promise<SpoolEntry | string> {
    const timestamp = nameTimestamp(earliest(points));
    const sequence = nextSequence++;
    const name = entryName(timestamp, sequence);
    const body = `${JSON.stringify({ v: SPOOL_FILE_VERSION, points })}\n`;
    const size = Buffer.byteLength(body);
    if (size > maxBytes) return 'entry_larger_than_spool';
    if (bytes + size > maxBytes) {
      const freed = await dropOldest(() => bytes + size <= maxBytes);
      dropped.full += freed.points;
      log?.warn('spool: full, dropped the oldest entries', { dir, maxBytes, droppedEntries: freed.files, droppedPoints: freed.points });
    }
    const tmp = `${name}.tmp`;
    try {
      await withFile(path(tmp), 'wx', async (handle) => {
        await handle.writeFile(body);
        await handle.sync();
      });
      await fs.rename(path(tmp), path(name));
    } catch (err) {
      await unlinkQuiet(tmp);
      return fsProblem(err);
    }
    await syncDir();
    const entry: SpoolEntry = { name, timestamp, sequence, points: points.length, bytes: size };
    add(entry);
    return entry;
  }

  async function dropExpired(): Promise<number> {
    const cutoff = now() - maxAgeMs;
    const { points, files } = await dropOldest((entry) => entry.timestamp >= cutoff);
    if (files > 0) log?.warn('spool: dropped entries CloudWatch would refuse as too old', { dir, droppedEntries: files, droppedPoints: points, maxAgeMs });
    dropped.tooOld += points;
    return points;
  }

  function stats(): SpoolStats {
    const entries = ordered();
    return { entries: entries.length, points: entries.reduce((n, e) => n + e.points, 0), bytes, oldestTimestamp: entries[0]?.timestamp, dropped: { ...dropped } };
  }

  const sequenceOf = (name: string): number => Number((ENTRY_NAME.exec(name) ?? TMP_NAME.exec(name))?.[2] ?? -1);

  return {
    dir,
    async open() {
      index.clear();
      bytes = 0;
      let names: string[];
      try {
        await fs.mkdir(dir, { recursive: true });
        names = (await fs.readdir(dir)).sort();
      } catch (err) {
        throw new SpoolError('spool_dir_unusable', `spool: cannot use ${dir} (${fsProblem(err)})`, { cause: err });
      }
      // corrupt/ counts too, so a new entry never takes a set-aside one's name; reduce, as a spool can hold more names than Math.max takes arguments.
      const setAside = await fs.readdir(join(dir, SPOOL_CORRUPT_DIR)).catch(() => []);
      nextSequence = [...setAside, ...names].reduce((max, name) => Math.max(max, sequenceOf(name)), -1) + 1;
      const report = { tmpFiles: 0, lostInCrash: 0, corruptFiles: 0, corrupt: 0, tooOld: 0 };
      for (const name of names) {
        const tmp = TMP_NAME.exec(name);
        if (tmp) {
          const content = await load(name, Number(tmp[1]));
          report.tmpFiles++;
          report.lostInCrash += content.ok ? content.points.length : content.points;
          await unlinkQuiet(name);
          continue;
        }
        const match = ENTRY_NAME.exec(name);
        if (!match) continue;
        const content = await load(name, Number(match[1]));
        if (content.gone) continue;
        if (!content.ok) {
          report.corruptFiles++;
          report.corrupt += content.points;
          await quarantine(name, content.problem);
          continue;
        }
        add({ name, timestamp: Number(match[1]), sequence: Number(match[2]), points: content.points.length, bytes: content.bytes });
      }
      if (report.tmpFiles > 0 || report.corruptFiles > 0) await syncDir();
      dropped.lostInCrash += report.lostInCrash;
      dropped.corrupt += report.corrupt;
      opened = true;
      report.tooOld = await dropExpired();
      const { entries, points } = stats();
      return { ...report, entries, points, bytes };
    },

    async append(points) {
      if (!opened) throw new SpoolError('spool_not_open', `spool: append before open (${dir})`);
      for (const [i, p] of points.entries()) {
        const parsed = parseDatum(p);
        // A point that would not read back would make its whole entry corrupt: the caller's bug, said now.
        if (typeof parsed === 'string') throw new TypeError(`spool: point ${i} cannot be spooled: ${parsed}`);
      }
      const requests = planRequests(points).map((request) => request.flatMap((e) => e.points));
      const written: SpoolEntry[] = [];
      for (const [i, request] of requests.entries()) {
        const result = await writeEntry(request);
        if (typeof result === 'string') {
          // Later requests are not tried: a full or read-only disk will not take them either.
          log?.warn('spool: cannot append', { dir, error: result });
          return { spooled: false, error: result, entries: written.filter((e) => index.has(e.name)), unspooled: requests.slice(i).flat() };
        }
        written.push(result);
      }
      // An entry of this append can have been dropped to make room for a later one when one append exceeds maxBytes.
      return { spooled: true, entries: written.filter((e) => index.has(e.name)) };
    },

    pending: ordered,
    async read(entry) {
      if (!index.has(entry.name)) return undefined;
      const content = await load(entry.name, entry.timestamp);
      if (content.ok) return content.points;
      remove(entry);
      if (content.gone) return undefined;
      dropped.corrupt += entry.points;
      await quarantine(entry.name, content.problem);
      return undefined;
    },

    async ack(entry) {
      // Out of the index before any await, so a second ack or a drain racing this one never sees it again.
      if (!remove(entry)) return;
      if (await unlinkQuiet(entry.name)) await syncDir();
    },

    async reject(entry, reason) {
      if (!remove(entry)) return;
      dropped.refused += entry.points;
      await quarantine(entry.name, `refused by CloudWatch: ${reason}`);
      await syncDir();
    },

    dropExpired,

    countUnspooledLoss(points) {
      dropped.unspooled += points;
    },

    stats,
  };
}
