// The local monitor (`pptp-monitor run`): every minute, probe the targets that are due, append each
// result to the local store, evaluate the same SLA policies as the deployed evaluator over the stored
// history, and hand the notifications to the console and, optionally, a webhook. One cycle is one
// function of injected parts, so tests drive it minute by minute with their own clock.
//
// Evaluation is the SLA fold (target-fold.ts), as in backtest and the deployed evaluator: per target a
// small state stepped by each interval's result, kept in memory and, with an SLA state file, written
// after each cycle, so a minute costs microseconds whatever the history. A state that is missing, damaged
// or built for another configuration is rebuilt by replaying the stored history (load() says which and
// why); stepped quietly up to where the last run's evaluation stopped, it gives what a state kept all
// along would have given.
//
// Restarts: an interval already stored for a target is not probed again (one result per target and
// interval), and with a sent ledger a restarted monitor evaluates from where the last run stopped and
// delivers nothing the ledger says was delivered.
import { MINUTE_MS } from '../common/time.js';
import { groupsOf, type ResolvedConfig, type ResolvedGroup, type ResolvedTarget } from '../config/types.js';
import type { GroupState } from '../sla/groups/group-policies.js';
import { observationsOf, type IdentityObservation, type IdentityState } from '../sla/groups/identity-events.js';
import { advanceGroup, advanceIdentities, groupTargets } from './group-fold.js';
import { probeTargetFor, type Clock, type ProbeOptions, type ProbeResult, type ProbeTarget, type Timers } from '../probe/index.js';
import { probeOptionsFor } from '../probers/index.js';
import { runPaced } from '../probe/run-paced.js';
import { foldStateFits, type FoldState } from '../sla/fold/index.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import type { SlaStateFile } from '../store/sla-state-file.js';
import { boundLedger, sentIdentity, type SentEntry, type SentLedger } from '../store/sent-ledger.js';
import { recordOfLine, resultLine, type ResultLine } from '../store/result-line.js';
import { isDue } from './due.js';
import { HISTORY_MS, LOOKBACK_MS } from './evaluation-window.js';
import { LOCAL_REGION, localView } from './local-view.js';
import type { ResultStore } from './ports.js';
import { advanceTarget, recordsAfter } from './target-fold.js';

/** The lookback the status page evaluates the local history with: the evaluator's own (evaluation-window.ts). */
export const LOCAL_LOOKBACK_MS = LOOKBACK_MS;
/**
 * Longest catch-up after a restart, in ms: the evaluation walks LOOKBACK_MS before its window, so a window
 * starting further back than this would walk past the history kept in memory (HISTORY_MS).
 */
export const LOCAL_MAX_CATCH_UP_MS = HISTORY_MS - LOOKBACK_MS;
/** Probes in flight at once, and spacing of their starts (see shared/probe/run-paced.ts). */
export const LOCAL_CONCURRENCY = 20;
export const LOCAL_START_INTERVAL_MS = 2;

export interface LocalMonitorDeps {
  probe(target: ProbeTarget, options: ProbeOptions): Promise<ProbeResult>;
  store: ResultStore;
  clock: Clock;
  /** Wall-clock time in ms since the epoch (default Date.now): notification times never lie after it. */
  wallClock?: () => number;
  timers: Timers;
  /** One probe result, as it comes in. */
  onResult(result: ProbeResult, target: ResolvedTarget, intervalStart: number): void;
  /** One notification to print or post; it is entered in the sent ledger once this resolves. */
  deliver(notification: Notification): Promise<void>;
  /** The store refused a cycle's results; they are kept in memory and passed here in full. */
  onStoreError(lines: readonly ResultLine[], err: unknown): void;
  /** What was delivered and how far the evaluation went; without it a restart evaluates from its first cycle. */
  ledger?: SentLedger;
  /** The ledger could not be written: a restart may deliver these notifications again. */
  onLedgerError?(err: unknown): void;
  /** Where the fold states are kept between runs; without it a restart rebuilds them from the stored history. */
  slaState?: SlaStateFile;
  /** The SLA state could not be written: a restart rebuilds it from the stored history (nothing is lost). */
  onSlaStateError?(err: unknown): void;
}

