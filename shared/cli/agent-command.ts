// `pptp-monitor agent`: the private-location runner. Wiring only: the config's targets for this location,
// the probers with this host's sockets (raw GRE for logins), the spool under the state directory, the
// CloudWatch client of the home region through the SDK's credential chain, and the agent loop.
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { abortableSleep } from '../aws/retry.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import { agentsOf, type ResolvedConfig } from '../config/types.js';
import type { MetricSink, PublishReport } from '../cycles/ports.js';
import { createJsonLogger, type Logger } from '../log/logger.js';
import { lockDataDir, type DataDirLock } from '../store/data-lock.js';
import { DataDirError, DataDirLockedError, fsProblem } from '../store/errors.js';
import { createMetricSender } from '../metrics/cloudwatch-publisher.js';
import { createIdentityMemory } from '../metrics/identity-memory.js';
import { probeByKind } from '../probe/index.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { checkKindOf, probeOptionsFor, PROBERS } from '../probers/index.js';
import { nextMinute, runAgentLoop, type AgentTarget, type AgentWallClock } from '../runners/agent/agent-loop.js';
import { createClockSkewWatch, watchClockSkew } from '../runners/agent/clock-skew.js';
import { drainSpool, type DrainReport } from '../runners/agent/spool-drain.js';
import { createSpool, SpoolError, type Spool } from '../runners/agent/spool.js';
import type { AgentArgs } from './agent-args.js';
import { loginSetupProblems } from './login-setup.js';

/** File-system codes of a disk that is out of space or blocks. */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** The backlog stops this long before the next minute starts, in ms: catching up never delays a minute. */
export const DRAIN_MARGIN_MS = 5_000;

export interface AgentIo {
  /** One JSON log line (stdout: journald keeps it). */
  line(text: string): void;
  /** Why the agent cannot start, in words (stderr). */
  err(text: string): void;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Real wall clock; Date.now by default. */
  now?: () => number;
}

/** Wall time n× faster than real from now on (n = 1: real time); waits re-check, so no cycle starts early. */
export function scaledWallClock(scale: number, realNow: () => number = Date.now): AgentWallClock {
  const origin = realNow();
  const now = (): number => origin + (realNow() - origin) * scale;
  return {
    now,
    toRealMs: (wallMs) => wallMs / scale,
    async sleepUntil(at, signal) {
      while (!signal.aborted && now() < at) await abortableSleep(Math.max(1, Math.ceil((at - now()) / scale)), signal);
    },
  };
}

function publishReportOf(drain: DrainReport): PublishReport {
  // Nothing goes to EMF here: what CloudWatch did not take stays in the spool (remaining), or was lost (lost).
  return { requests: drain.attempts, retried: 0, published: drain.sentCurrent.points + drain.sentBacklog.points, loggedAsEmf: 0, errors: drain.errors };
}

function spoolingSink(spool: Spool, send: ReturnType<typeof createMetricSender>, wall: AgentWallClock, log: Logger, minute: number, signal: AbortSignal): MetricSink {
  return {
    async publish(points) {
      const current = await spool.append(points);
      if (!current.spooled) log.error('spool: cannot write, publishing directly (nothing is kept if that fails)', { error: current.error, points: current.unspooled.length });
      const drain = await drainSpool({ spool, sender: send, current, deadline: nextMinute(minute) - DRAIN_MARGIN_MS, now: wall.now, log, signal });
      const stats = spool.stats();
      const fields = { sentCurrent: drain.sentCurrent.points, sentBacklog: drain.sentBacklog.points, owed: stats.points, owedEntries: stats.entries, oldestOwed: stats.oldestTimestamp === undefined ? undefined : new Date(stats.oldestTimestamp).toISOString(), dropped: stats.dropped, stopped: drain.stopped };
      (drain.failed.requests > 0 || drain.lost.points > 0 ? log.warn : log.info)('spool drained', fields);
      return publishReportOf(drain);
    },
  };
}

/** The targets of this location, as the probe cycle takes them. */
function locationTargets(config: Awaited<ReturnType<typeof loadConfig>> & { ok: true }, location: string): AgentTarget[] {
  return config.config.targets
    .filter((t) => t.regions.includes(location))
    .map((t) => ({ name: t.name, host: t.host, port: t.port, check: checkKindOf(t), options: probeOptionsFor(t), intervalMinutes: t.intervalMinutes }));
}

