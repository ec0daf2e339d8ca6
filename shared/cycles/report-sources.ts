// Where a local report's probe records come from: the local store or a history file. Each returns the
// records per target and the view to evaluate them with (local results: one region 'local'). Reports from
// CloudWatch go through the report cycle (report-cycle.ts) and its history port instead.
import { readFile } from 'node:fs/promises';
import type { ResolvedTarget } from '../config/types.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { REPORT_LOOKBACK_MS, type ReportRange } from '../sla/report.js';
import { createLocalStore, parseResultLines, sortRecords } from '../store/local-store.js';
import { isLocalHistory, localView } from './local-view.js';

export interface ReportRecords {
  records: Map<string, ProbeRecord[]>;
  view?: (t: ResolvedTarget) => ResolvedTarget;
  /** Lines that could not be used, for the caller to report. */
  skipped: string[];
}

function group(records: readonly ProbeRecord[]): Map<string, ProbeRecord[]> {
  const out = new Map<string, ProbeRecord[]>();
  for (const r of records) {
    const list = out.get(r.target) ?? [];
    list.push(r);
    out.set(r.target, list);
  }
  return out;
}

/** Records from the local store or a history file, with the local view when `local`, else the configured regions. */
function fromRecords(records: ProbeRecord[], skipped: string[], local: boolean): ReportRecords {
  return { records: group(sortRecords(records)), skipped, ...(local ? { view: localView } : {}) };
}

/**
 * The local store holds only what the local monitor wrote, under the region 'local': it always gets the
 * local view, also when the range holds no record (a report of nothing is still a report of 'local', not
 * of the configured regions). A store that holds other regions' results was filled by hand: those get
 * the configured regions, as before.
 */
export async function recordsFromStore(dir: string, range: ReportRange): Promise<ReportRecords> {
  const read = await createLocalStore(dir).read(range.fromMs - REPORT_LOOKBACK_MS, range.toMs);
  const local = read.records.length === 0 || isLocalHistory(read.records);
  return fromRecords(read.records, read.skipped.map((s) => `${s.file}:${s.line}: ${s.problem}`), local);
}

/** A history file is local when every record in it is, whether or not any falls in the range. */
export async function recordsFromHistoryFile(path: string, range: ReportRange): Promise<ReportRecords> {
  const read = parseResultLines(await readFile(path, 'utf8'), path);
  const from = range.fromMs - REPORT_LOOKBACK_MS;
  const inRange = read.records.filter((r) => r.intervalStart >= from && r.intervalStart < range.toMs);
  return fromRecords(inRange, read.skipped.map((s) => `${s.file}:${s.line}: ${s.problem}`), isLocalHistory(read.records));
}
