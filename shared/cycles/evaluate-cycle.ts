// The deployed evaluator's run for one evaluator shard, on the SLA fold: the work of a run grows with what
// arrived since the last one, not with the history. Per run:
//
//   1. load the shard's state (per target a fold state, see evaluator-shard-state.ts) with its version;
//      an outbox left by a run that claimed notifications and did not confirm them is published first;
//   2. read from CloudWatch only the new minutes, (state.t − interval, t], for the targets that have a
//      state, and the whole history (8 days, as the stateless evaluator read every minute) for at most a
//      bounded number of targets that need a state rebuilt (missing, damaged, another schema, another
//      configuration, new): the rest wait for a later run, owing their notifications from where they
//      started to wait, so a fleet rebuilding at once stays inside GetMetricData's quotas;
//   3. step each fold state to t, leave the no_data incidents a dead probe shard explains to its alarm;
//   4. claim: write the new state and the notifications as its outbox, conditionally on the version read.
//      A run that loses (an overlapping or repeated run for the same minutes) publishes nothing;
//   5. publish, then confirm (empty the outbox). A crash between 4 and 5 leaves the outbox for the next
//      run: notifications are delivered at least once, with their dedup keys, never lost.
//
// Talks to the world through ports only (the state store, the history source, the alert sink).
import { renderContextFor } from '../alerts/render-context.js';
import { DAY_MS, MINUTE_MS, floorTo } from '../common/time.js';
import { groupsOf, type ResolvedConfig, type ResolvedGroup, type ResolvedTarget } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { FOLD_SCHEMA_VERSION, foldStateFits } from '../sla/fold/index.js';
import { SEVERITIES, type Notification } from '../sla/notification.js';
import { HISTORY_MS, INGESTION_LAG_MS, MAX_CATCH_UP_MS } from './evaluation-window.js';
import { decodeShardState, emptyShardState, encodeShardState, SHARD_STATE_SCHEMA, ShardStateError, type ShardState } from './evaluator-shard-state.js';
import { heartbeatKey, type AlertPublishReport, type AlertSink, type EvaluatorStateStore, type EvaluatorStateVersion, type HistoryRead, type HistorySource, type OutboxEntry, type ProbeShardMap } from './ports.js';
import { advanceTarget } from './target-fold.js';
import { advanceGroup, advanceIdentities, emptyEventsState, groupTargets, type EventsState } from './group-fold.js';
import type { IdentityObservation } from '../sla/groups/identity-events.js';

/**
 * A gateway group's identities (ServerIdentity, one billed metric per target) are read every this many
 * minutes, riding on that minute's read: a failover is told up to this late (with its true instant), for a
 * fifth of the cost of reading them every minute.
 */
export const IDENTITY_READ_MINUTES = 5;
/** The same for targets in no group: a firmware change is told up to an hour late, for a 60th of the per-minute cost. */
export const STANDALONE_IDENTITY_READ_MINUTES = 60;

/** A probe shard whose heartbeat has been missing this long (the alarm's 3 periods, as long as no_data waits) is its alarm's to report. */
export const DEAD_PROBE_SHARD_AFTER_MS = 3 * MINUTE_MS;

/**
 * The state item's schema version (the store refuses an item of another, and the run rebuilds it): the
 * shard state's layout (evaluator-shard-state.ts) and the fold's (FOLD_SCHEMA_VERSION) together.
 */
export const EVALUATOR_STATE_SCHEMA = SHARD_STATE_SCHEMA * 1000 + FOLD_SCHEMA_VERSION;
/** History read to rebuild a target's state: what the stateless evaluator read every minute (its 4-day walk and the 3-day windows before it). */
export const REBUILD_HISTORY_MS = HISTORY_MS;
/**
 * GetMetricData points the whole fleet may spend on rebuilds per minute: 20 seconds' worth of the account's
 * 396,000 points per second for reads that start more than 3 hours back, so that every evaluator shard
 * rebuilding at once (a first deploy, a schema change) leaves two thirds of the minute's quota to the
 * evaluators' own reads, reports and dashboards. Split evenly between the evaluator shards.
 */
export const REBUILD_POINTS_PER_MINUTE = 396_000 * 20;
/**
 * How long a claimed outbox belongs to the run that claimed it (it is publishing, then confirms), in ms: a
 * run that finds a younger one leaves it, so two overlapping runs never both publish it. An older outbox is
 * a run that died between its claim and its confirm: the next run publishes it (at least once, same keys).
 * The evaluator's timeout (50 s) bounds a run, so a minute later the claimer is gone.
 */
