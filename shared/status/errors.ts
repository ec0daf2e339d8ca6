// What the status server throws. A StatusServerOptionError is a mistake in how it was asked to run (the
// CLI should say it and exit 2); a StatusServerListenError is the world refusing the port (EADDRINUSE, ...).
import { PptpMonitorError } from '../common/errors.js';
import { formatHostPort, listenFailure } from '../net/listen-failure.js';

export class StatusServerError extends PptpMonitorError {
  override readonly name: string = 'StatusServerError';
}

/** An option that is unknown, out of range, or a non-loopback host without `allowNonLoopback: true`. */
export class StatusServerOptionError extends StatusServerError {
  override readonly name = 'StatusServerOptionError';

  constructor(message: string) {
    super('invalid_option', message);
  }
}

/**
 * The port could not be bound. Its `code` is the socket error code when Node gave one (EADDRINUSE, EACCES,
 * EADDRNOTAVAIL: what listenAdvice turns into advice), else 'listen_failed', as got's RequestError keeps
 * the underlying error's code.
 */
export class StatusServerListenError extends StatusServerError {
  override readonly name = 'StatusServerListenError';

  constructor(host: string, port: number, cause: unknown) {
    const { code, why } = listenFailure(cause);
    super(code ?? 'listen_failed', `status server cannot listen on ${formatHostPort(host, port)}: ${why}`, { cause });
  }
}
