// One connection attempt's life, whatever protocol is spoken over it: the TCP connect, the attempt's
// deadline and the invocation's abort signal, the flood guard, and one cleanup that cancels every timer
// and releases the socket on every path. The protocol is a Conversation (the PPTP control exchange is
// shared/probers/pptp/control-conversation.ts), driven by the socket's events through an AttemptIo.
//
// A callback state machine rather than a chain of promises: it runs for every probe of every target, and
// each await would cost CPU and add event-loop hops between a packet's arrival and the timestamp we
// report for it. Nothing here or in a conversation awaits: an event is handled to its end in its callback.
import { socketErrorOf, type ProbeDeps, type ProbeSocket, type SocketErrorLike, type SocketHandlers, type TimerHandle } from './deps.js';
import type { FailureClass } from './failure-classes.js';
import type { LoginDetail, Phase, ProbeFailure, ServerIdentity } from './types.js';

/** A healthy control exchange is under 400 bytes; more than this from one peer is a flood. */
export const MAX_BYTES_FROM_PEER = 16 * 1024;
/** Messages we tolerate but did not ask for (peer Echo-Requests, Set-Link-Info, stale Echo-Replies). */
export const MAX_UNSOLICITED_MESSAGES = 8;

export interface AttemptInput {
  address: string;
  family: 4 | 6;
  port: number;
  /** Absolute time (deps.clock) by which the attempt must have finished. */
  deadlineAt: number;
  /** The whole probe's deadline in ms, as the user set it: named when it passes. */
  timeoutMs: number;
}

/** The exchange timings a conversation reports (connectMs is the lifecycle's own). */
export type ExchangeTiming = 'controlMs' | 'echoMs' | 'callMs';

export interface AttemptOutcome {
  ok: boolean;
  connectMs?: number;
  controlMs?: number;
  echoMs?: number;
  callMs?: number;
  server?: ServerIdentity;
  failure?: ProbeFailure;
  notes: string[];
  localPort?: number;
  /** A login's stages (a login attempt runs its own session, not this lifecycle: see the pptp-login prober). */
  login?: LoginDetail;
}

/** Details a failure may carry besides its class and message. */
export type FailureDetail = Partial<Pick<ProbeFailure, 'resultCode' | 'errorCode' | 'causeCode' | 'code'>>;

/** What the lifecycle offers the conversation it drives. */
export interface AttemptIo {
  /** Arrival time of the chunk being handled: exchange timings end here, not when we got round to it. */
  readonly receivedAt: number;
  /** Start of the phase in progress. */
  readonly phaseStartedAt: number;
  /** Whether the attempt has ended (a handler may end it while its caller still runs). */
  readonly finished: boolean;
  now(): number;
  /** What we wait for, in words: the TCP handshake until connected, then what the conversation says. */
  waitingFor(): string;
  /** Time since the phase started, for messages: `1.2 ms`. */
  sincePhaseStart(): string;
  send(bytes: Uint8Array): void;
  /** Starts timing a new phase at `at` (now by default). */
  startPhase(at?: number): void;
  /** Calls `then` after `delayMs`, cut short by the deadline; cancels the wait set before it, if any. */
  wait(delayMs: number, then: () => void): void;
  record(timing: ExchangeTiming, ms: number): void;
  identify(server: ServerIdentity): void;
  note(text: string): void;
  /** Counts a harmless message we did not ask for; past MAX_UNSOLICITED_MESSAGES the attempt fails as a flood. */
  tolerate(what: string): boolean;
  fail(cls: FailureClass, message: string, detail?: FailureDetail): void;
  succeed(): void;
}

/** The protocol side of an attempt, from the TCP handshake on. */
export interface Conversation {
  /** The phase in progress: a failure's `phase`. */
  phase(): Phase;
  /** What it waits for, in words ("Start-Control-Connection-Reply"). */
  waitingFor(): string;
  /** The handshake completed (connect time recorded, phase clock restarted): send the first request. */
  onConnected(): void;
  /** Bytes from the peer, past the flood guard. */
  onData(chunk: Uint8Array): void;
  /** The peer closed (FIN) after the handshake; false leaves it to the lifecycle: connection_closed. */
  onEnd(): boolean;
  /** A socket error after the handshake; false leaves it to the lifecycle: connection_reset. */
  onError(error: SocketErrorLike): boolean;
  /** The deadline passed, or the invocation was aborted, after the handshake; `why` says which. */
  onTimeUp(why: string): void;
}

