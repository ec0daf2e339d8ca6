// `pptp-monitor` entry point: dispatches sub-commands and maps outcomes to exit statuses (0 healthy, 1 a
// target failed, 2 the command cannot run as given: a usage error, an invalid config, or a machine that
// cannot run it, such as a login without CAP_NET_RAW; 3 a bug).
import { AGENT_USAGE, parseAgentArgs } from './agent-args.js';
import { runAgent } from './agent-command.js';
import { parseCheckArgs, CHECK_USAGE } from './check-args.js';
import { NOTIFY_TEST_USAGE, parseNotifyTestArgs, runNotifyTest } from './notify-test-command.js';
import { runCheck } from './check-command.js';
import { BACKTEST_USAGE, parseBacktestArgs, runBacktest } from './backtest-command.js';
import { parseReportArgs, REPORT_USAGE, runReport } from './report-command.js';
import { parseRunArgs, RUN_USAGE } from './run-args.js';
import { runMonitor } from './run-command.js';
import { parseSimulateArgs, SIMULATE_USAGE } from './simulate-args.js';
import { runSimulate } from './simulate-command.js';
import { SetupError } from './setup-error.js';
import { UsageError } from './usage-error.js';
import { runValidate, VALIDATE_USAGE } from './validate-command.js';
// esbuild inlines the file into dist/cli.js, so `--version` is the version the bundle was built from.
import packageJson from '../../package.json' with { type: 'json' };

const COMMAND_USAGE = {
  check: CHECK_USAGE,
  validate: VALIDATE_USAGE,
  run: RUN_USAGE,
  simulate: SIMULATE_USAGE,
  backtest: BACKTEST_USAGE,
  report: REPORT_USAGE,
  agent: AGENT_USAGE,
  'notify-test': NOTIFY_TEST_USAGE,
} as const;
type Command = keyof typeof COMMAND_USAGE;
const isCommand = (name: string | undefined): name is Command => name !== undefined && Object.hasOwn(COMMAND_USAGE, name);
const COMMANDS: readonly Command[] = Object.keys(COMMAND_USAGE).filter(isCommand);

const USAGE = `usage: pptp-monitor <command> [options]
       pptp-monitor <command> --help | --help | --version

commands:
  check <target...>   probe PPTP gateways once and print the result
  validate [file]     check monitor.yml (or the given file) and print every problem
  run                 the local monitor: probe every interval, store results, evaluate, print alerts
  simulate            run a local PPTP gateway that plays a chosen fault, or a keepalived pair (--pair)
  backtest            replay a history of results through the evaluator and print what it would have sent
  report              the SLA report of a range (default: last month) as md, csv, html or json
  agent               a private location: probe this location's targets every minute and publish to CloudWatch
  notify-test         send a TEST alert and its resolve to every notify: destination, print what each answered

${COMMANDS.map((command) => COMMAND_USAGE[command]).join('\n\n')}`;

/**
 * What follows a usage error: the synopsis of the command that was called and where its options are
 * described, not the usage of every command, which would bury the one line that says what is wrong.
 */
function usageHint(command: string | undefined): string {
  if (!isCommand(command)) {
    return `usage: pptp-monitor <command> [options]\ncommands: ${COMMANDS.join(', ')}\nrun 'pptp-monitor --help' for every command and option`;
  }
  const synopsis = COMMAND_USAGE[command].split('\n')[0];
  return `${synopsis}\nrun 'pptp-monitor ${command} --help' for the options`;
}

/** `--help` or `-h` anywhere after the command asks for its usage, whatever else is on the line. */
const asksForHelp = (args: readonly string[]): boolean => args.some((arg) => arg === '--help' || arg === '-h');

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
    // Handled before any parser runs, so that `check --help` is not read as a target or an option and
    // every command answers it the same way (stdout, exit 0).
    if (isCommand(command) && asksForHelp(rest)) {
      process.stdout.write(`${COMMAND_USAGE[command]}\n`);
      return 0;
    }
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
            env: process.env,
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
      case 'agent': {
        const args = parseAgentArgs(rest);
        return await withSigint((signal) => runAgent(args, { line: lineOut, err: lineErr, signal, env: process.env }));
      }
      case 'backtest':
        return await runBacktest(parseBacktestArgs(rest), { out: lineOut, err: lineErr });
      case 'notify-test': {
        const args = parseNotifyTestArgs(rest);
        return await withSigint((signal) => runNotifyTest(args, { out: lineOut, err: lineErr, env: process.env, signal }));
      }
      case '--help':
      case '-h':
      case 'help': {
        const [topic, ...extra] = rest;
        if (topic === undefined) {
          process.stdout.write(`${USAGE}\n`);
          return 0;
        }
        if (!isCommand(topic)) throw new UsageError(`unknown command '${topic}'`);
        if (extra.length > 0) throw new UsageError(`help takes one command, got '${rest.join(' ')}'`);
        process.stdout.write(`${COMMAND_USAGE[topic]}\n`);
        return 0;
      }
      case '--version':
      case '-V':
        if (rest.length > 0) throw new UsageError(`${command} takes no arguments, got '${rest.join(' ')}'`);
        process.stdout.write(`${packageJson.version}\n`);
        return 0;
      case undefined:
        throw new UsageError('missing command');
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pptp-monitor: ${err.message}\n${usageHint(command)}\n`);
      return 2;
    }
    if (err instanceof SetupError) {
      process.stderr.write(`pptp-monitor: ${err.message}\n`);
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
