// Shared by our two servers (the gateway simulator and the status page): how a failed listen() is
// described, and how host:port is written.

/** host:port, with IPv6 literals bracketed so the port is not read as part of the address. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The socket error code Node gave (EADDRINUSE, EACCES, ...), and the words to report: the code, else the message. */
export function listenFailure(cause: unknown): { code: string | undefined; why: string } {
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return { code: cause.code, why: cause.code };
  return { code: undefined, why: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * What an operator can do about a failed listen, for a port given by `flag` (e.g. '--http'): the port is
 * taken by someone else, or below 1024 without root, or the address is not this machine's.
 */
export function listenAdvice(code: string | undefined, flag: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return `the port is in use (is an earlier pptp-monitor, e.g. another \`npm start\`, still running?); stop what holds it, or pass ${flag} <another port>`;
    case 'EACCES':
      return `permission denied (ports below 1024 need root); pass ${flag} <a port from 1024>`;
    case 'EADDRNOTAVAIL':
      return `the address is not one of this machine's; pass ${flag} <another port>`;
    default:
      return `pass ${flag} <another port>`;
  }
}