export interface LoadReport {
  records: number;
  /** Unreadable lines in the store. */
  skipped: number;
  /** Results dropped because the store held another one for the same target and interval. */
  duplicates: number;
  /** Where the last run's evaluation stopped, from the ledger. */
  evaluatedUntil?: number;
  /** Why the ledger could not be used, if it could not. */
  ledgerProblem?: string;
  /**
   * With an SLA state file: the targets with stored results whose state is rebuilt from them, and why
   * (absent when every state was usable). Without one every state is rebuilt at start, and not reported.
   */
  rebuilt?: Array<{ target: string; reason: string }>;
}

export interface CycleReport {
  /** Targets probed in this cycle, and those skipped because a result for this interval was already stored. */
  probed: number;
  alreadyStored: number;
  /** Results written to the store (0 when it refused them: see onStoreError). */
  stored: number;
  /** Notifications delivered in this cycle (none already in the ledger). */
  notifications: Notification[];
}

export interface LocalMonitor {
  /** Loads the stored history and the sent ledger. */
  load(nowMs: number): Promise<LoadReport>;
  /** One interval: probe what is due at `intervalStart` and not yet stored, store it, evaluate up to the interval's end. */
  cycle(intervalStart: number): Promise<CycleReport>;
  /** The history kept in memory for a target (the status page reads it; no second copy). */
  history(target: string): readonly ProbeRecord[];
  /** Who answers each target now, as the identity events know it (undefined before the first cycle). */
  identities(): IdentityState | undefined;
}

/** What a monitor holds between cycles. */
interface MonitorState {
  /** The configured targets in the local view. */
  targets: ResolvedTarget[];
  /** Per target, the records of the last HISTORY_MS, oldest first. */
  history: Map<string, ProbeRecord[]>;
  /** Per target, its fold state as of the last evaluation; absent: rebuilt from `history` at the next cycle. */
  folds: Map<string, FoldState>;
  // Where the evaluation stands: from the ledger after a restart, else set by the first cycle (what came
  // before the monitor started was printed by an earlier run, or never will be).
  evaluatedUntil?: number;
  resumeFrom?: number;
  /** The first interval this run probed: what lies before it and after the last run is time nobody watched. */
  runStartMs?: number;
  sent: SentEntry[];
  sentIds: Set<string>;
  /** Gateway groups, their targets by name, and which targets are in one. */
  groups: readonly ResolvedGroup[];
  byName: Map<string, ResolvedTarget>;
  grouped: Set<string>;
  /** Per group, its open tickets (absent: replayed from the history with its targets' folds). */
  groupStates: Map<string, GroupState>;
  /** Identity events' state; undefined: replayed from the history in memory. */
  ids?: IdentityState;
}

function isStored(state: MonitorState, target: string, intervalStart: number): boolean {
  const list = state.history.get(target) ?? [];
  // Newest last: only the tail can hold this interval.
  for (let i = list.length - 1; i >= 0; i--) {
    const at = list[i]?.intervalStart ?? -Infinity;
    if (at === intervalStart) return true;
    if (at < intervalStart) return false;
  }
  return false;
}

const ledgerOf = (state: MonitorState): { evaluatedUntil?: number; sent: SentEntry[] } => ({ ...(state.evaluatedUntil !== undefined && { evaluatedUntil: state.evaluatedUntil }), sent: state.sent });

/** Keeps the in-memory ledger as bounded as the stored one. */
function boundSent(state: MonitorState): void {
  const kept = boundLedger(ledgerOf(state)).sent;
  if (kept.length === state.sent.length) return;
  state.sent.splice(0, state.sent.length, ...kept);
  state.sentIds.clear();
  for (const e of kept) state.sentIds.add(sentIdentity(e));
}

async function saveLedger(state: MonitorState, deps: LocalMonitorDeps): Promise<void> {
  if (!deps.ledger) return;
  try {
    await deps.ledger.save(ledgerOf(state));
  } catch (err) {
    deps.onLedgerError?.(err);
  }
}

function remember(state: MonitorState, records: readonly ProbeRecord[], nowMs: number): void {
  for (const r of records) state.history.get(r.target)?.push(r);
  const horizon = nowMs - HISTORY_MS;
  for (const [name, list] of state.history) {
    const firstKept = list.findIndex((r) => r.intervalStart >= horizon);
    if (firstKept > 0) state.history.set(name, list.slice(firstKept));
  }
}

async function saveSlaState(state: MonitorState, deps: LocalMonitorDeps): Promise<void> {
  if (!deps.slaState) return;
  try {
    await deps.slaState.save(state.folds);
  } catch (err) {
    deps.onSlaStateError?.(err);
  }
}

