// What the status server throws. A StatusServerOptionError is a mistake in how it was asked to run (the
// CLI should say it and exit 2); a StatusServerListenError is the world refusing the port (EADDRINUSE, ...).

import { formatHostPort, listenFailure } from '../net/listen-failure.js';

export class StatusServerError extends Error {
  override readonly name: string = 'StatusServerError';
}

/** An option that is unknown, out of range, or a non-loopback host without `allowNonLoopback: true`. */
export class StatusServerOptionError extends StatusServerError {
  override readonly name = 'StatusServerOptionError';
}

/** The port could not be bound. */
export class StatusServerListenError extends StatusServerError {
  override readonly name = 'StatusServerListenError';
  /** The socket error code (EADDRINUSE, EACCES, EADDRNOTAVAIL), when Node gave one. */
  readonly code: string | undefined;

  constructor(host: string, port: number, cause: unknown) {
    const { code, why } = listenFailure(cause);
    super(`status server cannot listen on ${formatHostPort(host, port)}: ${why}`, { cause });
    this.code = code;
  }
}
