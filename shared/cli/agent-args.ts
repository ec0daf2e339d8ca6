// Argument parsing for `pptp-monitor agent` (a private location).
import { flagValue, UsageError } from './usage-error.js';

export interface AgentArgs {
  config: string;
  location: string;
  /** Where the spool lives; systemd's StateDirectory when it sets one. */
  stateDir: string;
  /** Stop after this many cycles (tests, drills); until SIGTERM by default. */
  cycles?: number;
  /** Fire drills and tests only: minutes of schedule per real minute (1 = real time). */
  timeScale: number;
}

export const AGENT_USAGE = `usage: pptp-monitor agent --location <name> [options]
  --config <file>       monitor.yml, the file deployed to the home stack (default monitor.yml)
  --location <name>     the agent this process is: one declared under agents in the config
  --state-dir <dir>     where results wait for CloudWatch (default $STATE_DIRECTORY, else ./.pptp-monitor-agent)
  --cycles <n>          stop after n probe cycles (default: until SIGTERM or Ctrl-C)
  --time-scale <n>      fire drills only: run n minutes of schedule per real minute (timestamps too; default 1)
Publishes to CloudWatch in the config's homeRegion with the AWS SDK's credential chain (instance profile,
AWS_PROFILE, environment); AWS_ENDPOINT_URL_CLOUDWATCH points it elsewhere.`;

function wholeNumber(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag}: must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

export function parseAgentArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentArgs {
  let location: string | undefined;
  const args: Omit<AgentArgs, 'location'> = { config: 'monitor.yml', stateDir: env['STATE_DIRECTORY'] || '.pptp-monitor-agent', timeScale: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    switch (flag) {
      case '--config':
        args.config = flagValue(flag, argv[++i]);
        break;
      case '--location':
        location = flagValue(flag, argv[++i]);
        break;
      case '--state-dir':
        args.stateDir = flagValue(flag, argv[++i]);
        break;
      case '--cycles':
        args.cycles = wholeNumber(flag, flagValue(flag, argv[++i]), 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--time-scale':
        args.timeScale = wholeNumber(flag, flagValue(flag, argv[++i]), 1, 600);
        break;
      default:
        throw new UsageError(`agent: unknown option '${flag}'`);
    }
  }
  if (location === undefined) throw new UsageError('agent: --location <name> is required (an agent declared under agents in the config)');
  return { ...args, location };
}
