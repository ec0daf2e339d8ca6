// Shared by our two servers (the gateway simulator and the status page): how a failed listen() is
// described, and how host:port is written.

/** host:port, with IPv6 literals bracketed so the port is not read as part of the address. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The socket error code Node gave (EADDRINUSE, EACCES, ...), and the words to report: the code, else the message. */
export function listenFailure(cause: unknown): { code: string | undefined; why: string } {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return { code, why: code };
  return { code: undefined, why: cause instanceof Error ? cause.message : String(cause) };
}
