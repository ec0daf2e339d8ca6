// A fake clock, timers and socket for driving the probe state machine deterministically: no network,
// no real time. Time only moves when a test calls advance().
import type { ConnectRequest, ProbeDeps, ProbeSocket, SocketHandlers, TimerHandle } from '../../shared/probe/deps.js';
import { PptpFramer, type ControlMessage } from '../../shared/probers/pptp/index.js';

interface FakeTimer {
  at: number;
  fn: () => void;
  seq: number;
}

export class FakeClock {
  nowMs = 1000;
  private timers = new Set<FakeTimer>();
  private seq = 0;

  now = (): number => this.nowMs;

  readonly timersApi = {
    set: (delayMs: number, fn: () => void): TimerHandle => {
      const timer: FakeTimer = { at: this.nowMs + Math.max(0, delayMs), fn, seq: this.seq++ };
      this.timers.add(timer);
      return timer;
    },
    clear: (handle: TimerHandle): void => {
      this.timers.delete(handle as FakeTimer);
    },
  };

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order (a timer may set another). */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.timers.delete(next);
      this.nowMs = next.at;
      next.fn();
    }
    this.nowMs = target;
  }
}

export class FakeSocket implements ProbeSocket {
  readonly written: Uint8Array[] = [];
  destroyed = false;

  constructor(
    readonly request: ConnectRequest,
    readonly handlers: SocketHandlers,
  ) {}

  write(bytes: Uint8Array): void {
    if (this.destroyed) throw new Error('write after destroy');
    this.written.push(bytes);
  }
  destroy(): void {
    this.destroyed = true;
  }
  localPort(): number | undefined {
    return 40000;
  }

  /** Every message the probe has written so far, decoded. */
  sentMessages(): ControlMessage[] {
    const out: ControlMessage[] = [];
    const framer = new PptpFramer();
    for (const chunk of this.written) framer.push(chunk, (m) => void out.push(m));
    return out;
  }

  lastSent(): ControlMessage {
    const all = this.sentMessages();
    const last = all[all.length - 1];
    if (!last) throw new Error('nothing sent yet');
    return last;
  }

  // Drive the probe as the network would; each call is ignored after destroy, as with a real socket.
  connect(): void {
    if (!this.destroyed) this.handlers.onConnect();
  }
  receive(bytes: Uint8Array): void {
    if (!this.destroyed) this.handlers.onData(bytes);
  }
  end(): void {
    if (!this.destroyed) this.handlers.onEnd();
  }
  error(code: string): void {
    if (!this.destroyed) this.handlers.onError({ code, message: `${code} (fake)` });
  }
}

export interface FakeWorld {
  clock: FakeClock;
  sockets: FakeSocket[];
  deps: ProbeDeps;
  /** The socket of the latest attempt. */
  socket(): FakeSocket;
}

export function fakeWorld(options: { resolve?: ProbeDeps['resolve']; signal?: AbortSignal } = {}): FakeWorld {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  let n = 0;
  const deps: ProbeDeps = {
    clock,
    timers: clock.timersApi,
    connect: (request, handlers) => {
      const s = new FakeSocket(request, handlers);
      sockets.push(s);
      return s;
    },
    resolve: options.resolve ?? (async () => ({ address: '192.0.2.10', family: 4 })),
    random: () => ((n++ * 0.37) % 1),
  };
  if (options.signal) deps.signal = options.signal;
  return {
    clock,
    sockets,
    deps,
    socket: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket opened yet');
      return s;
    },
  };
}
