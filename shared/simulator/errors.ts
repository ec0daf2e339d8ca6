// What the simulator throws. Callers tell a mistake in how it was asked to run (SimulatorOptionError:
// the CLI validates first, so reaching one is a bug in the caller) from the world refusing it a port
// (SimulatorListenError: worth a one-line message to the operator).
import { PptpMonitorError } from '../common/errors.js';
import { formatHostPort, listenFailure } from '../net/listen-failure.js';

/** A socket error code as Node gives it: EADDRINUSE, EACCES, EADDRNOTAVAIL, ... */
type SocketErrorCode = `E${string}`;

/**
 * `closed`: used after close(); `invalid_option`: see SimulatorOptionError; a listen failure carries the
 * socket error code when Node gave one (what listenAdvice branches on), else `listen_failed`.
 */
export type SimulatorErrorCode = 'closed' | 'invalid_option' | 'listen_failed' | SocketErrorCode;

// Names are spelled out in every class: bundles are minified without keepNames, which mangles class names.
export class SimulatorError extends PptpMonitorError<SimulatorErrorCode> {
  override readonly name: string = 'SimulatorError';

  constructor(message: string, options: { cause?: unknown; code?: SimulatorErrorCode } = {}) {
    super(options.code ?? 'closed', message, 'cause' in options ? { cause: options.cause } : undefined);
  }
}

/** An option out of range or one that does not apply to the fault (resultCode for 'silent', ...). */
export class SimulatorOptionError extends SimulatorError {
  override readonly name = 'SimulatorOptionError';

  constructor(message: string) {
    super(message, { code: 'invalid_option' });
  }
}

const isSocketErrorCode = (code: string | undefined): code is SocketErrorCode => code !== undefined && /^E[A-Z]+$/.test(code);

/** The port could not be (re)bound: EADDRINUSE, EACCES, EADDRNOTAVAIL, ... */
export class SimulatorListenError extends SimulatorError {
  override readonly name = 'SimulatorListenError';

  constructor(host: string, port: number, cause: unknown) {
    const { code, why } = listenFailure(cause);
    super(`cannot listen on ${formatHostPort(host, port)}: ${why}`, { cause, code: isSocketErrorCode(code) ? code : 'listen_failed' });
  }
}