export type StartConversation = (io: AttemptIo) => Conversation;

export function runAttempt(input: AttemptInput, startConversation: StartConversation, deps: ProbeDeps, done: (outcome: AttemptOutcome) => void): void {
  new AttemptLifecycle(input, startConversation, deps, done).start();
}

function connectErrorClass(code: string | undefined): FailureClass {
  switch (code) {
    case 'ECONNREFUSED': // RST in answer to the SYN: nothing listens
      return 'connect_refused';
    case 'ECONNRESET': // the handshake completed, then the peer reset before we saw it: accepted and dropped
      return 'connection_reset';
    case 'ETIMEDOUT':
      return 'connect_timeout';
    default:
      // ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL, EAFNOSUPPORT, ...
      return 'network_unreachable';
  }
}

const CONNECT_FAILURE_WORDS: Readonly<Record<string, string>> = {
  connect_refused: 'connection refused',
  connect_timeout: 'connect timed out',
  connection_reset: 'connection reset during the handshake',
};

class AttemptLifecycle implements SocketHandlers, AttemptIo {
  private stage: 'connecting' | 'connected' | 'done' = 'connecting';
  private phaseStart = 0;
  private arrivedAt = 0;
  private socket: ProbeSocket | undefined;
  private bytesFromPeer = 0;
  private unsolicited = 0;
  private deadlineTimer: TimerHandle | undefined;
  private waitTimer: TimerHandle | undefined;
  private readonly outcome: AttemptOutcome = { ok: false, notes: [] };
  private readonly conversation: Conversation;

  constructor(
    private readonly input: AttemptInput,
    startConversation: StartConversation,
    private readonly deps: ProbeDeps,
    private readonly done: (outcome: AttemptOutcome) => void,
  ) {
    this.conversation = startConversation(this);
  }

  start(): void {
    const { clock, timers, signal } = this.deps;
    this.phaseStart = clock.now();
    if (signal?.aborted) {
      this.timeUp('aborted before the attempt started');
      return;
    }
    this.deadlineTimer = timers.set(Math.max(0, this.input.deadlineAt - this.phaseStart), this.onDeadline);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const { address, port, family } = this.input;
    try {
      this.socket = this.deps.connect({ address, port, family }, this);
    } catch (err) {
      const { code, message } = socketErrorOf(err);
      this.fail(connectErrorClass(code), `cannot connect to ${address} port ${port}: ${message ?? String(err)}`, { code });
      return;
    }
    // A factory may report an error before it returns; the socket must still be released.
    if (this.finished) this.socket.destroy();
    // The SYN leaves when the factory returns (Node issues connect() on the next tick): start the clock
    // here, not before the socket object was built.
    else if (this.stage === 'connecting') this.phaseStart = clock.now();
  }

  // ---- socket events ----

  readonly onConnect = (): void => {
    if (this.stage !== 'connecting') return;
    const now = this.deps.clock.now();
    this.outcome.connectMs = now - this.phaseStart;
    this.outcome.localPort = this.socket?.localPort();
    this.stage = 'connected';
    this.phaseStart = now;
    this.conversation.onConnected();
  };

  readonly onData = (chunk: Uint8Array): void => {
    if (this.finished) return;
    this.arrivedAt = this.deps.clock.now();
    this.bytesFromPeer += chunk.length;
    if (this.bytesFromPeer > MAX_BYTES_FROM_PEER) {
      this.fail('protocol_error', `gateway sent more than ${MAX_BYTES_FROM_PEER} bytes while we waited for ${this.waitingFor()}`, { code: 'flood' });
      return;
    }
    this.conversation.onData(chunk);
  };

  readonly onEnd = (): void => {
    if (this.finished) return;
    if (this.stage === 'connected' && this.conversation.onEnd()) return;
    this.fail('connection_closed', `gateway closed the connection while we waited for ${this.waitingFor()}`);
  };

