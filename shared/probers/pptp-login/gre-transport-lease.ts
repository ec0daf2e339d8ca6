// The GRE transport as the login prober holds it: opened on the first login, shared by every login
// of the process, and closed once no login has used it for `idleCloseMs`. A raw GRE socket receives
// every protocol-47 packet that reaches the host, so keeping one open between the minutes a monitor
// logs in would only queue other tunnels' packets in the kernel for nobody; reopening costs one
// socket() call. The grace period lets a burst of logins (`check a b c --login`, a monitor's
// targets one after another) share one socket.
import type { GreTransport } from './gre-transport.js';

/** A transport that can be closed; closing it lets the next open start afresh. */
export interface ClosableGreTransport extends GreTransport {
  close(): void;
}

export interface GreTransportLease {
  /** The transport, opened now if none is open; throws what opening throws (GreTransportError). */
  acquire(): GreTransport;
  /** One login is done with it; the last one starts the idle timer. */
  release(): void;
  /** Whether a transport is open now. */
  readonly open: boolean;
  /** Closes the transport now, whoever holds it (a runner shutting down). */
  close(): void;
}

/** How long an unused raw socket stays open, in ms. */
export const GRE_IDLE_CLOSE_MS = 1000;

/**
 * A lease over `openTransport`. The idle timer is unref'd: it never keeps a process alive, and a
 * process that exits closes the socket anyway. `idleCloseMs` 0 closes as soon as the last login ends.
 */
export function createGreTransportLease(openTransport: () => ClosableGreTransport, idleCloseMs: number = GRE_IDLE_CLOSE_MS): GreTransportLease {
  let transport: ClosableGreTransport | undefined;
  let holders = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const cancelIdle = (): void => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  const closeNow = (): void => {
    cancelIdle();
    const closing = transport;
    transport = undefined;
    closing?.close();
  };
  return {
    acquire() {
      cancelIdle();
      transport ??= openTransport();
      holders++;
      return transport;
    },
    release() {
      holders = Math.max(0, holders - 1);
      if (holders > 0 || transport === undefined) return;
      if (idleCloseMs <= 0) return closeNow();
      cancelIdle();
      idleTimer = setTimeout(closeNow, idleCloseMs);
      idleTimer.unref();
    },
    get open() {
      return transport !== undefined;
    },
    close: closeNow,
  };
}