/** Takes the stored fold states that fit their targets; says which targets with stored results will be rebuilt, and why. */
async function loadSlaState(state: MonitorState, file: SlaStateFile, nowMs: number): Promise<NonNullable<LoadReport['rebuilt']>> {
  const rebuilt: NonNullable<LoadReport['rebuilt']> = [];
  const loaded = await file.load();
  const unreadable = new Map(loaded.unreadable.map((u) => [u.target, u.problem]));
  for (const target of state.targets) {
    const stored = loaded.states.get(target.name);
    let reason: string | undefined;
    if (loaded.problem !== undefined) reason = loaded.problem;
    else if (unreadable.has(target.name)) reason = `${file.path}: ${unreadable.get(target.name)}`;
    else if (stored === undefined) reason = loaded.missing ? `no ${file.path}` : `not in ${file.path}`;
    else {
      const fit = foldStateFits(target, stored);
      if (!fit.fits) reason = `${file.path}: ${fit.reason}`;
      else if (stored.t !== null && stored.t > nowMs + MINUTE_MS) reason = `${file.path}: evaluated up to ${new Date(stored.t).toISOString()}, after the clock`;
      else state.folds.set(target.name, stored);
    }
    // A target without stored results has nothing to rebuild: its state starts empty, as on a first run.
    if (reason !== undefined && (state.history.get(target.name)?.length ?? 0) > 0) rebuilt.push({ target: target.name, reason });
  }
  return rebuilt;
}

async function load(state: MonitorState, deps: LocalMonitorDeps, nowMs: number): Promise<LoadReport> {
  const read = await deps.store.read(nowMs - HISTORY_MS, nowMs + MINUTE_MS);
  // Only results recorded from here: a history from elsewhere (other regions) is for backtests.
  remember(state, read.records.filter((r) => r.region === LOCAL_REGION), nowMs);
  const report: LoadReport = { records: read.records.length, skipped: read.skipped.length, duplicates: read.duplicates };
  if (deps.slaState) {
    const rebuilt = await loadSlaState(state, deps.slaState, nowMs);
    if (rebuilt.length > 0) report.rebuilt = rebuilt;
  }
  if (deps.ledger) {
    const ledger = await deps.ledger.load();
    for (const entry of ledger.state.sent) {
      state.sent.push(entry);
      state.sentIds.add(sentIdentity(entry));
    }
    state.resumeFrom = ledger.state.evaluatedUntil;
    if (state.resumeFrom !== undefined) report.evaluatedUntil = state.resumeFrom;
    if (ledger.problem !== undefined) report.ledgerProblem = ledger.problem;
  }
  return report;
}

/** Probes what is due at `intervalStart` and not stored yet, stores it, and keeps it in memory. */
async function probeAndStore(state: MonitorState, deps: LocalMonitorDeps, intervalStart: number): Promise<Omit<CycleReport, 'notifications'>> {
  // A restart within an interval the last run already probed must not store it twice.
  const dueNow = state.targets.filter((t) => isDue(t, intervalStart));
  const due = dueNow.filter((t) => !isStored(state, t.name, intervalStart));
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
  let stored = lines.length;
  try {
    await deps.store.append(lines);
  } catch (err) {
    // A full disk or a read-only data directory must not stop the monitoring: the results are still
    // evaluated from memory, and handed over whole so they can be recovered from the log.
    stored = 0;
    deps.onStoreError(lines, err);
  }
  // From the stored lines, so the history in memory is exactly what a restart reads back.
  remember(state, lines.map(recordOfLine), intervalStart);
  return { probed: results.length, alreadyStored: dueNow.length - due.length, stored };
}

/**
 * Every target's notifications for (evaluatedUntil, t], oldest first, its fold state stepped to t. A state
 * to rebuild is replayed from the history in memory, quietly up to evaluatedUntil: what fell due before was
 * the last run's to tell.
 */
