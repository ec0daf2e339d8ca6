// `pptp-monitor backtest`: replays a history of probe results through the evaluator and prints every
// notification it would have sent: per target the SLA fold from the empty state over the history (the
// deployed evaluator and the local monitor step the same fold minute by minute, and a replay is the
// minute-by-minute run: the fold's tests check both against the stateless walk). The history is a
// results file or a store directory (by default the local monitor's ./data), and the config defaults as
// report's does (monitor.yml, else monitor.local.yml), so the local workflow needs no flags.
import { join } from 'node:path';
import { renderContextFor } from '../alerts/render-context.js';
import { renderAlert } from '../alerts/render.js';
import { formatConfigError, loadConfig, type ResolvedTarget } from '../config/index.js';
import { isLocalHistory, localView } from '../cycles/local-view.js';
import { replayFleet } from '../cycles/group-fold.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { fsProblem } from '../store/errors.js';
import { readResultHistory } from '../store/local-store.js';
import { chooseConfig } from './default-config.js';
import { flagValue, UsageError } from './usage-error.js';
import { MINUTE_MS } from '../common/time.js';

/** The history read when --history is not given: the local monitor's store. */
export const DEFAULT_HISTORY = 'data';

export interface BacktestArgs {
  /** Unset: monitor.yml, else monitor.local.yml (see chooseConfig). */
  config?: string;
  /** A results file or a store directory; unset: DEFAULT_HISTORY. */
  history?: string;
  from?: number;
  to?: number;
  json: boolean;
}

export const BACKTEST_USAGE = `usage: pptp-monitor backtest [--config <file>] [--history <path>] [options]
  --config <file>     targets and policies (default monitor.yml, else monitor.local.yml)
  --history <path>    a results file (.jsonl) or a store directory (default ./data, the local monitor's store)
  --from <iso>        first evaluation instant (default: the history's first interval)
  --to <iso>          last evaluation instant (default: the end of the history's last interval)
  --json              print the notifications as a JSON array`;


