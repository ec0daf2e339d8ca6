// The faults the simulator can play, what each one does on the wire, and which failure class a probe
// must report for it. This table is the contract the integration tests and the local monitor check.
import {
  OUTGOING_CALL_RESULT_TEXT,
  OutgoingCallResult,
  START_CONTROL_RESULT_TEXT,
  StartControlResult,
  codeText,
} from '../probers/pptp/index.js';
import type { FailureClass } from '../probe/failure-classes.js';
import { SimulatorOptionError } from './errors.js';

export const SIMULATOR_FAULTS = [
  'none',
  'refuse',
  'silent',
  'reset',
  'close',
  'garbage',
  'reject',
  'echo-silent',
  'drop-calls',
  'reject-calls',
  'slow',
] as const;

export type SimulatorFault = (typeof SIMULATOR_FAULTS)[number];

export function isSimulatorFault(value: string): value is SimulatorFault {
  return (SIMULATOR_FAULTS as readonly string[]).includes(value);
}

/**
 * The failure class a probe reports against each fault; undefined means the probe succeeds.
 * 'echo-silent' needs a probe with echo on, 'drop-calls' and 'reject-calls' one with call on: without
 * those steps the probe never meets the fault and succeeds (see expectedFailureClass).
 */
export const FAULT_EXPECTED_CLASS: Readonly<Record<SimulatorFault, FailureClass | undefined>> = {
  none: undefined,
  refuse: 'connect_refused',
  silent: 'control_timeout',
  reset: 'connection_reset',
  close: 'connection_closed',
  garbage: 'protocol_error',
  reject: 'control_rejected',
  'echo-silent': 'echo_timeout',
  'drop-calls': 'call_dropped',
  'reject-calls': 'call_rejected',
  slow: undefined,
};

/** FAULT_EXPECTED_CLASS for a probe that may skip the echo or call step. */
export function expectedFailureClass(fault: SimulatorFault, probe: { echo: boolean; call: boolean }): FailureClass | undefined {
  if (fault === 'echo-silent' && !probe.echo) return undefined;
  if ((fault === 'drop-calls' || fault === 'reject-calls') && !probe.call) return undefined;
  return FAULT_EXPECTED_CLASS[fault];
}

/** SCCRP result code of 'reject' unless told otherwise: 2, general error. */
export const DEFAULT_REJECT_RESULT_CODE = StartControlResult.GeneralError;
/** OCRP result code of 'reject-calls' unless told otherwise: 4, busy. */
export const DEFAULT_REJECT_CALLS_RESULT_CODE = OutgoingCallResult.Busy;
/** Delay of every reply under 'slow' unless told otherwise, in ms. */
export const DEFAULT_SLOW_DELAY_MS = 300;
/** Longest 'slow' delay, in ms: beyond a minute every probe has long given up, so it is a typo. */
export const MAX_SLOW_DELAY_MS = 60_000;
/** Result codes are one byte on the wire; 1 is success in both SCCRP and OCRP, so a rejection is 2-255. */
export const MIN_REJECT_RESULT_CODE = 2;
export const MAX_REJECT_RESULT_CODE = 255;
/** How long after accepting a call 'drop-calls' disconnects it, in ms: well inside any probe's settle time. */
export const DROP_CALL_AFTER_MS = 5;

export interface FaultOptions {
  /** 'slow' only: delay of every reply, in ms (1-60000, default 300). */
  delayMs?: number;
  /** 'reject' (SCCRP, default 2) and 'reject-calls' (OCRP, default 4) only: the result code, 2-255. */
  resultCode?: number;
}

/** A fault with its options resolved: what one connection plays from accept to close. */
export type FaultSettings =
  | { fault: Exclude<SimulatorFault, 'reject' | 'reject-calls' | 'slow'> }
  | { fault: 'reject' | 'reject-calls'; resultCode: number }
  | { fault: 'slow'; delayMs: number };

