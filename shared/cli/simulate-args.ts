// Argument parsing for `pptp-monitor simulate`, and for the `fault ...` commands typed while it runs.
// Both share one set of checks so that a value refused on the command line is refused, in the same
// words, at the prompt.
import { PPTP_PORT } from '../probers/pptp/index.js';
import { ipLiteralFamily } from '../probe/target.js';
import {
  DEFAULT_SIMULATOR_HOST,
  DEFAULT_TAKEOVER_DELAY_MS,
  MAX_TAKEOVER_DELAY_MS,
  isPairMemberName,
  type PairMemberName,
  MAX_REJECT_RESULT_CODE,
  MAX_SLOW_DELAY_MS,
  MIN_REJECT_RESULT_CODE,
  SIMULATOR_FAULTS,
  isSimulatorFault,
  type FaultOptions,
  type SimulatorFault,
} from '../simulator/index.js';
import { UsageError } from './usage-error.js';

export interface SimulateArgs {
  host: string;
  port: number;
  fault: SimulatorFault;
  /** Only with fault 'reject' or 'reject-calls'. */
  resultCode?: number;
  /** Only with fault 'slow', in ms. */
  delayMs?: number;
  /** --pair (absent without it): a keepalived pair behind a virtual address on `port`, members on port+1 and port+2. */
  pair?: true;
  /** Only with --pair: master-down delay before the BACKUP takes over, in ms. */
  takeoverDelayMs?: number;
  help: boolean;
}

/** A command typed at a running pair. */
export type PairCommand =
  | { command: 'failover' }
  | { command: 'member'; member: PairMemberName; up: boolean }
  | { command: 'firmware'; member: PairMemberName; firmwareRevision: number };

export const SIMULATE_USAGE = `usage: pptp-monitor simulate [options]
  --host <ip>         address to listen on (default 127.0.0.1)
  --port <n>          TCP port to listen on, 0 for any free port (default 1723)
  --fault <name>      how the gateway misbehaves (default none): ${SIMULATOR_FAULTS.join(', ')}
  --result-code <n>   result code for --fault reject (default 2) or reject-calls (default 4), 2-255
  --delay <ms>        reply delay for --fault slow (default 300)
  --pair              play a keepalived pair: the virtual address on --port answers as the MASTER,
                      members a (gw-a) and b (gw-b) answer on port+1 and port+2 (--port 0: any free ports)
  --takeover-delay <ms>  with --pair: how long after the MASTER goes down the BACKUP takes over (default ${DEFAULT_TAKEOVER_DELAY_MS})
  while running, type 'fault <name> [result-code|delay-ms]' to switch faults, 'status', or Ctrl-C to stop;
  with --pair: 'failover', 'member <a|b> <down|up>', 'firmware <a|b> <n>', 'status'`;

const FAULT_LIST = `one of: ${SIMULATOR_FAULTS.join(', ')}`;
/** Ranges of the numbers both parsers accept, with the hint shown after the range. */
const RANGES = {
  port: { min: 0, max: 65535, hint: '' },
  resultCode: { min: MIN_REJECT_RESULT_CODE, max: MAX_REJECT_RESULT_CODE, hint: ' (1 means success)' },
  delayMs: { min: 1, max: MAX_SLOW_DELAY_MS, hint: ' (ms)' },
  takeoverDelayMs: { min: 0, max: MAX_TAKEOVER_DELAY_MS, hint: ' (ms)' },
  firmwareRevision: { min: 0, max: 65535, hint: '' },
} as const;

/** A whole number within RANGES[kind]; `label` names it in the message ('--port', 'result code'). */
function wholeNumber(label: string, kind: keyof typeof RANGES, text: string): number {
  const { min, max, hint } = RANGES[kind];
  const digits = /^\d+$/.test(text);
  const n = digits ? Number(text) : NaN;
  if (!digits || n < min || n > max) throw new UsageError(`${label}: must be ${min}-${max}${hint}, got ${digits ? text : `'${text}'`}`);
  return n;
}

