// Argument parsing for `pptp-monitor check`. No library: the grammar is small, and every mistake must
// name the option and what is wrong with it.
import { parseTarget, TargetParseError, type ProbeTarget } from '../probe/index.js';
import { DEFAULT_PPTP_CONTROL_OPTIONS, type PptpControlOptions } from '../probers/pptp/index.js';
import { UsageError } from './usage-error.js';

export interface CheckArgs {
  targets: ProbeTarget[];
  /** The flags are the pptp-control prober's: `check` probes the control connection. */
  probe: PptpControlOptions;
  concurrency: number;
  json: boolean;
}

export const CHECK_USAGE = `usage: pptp-monitor check <target...> [options]
  target              host, host:port, [ipv6]:port or ipv6 (default port 1723)
  --timeout <ms>      deadline for the whole probe, retries included (default 5000)
  --attempts <n>      connection attempts before a failure is reported (default 1)
  --no-echo           skip the Echo-Request/Reply check
  --call              also place an outgoing call and clear it (Outgoing-Call-Request)
  --concurrency <n>   targets probed at once (default 10)
  --hostname <name>   host name announced in Start-Control-Connection-Request (default pptp-monitor)
  --vendor <name>     vendor string announced (default pptp-monitor)
  --json              print a JSON array, one object per target`;

const LIMITS = {
  timeout: { min: 1, max: 600_000 },
  attempts: { min: 1, max: 10 },
  concurrency: { min: 1, max: 2000 },
} as const;

function integerOption(name: keyof typeof LIMITS, value: string | undefined): number {
  const { min, max } = LIMITS[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} needs a value (a whole number from ${min} to ${max})`);
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

function stringOption(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
  if (!/^[\x20-\x7e]{1,63}$/.test(value)) throw new UsageError(`--${name} must be 1 to 63 printable ASCII characters`);
  return value;
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const probe: PptpControlOptions = { ...DEFAULT_PPTP_CONTROL_OPTIONS };
  let concurrency = 10;
  let json = false;
  const targets: ProbeTarget[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      try {
        targets.push(parseTarget(arg));
      } catch (err) {
        if (err instanceof TargetParseError) throw new UsageError(err.message);
        throw err;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string | undefined => inline ?? argv[++i];
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
    };
    switch (name) {
      case 'timeout':
        probe.timeoutMs = integerOption('timeout', takeValue());
        break;
      case 'attempts':
        probe.attempts = integerOption('attempts', takeValue());
        break;
      case 'concurrency':
        concurrency = integerOption('concurrency', takeValue());
        break;
      case 'hostname':
        probe.hostname = stringOption('hostname', takeValue());
        break;
      case 'vendor':
        probe.vendor = stringOption('vendor', takeValue());
        break;
      case 'no-echo':
        noValue();
        probe.echo = false;
        break;
      case 'call':
        noValue();
        probe.call = true;
        break;
      case 'json':
        noValue();
        json = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (targets.length === 0) throw new UsageError('check needs at least one target');
  return { targets, probe, concurrency, json };
}
