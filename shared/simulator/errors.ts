// What the simulator throws. Callers tell a mistake in how it was asked to run (SimulatorOptionError:
// the CLI validates first, so reaching one is a bug in the caller) from the world refusing it a port
// (SimulatorListenError: worth a one-line message to the operator).

import { formatHostPort, listenFailure } from '../net/listen-failure.js';

export class SimulatorError extends Error {
  override readonly name: string = 'SimulatorError';
}

/** An option out of range or one that does not apply to the fault (resultCode for 'silent', ...). */
export class SimulatorOptionError extends SimulatorError {
  override readonly name = 'SimulatorOptionError';
}

/** The port could not be (re)bound: EADDRINUSE, EACCES, EADDRNOTAVAIL, ... */
export class SimulatorListenError extends SimulatorError {
  override readonly name = 'SimulatorListenError';
  /** The socket error code, when Node gave one. */
  readonly code: string | undefined;

  constructor(host: string, port: number, cause: unknown) {
    const { code, why } = listenFailure(cause);
    super(`cannot listen on ${formatHostPort(host, port)}: ${why}`, { cause });
    this.code = code;
  }
}

/** Re-exported: the simulator's callers import it from here. */
export { formatHostPort };