function dueNotifications(state: MonitorState, deps: LocalMonitorDeps, fromExclusive: number, t: number): Notification[] {
  const pending: Notification[] = [];
  const nowMs = (deps.wallClock ?? Date.now)();
  for (const group of state.groups) {
    const targets = groupTargets(group, state.byName);
    // A group's state is not stored: it (and its targets' folds) is replayed from the history in memory after a start.
    const folds = new Map(targets.map((target) => [target.name, state.folds.get(target.name)]));
    const known = state.groupStates.get(group.name);
    const records = new Map(targets.map((target) => {
      const history = state.history.get(target.name) ?? [];
      const fold = known === undefined ? undefined : folds.get(target.name);
      return [target.name, fold === undefined ? history : recordsAfter(history, fold.t, target.intervalMinutes * MINUTE_MS)] as const;
    }));
    const next = advanceGroup(group, targets, folds, records, known, { quietThrough: fromExclusive, toInclusive: t, nowMs });
    for (const [name, fold] of next.folds) state.folds.set(name, fold);
    state.groupStates.set(group.name, next.state);
    pending.push(...next.notifications);
  }
  const observations: IdentityObservation[] = [];
  for (const target of state.targets) observations.push(...observationsOf(state.ids === undefined ? (state.history.get(target.name) ?? []) : recordsAfter(state.history.get(target.name) ?? [], state.ids.t, target.intervalMinutes * MINUTE_MS)));
  const identities = advanceIdentities({ targets: state.targets, groups: state.groups }, state.ids, observations, { quietThrough: fromExclusive, toInclusive: t, nowMs });
  state.ids = identities.state;
  pending.push(...identities.notifications);
  for (const target of state.targets) {
    if (state.grouped.has(target.name)) continue;
    const history = state.history.get(target.name) ?? [];
    const fold = state.folds.get(target.name);
    const records = fold === undefined ? history : recordsAfter(history, fold.t, target.intervalMinutes * MINUTE_MS);
    // The interval just probed is complete once its result is in, a minute before its end: nowMs keeps
    // every time in a notification at or before the moment it is printed.
    const next = advanceTarget(target, fold, records, { quietThrough: fromExclusive, toInclusive: t, nowMs });
    state.folds.set(target.name, next.state);
    pending.push(...next.notifications);
  }
  return pending.sort((a, b) => a.at - b.at);
}

/** Delivers what the ledger has not seen, entering each in it as it goes. */
async function deliverNew(state: MonitorState, deps: LocalMonitorDeps, pending: readonly Notification[]): Promise<Notification[]> {
  const delivered: Notification[] = [];
  for (const n of pending) {
    const id = sentIdentity(n);
    // The window already starts where the last run stopped; the ledger also covers a run that died
    // between a delivery and saving its watermark.
    if (state.sentIds.has(id)) continue;
    // Locally the monitor is the only location, so no_data over the minutes it was stopped says only that
    // it was not running, which its user knows: such an incident is told only if the last run told it.
    if (n.policy === 'no_data' && n.startsAt < (state.runStartMs ?? n.startsAt) && !state.sentIds.has(sentIdentity({ ...n, status: 'firing' }))) continue;
    await deps.deliver(n);
    state.sentIds.add(id);
    state.sent.push({ dedupKey: n.dedupKey, status: n.status, at: n.at });
    delivered.push(n);
    await saveLedger(state, deps);
  }
  return delivered;
}

export function createLocalMonitor(config: ResolvedConfig, deps: LocalMonitorDeps): LocalMonitor {
  const targets = config.targets.map(localView);
  const groups = groupsOf(config);
  const state: MonitorState = {
    targets,
    history: new Map(targets.map((t) => [t.name, []])),
    folds: new Map(),
    sent: [],
    sentIds: new Set(),
    groups,
    byName: new Map(targets.map((t) => [t.name, t])),
    grouped: new Set(groups.flatMap((g) => [g.name, ...g.members])),
    groupStates: new Map(),
  };
  return {
    history: (target) => state.history.get(target) ?? [],
    identities: () => state.ids,
    load: (nowMs) => load(state, deps, nowMs),
    async cycle(intervalStart) {
      // After a restart, from where the last run stopped (catch-up bounded by the history in memory).
      const evaluatedUntil = (state.evaluatedUntil ??= state.resumeFrom === undefined ? intervalStart : Math.max(state.resumeFrom, intervalStart - LOCAL_MAX_CATCH_UP_MS));
      state.runStartMs ??= intervalStart;
      const probed = await probeAndStore(state, deps, intervalStart);
      // This interval is complete now, so the evaluation may run up to its end.
      const t = intervalStart + MINUTE_MS;
      const notifications = await deliverNew(state, deps, dueNotifications(state, deps, evaluatedUntil, t));
      state.evaluatedUntil = Math.max(evaluatedUntil, t);
      boundSent(state);
      await saveLedger(state, deps);
      await saveSlaState(state, deps);
      return { ...probed, notifications };
    },
  };
}
