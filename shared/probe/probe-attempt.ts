// One connection attempt: TCP connect, SCCRQ/SCCRP, Echo, optional call, Stop. A callback-driven state
// machine rather than a chain of promises: it runs for every probe of every target, and each await would
// cost CPU and add event-loop hops between a packet's arrival and the timestamp we report for it.
import {
  BearerCapability,
  CALL_DISCONNECT_RESULT_TEXT,
  ControlMessageType,
  ECHO_RESULT_TEXT,
  EchoResult,
  FramingCapability,
  GENERAL_ERROR_TEXT,
  OUTGOING_CALL_RESULT_TEXT,
  OutgoingCallResult,
  PROTOCOL_VERSION,
  PptpDecodeError,
  PptpFramer,
  START_CONTROL_RESULT_TEXT,
  STOP_REASON_TEXT,
  StartControlResult,
  StopReason,
  codeText,
  encodeMessage,
  messageName,
  type ControlMessage,
  type StartControlConnectionReply,
} from '../probers/pptp/index.js';
import type { ProbeDeps, ProbeSocket, SocketErrorLike, SocketHandlers, TimerHandle } from './deps.js';
import type { FailureClass } from './failure-classes.js';
import type { Phase, ProbeFailure, ProbeOptions, ServerIdentity } from './types.js';

/** A healthy exchange is under 400 bytes; more than this from one peer is a flood. */
export const MAX_BYTES_FROM_PEER = 16 * 1024;
/** Messages we tolerate but did not ask for (peer Echo-Requests, Set-Link-Info, stale Echo-Replies). */
export const MAX_UNSOLICITED_MESSAGES = 8;
/** Connect speeds announced in the Outgoing-Call-Request, in bits per second. */
const CALL_MIN_BPS = 2400;
const CALL_MAX_BPS = 10_000_000;
/** Packet receive window announced for the call, in packets. */
const CALL_RECV_WINDOW_PACKETS = 64;
/** "Any" bearer and framing type: we test that the gateway accepts a call, not a particular line. */
const CALL_BEARER_ANY = 3;
const CALL_FRAMING_ANY = 3;

export interface AttemptInput {
  address: string;
  family: 4 | 6;
  port: number;
  options: ProbeOptions;
  /** Absolute time (deps.clock) by which the attempt must have finished. */
  deadlineAt: number;
  echoIdentifier: number;
  callId: number;
  callSerialNumber: number;
  /** Pre-encoded SCCRQ: identical for every probe with the same options, so encode it once. */
  startRequest: Uint8Array;
}

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
}

type State =
  | 'connecting'
  | 'awaiting_sccrp'
  | 'awaiting_echo_reply'
  | 'awaiting_ocrp'
  | 'call_settling'
  | 'awaiting_cdn'
  | 'awaiting_stop_reply'
  | 'done';

const PHASE_OF: Record<State, Phase> = {
  connecting: 'connect',
  awaiting_sccrp: 'control',
  awaiting_echo_reply: 'echo',
  awaiting_ocrp: 'call',
  call_settling: 'call',
  awaiting_cdn: 'stop',
  awaiting_stop_reply: 'stop',
  done: 'stop',
};

const WAITING_FOR: Record<State, string> = {
  connecting: 'the TCP handshake',
  awaiting_sccrp: 'Start-Control-Connection-Reply',
  awaiting_echo_reply: 'Echo-Reply',
  awaiting_ocrp: 'Outgoing-Call-Reply',
  call_settling: 'the call to settle',
  awaiting_cdn: 'Call-Disconnect-Notify',
  awaiting_stop_reply: 'Stop-Control-Connection-Reply',
  done: 'nothing',
};

export function encodeStartRequest(options: Pick<ProbeOptions, 'hostname' | 'vendor'>): Uint8Array {
  return encodeMessage({
    type: ControlMessageType.StartControlConnectionRequest,
    protocolVersion: PROTOCOL_VERSION,
    // Both framing bits: some PACs (accel-ppp) refuse a PNS that does not offer synchronous framing.
    framingCapabilities: FramingCapability.Asynchronous | FramingCapability.Synchronous,
    bearerCapabilities: BearerCapability.Analog | BearerCapability.Digital,
    maxChannels: 0,
    firmwareRevision: 1,
    hostname: options.hostname,
    vendor: options.vendor,
  });
}

