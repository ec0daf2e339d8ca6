// `pptp-monitor report`: the SLA report over a range (default: the previous calendar month from
// CloudWatch, the last 30 days locally) from the local store, a history file or CloudWatch, as Markdown, CSV, self-contained HTML or JSON. In the local
// workflow it needs no flags: the config defaults to monitor.yml, else monitor.local.yml, and the results
// to the store under ./data; --history takes a file or a store directory.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { stat, writeFile } from 'node:fs/promises';
import { formatConfigError, loadConfig } from '../config/index.js';
import { reportFromHistory } from '../cycles/report-cycle.js';
import { recordsFromHistoryFile, recordsFromStore, type ReportRecords } from '../cycles/report-sources.js';
import { createCloudWatchHistory } from '../metrics/cloudwatch-history-source.js';
import { createReadPacer } from '../metrics/read-pacer.js';
import { REPORT_POINTS_PER_SECOND, REPORT_READ_RETRY } from '../runners/lambda/report-shards.js';
import { isReportFormat, renderReport, REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { buildReport, lastThirtyDays, previousCalendarMonth, previousRange, type SlaReport } from '../sla/report.js';
import { probeShardMap } from '../runners/lambda/probe-lambda-sizing.js';
import { fsProblem } from '../store/errors.js';
import { chooseConfig } from './default-config.js';
import { flagValue, UsageError } from './usage-error.js';

export interface ReportArgs {
  /** Unset: monitor.yml, else monitor.local.yml (see chooseConfig). */
  config?: string;
  source: 'local' | 'cloudwatch';
  data: string;
  history?: string;
  from?: number;
  to?: number;
  format: ReportFormat;
  out?: string;
}

export const REPORT_USAGE = `usage: pptp-monitor report [options]
  --from <iso> --to <iso>     the range (default: the previous calendar month, UTC, from CloudWatch;
                              the last 30 days from the local store or a history file)
  --source local|cloudwatch   where the results come from (default local: the store under --data)
  --data <dir>                the local store (default ./data)
  --history <path>            a history file (.jsonl) or a store directory instead of --data
  --config <file>             targets and SLOs (default monitor.yml, else monitor.local.yml)
  --format md|csv|html|json   (default md)
  --out <file>                write there instead of standard output`;

export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args: ReportArgs = { source: 'local', data: 'data', format: 'md' };
  const time = (flag: string, v: string | undefined): number => {
    const ms = v === undefined ? Number.NaN : Date.parse(v);
    if (!Number.isFinite(ms)) throw new UsageError(`${flag}: not an ISO 8601 time: '${v ?? ''}'`);
    return ms;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => flagValue(String(flag), argv[++i]);
    switch (flag) {
      case '--from':
        args.from = time(flag, value());
        break;
      case '--to':
        args.to = time(flag, value());
        break;
      case '--source': {
        const v = value();
        if (v !== 'local' && v !== 'cloudwatch') throw new UsageError(`--source: must be local or cloudwatch, got '${v}'`);
        args.source = v;
        break;
      }
      case '--data':
        args.data = value();
        break;
      case '--history':
        args.history = value();
        break;
      case '--config':
        args.config = value();
        break;
      case '--format': {
        const v = value();
        if (!isReportFormat(v)) throw new UsageError(`--format: must be one of ${REPORT_FORMATS.join(', ')}, got '${v}'`);
        args.format = v;
        break;
      }
      case '--out':
        args.out = value();
        break;
      default:
        throw new UsageError(`report: unknown option '${String(flag)}'`);
    }
  }
  if (args.history && args.source === 'cloudwatch') throw new UsageError('report: --history reads a file or a store directory; it cannot be combined with --source cloudwatch');
  if ((args.from === undefined) !== (args.to === undefined)) throw new UsageError('report: give both --from and --to, or neither (the previous calendar month)');
  if (args.from !== undefined && args.to !== undefined && args.from >= args.to) throw new UsageError('report: --from must be before --to');
  return args;
}

export interface ReportIo {
  out(text: string): void;
  err(line: string): void;
  now(): number;
}