function faultName(label: string, text: string): SimulatorFault {
  if (!isSimulatorFault(text)) throw new UsageError(`${label}unknown fault '${text}' (${FAULT_LIST})`);
  return text;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  let host = DEFAULT_SIMULATOR_HOST;
  let port = PPTP_PORT;
  let fault: SimulatorFault = 'none';
  let resultCode: number | undefined;
  let delayMs: number | undefined;
  let pair = false;
  let takeoverDelayMs: number | undefined;
  let faultGiven = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '--pair') {
      pair = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`simulate takes no arguments, got '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (what: string): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`--${name}: needs a value (${what})`);
      return v;
    };
    switch (name) {
      case 'host': {
        const v = value('an IP address');
        if (!ipLiteralFamily(v)) throw new UsageError(`--host: must be an IP address to listen on, got '${v}'`);
        host = v;
        break;
      }
      case 'port':
        port = wholeNumber('--port', 'port', value('0-65535'));
        break;
      case 'fault':
        fault = faultName('--fault: ', value(FAULT_LIST));
        faultGiven = true;
        break;
      case 'takeover-delay':
        takeoverDelayMs = wholeNumber('--takeover-delay', 'takeoverDelayMs', value(`0-${MAX_TAKEOVER_DELAY_MS} ms`));
        break;
      case 'result-code':
        resultCode = wholeNumber('--result-code', 'resultCode', value(`${MIN_REJECT_RESULT_CODE}-${MAX_REJECT_RESULT_CODE}`));
        break;
      case 'delay':
        delayMs = wholeNumber('--delay', 'delayMs', value(`1-${MAX_SLOW_DELAY_MS} ms`));
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  // Checked after the loop so that option order does not matter (--result-code 4 --fault reject).
  if (resultCode !== undefined && fault !== 'reject' && fault !== 'reject-calls') {
    throw new UsageError(`--result-code: only applies to --fault reject or reject-calls, not ${fault}`);
  }
  if (delayMs !== undefined && fault !== 'slow') throw new UsageError(`--delay: only applies to --fault slow, not ${fault}`);
  if (pair && faultGiven) throw new UsageError('--fault: does not apply to --pair (members go down and up with \'member <a|b> <down|up>\')');
  if (takeoverDelayMs !== undefined && !pair) throw new UsageError('--takeover-delay: only applies to --pair');
  if (pair && port > 65533) throw new UsageError(`--port: with --pair must be 0-65533 (members use port+1 and port+2), got ${port}`);
  const args: SimulateArgs = { host, port, fault, help };
  if (pair) args.pair = true;
  if (takeoverDelayMs !== undefined) args.takeoverDelayMs = takeoverDelayMs;
  if (resultCode !== undefined) args.resultCode = resultCode;
  if (delayMs !== undefined) args.delayMs = delayMs;
  return args;
}

/**
 * The words after `fault` at the prompt: a fault name, then a result code for reject / reject-calls or a
 * delay in ms for slow. Throws UsageError with the message to print.
 */
export function parseFaultCommand(words: readonly string[]): { fault: SimulatorFault; options: FaultOptions } {
  const [name, value, ...extra] = words;
  if (name === undefined) throw new UsageError(`fault: needs a name (${FAULT_LIST})`);
  const fault = faultName('', name);
  const takesValue = fault === 'reject' || fault === 'reject-calls' || fault === 'slow';
  if (extra.length > 0 || (value !== undefined && !takesValue)) {
    const accepts = takesValue ? (fault === 'slow' ? 'one value, a delay in ms' : 'one value, a result code') : 'no value';
    throw new UsageError(`fault ${fault} takes ${accepts}, got '${words.slice(1).join(' ')}'`);
  }
  if (value === undefined) return { fault, options: {} };
  if (fault === 'slow') return { fault, options: { delayMs: wholeNumber('delay', 'delayMs', value) } };
  return { fault, options: { resultCode: wholeNumber('result code', 'resultCode', value) } };
}

function memberName(command: string, text: string | undefined): PairMemberName {
  if (text === undefined || !isPairMemberName(text)) throw new UsageError(`${command}: needs a member, a or b, got ${text === undefined ? 'nothing' : `'${text}'`}`);
  return text;
}

/**
 * A line typed at a running pair, split into words: 'failover', 'member a down', 'firmware b 2'.
 * Returns undefined for a word that is not a pair command (status, help, ...), for the caller to handle.
 */
export function parsePairCommand(words: readonly string[]): PairCommand | undefined {
  const [command, ...rest] = words;
  switch (command) {
    case 'failover':
      if (rest.length > 0) throw new UsageError(`failover takes no value, got '${rest.join(' ')}'`);
      return { command };
    case 'member': {
      const member = memberName(command, rest[0]);
      const state = rest[1];
      if ((state !== 'down' && state !== 'up') || rest.length > 2) {
        throw new UsageError(`member ${member}: needs 'down' or 'up', got '${rest.slice(1).join(' ')}'`);
      }
      return { command, member, up: state === 'up' };
    }
    case 'firmware': {
      const member = memberName(command, rest[0]);
      if (rest[1] === undefined || rest.length > 2) throw new UsageError(`firmware ${member}: needs one revision, 0-65535, got '${rest.slice(1).join(' ')}'`);
      return { command, member, firmwareRevision: wholeNumber(`firmware ${member}`, 'firmwareRevision', rest[1]) };
    }
    default:
      return undefined;
  }
}
