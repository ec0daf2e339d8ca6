// The PPTP control connection of a login (RFC 2637 §2): TCP, Start-Control-Connection, one
// Outgoing-Call that stays up while PPP runs over GRE, then Call-Clear and Stop-Control-Connection.
// A callback state machine over the injected socket, like the control probe's attempt, with the
// same codec; it reports events and the session decides. Classes of control failures are the
// control probe's own (connect_refused, control_rejected, call_rejected, protocol_error, ...).
import type { ProbeSocket, SocketErrorLike, SocketFactory, SocketHandlers } from '../../probe/deps.js';
import type { FailureClass } from '../../probe/failure-classes.js';
import type { ServerIdentity } from '../../probe/types.js';
import {
  BearerCapability,
  CALL_DISCONNECT_RESULT_TEXT,
  ControlMessageType,
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
  type EncodableMessage,
} from '../pptp/index.js';

/** A healthy login's control connection carries well under 1 KB from the gateway; more is a flood. */
export const MAX_CONTROL_BYTES_FROM_PEER = 16 * 1024;
/** Harmless messages we did not ask for (Echo-Requests, Set-Link-Info) before it counts as a flood. */
export const MAX_UNSOLICITED_CONTROL_MESSAGES = 16;
/** Connect speeds announced in the Outgoing-Call-Request, in bits per second. */
const CALL_MIN_BPS = 2400;
const CALL_MAX_BPS = 10_000_000;
/** Packet receive window we announce for the call, in packets (what Windows announces). */
const CALL_RECV_WINDOW_PACKETS = 64;
/** "Any" bearer and framing type. */
const CALL_BEARER_ANY = 3;
const CALL_FRAMING_ANY = 3;

export interface ControlFailure {
  class: FailureClass;
  message: string;
  code?: string;
  resultCode?: number;
  errorCode?: number;
  causeCode?: number;
}

export interface ControlChannelHooks {
  connected(at: number, localPort: number | undefined): void;
  controlUp(at: number, server: ServerIdentity): void;
  callUp(at: number, peerCallId: number): void;
  /** The control connection or the call failed or ended before teardown; `afterCall` when the call had been accepted. */
  failed(failure: ControlFailure, afterCall: boolean): void;
  /** Teardown finished (or the connection ended during it); `note` says what was missing. */
  closed(note: string | undefined): void;
}

export interface ControlChannelInput {
  address: string;
  port: number;
  callId: number;
  callSerialNumber: number;
  hostname: string;
  vendor: string;
}

type State =
  | 'idle'
  | 'connecting'
  | 'awaiting_sccrp'
  | 'awaiting_ocrp'
  | 'call_up'
  /** The control connection works but no call is up (refused, rejected or disconnected): only Stop is left. */
  | 'control_only'
  | 'awaiting_cdn'
  | 'awaiting_stop_reply'
  | 'closed';

const WAITING_FOR: Record<State, string> = {
  idle: 'nothing',
  connecting: 'the TCP handshake',
  awaiting_sccrp: 'Start-Control-Connection-Reply',
  awaiting_ocrp: 'Outgoing-Call-Reply',
  call_up: 'the end of the login',
  control_only: 'the end of the login',
  awaiting_cdn: 'Call-Disconnect-Notify',
  awaiting_stop_reply: 'Stop-Control-Connection-Reply',
  closed: 'nothing',
};

function generalErrorSuffix(errorCode: number): string {
  return errorCode === 0 ? '' : `; error ${errorCode}: ${codeText(GENERAL_ERROR_TEXT, errorCode)}`;
}

/** What a socket factory threw, read without trusting its shape. */
function socketErrorOf(err: unknown): SocketErrorLike {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? { code, message } : { message };
}

/** The socket error of a failed connect, as the control probe classifies it. */
export function connectFailureClass(code: string | undefined): FailureClass {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'ECONNRESET':
      return 'connection_reset';
    case 'ETIMEDOUT':
      return 'connect_timeout';
    default:
      return 'network_unreachable';
  }
}

export class ControlChannel implements SocketHandlers {
  private state: State = 'idle';
  private socket: ProbeSocket | undefined;
  private readonly framer = new PptpFramer();
  private bytesFromPeer = 0;
  private unsolicited = 0;
  private peerCallId: number | undefined;
  private pendingNote: string | undefined;
  /** Teardown messages that went out. */
  readonly sent = { callClear: false, stopControl: false };

