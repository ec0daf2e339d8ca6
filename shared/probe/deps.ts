// What the probe needs from the outside world, injected so that the state machine is testable with a
// fake socket and a fake clock, and so that Lambda and the CLI can share it unchanged.

export interface Clock {
  /** Monotonic time in fractional milliseconds. */
  now(): number;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface Timers {
  set(delayMs: number, fn: () => void): TimerHandle;
  clear(handle: TimerHandle): void;
}

export interface SocketErrorLike {
  code?: string;
  message: string;
}

/** The code and message of whatever a socket factory or resolver threw, checked rather than assumed. */
export function socketErrorOf(err: unknown): { code: string | undefined; message: string | undefined } {
  if (typeof err !== 'object' || err === null) return { code: undefined, message: undefined };
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const message = 'message' in err && typeof err.message === 'string' ? err.message : undefined;
  return { code, message };
}

export interface SocketHandlers {
  onConnect(): void;
  onData(chunk: Uint8Array): void;
  /** The peer sent FIN. */
  onEnd(): void;
  onError(error: SocketErrorLike): void;
}

export interface ProbeSocket {
  write(bytes: Uint8Array): void;
  /** Releases the socket; no handler is called after this returns. */
  destroy(): void;
  localPort(): number | undefined;
}

export interface ConnectRequest {
  address: string;
  port: number;
  family: 4 | 6;
}

export type SocketFactory = (request: ConnectRequest, handlers: SocketHandlers) => ProbeSocket;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a host name; rejects with an error whose `code` is a getaddrinfo code (ENOTFOUND, ...).
 * `family` asks for an address of that family only (a login needs IPv4: it runs GRE over IPv4).
 */
export type Resolver = (host: string, signal: AbortSignal, family?: 4 | 6) => Promise<ResolvedAddress>;

export interface ProbeDeps {
  clock: Clock;
  timers: Timers;
  connect: SocketFactory;
  resolve: Resolver;
  /** Aborting ends the probe at once, classified as a timeout of the phase in progress. */
  signal?: AbortSignal;
  /** Source of Echo identifiers and call IDs; injectable for deterministic tests. */
  random?: () => number;
}
