// The local monitor (`pptp-monitor run`): every minute, probe the targets that are due, append each
// result to the local store, evaluate the same SLA policies as the deployed evaluator over the stored
// history, and hand the notifications to the console and, optionally, a webhook. One cycle is one
// function of injected parts, so tests drive it minute by minute with their own clock.
import { probeOptionsFor, probeTargetFor } from '../config/targets.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import type { Clock, ProbeOptions, ProbeResult, ProbeTarget, Timers } from '../probe/index.js';
import { runPaced } from '../probe/run-paced.js';
import { evaluateTarget } from '../sla/evaluate.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import type { LocalStore } from '../store/local-store.js';
import { recordOfLine, resultLine, type ResultLine } from '../store/result-line.js';
import { isDue } from './probe-lambda-sizing.js';
import { LOCAL_REGION, localView } from './local-view.js';

/** History kept in memory and evaluated: the SLA core's minimum lookback plus its longest window. */
export const LOCAL_HISTORY_MS = 8 * 86_400_000;
/** The SLA core's walk before each window (3-day burn window + 24 h ticket renotify). */
export const LOCAL_LOOKBACK_MS = 4 * 86_400_000;
/** Probes in flight at once, and spacing of their starts (see shared/probe/run-paced.ts). */
export const LOCAL_CONCURRENCY = 20;
export const LOCAL_START_INTERVAL_MS = 2;

export interface LocalMonitorDeps {
  probe(target: ProbeTarget, options: ProbeOptions): Promise<ProbeResult>;
  store: LocalStore;
  clock: Clock;
  timers: Timers;
  /** One probe result, as it comes in. */
  onResult(result: ProbeResult, target: ResolvedTarget, intervalStart: number): void;
  /** The notifications of one evaluation. */
  onNotifications(notifications: Notification[]): Promise<void>;
  /** The store refused a cycle's results; they are kept in memory and passed here in full. */
  onStoreError(lines: readonly ResultLine[], err: unknown): void;
}

export interface LocalMonitor {
  /** Loads the stored history; returns how many records and skipped lines it found. */
  load(nowMs: number): Promise<{ records: number; skipped: number }>;
  /** One interval: probe what is due at `intervalStart`, store it, evaluate up to the interval's end. */
  cycle(intervalStart: number): Promise<{ probed: number; notifications: Notification[] }>;
  /** The history kept in memory for a target (the status page reads it; no second copy). */
  history(target: string): readonly ProbeRecord[];
}

export function createLocalMonitor(config: ResolvedConfig, deps: LocalMonitorDeps): LocalMonitor {
  const targets = config.targets.map(localView);
  const history = new Map<string, ProbeRecord[]>(targets.map((t) => [t.name, []]));
  // Notifications before the monitor started were printed by an earlier run (or never will be).
  let evaluatedUntil: number | undefined;

  function remember(records: readonly ProbeRecord[], nowMs: number): void {
    for (const r of records) history.get(r.target)?.push(r);
    const horizon = nowMs - LOCAL_HISTORY_MS;
    for (const [name, list] of history) {
      const firstKept = list.findIndex((r) => r.intervalStart >= horizon);
      if (firstKept > 0) history.set(name, list.slice(firstKept));
    }
  }

  return {
    history: (target) => history.get(target) ?? [],
    async load(nowMs) {
      const read = await deps.store.read(nowMs - LOCAL_HISTORY_MS, nowMs + 60_000);
      // Only results recorded from here: a history from elsewhere (other regions) is for backtests.
      remember(read.records.filter((r) => r.region === LOCAL_REGION), nowMs);
      return { records: read.records.length, skipped: read.skipped.length };
    },

    async cycle(intervalStart) {
      evaluatedUntil ??= intervalStart;
      const due = targets.filter((t) => isDue(t, intervalStart));
      const results = await runPaced(
        due,
        async (t) => {
          const result = await deps.probe(probeTargetFor(t), probeOptionsFor(t));
          deps.onResult(result, t, intervalStart);
          return result;
        },
        { concurrency: LOCAL_CONCURRENCY, startIntervalMs: LOCAL_START_INTERVAL_MS },
        deps.clock,
        deps.timers,
      );
      const lines = results.map((r) => resultLine(r, { region: LOCAL_REGION, intervalStart }));
      try {
        await deps.store.append(lines);
      } catch (err) {
        // A full disk or a read-only data directory must not stop the monitoring: the results are still
        // evaluated from memory, and handed over whole so they can be recovered from the log.
        deps.onStoreError(lines, err);
      }
      // From the stored lines, so the history in memory is exactly what a restart reads back.
      remember(lines.map(recordOfLine), intervalStart);
      // This interval is complete now, so the evaluation may run up to its end.
      const t = intervalStart + 60_000;
      const notifications: Notification[] = [];
      for (const target of targets) {
        notifications.push(...evaluateTarget(target, history.get(target.name) ?? [], { fromExclusive: evaluatedUntil, toInclusive: t }, { lookbackMs: LOCAL_LOOKBACK_MS }));
      }
      evaluatedUntil = t;
      notifications.sort((a, b) => a.at - b.at);
      if (notifications.length > 0) await deps.onNotifications(notifications);
      return { probed: results.length, notifications };
    },
  };
}
