// `pptp-monitor` entry point: dispatches sub-commands and maps outcomes to exit statuses
// (0 healthy, 1 a target failed, 2 usage error).
import { parseCheckArgs, CHECK_USAGE } from './check-args.js';
import { runCheck } from './check-command.js';
import { UsageError } from './usage-error.js';
import { runValidate, VALIDATE_USAGE } from './validate-command.js';

const USAGE = `usage: pptp-monitor <command> [options]

commands:
  check <target...>   probe PPTP gateways once and print the result
  validate [file]     check monitor.yml (or the given file) and print every problem

${CHECK_USAGE}

${VALIDATE_USAGE}`;

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