export function runProbeAttempt(input: AttemptInput, deps: ProbeDeps, done: (outcome: AttemptOutcome) => void): void {
  new ProbeAttempt(input, deps, done).start();
}

function generalErrorSuffix(errorCode: number): string {
  return errorCode === 0 ? '' : `; error ${errorCode}: ${codeText(GENERAL_ERROR_TEXT, errorCode)}`;
}

function identityOf(reply: StartControlConnectionReply): ServerIdentity {
  return {
    hostname: reply.hostname,
    vendor: reply.vendor,
    firmwareRevision: reply.firmwareRevision,
    protocolVersion: reply.protocolVersion,
    maxChannels: reply.maxChannels,
    framingCapabilities: reply.framingCapabilities,
    bearerCapabilities: reply.bearerCapabilities,
  };
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

class ProbeAttempt implements SocketHandlers {
  private state: State = 'connecting';
  private phaseStartedAt = 0;
  private receivedAt = 0;
  private socket: ProbeSocket | undefined;
  private readonly framer = new PptpFramer();
  private bytesFromPeer = 0;
  private unsolicited = 0;
  private deadlineTimer: TimerHandle | undefined;
  private waitTimer: TimerHandle | undefined;
  private pacCallId = -1;
  private readonly outcome: AttemptOutcome = { ok: false, notes: [] };

  constructor(
    private readonly input: AttemptInput,
    private readonly deps: ProbeDeps,
    private readonly done: (outcome: AttemptOutcome) => void,
  ) {}

  start(): void {
    const { clock, timers, signal } = this.deps;
    this.phaseStartedAt = clock.now();
    if (signal?.aborted) {
      this.timeUp('aborted before the attempt started');
      return;
    }
    this.deadlineTimer = timers.set(Math.max(0, this.input.deadlineAt - this.phaseStartedAt), this.onDeadline);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const { address, port, family } = this.input;
    try {
      this.socket = this.deps.connect({ address, port, family }, this);
    } catch (err) {
      const e = err as SocketErrorLike;
      this.fail(connectErrorClass(e.code), `cannot connect to ${address} port ${port}: ${e.message}`, { code: e.code });
      return;
    }
    // A factory may report an error before it returns; the socket must still be released.
    if (this.isDone()) this.socket.destroy();
    // The SYN leaves when the factory returns (Node issues connect() on the next tick): start the clock
    // here, not before the socket object was built.
    else if (this.state === 'connecting') this.phaseStartedAt = clock.now();
  }

  // ---- socket events ----

  readonly onConnect = (): void => {
    if (this.state !== 'connecting') return;
    const now = this.deps.clock.now();
    this.outcome.connectMs = now - this.phaseStartedAt;
    this.outcome.localPort = this.socket?.localPort();
    this.state = 'awaiting_sccrp';
    this.phaseStartedAt = now;
    this.socket!.write(this.input.startRequest);
  };

  readonly onData = (chunk: Uint8Array): void => {
    if (this.state === 'done') return;
    this.receivedAt = this.deps.clock.now();
    this.bytesFromPeer += chunk.length;
    if (this.bytesFromPeer > MAX_BYTES_FROM_PEER) {
      this.fail('protocol_error', `gateway sent more than ${MAX_BYTES_FROM_PEER} bytes while we waited for ${WAITING_FOR[this.state]}`, {
        code: 'flood',
      });
      return;
    }
    try {
      this.framer.push(chunk, this.onMessage);
    } catch (err) {
      if (!(err instanceof PptpDecodeError)) throw err;
      this.fail('protocol_error', `not a valid PPTP reply while waiting for ${WAITING_FOR[this.state]}: ${err.message}`, {
        code: err.code,
      });
    }
  };

  readonly onEnd = (): void => {
    switch (this.state) {
      case 'done':
        return;
      case 'call_settling':
        this.fail('call_dropped', `gateway closed the connection ${this.sincePhaseStart()} after accepting the call`);
        return;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.outcome.notes.push(`gateway closed the connection without ${WAITING_FOR[this.state]}`);
        this.succeed();
        return;
      default:
        this.fail('connection_closed', `gateway closed the connection while we waited for ${WAITING_FOR[this.state]}`);
    }
  };

  readonly onError = (error: SocketErrorLike): void => {
    const code = error.code;
    switch (this.state) {
      case 'done':
        return;
      case 'connecting': {
        const cls = connectErrorClass(code);
        const what: Record<string, string> = {
          connect_refused: 'connection refused',
          connect_timeout: 'connect timed out',
          connection_reset: 'connection reset during the handshake',
        };
        this.fail(cls, `${what[cls] ?? 'unreachable'}: ${this.input.address} port ${this.input.port} (${code ?? error.message})`, { code });
        return;
      }
      case 'call_settling':
        this.fail('call_dropped', `connection reset ${this.sincePhaseStart()} after the gateway accepted the call (${code ?? error.message})`, {
          code,
        });
        return;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.outcome.notes.push(`connection reset while waiting for ${WAITING_FOR[this.state]} (${code ?? error.message})`);
        this.succeed();
        return;
      default:
        this.fail('connection_reset', `connection reset while waiting for ${WAITING_FOR[this.state]} (${code ?? error.message})`, { code });
    }
  };

  // ---- timers ----

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.timeUp(`no answer within the ${Math.round(this.input.options.timeoutMs)} ms deadline`);
  };

  private readonly onAbort = (): void => {
    this.timeUp('aborted (invocation deadline)');
  };

  private timeUp(why: string): void {
    switch (this.state) {
      case 'done':
        return;
      case 'connecting':
        this.fail('connect_timeout', `no answer to the TCP SYN: ${why}`);
        return;
      case 'awaiting_sccrp':
        this.fail('control_timeout', `connected, but no Start-Control-Connection-Reply: ${why}`);
        return;
      case 'awaiting_echo_reply':
        this.fail('echo_timeout', `no Echo-Reply: ${why}`);
        return;
      case 'awaiting_ocrp':
        this.fail('call_rejected', `no Outgoing-Call-Reply: ${why}`);
        return;
      default:
        // The checks are done; only teardown was cut short.
        this.outcome.notes.push(`teardown cut short while waiting for ${WAITING_FOR[this.state]}: ${why}`);
        this.succeed();
    }
  }

  private wait(delayMs: number, then: () => void): void {
    const remaining = this.input.deadlineAt - this.deps.clock.now();
    this.waitTimer = this.deps.timers.set(Math.max(0, Math.min(delayMs, remaining)), () => {
      this.waitTimer = undefined;
      then();
    });
  }

  // ---- messages ----

  private readonly onMessage = (msg: ControlMessage): boolean => {
    if (this.state === 'done') return false;
    switch (msg.type) {
      case ControlMessageType.EchoRequest:
        // A gateway may check on us too; answering is what a real client does.
        if (this.tolerate(msg.type)) {
          this.send(
            encodeMessage({ type: ControlMessageType.EchoReply, identifier: msg.identifier, resultCode: EchoResult.Ok, errorCode: 0 }),
          );
          this.outcome.notes.push('answered an Echo-Request from the gateway');
        }
        return !this.isDone();
      case ControlMessageType.StopControlConnectionRequest:
        this.send(encodeMessage({ type: ControlMessageType.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
        this.peerStopped(msg.reason);
        return false;
      case ControlMessageType.SetLinkInfo:
      case ControlMessageType.WanErrorNotify:
        this.tolerate(msg.type);
        return !this.isDone();
    }
    switch (this.state) {
      case 'awaiting_sccrp':
        if (msg.type === ControlMessageType.StartControlConnectionReply) this.onStartReply(msg);
        else this.unexpected(msg.type);
        break;
      case 'awaiting_echo_reply':
        if (msg.type !== ControlMessageType.EchoReply) this.unexpected(msg.type);
        else if (msg.identifier !== this.input.echoIdentifier) this.tolerate(msg.type);
        else this.onEchoReply(msg.resultCode, msg.errorCode);
        break;
      case 'awaiting_ocrp':
        if (msg.type === ControlMessageType.OutgoingCallReply) {
          if (msg.peerCallId !== this.input.callId) {
            this.fail('protocol_error', `Outgoing-Call-Reply names call ${msg.peerCallId}, we asked for call ${this.input.callId}`);
          } else if (msg.resultCode !== OutgoingCallResult.Connected) {
            this.fail(
              'call_rejected',
              `Outgoing-Call-Reply result ${msg.resultCode}: ${codeText(OUTGOING_CALL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
              { resultCode: msg.resultCode, errorCode: msg.errorCode, causeCode: msg.causeCode },
            );
          } else {
            this.outcome.callMs = this.receivedAt - this.phaseStartedAt;
            this.pacCallId = msg.callId;
            this.state = 'call_settling';
            this.phaseStartedAt = this.receivedAt;
            this.wait(this.input.options.callSettleMs, this.clearCall);
          }
        } else if (msg.type === ControlMessageType.CallDisconnectNotify) {
          this.fail('call_rejected', `gateway sent Call-Disconnect-Notify instead of Outgoing-Call-Reply (${this.disconnectText(msg)})`, {
            resultCode: msg.resultCode,
            errorCode: msg.errorCode,
            causeCode: msg.causeCode,
          });
        } else this.unexpected(msg.type);
        break;
      case 'call_settling':
        if (msg.type === ControlMessageType.CallDisconnectNotify) {
          this.fail('call_dropped', `gateway disconnected the call ${this.sincePhaseStart()} after accepting it (${this.disconnectText(msg)})`, {
            resultCode: msg.resultCode,
            errorCode: msg.errorCode,
            causeCode: msg.causeCode,
          });
        } else this.unexpected(msg.type);
        break;
      case 'awaiting_cdn':
        if (msg.type === ControlMessageType.CallDisconnectNotify) this.sendStop();
        else this.unexpected(msg.type);
        break;
      case 'awaiting_stop_reply':
        if (msg.type === ControlMessageType.StopControlConnectionReply) {
          if (msg.resultCode !== 1) this.outcome.notes.push(`Stop-Control-Connection-Reply result ${msg.resultCode}`);
          this.succeed();
        } else if (msg.type === ControlMessageType.CallDisconnectNotify || msg.type === ControlMessageType.EchoReply) {
          this.tolerate(msg.type);
        } else this.unexpected(msg.type);
        break;
      default:
        this.unexpected(msg.type);
    }
    return !this.isDone();
  };

  private onStartReply(msg: StartControlConnectionReply): void {
    this.outcome.controlMs = this.receivedAt - this.phaseStartedAt;
    this.outcome.server = identityOf(msg);
    if (msg.resultCode !== StartControlResult.Success) {
      this.fail(
        'control_rejected',
        `Start-Control-Connection-Reply result ${msg.resultCode}: ${codeText(START_CONTROL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
        { resultCode: msg.resultCode, errorCode: msg.errorCode },
      );
      return;
    }
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      this.outcome.notes.push(`gateway announced protocol version 0x${msg.protocolVersion.toString(16).padStart(4, '0')}`);
    }
    this.afterControl();
  }

  private onEchoReply(resultCode: number, errorCode: number): void {
    this.outcome.echoMs = this.receivedAt - this.phaseStartedAt;
    if (resultCode !== EchoResult.Ok) {
      this.fail('echo_rejected', `Echo-Reply result ${resultCode}: ${codeText(ECHO_RESULT_TEXT, resultCode)}${generalErrorSuffix(errorCode)}`, {
        resultCode,
        errorCode,
      });
      return;
    }
    if (this.input.options.call) this.placeCall();
    else this.sendStop();
  }

  private afterControl(): void {
    if (this.input.options.echo) {
      this.enter('awaiting_echo_reply', encodeMessage({ type: ControlMessageType.EchoRequest, identifier: this.input.echoIdentifier }));
    } else if (this.input.options.call) this.placeCall();
    else this.sendStop();
  }

  private placeCall(): void {
    this.enter(
      'awaiting_ocrp',
      encodeMessage({
        type: ControlMessageType.OutgoingCallRequest,
        callId: this.input.callId,
        callSerialNumber: this.input.callSerialNumber,
        minimumBps: CALL_MIN_BPS,
        maximumBps: CALL_MAX_BPS,
        bearerType: CALL_BEARER_ANY,
        framingType: CALL_FRAMING_ANY,
        packetRecvWindowSize: CALL_RECV_WINDOW_PACKETS,
        packetProcessingDelay: 0,
        phoneNumber: '',
        subaddress: '',
      }),
    );
  }

  private readonly clearCall = (): void => {
    if (this.state !== 'call_settling') return;
    this.enter('awaiting_cdn', encodeMessage({ type: ControlMessageType.CallClearRequest, callId: this.input.callId }));
    this.wait(this.input.options.stopWaitMs, () => {
      if (this.state !== 'awaiting_cdn') return;
      this.outcome.notes.push('no Call-Disconnect-Notify after Call-Clear-Request');
      this.sendStop();
    });
  };

  private sendStop(): void {
    this.enter('awaiting_stop_reply', encodeMessage({ type: ControlMessageType.StopControlConnectionRequest, reason: StopReason.None }));
    this.wait(this.input.options.stopWaitMs, () => {
      if (this.state !== 'awaiting_stop_reply') return;
      this.outcome.notes.push('Stop-Control-Connection-Request went unanswered');
      this.succeed();
    });
  }

  private enter(state: State, message: Uint8Array): void {
    this.state = state;
    this.phaseStartedAt = this.deps.clock.now();
    this.send(message);
  }

  private send(message: Uint8Array): void {
    this.socket?.write(message);
  }

  private peerStopped(reason: number): void {
    const why = `gateway sent Stop-Control-Connection-Request (reason ${reason}: ${codeText(STOP_REASON_TEXT, reason)})`;
    switch (this.state) {
      case 'call_settling':
        this.fail('call_dropped', `${why} ${this.sincePhaseStart()} after accepting the call`);
        return;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.outcome.notes.push(why);
        this.succeed();
        return;
      default:
        this.fail('connection_closed', `${why} while we waited for ${WAITING_FOR[this.state]}`);
    }
  }

  /** Counts a harmless message we did not ask for; too many of them is a flood. */
  private tolerate(type: number): boolean {
    this.unsolicited++;
    if (this.unsolicited <= MAX_UNSOLICITED_MESSAGES) return true;
    this.fail('protocol_error', `more than ${MAX_UNSOLICITED_MESSAGES} unsolicited messages (last: ${messageName(type)})`, { code: 'flood' });
    return false;
  }

  private unexpected(type: number): void {
    this.fail('protocol_error', `unexpected ${messageName(type)} while waiting for ${WAITING_FOR[this.state]}`, {
      code: 'unexpected_message',
    });
  }

  private disconnectText(msg: { resultCode: number; errorCode: number; causeCode: number }): string {
    return `result ${msg.resultCode}: ${codeText(CALL_DISCONNECT_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`;
  }

  private sincePhaseStart(): string {
    return `${(this.deps.clock.now() - this.phaseStartedAt).toFixed(1)} ms`;
  }

  // ---- endings ----

  /** A method, not an inline comparison: handlers may finish the attempt behind TypeScript's narrowing. */
  private isDone(): boolean {
    return this.state === 'done';
  }

  private fail(cls: FailureClass, message: string, extra: Partial<ProbeFailure> = {}): void {
    if (this.state === 'done') return;
    const failure: ProbeFailure = {
      class: cls,
      message,
      phase: PHASE_OF[this.state],
      elapsedMs: this.deps.clock.now() - this.phaseStartedAt,
    };
    if (extra.resultCode !== undefined) failure.resultCode = extra.resultCode;
    if (extra.errorCode !== undefined) failure.errorCode = extra.errorCode;
    if (extra.causeCode !== undefined) failure.causeCode = extra.causeCode;
    if (extra.code !== undefined) failure.code = extra.code;
    this.outcome.failure = failure;
    this.finish(false);
  }

  private succeed(): void {
    this.finish(true);
  }

  private finish(ok: boolean): void {
    if (this.state === 'done') return;
    this.state = 'done';
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
