// `pptp-monitor` entry point: dispatches sub-commands and maps outcomes to exit statuses
// (0 healthy, 1 a target failed, 2 usage error).
import { parseCheckArgs, CHECK_USAGE } from './check-args.js';
import { runCheck } from './check-command.js';
import { BACKTEST_USAGE, parseBacktestArgs, runBacktest } from './backtest-command.js';
import { parseReportArgs, REPORT_USAGE, runReport } from './report-command.js';
import { parseRunArgs, RUN_USAGE } from './run-args.js';
import { runMonitor } from './run-command.js';
import { parseSimulateArgs, SIMULATE_USAGE } from './simulate-args.js';
import { runSimulate } from './simulate-command.js';
import { UsageError } from './usage-error.js';
import { runValidate, VALIDATE_USAGE } from './validate-command.js';

const USAGE = `usage: pptp-monitor <command> [options]

commands:
  check <target...>   probe PPTP gateways once and print the result
  validate [file]     check monitor.yml (or the given file) and print every problem
  run                 the local monitor: probe every interval, store results, evaluate, print alerts
  simulate            run a local PPTP gateway that plays a chosen fault (to try probes, alerts and policies)
  backtest            replay a history of results through the evaluator and print what it would have sent
  report              the SLA report of a range (default: last month) as md, csv, html or json

${CHECK_USAGE}

${VALIDATE_USAGE}

${RUN_USAGE}

${SIMULATE_USAGE}

${BACKTEST_USAGE}

${REPORT_USAGE}`;

/** Runs a long-lived command with Ctrl-C as its stop signal; a second Ctrl-C exits at once. */
async function withSigint<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
}

const lineOut = (line: string): void => void process.stdout.write(`${line}\n`);
const lineErr = (line: string): void => void process.stderr.write(`${line}\n`);

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check': {
        const controller = new AbortController();
        const onSigint = (): void => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          return await runCheck(parseCheckArgs(rest), {
            write: (text) => process.stdout.write(text),
            isTty: process.stdout.isTTY === true,
            signal: controller.signal,
          });
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      }
      case 'validate':
        return await runValidate(rest, {
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
        });
      case 'run': {
        const args = parseRunArgs(rest);
        return await withSigint((signal) => runMonitor(args, { out: lineOut, err: lineErr, stdin: process.stdin, signal }));
      }
      case 'simulate': {
        const args = parseSimulateArgs(rest);
        return await withSigint((signal) => runSimulate(args, { out: lineOut, err: lineErr, stdin: process.stdin, signal }));
      }
      case 'report':
        return await runReport(parseReportArgs(rest), { out: (text) => void process.stdout.write(text), err: lineErr, now: Date.now });
      case 'backtest':
        return await runBacktest(parseBacktestArgs(rest), { out: lineOut, err: lineErr });
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case undefined:
        throw new UsageError('missing command');
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pptp-monitor: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    process.stderr.write(`pptp-monitor: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  },
);
