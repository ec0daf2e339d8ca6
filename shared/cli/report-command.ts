// `pptp-monitor report`: the SLA report over a range (default: the previous calendar month) from the
// local store, a history file or CloudWatch, as Markdown, CSV, self-contained HTML or JSON.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { writeFile } from 'node:fs/promises';
import { formatConfigError, loadConfig } from '../config/index.js';
import { recordsFromHistoryFile, recordsFromStore, reportFromCloudWatch, type ReportRecords } from '../monitor/report-sources.js';
import { isReportFormat, renderReport, REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { buildReport, previousCalendarMonth, type SlaReport } from '../sla/report.js';
import { UsageError } from './usage-error.js';

export interface ReportArgs {
  config: string;
  source: 'local' | 'cloudwatch';
  data: string;
  history?: string;
  from?: number;
  to?: number;
  format: ReportFormat;
  out?: string;
}

export const REPORT_USAGE = `usage: pptp-monitor report [options]
  --from <iso> --to <iso>     the range (default: the previous calendar month, UTC)
  --source local|cloudwatch   where the results come from (default local: the store under --data)
  --data <dir>                the local store (default ./data)
  --history <results.jsonl>   a history file instead of the store
  --config <file>             targets and SLOs (default monitor.yml)
  --format md|csv|html|json   (default md)
  --out <file>                write there instead of standard output`;

export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args: ReportArgs = { config: 'monitor.yml', source: 'local', data: 'data', format: 'md' };
  const time = (flag: string, v: string | undefined): number => {
    const ms = v === undefined ? Number.NaN : Date.parse(v);
    if (!Number.isFinite(ms)) throw new UsageError(`${flag}: not an ISO 8601 time: '${v ?? ''}'`);
    return ms;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
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
  if (args.history && args.source === 'cloudwatch') throw new UsageError('report: --history reads a file; it cannot be combined with --source cloudwatch');
  if ((args.from === undefined) !== (args.to === undefined)) throw new UsageError('report: give both --from and --to, or neither (the previous calendar month)');
  if (args.from !== undefined && args.to !== undefined && args.from >= args.to) throw new UsageError('report: --from must be before --to');
  return args;
}

export interface ReportIo {
  out(text: string): void;
  err(line: string): void;
  now(): number;
}

export async function runReport(args: ReportArgs, io: ReportIo): Promise<number> {
  const loaded = await loadConfig(args.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  const range = args.from !== undefined && args.to !== undefined ? { fromMs: args.from, toMs: args.to } : previousCalendarMonth(io.now());
  let report: SlaReport;
  try {
    if (args.source === 'cloudwatch' && !args.history) {
      const read = await reportFromCloudWatch(new CloudWatchClient({ region: loaded.config.homeRegion }), loaded.config, range, io.now());
      io.err(`cloudwatch: ${read.metricsRequested} metrics requested${read.usedFiveMinuteData ? ' (5-minute aggregates before the last 14 days)' : ''}`);
      report = read.report;
    } else {
      const source: ReportRecords = args.history ? await recordsFromHistoryFile(args.history, range) : await recordsFromStore(args.data, range);
      for (const line of source.skipped.slice(0, 10)) io.err(`skipped: ${line}`);
      if (source.skipped.length > 10) io.err(`... and ${source.skipped.length - 10} more unreadable line(s)`);
      report = buildReport(loaded.config, source.records, range, source.view ? { view: source.view } : {});
    }
  } catch (err) {
    io.err(`report: cannot read the results: ${(err as Error).message}`);
    return 1;
  }
  const text = renderReport(report, args.format);
  if (args.out) {
    await writeFile(args.out, text);
    io.err(`report for ${new Date(range.fromMs).toISOString()} .. ${new Date(range.toMs).toISOString()} written to ${args.out}`);
  } else io.out(text);
  return 0;
}
