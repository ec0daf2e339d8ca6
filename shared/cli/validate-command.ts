// `pptp-monitor validate [monitor.yml]`: checks the config file and prints every problem, one per line.
// Exit status 0 when valid, 2 when not (or when the file cannot be read).
import { agentsOf } from '../config/types.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import type { ConfigResult, ParseOptions } from '../config/index.js';
import { UsageError } from './usage-error.js';

export const VALIDATE_USAGE = `usage: pptp-monitor validate [--local] [file]
  file                the monitor config to check (default monitor.yml in the current directory);
                      prints '<file>: OK (N targets in M regions)', or every problem as '<path>: <problem>'
  --local             check it as the local monitor (pptp-monitor run) reads it, which runs login checks
                      (check: pptp-login); without it, as the Lambda functions would, which cannot`;

export const DEFAULT_CONFIG_PATH = 'monitor.yml';

export interface ValidateIo {
  /** Standard output: the OK line. */
  out(text: string): void;
  /** Standard error: the problems. */
  err(text: string): void;
  /** Reads and validates a file (loadConfig unless a test injects another). */
  load?(path: string, options: ParseOptions): Promise<ConfigResult>;
}

export function parseValidateArgs(argv: readonly string[]): { path: string; help: boolean; local: boolean } {
  const paths: string[] = [];
  let help = false;
  let local = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--local') local = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
    else paths.push(arg);
  }
  if (paths.length > 1) throw new UsageError(`validate takes one file, got ${paths.length}: ${paths.join(' ')}`);
  return { path: paths[0] ?? DEFAULT_CONFIG_PATH, help, local };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runValidate(argv: readonly string[], io: ValidateIo): Promise<number> {
  const { path, help, local } = parseValidateArgs(argv);
  if (help) {
    io.out(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  const result = await (io.load ?? loadConfig)(path, { runner: local ? 'local' : 'lambda' });
  if (result.ok) {
    const { targets, regions } = result.config;
    const agents = agentsOf(result.config).length;
    // Agents are named only when declared, so the line of a config without them reads as it always did.
    const where = agents === 0 ? plural(regions.length, 'region') : `${plural(regions.length, 'region')} and ${plural(agents, 'agent')}`;
    io.out(`${path}: OK (${plural(targets.length, 'target')} in ${where})\n`);
    return 0;
  }
  io.err(result.errors.map((e) => `${formatConfigError(e)}\n`).join(''));
  if (result.errors.length > 1) io.err(`${path}: ${result.errors.length} errors\n`);
  return 2;
}
