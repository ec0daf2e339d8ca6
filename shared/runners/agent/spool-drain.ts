// One cycle's publishing from the spool: the current minute first, then the backlog oldest first.
//
// Order. The minute just probed goes first because it is the one alarms and the evaluator are waiting
// for; the backlog (what an outage, a network cut or a restart left) follows, oldest first, one request
// at a time, until the deadline: the caller sets it before the next minute's probes, so catching up never
// delays a current minute. The backlog stops at its first failure: CloudWatch is down or unreachable, and
// every further request would only spend its retries; the rest waits for the next cycle. A current
// request that fails stays in the spool and becomes backlog; the backlog is then not tried at all.
//
// A request CloudWatch refuses for its content (`refused`: a bad parameter, a timestamp out of its
// window) can never succeed, so it is moved to the spool's corrupt/ and the backlog goes on: left in
// place, it would stop the backlog behind it for two weeks.
//
// Points the spool could not take (disk full, read-only) are sent directly; if that fails too they are
// lost, logged and counted (stats().dropped.unspooled).
//
// Duplicates. An entry leaves the spool only after CloudWatch acknowledged it: send, then ack (unlink +
// fsync of the directory). A crash between a successful send and the unlink leaves the file, and the
// entry is sent again after the restart. So a crash duplicates at most one request's points (≤ 1000
// datums of one location, mostly of one minute); CloudWatch has no idempotency token for PutMetricData
// and simply stores both. The history read is built for that: a minute with more reports than locations
// is rebuilt per location, so a duplicate cannot fake a down minute (cloudwatch-history.ts, "Duplicates");
// a duplicated latency adds one sample to its minute.
// The other order (ack, then send) would lose the request instead, which is worse for an SLA record.
import type { Logger } from '../../log/logger.js';
import { planRequests } from '../../metrics/batch.js';
import type { MetricSender, SendOutcome } from '../../metrics/cloudwatch-publisher.js';
import type { Datum } from '../../metrics/metric-design.js';
import type { AppendOutcome, Spool, SpoolEntry } from './spool.js';

export interface DrainOptions {
  spool: Spool;
  sender: MetricSender;
  /** What this cycle's `spool.append` returned. */
  current: AppendOutcome;
  /** No backlog request is started at or after this instant (ms, by `now`). The current minute is always tried. */
  deadline: number;
  now?: () => number;
  log?: Pick<Logger, 'warn' | 'error'>;
  /** Aborts the send in flight (the sender's retries stop) and everything after it. */
  signal?: AbortSignal;
}

/** PutMetricData requests (not attempts) and their points. */
export interface DrainCount {
  requests: number;
  points: number;
}

export interface DrainReport {
  /** Of the current minute, spooled or sent directly. */
  sentCurrent: DrainCount;
  sentBacklog: DrainCount;
  /** Sends that failed; their entries stay in the spool. */
  failed: DrainCount;
  /** Entries CloudWatch refused as invalid, moved to corrupt/. */
  refused: DrainCount;
  /** Still owed after this drain. */
  remaining: DrainCount;
  /** Points the spool could not take whose direct send failed: gone. */
  lost: DrainCount;
  /** Why the backlog stopped. `current_failed`: not started, a current request failed. */
  stopped: 'empty' | 'deadline' | 'backlog_failed' | 'current_failed' | 'aborted';
  /** PutMetricData calls made, retries included. */
  attempts: number;
  /** The last error of each failed request. */
  errors: string[];
}

const zero = (): DrainCount => ({ requests: 0, points: 0 });
const count = (c: DrainCount, points: number): void => {
  c.requests++;
  c.points += points;
};

export async function drainSpool(options: DrainOptions): Promise<DrainReport> {
  const { spool, sender, current, deadline, log, signal } = options;
  const now = options.now ?? Date.now;
  const report: DrainReport = { sentCurrent: zero(), sentBacklog: zero(), failed: zero(), refused: zero(), remaining: zero(), lost: zero(), stopped: 'empty', attempts: 0, errors: [] };

  async function send(points: readonly Datum[]): Promise<SendOutcome> {
    const outcome = await sender.send(points, signal);
    report.attempts += outcome.attempts;
    if (!outcome.ok) report.errors.push(outcome.error);
    return outcome;
  }

  /** Sends one spooled entry and settles it: ack, refuse, or leave. 'failed' only for a failure worth retrying later. */
  async function sendEntry(entry: SpoolEntry, sent: DrainCount): Promise<'done' | 'failed'> {
    const points = await spool.read(entry);
    if (!points) return 'done'; // acked, dropped or set aside meanwhile: nothing owed
    const outcome = await send(points);
    if (outcome.ok) {
      await spool.ack(entry);
      count(sent, points.length);
      return 'done';
    }
    if (outcome.refused) {
      await spool.reject(entry, outcome.error);
      count(report.refused, points.length);
      log?.error('PutMetricData refused a spooled request; set aside in corrupt/', { entry: entry.name, points: points.length, error: outcome.error });
      return 'done';
    }
    count(report.failed, points.length);
    return 'failed';
  }

  await spool.dropExpired();

  if (!current.spooled) {
    // Sent even when CloudWatch looks down: these points exist nowhere else, and a failure costs only them.
    for (const request of planRequests(current.unspooled)) {
      const points = request.flatMap((e) => e.points);
      const outcome = await send(points);
      if (outcome.ok) {
        count(report.sentCurrent, points.length);
        continue;
      }
      count(report.lost, points.length);
      spool.countUnspooledLoss(points.length);
      log?.error('Data points lost: the spool could not take them and PutMetricData failed', { points: points.length, spoolError: current.error, error: outcome.error });
    }
  }

  for (const entry of current.entries) {
    if ((await sendEntry(entry, report.sentCurrent)) === 'failed') {
      report.stopped = 'current_failed';
      break;
    }
  }

  if (report.stopped !== 'current_failed') {
    // A snapshot: what is appended while this drain runs belongs to the next cycle.
    for (const entry of spool.pending()) {
      if (signal?.aborted) {
        report.stopped = 'aborted';
        break;
      }
      if (now() >= deadline) {
        report.stopped = 'deadline';
        break;
      }
      if ((await sendEntry(entry, report.sentBacklog)) === 'failed') {
        report.stopped = 'backlog_failed';
        log?.warn('PutMetricData failed for the backlog; the rest waits for the next cycle', { entry: entry.name, error: report.errors.at(-1) });
        break;
      }
    }
  }

  const { entries, points } = spool.stats();
  report.remaining = { requests: entries, points };
  return report;
}