  constructor(
    private readonly input: ControlChannelInput,
    private readonly connect: SocketFactory,
    private readonly now: () => number,
    private readonly hooks: ControlChannelHooks,
  ) {}

  get waitingFor(): string {
    return WAITING_FOR[this.state];
  }

  get callPlaced(): boolean {
    return this.state === 'awaiting_ocrp' || this.state === 'call_up';
  }

  start(): void {
    this.state = 'connecting';
    const { address, port } = this.input;
    try {
      this.socket = this.connect({ address, port, family: 4 }, this);
    } catch (err) {
      const e = socketErrorOf(err);
      this.fail({ class: connectFailureClass(e.code), message: `cannot connect to ${address} port ${port}: ${e.message}`, ...(e.code ? { code: e.code } : {}) });
      return;
    }
    // A factory may report an error before it returns; the socket must still be released.
    if (this.isClosed()) this.socket.destroy();
  }

  /** A method, not an inline comparison: handlers may close the channel behind TypeScript's narrowing. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Graceful end: Call-Clear-Request (if a call is up) then Stop-Control-Connection-Request. `closed` follows. */
  beginTeardown(): void {
    if (this.state === 'call_up' || this.state === 'awaiting_ocrp') {
      this.sent.callClear = true;
      this.enter('awaiting_cdn', { type: ControlMessageType.CallClearRequest, callId: this.input.callId });
    } else if (this.state === 'awaiting_sccrp' || this.state === 'connecting') {
      this.end(undefined);
    } else if (this.state === 'control_only') {
      this.sendStop();
    } else if (this.state === 'closed' || this.state === 'idle') {
      // Nothing to say on a connection that is gone: teardown of the control side is complete.
      this.hooks.closed(undefined);
    }
  }

  /** The wait for Call-Disconnect-Notify or the Stop reply is over: move on. */
  skipWait(): void {
    if (this.state === 'awaiting_cdn') {
      this.sendStop('no Call-Disconnect-Notify after Call-Clear-Request');
    } else if (this.state === 'awaiting_stop_reply') {
      this.end('Stop-Control-Connection-Request went unanswered');
    }
  }

  /** Out of time: send whatever teardown is left without waiting, and close. */
  teardownNow(): void {
    if (this.state === 'closed') return;
    if ((this.state === 'call_up' || this.state === 'awaiting_ocrp') && !this.sent.callClear) {
      this.sent.callClear = true;
      this.write({ type: ControlMessageType.CallClearRequest, callId: this.input.callId });
    }
    if (this.state !== 'connecting' && this.state !== 'idle' && this.state !== 'awaiting_sccrp' && !this.sent.stopControl) {
      this.sent.stopControl = true;
      this.write({ type: ControlMessageType.StopControlConnectionRequest, reason: StopReason.None });
    }
    this.release();
  }

  /** Releases the socket; no hook is called afterwards. */
  release(): void {
    this.state = 'closed';
    this.socket?.destroy();
  }

  // ---- socket events ----

  readonly onConnect = (): void => {
    if (this.state !== 'connecting') return;
    const at = this.now();
    this.state = 'awaiting_sccrp';
    this.hooks.connected(at, this.socket?.localPort());
    this.write({
      type: ControlMessageType.StartControlConnectionRequest,
      protocolVersion: PROTOCOL_VERSION,
      framingCapabilities: FramingCapability.Asynchronous | FramingCapability.Synchronous,
      bearerCapabilities: BearerCapability.Analog | BearerCapability.Digital,
      maxChannels: 0,
      firmwareRevision: 1,
      hostname: this.input.hostname,
      vendor: this.input.vendor,
    });
  };

  readonly onData = (chunk: Uint8Array): void => {
    if (this.state === 'closed') return;
    this.bytesFromPeer += chunk.length;
    if (this.bytesFromPeer > MAX_CONTROL_BYTES_FROM_PEER) {
      this.fail({ class: 'protocol_error', message: `gateway sent more than ${MAX_CONTROL_BYTES_FROM_PEER} bytes on the control connection`, code: 'flood' });
      return;
    }
    const at = this.now();
    try {
      this.framer.push(chunk, (message) => {
        this.onMessage(message, at);
        return this.state !== 'closed';
      });
    } catch (err) {
      if (!(err instanceof PptpDecodeError)) throw err;
      this.fail({ class: 'protocol_error', message: `not a valid PPTP message while waiting for ${this.waitingFor}: ${err.message}`, code: err.code });
    }
  };

