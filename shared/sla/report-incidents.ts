// The report's incidents: maximal runs of counted down intervals; runs separated by fewer than
// DOWN_RECOVERY_INTERVALS consecutive up intervals are one incident, because that is when the `down` policy
// resolves (an unknown interval or an excluded down one breaks the up run and does not end the incident:
// nobody saw the gateway come back). Duration = from the first down interval's start to the last one's end,
// clipped to the range; MTTR = mean of those clipped durations. An incident whose run began before
// `fromMs` is flagged `startedBefore` (seen up to REPORT_LOOKBACK_MS back, so pass records from that far
// back), one not resolved by the covered span's end (fewer than DOWN_RECOVERY_INTERVALS up intervals after
// its last down one) is `ongoing`. A month-boundary outage thus shows in both months, each with its share
// of the minutes. The cause shown is the incident's dominant failure class (runbooks.ts), as on the pager,
// and its runbook is the one the `down` page links to: that class's runbook, or down.md without a class.
import type { FailureClass } from '../probe/failure-classes.js';
import { MINUTE_MS } from '../common/time.js';
import type { IntervalTimeline } from './intervals.js';
import { DOWN_RECOVERY_INTERVALS } from './policies.js';
import { dominantFailureClass, runbookUrlFor } from './runbooks.js';

export interface ReportIncident {
  /** Start of the first down interval, or `fromMs` when the incident began before the range (ms). */
  startMs: number;
  /** End of the last down interval in the range (ms). */
  endMs: number;
  /** endMs − startMs in minutes: what MTTR averages. */
  durationMinutes: number;
  /** Counted down minutes inside the incident (less than the duration when up or unknown intervals interrupt it). */
  downMinutes: number;
  /** The incident's run began before `fromMs`. */
  startedBefore: boolean;
  /** Not resolved by `toMs`. */
  ongoing: boolean;
  /** Regions with a failed probe in the incident's down intervals, in config order. */
  failingRegions: string[];
  /** The class with most failed probes in those intervals. */
  dominantFailureClass: FailureClass | undefined;
  /** The runbook the `down` alert links to (runbookUrlFor): the target's runbookBaseUrl + `<class>.md`, or `down.md`. */
  runbookUrl: string;
}

export interface ReportIncidents {
  count: number;
  /** Longest clipped duration, minutes (0 without incidents). */
  longestMinutes: number;
  /** Mean clipped duration, minutes; undefined without incidents. */
  mttrMinutes: number | undefined;
  list: ReportIncident[];
}

/** A run of bad intervals (timeline indices) and whether enough up intervals after it resolved it. */
interface DownRun {
  firstBad: number;
  lastBad: number;
  resolved: boolean;
}

/**
 * Incidents with a down interval in the covered range (timeline indices offset .. offset + count − 1, count
 * ending at the covered span's end), with their count, longest and mean duration.
 */
export function reportIncidents(timeline: IntervalTimeline, offset: number, count: number, runbookBaseUrl: string): ReportIncidents {
  const rangeFirst = Math.max(0, offset);
  const list = downRuns(timeline, Math.min(timeline.length - 1, offset + count - 1))
    .filter((run) => run.lastBad >= rangeFirst)
    .map((run) => incidentOf(timeline, run, rangeFirst, runbookBaseUrl));
  const durations = list.map((incident) => incident.durationMinutes);
  return {
    count: list.length,
    longestMinutes: durations.length > 0 ? Math.max(...durations) : 0,
    mttrMinutes: durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : undefined,
    list,
  };
}

/**
 * The down runs up to timeline index `last`. The walk starts at the timeline's first interval (up to
 * REPORT_LOOKBACK_MS before the range) so an incident open at `fromMs` is recognised, and stops at the
 * covered end: whether it resolved later is not this report's.
 */
function downRuns(timeline: IntervalTimeline, last: number): DownRun[] {
  const runs: DownRun[] = [];
  let open: DownRun | undefined;
  let upRun = 0;
  for (let i = 0; i <= last; i++) {
    if (timeline.isBad(i)) {
      if (open === undefined) {
        open = { firstBad: i, lastBad: i, resolved: false };
        runs.push(open);
      }
      open.lastBad = i;
      upRun = 0;
    } else if (timeline.verdict(i) === 'up') {
      // Up counts whatever the maintenance, as the down policy's recovery does.
      upRun++;
      if (open !== undefined && upRun >= DOWN_RECOVERY_INTERVALS) {
        open.resolved = true;
        open = undefined;
      }
    } else {
      upRun = 0;
    }
  }
  return runs;
}

/** One run as an incident, clipped to the range starting at timeline index `rangeFirst`. */
function incidentOf(timeline: IntervalTimeline, run: DownRun, rangeFirst: number, runbookBaseUrl: string): ReportIncident {
  const stepMs = timeline.stepMs;
  const first = Math.max(run.firstBad, rangeFirst);
  const startMs = timeline.startOf(first);
  const endMs = timeline.startOf(run.lastBad) + stepMs;
  const classes: Partial<Record<FailureClass, number>> = {};
  const failing = new Set<string>();
  for (let i = first; i <= run.lastBad; i++) {
    if (!timeline.isBad(i)) continue;
    for (const record of timeline.recordsOf(i)) {
      if (record.ok) continue;
      failing.add(record.region);
      if (record.failureClass !== undefined) classes[record.failureClass] = (classes[record.failureClass] ?? 0) + 1;
    }
  }
  const dominant = dominantFailureClass(classes);
  return {
    startMs,
    endMs,
    durationMinutes: (endMs - startMs) / MINUTE_MS,
    downMinutes: timeline.counts(first, run.lastBad).bad * (stepMs / MINUTE_MS),
    startedBefore: run.firstBad < rangeFirst,
    ongoing: !run.resolved,
    failingRegions: timeline.regions.filter((region) => failing.has(region)),
    dominantFailureClass: dominant,
    runbookUrl: runbookUrlFor({ policy: 'down', ...(dominant !== undefined ? { dominantFailureClass: dominant } : {}) }, runbookBaseUrl),
  };
}