export async function runAgent(args: AgentArgs, io: AgentIo): Promise<number> {
  // The deployed file, judged as `validate` judges it for deployment: the home stack evaluates the same targets.
  const loaded = await loadConfig(args.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(`pptp-monitor agent: ${formatConfigError(e)}`);
    return 2;
  }
  const { config } = loaded;
  const declared = agentsOf(config).map((a) => a.name);
  if (!declared.includes(args.location)) {
    io.err(`pptp-monitor agent: --location '${args.location}' is not an agent of ${args.config} (${declared.length === 0 ? 'it declares none under agents' : `declared: ${declared.join(', ')}`})`);
    return 2;
  }
  const targets = locationTargets(loaded, args.location);
  const loginProblems = await loginSetupProblems(config.targets.filter((t) => t.regions.includes(args.location)), io.env ? { env: io.env } : {});
  if (loginProblems.length > 0) {
    for (const problem of loginProblems) io.err(`pptp-monitor agent: ${problem}`);
    return 2;
  }

  // One agent per state directory: two would send each other's spool entries (and acknowledge them twice).
  let lock: DataDirLock | undefined;
  try {
    lock = await lockDataDir(args.stateDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      io.err(`pptp-monitor agent: ${err.message}; another agent uses --state-dir ${args.stateDir}: stop it, or give this one its own`);
      return 2;
    }
    // A full disk must not stop monitoring (the spool then sends directly and counts what it loses): run
    // without the lock, which a full disk cannot hold anyway, and say so.
    if (err instanceof DataDirError && DISK_FULL_CODES.has(fsProblem(err.cause))) {
      io.err(`pptp-monitor agent: warning: ${err.message}: running without the state directory's lock; free space under ${args.stateDir}`);
    } else if (err instanceof DataDirError) {
      io.err(`pptp-monitor agent: --state-dir ${args.stateDir}: ${err.message}; pass --state-dir <a directory this user can write>`);
      return 2;
    } else throw err;
  }
  try {
    return await runLocked(args, io, config, targets);
  } finally {
    await lock?.release();
  }
}

async function runLocked(args: AgentArgs, io: AgentIo, config: ResolvedConfig, targets: AgentTarget[]): Promise<number> {
  const wall = scaledWallClock(args.timeScale, io.now);
  const log = createJsonLogger({ service: 'pptp-monitor-agent', write: io.line, now: wall.now }, { location: args.location });
  const spool = createSpool({ dir: join(args.stateDir, 'spool'), now: wall.now, log });
  try {
    const opened = await spool.open();
    log.info('agent starting', { targets: targets.length, logins: targets.filter((t) => t.check === 'pptp-login').length, homeRegion: config.homeRegion, namespace: config.namespace, spool: spool.dir, owed: opened.points, owedEntries: opened.entries, lostInCrash: opened.lostInCrash, corrupt: opened.corrupt, tooOld: opened.tooOld, timeScale: args.timeScale });
  } catch (err) {
    if (!(err instanceof SpoolError)) throw err;
    io.err(`pptp-monitor agent: --state-dir ${args.stateDir}: ${err.message}; pass --state-dir <a directory this user can write>`);
    return 2;
  }

  // maxAttempts 1: the sender's own retries (backoff, the drain's deadline) decide, not the SDK's.
  const client = new CloudWatchClient({ region: config.homeRegion, maxAttempts: 1 });
  watchClockSkew(
    client,
    createClockSkewWatch((reading) => log.warn('agent clock is off: results are filed under the wrong minute; run NTP (chrony, systemd-timesyncd)', { skewMs: reading.skewMs, awsDate: reading.serverDate })),
    wall.now,
  );
  const sender = createMetricSender({ namespace: config.namespace, region: config.homeRegion, client, log: { write: io.line } });
  const probeDeps = nodeProbeDeps(io.signal);
  try {
    const report = await runAgentLoop(
      { location: args.location, targets, ...(args.cycles !== undefined ? { cycles: args.cycles } : {}) },
      {
        probe: probeByKind(PROBERS, probeDeps),
        clock: nodeClock,
        timers: nodeTimers,
        wall,
        publisherFor: (minute) => spoolingSink(spool, sender, wall, log, minute, io.signal),
        log,
        signal: io.signal,
        // One per process: a start publishes every identity it sees once (it knows none), then only
        // changes and each target's daily refresh minute (identity-memory.ts).
        identities: createIdentityMemory(),
      },
    );
    const stats = spool.stats();
    log.info('agent stopped', { cycles: report.cycles, skippedMinutes: report.skippedMinutes, owed: stats.points, dropped: stats.dropped });
    return 0;
  } finally {
    client.destroy();
  }
}
