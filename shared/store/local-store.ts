// The local monitor's store: JSON Lines under a directory, one file per UTC day
// (`results-YYYY-MM-DD.jsonl`), one probe result per line. Each append is one write of whole lines, so a
// crash can at worst leave one partial last line, which the reader skips and counts; everything before
// it survives restarts. The monitor never stores two results for one target, region and interval, and
// the reader drops any it finds anyway (keeping the first, the one that was evaluated when it was written),
// so one interval can never count twice.
import { appendFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeRecord } from '../sla/probe-record.js';
import { fsProblem } from './errors.js';
import { parseResultLine, type ResultLine } from './result-line.js';
import { DAY_MS } from '../common/time.js';

const FILE_PATTERN = /^results-(\d{4}-\d{2}-\d{2})\.jsonl$/;

export interface ReadReport {
  records: ProbeRecord[];
  /** Lines that were not valid results (e.g. a line cut short by a crash), with where they are. */
  skipped: Array<{ file: string; line: number; problem: string }>;
  /** Results dropped because an earlier line holds the same target, region and interval (store reads only). */
  duplicates: number;
}

export interface LocalStore {
  readonly dir: string;
  append(lines: readonly ResultLine[]): Promise<void>;
  /** Records whose interval starts in [fromMs, toMs), sorted by interval then target then region. */
  read(fromMs: number, toMs: number): Promise<ReadReport>;
}

const dayOf = (iso: string): string => iso.slice(0, 10);

export function sortRecords(records: ProbeRecord[]): ProbeRecord[] {
  return records.sort((a, b) => a.intervalStart - b.intervalStart || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0) || (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}

/** Parses a whole JSON Lines text (a history file or one day of the store). */
export function parseResultLines(text: string, file: string, fromMs = -Infinity, toMs = Infinity): ReadReport {
  const records: ProbeRecord[] = [];
  const skipped: ReadReport['skipped'] = [];
  // A history file is taken as it is: several records for one interval and region are at-least-once
  // delivery, which the SLA core reads as "ok if any is ok". Only the local store drops them (see read()).
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const parsed = parseResultLine(line);
    if (!parsed.ok) {
      skipped.push({ file, line: i + 1, problem: parsed.problem });
      continue;
    }
    if (parsed.record.intervalStart >= fromMs && parsed.record.intervalStart < toMs) records.push(parsed.record);
  }
  return { records, skipped, duplicates: 0 };
}

const sameSlot = (a: ProbeRecord, b: ProbeRecord): boolean => a.intervalStart === b.intervalStart && a.target === b.target && a.region === b.region;

/** Drops every record after the first for one target, region and interval; `sorted` must be sortRecords' order (stable, so file order decides the first). */
function dropDuplicates(sorted: ProbeRecord[]): { records: ProbeRecord[]; duplicates: number } {
  const records = sorted.filter((r, i) => {
    const previous = sorted[i - 1];
    return previous === undefined || !sameSlot(r, previous);
  });
  return { records, duplicates: sorted.length - records.length };
}

export function createLocalStore(dir: string): LocalStore {
  let ready: Promise<unknown> | undefined;
  return {
    dir,
    async append(lines) {
      if (lines.length === 0) return;
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const byDay = new Map<string, string[]>();
      for (const line of lines) {
        const day = dayOf(line.interval);
        const list = byDay.get(day) ?? [];
        list.push(JSON.stringify(line));
        byDay.set(day, list);
      }
      for (const [day, list] of byDay) await appendFile(join(dir, `results-${day}.jsonl`), `${list.join('\n')}\n`);
    },
    async read(fromMs, toMs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        // No store yet (a first start): nothing recorded.
        return { records: [], skipped: [], duplicates: 0 };
      }
      const records: ProbeRecord[] = [];
      const skipped: ReadReport['skipped'] = [];
      for (const name of names.sort()) {
        const m = FILE_PATTERN.exec(name);
        if (!m?.[1]) continue;
        const dayStart = Date.parse(`${m[1]}T00:00:00Z`);
        if (dayStart + DAY_MS <= fromMs || dayStart >= toMs) continue;
        let text: string;
        try {
          text = await readFile(join(dir, name), 'utf8');
        } catch (err) {
          // One unreadable day (EISDIR, EACCES) must not hide the others: it is reported like a bad line.
          skipped.push({ file: name, line: 0, problem: `cannot read the file (${fsProblem(err)})` });
          continue;
        }
        const part = parseResultLines(text, name, fromMs, toMs);
        records.push(...part.records);
        skipped.push(...part.skipped);
      }
      return { ...dropDuplicates(sortRecords(records)), skipped };
    },
  };
}

/**
 * The results under a path given as a history: a local store directory (every day file in it) or one
 * JSON Lines file. Throws what the file system threw when the path cannot be read.
 */
export async function readResultHistory(path: string, fromMs = -Infinity, toMs = Infinity): Promise<ReadReport & { kind: 'store' | 'file' }> {
  if ((await stat(path)).isDirectory()) return { ...(await createLocalStore(path).read(fromMs, toMs)), kind: 'store' };
  const read = parseResultLines(await readFile(path, 'utf8'), path, fromMs, toMs);
  return { ...read, records: sortRecords(read.records), kind: 'file' };
}