  readonly onEnd = (): void => {
    if (this.state === 'closed') return;
    if (this.inTeardown()) return this.end(`gateway closed the connection while we waited for ${this.waitingFor}`);
    const afterCall = this.state === 'call_up';
    this.fail(
      { class: afterCall ? 'call_dropped' : 'connection_closed', message: `gateway closed the control connection while we waited for ${this.waitingFor}` },
      afterCall,
    );
  };

  readonly onError = (error: SocketErrorLike): void => {
    if (this.state === 'closed') return;
    const code = error.code;
    if (this.inTeardown()) return this.end(`connection reset while waiting for ${this.waitingFor} (${code ?? error.message})`);
    if (this.state === 'connecting') {
      const { address, port } = this.input;
      this.fail({ class: connectFailureClass(code), message: `cannot connect to ${address} port ${port} (${code ?? error.message})`, ...(code ? { code } : {}) });
      return;
    }
    const afterCall = this.state === 'call_up';
    this.fail(
      { class: afterCall ? 'call_dropped' : 'connection_reset', message: `control connection reset while we waited for ${this.waitingFor} (${code ?? error.message})`, ...(code ? { code } : {}) },
      afterCall,
    );
  };

  // ---- messages ----

  private onMessage(msg: ControlMessage, at: number): void {
    switch (msg.type) {
      case ControlMessageType.EchoRequest:
        if (this.tolerate(msg.type)) this.write({ type: ControlMessageType.EchoReply, identifier: msg.identifier, resultCode: EchoResult.Ok, errorCode: 0 });
        return;
      case ControlMessageType.SetLinkInfo:
      case ControlMessageType.WanErrorNotify:
      case ControlMessageType.EchoReply:
        this.tolerate(msg.type);
        return;
      case ControlMessageType.StopControlConnectionRequest: {
        this.write({ type: ControlMessageType.StopControlConnectionReply, resultCode: 1, errorCode: 0 });
        const why = `gateway sent Stop-Control-Connection-Request (reason ${msg.reason}: ${codeText(STOP_REASON_TEXT, msg.reason)})`;
        if (this.inTeardown()) return this.end(why);
        const afterCall = this.state === 'call_up';
        this.fail({ class: afterCall ? 'call_dropped' : 'connection_closed', message: `${why} while we waited for ${this.waitingFor}` }, afterCall);
        return;
      }
    }
    switch (this.state) {
      case 'awaiting_sccrp':
        if (msg.type !== ControlMessageType.StartControlConnectionReply) return this.unexpected(msg.type);
        if (msg.resultCode !== StartControlResult.Success) {
          return this.fail({
            class: 'control_rejected',
            message: `Start-Control-Connection-Reply result ${msg.resultCode}: ${codeText(START_CONTROL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
            resultCode: msg.resultCode,
            errorCode: msg.errorCode,
          }, false, 'control_only');
        }
        this.hooks.controlUp(at, {
          hostname: msg.hostname,
          vendor: msg.vendor,
          firmwareRevision: msg.firmwareRevision,
          protocolVersion: msg.protocolVersion,
          maxChannels: msg.maxChannels,
          framingCapabilities: msg.framingCapabilities,
          bearerCapabilities: msg.bearerCapabilities,
        });
        if (this.state === 'awaiting_sccrp') this.placeCall();
        return;
      case 'awaiting_ocrp':
        if (msg.type === ControlMessageType.OutgoingCallReply) {
          if (msg.peerCallId !== this.input.callId) {
            return this.fail({ class: 'protocol_error', message: `Outgoing-Call-Reply names call ${msg.peerCallId}, we asked for call ${this.input.callId}`, code: 'wrong_call_id' }, false, 'control_only');
          }
          if (msg.resultCode !== OutgoingCallResult.Connected) {
            return this.fail({
              class: 'call_rejected',
              message: `Outgoing-Call-Reply result ${msg.resultCode}: ${codeText(OUTGOING_CALL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
              resultCode: msg.resultCode,
              errorCode: msg.errorCode,
              causeCode: msg.causeCode,
            }, false, 'control_only');
          }
          this.state = 'call_up';
          this.peerCallId = msg.callId;
          this.hooks.callUp(at, msg.callId);
          return;
        }
        if (msg.type === ControlMessageType.CallDisconnectNotify) {
          return this.fail({ class: 'call_rejected', message: `gateway sent Call-Disconnect-Notify instead of Outgoing-Call-Reply (${this.disconnectText(msg)})`, ...this.codes(msg) }, false, 'control_only');
        }
        return this.unexpected(msg.type);
      case 'call_up':
        // The Call ID in a Call-Disconnect-Notify is the gateway's (RFC 2637 §2.13); some send ours.
        if (msg.type === ControlMessageType.CallDisconnectNotify && (msg.callId === this.peerCallId || msg.callId === this.input.callId)) {
          return this.fail({ class: 'call_dropped', message: `gateway disconnected the call (${this.disconnectText(msg)})`, ...this.codes(msg) }, true, 'control_only');
        }
        if (msg.type === ControlMessageType.CallDisconnectNotify) return void this.tolerate(msg.type);
        return this.unexpected(msg.type);
      case 'awaiting_cdn':
        if (msg.type === ControlMessageType.CallDisconnectNotify) return this.sendStop();
        return void this.tolerate(msg.type);
      case 'awaiting_stop_reply':
        if (msg.type === ControlMessageType.StopControlConnectionReply) return this.end(msg.resultCode === 1 ? undefined : `Stop-Control-Connection-Reply result ${msg.resultCode}`);
        return void this.tolerate(msg.type);
      default:
        return this.unexpected(msg.type);
    }
  }

  private placeCall(): void {
    this.enter('awaiting_ocrp', {
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
    });
  }

  private sendStop(note?: string): void {
    this.pendingNote = note;
    this.sent.stopControl = true;
    this.enter('awaiting_stop_reply', { type: ControlMessageType.StopControlConnectionRequest, reason: StopReason.None });
  }

  private inTeardown(): boolean {
    return this.state === 'awaiting_cdn' || this.state === 'awaiting_stop_reply';
  }

  private enter(state: State, message: EncodableMessage): void {
    this.state = state;
    this.write(message);
  }

  private write(message: EncodableMessage): void {
    this.socket?.write(encodeMessage(message));
  }

  private tolerate(type: number): boolean {
    this.unsolicited++;
    if (this.unsolicited <= MAX_UNSOLICITED_CONTROL_MESSAGES) return true;
    this.fail({ class: 'protocol_error', message: `more than ${MAX_UNSOLICITED_CONTROL_MESSAGES} unsolicited control messages (last: ${messageName(type)})`, code: 'flood' }, this.state === 'call_up');
    return false;
  }

  private unexpected(type: number): void {
    // The stream still frames correctly: keep the state, so that teardown clears the call and stops.
    this.fail({ class: 'protocol_error', message: `unexpected ${messageName(type)} while waiting for ${this.waitingFor}`, code: 'unexpected_message' }, this.state === 'call_up', this.state);
  }

  private codes(msg: { resultCode: number; errorCode: number; causeCode: number }): Pick<ControlFailure, 'resultCode' | 'errorCode' | 'causeCode'> {
    return { resultCode: msg.resultCode, errorCode: msg.errorCode, causeCode: msg.causeCode };
  }

  private disconnectText(msg: { resultCode: number; errorCode: number }): string {
    return `result ${msg.resultCode}: ${codeText(CALL_DISCONNECT_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`;
  }

  /**
   * A failure outside teardown: the session classifies it and then runs teardown. `next` is the state
   * teardown starts from; by default the connection is unusable (a decode error, a flood, the peer's
   * close or reset) and is released, so nothing more is written to it.
   */
  private fail(failure: ControlFailure, afterCall = false, next: State = 'closed'): void {
    if (this.state === 'closed') return;
    if (next === 'closed') this.release();
    else this.state = next;
    this.hooks.failed(failure, afterCall);
  }

  private end(note: string | undefined): void {
    if (this.state === 'closed') return;
    const notes = [this.pendingNote, note].filter((n): n is string => n !== undefined);
    this.release();
    this.hooks.closed(notes.length > 0 ? notes.join('; ') : undefined);
  }
}
