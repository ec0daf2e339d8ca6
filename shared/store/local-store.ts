// The local monitor's store: JSON Lines under a directory, one file per UTC day
// (`results-YYYY-MM-DD.jsonl`), one probe result per line. Each append is one write of whole lines, so a
// crash can at worst leave one partial last line, which the reader skips and counts; everything before
// it survives restarts.
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeRecord } from '../sla/probe-record.js';
import { parseResultLine, type ResultLine } from './result-line.js';

const FILE_PATTERN = /^results-(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 86_400_000;

export interface ReadReport {
  records: ProbeRecord[];
  /** Lines that were not valid results (e.g. a line cut short by a crash), with where they are. */
  skipped: Array<{ file: string; line: number; problem: string }>;
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
  return { records, skipped };
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
        return { records: [], skipped: [] };
      }
      const report: ReadReport = { records: [], skipped: [] };
      for (const name of names.sort()) {
        const m = FILE_PATTERN.exec(name);
        if (!m?.[1]) continue;
        const dayStart = Date.parse(`${m[1]}T00:00:00Z`);
        if (dayStart + DAY_MS <= fromMs || dayStart >= toMs) continue;
        const part = parseResultLines(await readFile(join(dir, name), 'utf8'), name, fromMs, toMs);
        report.records.push(...part.records);
        report.skipped.push(...part.skipped);
      }
      sortRecords(report.records);
      return report;
    },
  };
}