/** What a results path is: the store's directory, a single file, or nothing readable (and why). */
async function kindOf(path: string): Promise<'directory' | 'file' | { problem: string }> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch (err) {
    return { problem: fsProblem(err) === 'ENOENT' ? 'no such file or directory' : fsProblem(err) };
  }
}

export async function runReport(args: ReportArgs, io: ReportIo): Promise<number> {
  const choice = await chooseConfig(args.config);
  if (!choice.ok) {
    io.err(`report: ${choice.problem}`);
    return 2;
  }
  if (choice.defaulted && choice.path !== 'monitor.yml') io.err(`report: using --config ${choice.path} (no monitor.yml here)`);
  let local: { path: string; kind: 'directory' | 'file' } | undefined;
  if (args.history !== undefined || args.source === 'local') {
    // Checked before anything is read, so a wrong path is named rather than reported on as an empty store.
    const path = args.history ?? args.data;
    const kind = await kindOf(path);
    if (typeof kind !== 'string' || (args.history === undefined && kind === 'file')) {
      const why = typeof kind !== 'string' ? kind.problem : 'a file, not the store directory (pass it as --history to read one history file)';
      const flag = args.history !== undefined ? '--history' : '--data';
      io.err(`report: no results at ${flag} ${path}: ${why}; pass --data <the store directory that \`pptp-monitor run\` writes>, --history <a results file or store directory>, or --source cloudwatch`);
      return 2;
    }
    local = { path, kind };
  }
  // A local store may hold login targets' results; CloudWatch only ever has what Lambda can probe.
  const loaded = await loadConfig(choice.path, { runner: local !== undefined ? 'local' : 'lambda' });
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  // Without a range: the previous calendar month from CloudWatch (what the monthly report function sends),
  // the last 30 days from the local store or a history file (what `npm start` recorded).
  const fromCloudWatch = args.source === 'cloudwatch' && !args.history;
  const range = args.from !== undefined && args.to !== undefined ? { fromMs: args.from, toMs: args.to } : fromCloudWatch ? previousCalendarMonth(io.now()) : lastThirtyDays(io.now());
  let report: SlaReport;
  try {
    if (fromCloudWatch) {
      // Paced like the report function (and throttles retried), so a report of a large fleet leaves the
      // evaluators their share of the account's GetMetricData quota: ~190,000 points a target and month.
      const history = createCloudWatchHistory({
        client: new CloudWatchClient({ region: loaded.config.homeRegion, maxAttempts: 1 }),
        probeShards: probeShardMap(loaded.config),
        retry: { policy: REPORT_READ_RETRY },
        pace: createReadPacer({ pointsPerSecond: REPORT_POINTS_PER_SECOND }),
      });
      const read = await reportFromHistory(history, loaded.config, range, io.now());
      io.err(`cloudwatch: ${read.metricsRequested} metrics requested${read.usedFiveMinuteData ? ' (5-minute aggregates before the last 14 days)' : ''}`);
      report = read.report;
    } else {
      const from = local ?? { path: args.data, kind: 'directory' as const };
      // This period and the previous one (shown beside it); the sources add their look-back before that.
      const both = { fromMs: previousRange(range).fromMs, toMs: range.toMs };
      const source: ReportRecords = from.kind === 'directory' ? await recordsFromStore(from.path, both) : await recordsFromHistoryFile(from.path, both);
      for (const line of source.skipped.slice(0, 10)) io.err(`skipped: ${line}`);
      if (source.skipped.length > 10) io.err(`... and ${source.skipped.length - 10} more unreadable line(s)`);
      report = buildReport(loaded.config, source.records, range, source.view ? { view: source.view } : {});
    }
  } catch (err) {
    io.err(`report: cannot read the results: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const text = renderReport(report, args.format);
  if (args.out) {
    await writeFile(args.out, text);
    io.err(`report for ${new Date(range.fromMs).toISOString()} .. ${new Date(range.toMs).toISOString()} written to ${args.out}`);
  } else io.out(text);
  return 0;
}
