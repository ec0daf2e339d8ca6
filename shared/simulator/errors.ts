// What the simulator throws. Callers tell a mistake in how it was asked to run (SimulatorOptionError:
// the CLI validates first, so reaching one is a bug in the caller) from the world refusing it a port
// (SimulatorListenError: worth a one-line message to the operator).

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
    const code = (cause as { code?: unknown } | null)?.code;
    const why = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
    super(`cannot listen on ${formatHostPort(host, port)}: ${why}`, { cause });
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** host:port, with IPv6 literals bracketed so the port is not read as part of the address. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