function isoOption(flag: string, v: string | undefined): number {
  if (v === undefined || v === '') throw new UsageError(`${flag} needs a value (an ISO 8601 time such as 2026-11-01T00:00:00Z)`);
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag}: not an ISO 8601 time: '${v}'`);
  return ms;
}

export function parseBacktestArgs(argv: readonly string[]): BacktestArgs {
  let config: string | undefined;
  let history: string | undefined;
  const args: Partial<BacktestArgs> & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = (): string => flagValue(String(flag), argv[++i]);
    if (flag === '--config') config = next();
    else if (flag === '--history') history = next();
    else if (flag === '--from') args.from = isoOption(flag, argv[++i]);
    else if (flag === '--to') args.to = isoOption(flag, argv[++i]);
    else if (flag === '--json') args.json = true;
    else throw new UsageError(`backtest: unknown option '${String(flag)}'`);
  }
  if (args.from !== undefined && args.to !== undefined && args.from >= args.to) throw new UsageError('backtest: --from must be before --to');
  return {
    json: args.json,
    ...(config !== undefined && { config }),
    ...(history !== undefined && { history }),
    ...(args.from !== undefined && { from: args.from }),
    ...(args.to !== undefined && { to: args.to }),
  };
}

export interface BacktestIo {
  out(line: string): void;
  err(line: string): void;
  /** Wall clock, ms since the epoch (default Date.now): no time printed lies after it. */
  now?(): number;
}

/** A target's records decide its view: results recorded locally are evaluated with the local view. */
function evaluationTarget(target: ResolvedTarget, records: readonly ProbeRecord[]): ResolvedTarget {
  return isLocalHistory(records) ? localView(target) : target;
}

export async function runBacktest(args: BacktestArgs, io: BacktestIo): Promise<number> {
  const choice = await chooseConfig(args.config);
  if (!choice.ok) {
    io.err(`backtest: ${choice.problem}`);
    return 2;
  }
  if (choice.defaulted && choice.path !== 'monitor.yml') io.err(`backtest: using --config ${choice.path} (no monitor.yml here)`);
  // A history replays results from wherever they were recorded: login targets (local only today) too.
  const loaded = await loadConfig(choice.path, { runner: 'local' });
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  const history = args.history ?? DEFAULT_HISTORY;
  let read: Awaited<ReturnType<typeof readResultHistory>>;
  try {
    read = await readResultHistory(history);
  } catch (err) {
    const hint = args.history === undefined ? ` (the local monitor's store, the default); pass --history <a results file or store directory>` : '';
    io.err(`backtest: cannot read ${history}: ${fsProblem(err) === 'ENOENT' ? 'no such file or directory' : err instanceof Error ? err.message : String(err)}${hint}`);
    return 2;
  }
  // A store's problems name the day file inside it; a file's name the file.
  const where = (file: string): string => (read.kind === 'store' ? join(history, file) : file);
  for (const s of read.skipped.slice(0, 10)) io.err(`${where(s.file)}:${s.line}: skipped: ${s.problem}`);
  if (read.skipped.length > 10) io.err(`... and ${read.skipped.length - 10} more unreadable line(s)`);
  if (read.duplicates > 0) io.err(`backtest: ${read.duplicates} duplicate result(s) in ${history} ignored (a second result for one target, region and interval)`);
  const records = read.records;
  if (records.length === 0) {
    io.err(`backtest: ${history} holds no probe results`);
    return 2;
  }
  const known = new Set(loaded.config.targets.map((t) => t.name));
  const unknown = [...new Set(records.filter((r) => !known.has(r.target)).map((r) => r.target))];
  if (unknown.length > 0) io.err(`backtest: results for targets not in ${choice.path} are ignored: ${unknown.join(', ')}`);

  const first = records[0]?.intervalStart ?? 0;
  const last = records[records.length - 1]?.intervalStart ?? 0;
  const from = args.from ?? Math.floor(first / MINUTE_MS) * MINUTE_MS;
  // Past the history's end there is no data, which the evaluator would (rightly) read as a blind monitor.
  const to = args.to ?? last + MINUTE_MS;
  // A history recorded in the current minute ends after now: what is printed never lies in the future.
  const nowMs = (io.now ?? Date.now)();
  const notifications: Array<{ n: Notification; subject: string; runbookUrl: string }> = [];
  const byName = new Map(loaded.config.targets.map((t) => [t.name, t]));
  for (const n of replayFleet(loaded.config, records, { fromExclusive: from - MINUTE_MS, toInclusive: to }, { nowMs, view: evaluationTarget })) {
    const rendered = renderAlert(n, renderContextFor(loaded.config, byName.get(n.target)));
    notifications.push({ n, subject: rendered.subject, runbookUrl: rendered.runbookUrl });
  }
  notifications.sort((a, b) => a.n.at - b.n.at || (a.n.target < b.n.target ? -1 : 1));
  if (args.json) {
    io.out(
      JSON.stringify(
        notifications.map(({ n, subject, runbookUrl }) => ({ at: new Date(n.at).toISOString(), status: n.status, severity: n.severity, target: n.target, policy: n.policy, subject, runbookUrl, dedupKey: n.dedupKey, startsAt: new Date(n.startsAt).toISOString(), ...(n.endsAt !== undefined && { endsAt: new Date(n.endsAt).toISOString() }) })),
        null,
        2,
      ),
    );
  } else {
    io.out(`backtest of ${records.length} result(s) from ${new Date(from).toISOString()} to ${new Date(Math.min(to, nowMs)).toISOString()}: ${notifications.length} notification(s)`);
    for (const { n, subject, runbookUrl } of notifications) io.out(`${new Date(n.at).toISOString()}  ${n.status.padEnd(8)} ${subject}  runbook: ${runbookUrl}  key: ${n.dedupKey}`);
  }
  return 0;
}