/**
 * Validates options against the fault and fills in defaults. Options that do not apply to the fault are
 * refused rather than ignored, so that `reject-calls` with a delay is caught as the mistake it is.
 */
export function resolveFaultSettings(fault: SimulatorFault, options: FaultOptions = {}): FaultSettings {
  if (!isSimulatorFault(fault)) {
    throw new SimulatorOptionError(`unknown fault '${String(fault)}' (one of: ${SIMULATOR_FAULTS.join(', ')})`);
  }
  const { delayMs, resultCode } = options;
  if (delayMs !== undefined && fault !== 'slow') {
    throw new SimulatorOptionError(`delayMs only applies to the 'slow' fault, not '${fault}'`);
  }
  if (resultCode !== undefined && fault !== 'reject' && fault !== 'reject-calls') {
    throw new SimulatorOptionError(`resultCode only applies to the 'reject' and 'reject-calls' faults, not '${fault}'`);
  }
  switch (fault) {
    case 'slow': {
      const ms = delayMs ?? DEFAULT_SLOW_DELAY_MS;
      if (!Number.isInteger(ms) || ms < 1 || ms > MAX_SLOW_DELAY_MS) {
        throw new SimulatorOptionError(`delayMs must be a whole number of ms from 1 to ${MAX_SLOW_DELAY_MS}, got ${ms}`);
      }
      return { fault, delayMs: ms };
    }
    case 'reject':
    case 'reject-calls': {
      const code = resultCode ?? (fault === 'reject' ? DEFAULT_REJECT_RESULT_CODE : DEFAULT_REJECT_CALLS_RESULT_CODE);
      if (!Number.isInteger(code) || code < MIN_REJECT_RESULT_CODE || code > MAX_REJECT_RESULT_CODE) {
        throw new SimulatorOptionError(
          `resultCode must be a whole number from ${MIN_REJECT_RESULT_CODE} to ${MAX_REJECT_RESULT_CODE} (1 means success), got ${code}`,
        );
      }
      return { fault, resultCode: code };
    }
    default:
      return { fault };
  }
}

/** What a fault does, in one line for an operator. */
export function describeFault(settings: FaultSettings): string {
  switch (settings.fault) {
    case 'none':
      return 'a healthy gateway';
    case 'refuse':
      return 'not listening: connections are refused';
    case 'silent':
      return 'accepts connections and never answers';
    case 'reset':
      return 'resets the connection (RST) on the first bytes it receives';
    case 'close':
      return 'closes the connection (FIN) on Start-Control-Connection-Request';
    case 'garbage':
      return 'answers with an SSH banner instead of PPTP';
    case 'reject':
      return `refuses the control connection: Start-Control-Connection-Reply result ${settings.resultCode} (${codeText(START_CONTROL_RESULT_TEXT, settings.resultCode)})`;
    case 'echo-silent':
      return 'never answers Echo-Request';
    case 'drop-calls':
      return `accepts outgoing calls, then drops them ${DROP_CALL_AFTER_MS} ms later (Call-Disconnect-Notify)`;
    case 'reject-calls':
      return `refuses outgoing calls: Outgoing-Call-Reply result ${settings.resultCode} (${codeText(OUTGOING_CALL_RESULT_TEXT, settings.resultCode)})`;
    case 'slow':
      return `healthy, but every reply is delayed ${settings.delayMs} ms`;
  }
}

/** What a probe should report for a fault, in words: 'ok', 'control_timeout', 'call_dropped (with --call)'. */
export function describeExpectation(fault: SimulatorFault): string {
  const cls = FAULT_EXPECTED_CLASS[fault];
  if (cls === undefined) return fault === 'slow' ? 'ok, but slow' : 'ok';
  if (fault === 'echo-silent') return `${cls} (with echo on)`;
  if (fault === 'drop-calls' || fault === 'reject-calls') return `${cls} (with --call)`;
  return cls;
}