export const OUTBOX_LEASE_MS = 50_000;

export interface EvaluateCycleInput {
  /** The config with this run's targets (one evaluator shard). */
  config: ResolvedConfig;
  /** The evaluator shard, and how many there are (the rebuild budget is split between them). */
  shard: number;
  shards: number;
  /** The scheduled minute of the run, and the clock when the state was read, in ms. */
  scheduledMs: number;
  nowMs: () => number;
  /** The probe shards of the whole config: whose heartbeat says a target was probed from a region. */
  probeShards: ProbeShardMap;
}

export interface EvaluatePorts {
  state: EvaluatorStateStore;
  history: HistorySource;
  alerts: AlertSink;
  log: Logger;
}

export interface EvaluateReport {
  /** The evaluation instant: the scheduled minute minus the ingestion lag. */
  t: number;
  /** evaluated; already: the state was at t already; superseded: another run claimed first, nothing sent. */
  outcome: 'evaluated' | 'already' | 'superseded';
  targets: number;
  /** Targets stepped from their state, rebuilt from the history in this run, still waiting for a rebuild. */
  stepped: number;
  rebuilt: string[];
  pending: number;
  records: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  /** Notifications this run claimed, and those a previous run had claimed and this one delivered. */
  notifications: Array<Pick<Notification, 'target' | 'policy' | 'severity' | 'status' | 'dedupKey'>>;
  redelivered: number;
  publish: AlertPublishReport;
  /** The SLA work (state decode, fold steps, encode), in ms: synchronous, so wall time is CPU time. */
  slaMs: number;
  /** The state written: JSON bytes, and the item as stored (gzipped state, outbox and attributes). */
  stateBytes: number;
  storedBytes: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const MINUTES_OF_HISTORY = REBUILD_HISTORY_MS / MINUTE_MS;

/** GetMetricData points a rebuild of `target` reads: ProbeFailed, and ControlTime per region for a latency objective. */
export const rebuildPoints = (target: ResolvedTarget): number => MINUTES_OF_HISTORY * (1 + (target.latency ? target.regions.length : 0));

/** The targets to rebuild in this run: oldest waiting first, within the shard's share of the fleet's budget, at least one. */
export function rebuildBatch(pending: ReadonlyMap<string, number>, targets: ReadonlyMap<string, ResolvedTarget>, budgetPoints: number): ResolvedTarget[] {
  const order = [...pending].filter(([name]) => targets.has(name)).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const batch: ResolvedTarget[] = [];
  let spent = 0;
  for (const [name] of order) {
    const target = targets.get(name)!;
    const cost = rebuildPoints(target);
    if (batch.length > 0 && spent + cost > budgetPoints) break;
    batch.push(target);
    spent += cost;
  }
  return batch;
}

/** The outbox as Notifications, checked at the edge; an entry that is not one is dropped with a line naming its key. */
function outboxNotifications(outbox: readonly OutboxEntry[], log: Logger): Notification[] {
  const out: Notification[] = [];
  for (const entry of outbox) {
    let value: unknown;
    try {
      value = JSON.parse(entry.body);
    } catch {
      value = undefined;
    }
    const n = value as Partial<Notification> | undefined;
    const ok =
      typeof n === 'object' && n !== null &&
      ['firing', 'reminder', 'resolved'].includes(String(n.status)) && (SEVERITIES as readonly string[]).includes(String(n.severity)) &&
      typeof n.target === 'string' && typeof n.policy === 'string' && typeof n.dedupKey === 'string' && n.dedupKey === entry.dedupKey &&
      typeof n.startsAt === 'number' && typeof n.at === 'number' && typeof n.regions === 'object' && n.regions !== null;
    if (ok) out.push(value as Notification);
    else log.error('outbox entry is not a notification: dropped', { dedupKey: entry.dedupKey });
  }
  return out;
}

const outboxOf = (notifications: readonly Notification[]): OutboxEntry[] => notifications.map((n) => ({ dedupKey: n.dedupKey, body: JSON.stringify(n) }));

/**
 * A probe shard that stopped is paged once by its "probes stopped reporting" alarm, and told again when it
 * recovers (the alarm's OK action); its no_data incidents, one per target it probes, would repeat both for
 * every one of them. So a no_data is left to the alarm when every region it names is a dead shard's (a
 * target also blind in a live region pages), and so is the resolved notice of an incident whose firing was
 * left to it: the shard state remembers those incidents (`covered`) until they resolve.
 */
function leaveToAlarms(notifications: readonly Notification[], heartbeats: ReadonlyMap<string, number>, input: EvaluateCycleInput, t: number, coveredKeys: Map<string, number>): { send: Notification[]; covered: number; dead: string[] } {
  // The probe shards that probe this evaluator shard's targets: the only heartbeats it reads.
  const dead = new Set<string>();
  for (const target of input.config.targets) {
    for (const region of target.regions) {
      const shard = input.probeShards.shardOf(target.name, region);
      if (shard === undefined) continue;
      const key = heartbeatKey(region, shard);
      const last = heartbeats.get(key);
      if (last === undefined || last < t - DEAD_PROBE_SHARD_AFTER_MS) dead.add(key);
    }
  }
  const deadFor = (target: string, region: string): boolean => {
    const shard = input.probeShards.shardOf(target, region);
    return shard !== undefined && dead.has(heartbeatKey(region, shard));
  };
  const send: Notification[] = [];
  let covered = 0;
  for (const n of notifications) {
    if (n.policy === 'no_data' && n.status === 'resolved' && coveredKeys.delete(n.dedupKey)) covered++;
    else if (n.policy === 'no_data' && n.regions.affected.length > 0 && n.regions.affected.every((r) => deadFor(n.target, r))) {
      covered++;
      if (n.status === 'firing') coveredKeys.set(n.dedupKey, n.startsAt);
    } else send.push(n);
  }
  // An incident that never resolves (its target left the config) is forgotten after a week.
  for (const [key, startsAt] of coveredKeys) if (startsAt < t - 7 * DAY_MS) coveredKeys.delete(key);
  return { send, covered, dead: [...dead] };
}

function mergeHeartbeats(into: Map<string, number>, read: HistoryRead): void {
  for (const [key, last] of read.lastHeartbeat) if (last !== undefined && last > (into.get(key) ?? -Infinity)) into.set(key, last);
}

/** One evaluator run for one shard. Throws when the state cannot be read or written, or a notification was not published. */
export async function runEvaluateCycle(input: EvaluateCycleInput, ports: EvaluatePorts, signal?: AbortSignal): Promise<EvaluateReport> {
  const { config, shard } = input;
  const log = ports.log;
  const t = floorTo(input.scheduledMs, MINUTE_MS) - INGESTION_LAG_MS;
  const report: EvaluateReport = {
    t, outcome: 'evaluated', targets: config.targets.length, stepped: 0, rebuilt: [], pending: 0, records: 0, metricsRequested: 0, getMetricDataCalls: 0,
    notifications: [], redelivered: 0, publish: { sent: 0, retried: 0, failed: [] }, slaMs: 0, stateBytes: 0, storedBytes: 0,
  };
  const byName = new Map(config.targets.map((target) => [target.name, target]));
  const context = (n: Notification) => renderContextFor(config, byName.get(n.target));

  // 1. Load; deliver what an earlier run claimed and did not confirm.
  const read = await ports.state.load(shard, signal);
  let expected: EvaluatorStateVersion;
  let until: number | undefined;
  let stateBytes: Uint8Array | undefined;
  if (read.kind === 'none') {
    log.info('evaluator state: none for this shard; every target is rebuilt from CloudWatch', { t: iso(t) });
  } else if (read.kind === 'unreadable') {
    expected = read.overwrite;
    log.warn('evaluator state unreadable; every target is rebuilt from CloudWatch', { problem: read.problem, t: iso(t) });
  } else {
    expected = read.version;
    until = read.record.evaluatedUntil;
    stateBytes = read.record.state;
    if (read.record.outbox.length > 0 && input.nowMs() - read.updatedAt < OUTBOX_LEASE_MS) {
      log.info('evaluation skipped: another run claimed this shard moments ago and is publishing its notifications', { t: iso(t), evaluatedUntil: iso(read.record.evaluatedUntil), claimedAt: iso(read.updatedAt) });
      return { ...report, outcome: 'superseded' };
    }
    if (read.record.outbox.length > 0) {
      const pendingOut = outboxNotifications(read.record.outbox, log);
      log.warn('outbox of an earlier run: publishing it again before this run', { entries: read.record.outbox.length, dedupKeys: read.record.outbox.map((e) => e.dedupKey) });
      const published = await ports.alerts.publish(pendingOut, context, signal);
      report.redelivered = published.sent;
      if (published.failed.length > 0) throw new Error(`${published.failed.length} notification(s) of an earlier run's outbox not published; the next run tries again`);
      const confirmed = await ports.state.confirm(shard, read.version, signal);
      if (!confirmed.confirmed) {
        log.info('evaluation skipped: another run took over this shard while its outbox was published', { t: iso(t) });
        return { ...report, outcome: 'superseded' };
      }
      expected = confirmed.version;
    }
  }
  if (until !== undefined && until >= t) {
    log.info('evaluation skipped: already evaluated', { t: iso(t), evaluatedUntil: iso(until) });
    return { ...report, outcome: 'already' };
  }

  // 2. Which targets step and which rebuild. A state too far behind (the evaluator stopped for days) is rebuilt.
  const slaStart = performance.now();
  let state: ShardState = emptyShardState();
  const owedFrom = (since: number): number => Math.max(since, t - MAX_CATCH_UP_MS);
  const firstOwed = until ?? t - MINUTE_MS;
  if (stateBytes !== undefined) {
    try {
      const decoded = decodeShardState(stateBytes, firstOwed);
      state = decoded.state;
      if (decoded.damaged.length > 0) log.warn('evaluator state: damaged fold states; those targets are rebuilt from CloudWatch', { damaged: decoded.damaged });
    } catch (err) {
      if (!(err instanceof ShardStateError)) throw err;
      log.warn('evaluator state unreadable; every target is rebuilt from CloudWatch', { problem: err.message, t: iso(t) });
    }
  }
  const tooOld = until !== undefined && t - until > REBUILD_HISTORY_MS - DAY_MS;
  const changed: string[] = [];
  for (const target of config.targets) {
    const fold = state.folds.get(target.name);
    if (fold !== undefined && (tooOld || !foldStateFits(target, fold).fits)) {
      changed.push(target.name);
      state.folds.delete(target.name);
      state.pending.set(target.name, fold.t ?? firstOwed);
    } else if (fold === undefined && !state.pending.has(target.name)) state.pending.set(target.name, firstOwed);
  }
  for (const name of [...state.folds.keys(), ...state.pending.keys()]) {
    if (!byName.has(name)) {
      state.folds.delete(name);
      state.pending.delete(name);
    }
  }
  // A group is judged with all its targets, and its state is only as good as theirs: when any of them (or
  // the group's own state) must be rebuilt, they are all rebuilt together, from the earliest owed instant.
  const groups = groupsOf(config).filter((g) => byName.has(g.name));
  const groupOf = new Map<string, ResolvedGroup>();
  for (const g of groups) for (const name of [g.name, ...g.members]) if (byName.has(name)) groupOf.set(name, g);
  const events: EventsState = state.events ?? emptyEventsState();
  for (const g of groups) {
    const names = [g.name, ...g.members].filter((n) => byName.has(n));
    if (events.groups[g.name] !== undefined && names.every((n) => state.folds.has(n))) continue;
    const since = Math.min(...names.map((n) => state.pending.get(n) ?? state.folds.get(n)?.t ?? firstOwed));
    for (const n of names) {
      state.folds.delete(n);
      state.pending.set(n, since);
    }
    delete events.groups[g.name];
  }
  for (const name of Object.keys(events.groups)) if (!groups.some((g) => g.name === name)) delete events.groups[name];
  if (changed.length > 0) log.warn(tooOld ? 'evaluator state too old to step; rebuilt from CloudWatch' : 'evaluator state built for another configuration of these targets; rebuilt from CloudWatch', { targets: changed.slice(0, 20), count: changed.length });
  const budget = Math.floor(REBUILD_POINTS_PER_MINUTE / Math.max(1, input.shards));
  const batch = rebuildBatch(state.pending, byName, budget);
  // A group's targets rebuild in one run (the group is replayed with them).
  for (const target of [...batch]) {
    const g = groupOf.get(target.name);
    if (g === undefined) continue;
    for (const n of [g.name, ...g.members]) if (state.pending.has(n) && !batch.some((b) => b.name === n)) batch.push(byName.get(n)!);
  }
  // Identities (one billed metric per target and read): a group's targets every IDENTITY_READ_MINUTES (a
  // failover), the others every STANDALONE_IDENTITY_READ_MINUTES (a firmware change), each kind with its
  // own identity state; 8 days of them for targets being rebuilt. A lost state reads at once.
  const minuteNo = Math.floor(t / MINUTE_MS);
  const identityPlans = (
    [
      { key: 'ids', targets: config.targets.filter((x) => groupOf.has(x.name)), groups, everyMs: IDENTITY_READ_MINUTES * MINUTE_MS },
      { key: 'solo', targets: config.targets.filter((x) => !groupOf.has(x.name)), groups: [], everyMs: STANDALONE_IDENTITY_READ_MINUTES * MINUTE_MS },
    ] as const
  ).map((plan) => {
    const st = events[plan.key];
    const lost = state.events === undefined || st === undefined || st.t === null;
    // From the start of the earliest interval that ends after the last read (5-minute targets included).
    const fromMs = (st?.t ?? t - plan.everyMs) - 5 * MINUTE_MS;
    return { ...plan, st, lost, fromMs, read: plan.targets.length > 0 && (lost || minuteNo % (plan.everyMs / MINUTE_MS) === 0) };
  });
  const reading = identityPlans.filter((p) => p.read);
  const stepping = config.targets.filter((target) => state.folds.has(target.name));
  report.slaMs += performance.now() - slaStart;

  // Reads: the new minutes for the targets that step, the whole history for the batch.
  const reads: Array<Promise<HistoryRead | undefined>> = [];
  // The identities ride on the stepping read (the same call): its range reaches back to where they were
  // read last, for them alone. A lost identity state starts again from what answers now (and the rebuilt
  // targets' 8 days): a change while it was lost and before its last read is not told.
  if (stepping.length > 0) {
    const fromMs = Math.min(...stepping.map((target) => (state.folds.get(target.name)!.t ?? t) - (target.intervalMinutes - 1) * MINUTE_MS));
    const identity = reading.length === 0 ? {} : { identity: true, identityFromMs: Math.min(...reading.map((p) => p.fromMs)), identityTargets: reading.flatMap((p) => p.targets.map((x) => x.name)) };
    reads.push(ports.history.recent({ ...config, targets: stepping }, { fromMs, toMs: t, latency: true, ...identity }, signal));
  } else reads.push(Promise.resolve(undefined));
  if (batch.length > 0) {
    log.info('rebuilding evaluator state from CloudWatch', { targets: batch.map((b) => b.name), waiting: state.pending.size - batch.length, days: REBUILD_HISTORY_MS / DAY_MS });
    reads.push(ports.history.recent({ ...config, targets: batch }, { fromMs: t - REBUILD_HISTORY_MS, toMs: t, latency: true, identity: true }, signal));
  } else reads.push(Promise.resolve(undefined));

  const [recent, history] = await Promise.all(reads);
  for (const r of [recent, history]) {
    if (r === undefined) continue;
    report.metricsRequested += r.metricsRequested;
    report.getMetricDataCalls += r.calls;
    mergeHeartbeats(state.heartbeats, r);
  }

  // 3. Step.
  const stepStart = performance.now();
  const due: Notification[] = [];
  for (const target of stepping) {
    if (groupOf.has(target.name)) continue;
    const fold = state.folds.get(target.name)!;
    const records = recent?.records.get(target.name) ?? [];
    report.records += records.length;
    const next = advanceTarget(target, fold, records, { quietThrough: owedFrom(fold.t ?? t), toInclusive: t });
    state.folds.set(target.name, next.state);
    due.push(...next.notifications);
  }
  for (const target of batch) {
    if (groupOf.has(target.name)) continue;
    const records = history?.records.get(target.name) ?? [];
    report.records += records.length;
    const next = advanceTarget(target, undefined, records, { quietThrough: owedFrom(state.pending.get(target.name) ?? firstOwed), toInclusive: t });
    state.folds.set(target.name, next.state);
    state.pending.delete(target.name);
    due.push(...next.notifications);
  }
  for (const g of groups) {
    const targets = groupTargets(g, byName);
    const rebuilding = targets.every((x) => batch.includes(x));
    if (!rebuilding && !targets.every((x) => state.folds.has(x.name))) continue; // waiting for its rebuild
    const source = rebuilding ? history : recent;
    const records = new Map(targets.map((x) => [x.name, source?.records.get(x.name) ?? []] as const));
    for (const list of records.values()) report.records += list.length;
    const since = rebuilding ? Math.min(...targets.map((x) => state.pending.get(x.name) ?? firstOwed)) : Math.min(...targets.map((x) => state.folds.get(x.name)!.t ?? t));
    const next = advanceGroup(g, targets, rebuilding ? new Map() : state.folds, records, rebuilding ? undefined : events.groups[g.name], { quietThrough: owedFrom(since), toInclusive: t });
    for (const [name, fold] of next.folds) {
      state.folds.set(name, fold);
      state.pending.delete(name);
    }
    events.groups[g.name] = next.state;
    due.push(...next.notifications);
  }
  for (const plan of reading) {
    const mine = new Set(plan.targets.map((x) => x.name));
    const observations: IdentityObservation[] = [];
    for (const read of [recent, history]) for (const [target, points] of read?.identities ?? []) if (mine.has(target)) for (const p of points) observations.push({ target, ...p });
    // Told up to the last identity read; with the identity state lost, the last read before the state's
    // evaluatedUntil (reads fall on every everyMs-th minute), or the last minute without one.
    const toldUntil = plan.st?.t ?? (until !== undefined ? floorTo(until, plan.everyMs) : t - MINUTE_MS);
    const ids = advanceIdentities({ targets: plan.targets, groups: plan.groups }, plan.st, observations, { quietThrough: owedFrom(toldUntil), toInclusive: t });
    events[plan.key] = ids.state;
    due.push(...ids.notifications);
  }
  state.events = events;
  due.sort((a, b) => a.at - b.at);
  const judged = leaveToAlarms(due, state.heartbeats, input, t, state.covered);
  const encoded = encodeShardState(state);
  report.slaMs += performance.now() - stepStart;
  report.stepped = stepping.length;
  report.rebuilt = batch.map((b) => b.name);
  report.pending = state.pending.size;
  report.notifications = judged.send.map((n) => ({ target: n.target, policy: n.policy, severity: n.severity, status: n.status, dedupKey: n.dedupKey }));

  // 4. Claim.
  const claim = await ports.state.claim(shard, { state: encoded, evaluatedUntil: t, outbox: outboxOf(judged.send) }, expected, signal);
  if (!claim.claimed) {
    log.info('evaluation dropped: another run wrote this shard\'s state first and owns these minutes; nothing sent', { t: iso(t), notifications: judged.send.length });
    return { ...report, outcome: 'superseded', notifications: [] };
  }
  report.stateBytes = claim.stateBytes;
  report.storedBytes = claim.storedBytes;

  // 5. Publish, then confirm; what did not go out stays in the outbox for the next run.
  if (judged.send.length > 0) {
    report.publish = await ports.alerts.publish(judged.send, context, signal);
    if (report.publish.failed.length === 0) {
      await ports.state.confirm(shard, claim.version, signal);
    } else {
      const failed = new Set(report.publish.failed.map((f) => `${f.dedupKey} ${f.status}`));
      await ports.state.claim(shard, { state: encoded, evaluatedUntil: t, outbox: outboxOf(judged.send.filter((n) => failed.has(`${n.dedupKey} ${n.status}`))) }, claim.version, signal);
    }
  }
  logRun(log, report, judged);
  if (report.publish.failed.length > 0) throw new Error(`${report.publish.failed.length} notification(s) not published; they stay in the shard's outbox and the next run sends them with the same dedup keys`);
  return report;
}

/** GetMetricData is billed per metric requested: the count is logged so the cost is visible per run. */
function logRun(log: Logger, report: EvaluateReport, judged: { covered: number; dead: string[] }): void {
  (report.publish.failed.length > 0 ? log.error : log.info)('evaluation done', {
    t: iso(report.t),
    stepped: report.stepped,
    rebuilt: report.rebuilt.length,
    waitingForRebuild: report.pending,
    metricsRequested: report.metricsRequested,
    getMetricDataCalls: report.getMetricDataCalls,
    records: report.records,
    slaMs: Math.round(report.slaMs * 10) / 10,
    stateBytes: report.stateBytes,
    storedBytes: report.storedBytes,
    deadProbeShards: judged.dead,
    noDataCoveredByAlarm: judged.covered,
    notifications: report.notifications,
    sent: report.publish.sent,
    failed: report.publish.failed,
  });
}