  readonly onError = (error: SocketErrorLike): void => {
    if (this.finished) return;
    const code = error.code;
    if (this.stage === 'connecting') {
      const cls = connectErrorClass(code);
      const what = CONNECT_FAILURE_WORDS[cls] ?? 'unreachable';
      this.fail(cls, `${what}: ${this.input.address} port ${this.input.port} (${code ?? error.message})`, { code });
      return;
    }
    if (this.conversation.onError(error)) return;
    this.fail('connection_reset', `connection reset while waiting for ${this.waitingFor()} (${code ?? error.message})`, { code });
  };

  // ---- timers ----

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.timeUp(`no answer within the ${Math.round(this.input.timeoutMs)} ms deadline`);
  };

  private readonly onAbort = (): void => {
    this.timeUp('aborted (invocation deadline)');
  };

  private timeUp(why: string): void {
    if (this.finished) return;
    if (this.stage === 'connecting') this.fail('connect_timeout', `no answer to the TCP SYN: ${why}`);
    else this.conversation.onTimeUp(why);
  }

  // ---- what the conversation uses ----

  get receivedAt(): number {
    return this.arrivedAt;
  }

  get phaseStartedAt(): number {
    return this.phaseStart;
  }

  /** A getter, not a field: handlers may end the attempt behind TypeScript's narrowing. */
  get finished(): boolean {
    return this.stage === 'done';
  }

  now(): number {
    return this.deps.clock.now();
  }

  waitingFor(): string {
    return this.stage === 'connecting' ? 'the TCP handshake' : this.conversation.waitingFor();
  }

  sincePhaseStart(): string {
    return `${(this.deps.clock.now() - this.phaseStart).toFixed(1)} ms`;
  }

  send(bytes: Uint8Array): void {
    this.socket?.write(bytes);
  }

  startPhase(at: number = this.deps.clock.now()): void {
    this.phaseStart = at;
  }

  wait(delayMs: number, then: () => void): void {
    // One wait at a time: a wait replaced before it fired (a Call-Disconnect-Notify that came before its
    // timeout) must not outlive the attempt.
    if (this.waitTimer) this.deps.timers.clear(this.waitTimer);
    const remaining = this.input.deadlineAt - this.deps.clock.now();
    this.waitTimer = this.deps.timers.set(Math.max(0, Math.min(delayMs, remaining)), () => {
      this.waitTimer = undefined;
      then();
    });
  }

  record(timing: ExchangeTiming, ms: number): void {
    this.outcome[timing] = ms;
  }

  identify(server: ServerIdentity): void {
    this.outcome.server = server;
  }

  note(text: string): void {
    this.outcome.notes.push(text);
  }

  tolerate(what: string): boolean {
    this.unsolicited++;
    if (this.unsolicited <= MAX_UNSOLICITED_MESSAGES) return true;
    this.fail('protocol_error', `more than ${MAX_UNSOLICITED_MESSAGES} unsolicited messages (last: ${what})`, { code: 'flood' });
    return false;
  }

  fail(cls: FailureClass, message: string, detail: FailureDetail = {}): void {
    if (this.finished) return;
    const failure: ProbeFailure = {
      class: cls,
      message,
      phase: this.stage === 'connecting' ? 'connect' : this.conversation.phase(),
      elapsedMs: this.deps.clock.now() - this.phaseStart,
    };
    if (detail.resultCode !== undefined) failure.resultCode = detail.resultCode;
    if (detail.errorCode !== undefined) failure.errorCode = detail.errorCode;
    if (detail.causeCode !== undefined) failure.causeCode = detail.causeCode;
    if (detail.code !== undefined) failure.code = detail.code;
    this.outcome.failure = failure;
    this.finish(false);
  }

  succeed(): void {
    this.finish(true);
  }

  private finish(ok: boolean): void {
    if (this.finished) return;
    this.stage = 'done';
    const { timers, signal } = this.deps;
    if (this.deadlineTimer) timers.clear(this.deadlineTimer);
    if (this.waitTimer) timers.clear(this.waitTimer);
    this.deadlineTimer = this.waitTimer = undefined;
    signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    this.outcome.ok = ok;
    this.done(this.outcome);
  }
}
