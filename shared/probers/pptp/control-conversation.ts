// The PPTP control conversation of one attempt (RFC 2637): SCCRQ/SCCRP, Echo, an optional outgoing call
// that must survive a settle time, and Stop. Driven by shared/probe's attempt lifecycle, which owns the
// socket, the deadline, the flood guard and the cleanup; like it, a callback state machine with no await
// between a packet's arrival and the timestamp we report for it (see attempt-lifecycle.ts).
import type { AttemptIo, Conversation, StartConversation } from '../../probe/attempt-lifecycle.js';
import type { SocketErrorLike } from '../../probe/deps.js';
import type { Phase, ServerIdentity } from '../../probe/types.js';
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
  START_CONTROL_RESULT_TEXT,
  STOP_REASON_TEXT,
  StartControlResult,
  StopReason,
  codeText,
} from './constants.js';
import { PptpDecodeError } from './errors.js';
import { PptpFramer } from './framer.js';
import { encodeMessage, messageName, type ControlMessage, type OutgoingCallReply, type StartControlConnectionReply } from './messages.js';
import type { PptpControlOptions } from './options.js';

/** Connect speeds announced in the Outgoing-Call-Request, in bits per second. */
const CALL_MIN_BPS = 2400;
const CALL_MAX_BPS = 10_000_000;
/** Packet receive window announced for the call, in packets. */
const CALL_RECV_WINDOW_PACKETS = 64;
/** "Any" bearer and framing type: we test that the gateway accepts a call, not a particular line. */
const CALL_BEARER_ANY = 3;
const CALL_FRAMING_ANY = 3;

export interface ControlConversationInput {
  options: Pick<PptpControlOptions, 'echo' | 'call' | 'callSettleMs' | 'stopWaitMs'>;
  echoIdentifier: number;
  callId: number;
  callSerialNumber: number;
  /** Pre-encoded SCCRQ: identical for every probe with the same options, so encode it once. */
  startRequest: Uint8Array;
}

/** `idle` until the TCP handshake completes; the lifecycle speaks for that phase. */
type State = 'idle' | 'awaiting_sccrp' | 'awaiting_echo_reply' | 'awaiting_ocrp' | 'call_settling' | 'awaiting_cdn' | 'awaiting_stop_reply';

const PHASE_OF: Record<State, Phase> = {
  idle: 'connect',
  awaiting_sccrp: 'control',
  awaiting_echo_reply: 'echo',
  awaiting_ocrp: 'call',
  call_settling: 'call',
  awaiting_cdn: 'stop',
  awaiting_stop_reply: 'stop',
};

const WAITING_FOR: Record<State, string> = {
  idle: 'the TCP handshake',
  awaiting_sccrp: 'Start-Control-Connection-Reply',
  awaiting_echo_reply: 'Echo-Reply',
  awaiting_ocrp: 'Outgoing-Call-Reply',
  call_settling: 'the call to settle',
  awaiting_cdn: 'Call-Disconnect-Notify',
  awaiting_stop_reply: 'Stop-Control-Connection-Reply',
};

export function encodeStartRequest(options: Pick<PptpControlOptions, 'hostname' | 'vendor'>): Uint8Array {
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

export function controlConversation(input: ControlConversationInput): StartConversation {
  return (io) => new ControlConversation(input, io);
}

function generalErrorSuffix(errorCode: number): string {
  return errorCode === 0 ? '' : `; error ${errorCode}: ${codeText(GENERAL_ERROR_TEXT, errorCode)}`;
}

function disconnectText(msg: { resultCode: number; errorCode: number }): string {
  return `result ${msg.resultCode}: ${codeText(CALL_DISCONNECT_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`;
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

class ControlConversation implements Conversation {
  private state: State = 'idle';
  private readonly framer = new PptpFramer();

  constructor(
    private readonly input: ControlConversationInput,
    private readonly io: AttemptIo,
  ) {}

  phase(): Phase {
    return PHASE_OF[this.state];
  }

  waitingFor(): string {
    return WAITING_FOR[this.state];
  }

  onConnected(): void {
    // The lifecycle has just started the phase clock: entering here must not read the clock again.
    this.state = 'awaiting_sccrp';
    this.io.send(this.input.startRequest);
  }

  onData(chunk: Uint8Array): void {
    try {
      this.framer.push(chunk, this.onMessage);
    } catch (err) {
      if (!(err instanceof PptpDecodeError)) throw err;
      this.io.fail('protocol_error', `not a valid PPTP reply while waiting for ${this.io.waitingFor()}: ${err.message}`, { code: err.code });
    }
  }

  onEnd(): boolean {
    switch (this.state) {
      case 'call_settling':
        this.io.fail('call_dropped', `gateway closed the connection ${this.io.sincePhaseStart()} after accepting the call`);
        return true;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.io.note(`gateway closed the connection without ${WAITING_FOR[this.state]}`);
        this.io.succeed();
        return true;
      default:
        return false;
    }
  }

  onError(error: SocketErrorLike): boolean {
    const code = error.code;
    switch (this.state) {
      case 'call_settling':
        this.io.fail('call_dropped', `connection reset ${this.io.sincePhaseStart()} after the gateway accepted the call (${code ?? error.message})`, { code });
        return true;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.io.note(`connection reset while waiting for ${WAITING_FOR[this.state]} (${code ?? error.message})`);
        this.io.succeed();
        return true;
      default:
        return false;
    }
  }

  onTimeUp(why: string): void {
    switch (this.state) {
      case 'awaiting_sccrp':
        this.io.fail('control_timeout', `connected, but no Start-Control-Connection-Reply: ${why}`);
        return;
      case 'awaiting_echo_reply':
        this.io.fail('echo_timeout', `no Echo-Reply: ${why}`);
        return;
      case 'awaiting_ocrp':
        this.io.fail('call_rejected', `no Outgoing-Call-Reply: ${why}`);
        return;
      default:
        // The checks are done; only teardown was cut short.
        this.io.note(`teardown cut short while waiting for ${WAITING_FOR[this.state]}: ${why}`);
        this.io.succeed();
    }
  }

  // ---- messages ----

  /** The framer's callback: false stops it (the attempt ended). */
  private readonly onMessage = (msg: ControlMessage): boolean => {
    if (this.io.finished) return false;
    switch (msg.type) {
      case ControlMessageType.EchoRequest:
        // A gateway may check on us too; answering is what a real client does.
        if (this.io.tolerate(messageName(msg.type))) {
          this.io.send(encodeMessage({ type: ControlMessageType.EchoReply, identifier: msg.identifier, resultCode: EchoResult.Ok, errorCode: 0 }));
          this.io.note('answered an Echo-Request from the gateway');
        }
        return !this.io.finished;
      case ControlMessageType.StopControlConnectionRequest:
        this.io.send(encodeMessage({ type: ControlMessageType.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
        this.peerStopped(msg.reason);
        return false;
      case ControlMessageType.SetLinkInfo:
      case ControlMessageType.WanErrorNotify:
        this.io.tolerate(messageName(msg.type));
        return !this.io.finished;
    }
    switch (this.state) {
      case 'awaiting_sccrp':
        if (msg.type === ControlMessageType.StartControlConnectionReply) this.onStartReply(msg);
        else this.unexpected(msg.type);
        break;
      case 'awaiting_echo_reply':
        if (msg.type !== ControlMessageType.EchoReply) this.unexpected(msg.type);
        else if (msg.identifier !== this.input.echoIdentifier) this.io.tolerate(messageName(msg.type));
        else this.onEchoReply(msg.resultCode, msg.errorCode);
        break;
      case 'awaiting_ocrp':
        if (msg.type === ControlMessageType.OutgoingCallReply) this.onCallReply(msg);
        else if (msg.type === ControlMessageType.CallDisconnectNotify) {
          this.io.fail('call_rejected', `gateway sent Call-Disconnect-Notify instead of Outgoing-Call-Reply (${disconnectText(msg)})`, {
            resultCode: msg.resultCode,
            errorCode: msg.errorCode,
            causeCode: msg.causeCode,
          });
        } else this.unexpected(msg.type);
        break;
      case 'call_settling':
        if (msg.type === ControlMessageType.CallDisconnectNotify) {
          this.io.fail('call_dropped', `gateway disconnected the call ${this.io.sincePhaseStart()} after accepting it (${disconnectText(msg)})`, {
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
          if (msg.resultCode !== 1) this.io.note(`Stop-Control-Connection-Reply result ${msg.resultCode}`);
          this.io.succeed();
        } else if (msg.type === ControlMessageType.CallDisconnectNotify || msg.type === ControlMessageType.EchoReply) {
          this.io.tolerate(messageName(msg.type));
        } else this.unexpected(msg.type);
        break;
      default:
        this.unexpected(msg.type);
    }
    return !this.io.finished;
  };

  private onStartReply(msg: StartControlConnectionReply): void {
    this.io.record('controlMs', this.io.receivedAt - this.io.phaseStartedAt);
    this.io.identify(identityOf(msg));
    if (msg.resultCode !== StartControlResult.Success) {
      this.io.fail(
        'control_rejected',
        `Start-Control-Connection-Reply result ${msg.resultCode}: ${codeText(START_CONTROL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
        { resultCode: msg.resultCode, errorCode: msg.errorCode },
      );
      return;
    }
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      this.io.note(`gateway announced protocol version 0x${msg.protocolVersion.toString(16).padStart(4, '0')}`);
    }
    if (this.input.options.echo) {
      this.enter('awaiting_echo_reply', encodeMessage({ type: ControlMessageType.EchoRequest, identifier: this.input.echoIdentifier }));
    } else if (this.input.options.call) this.placeCall();
    else this.sendStop();
  }

  private onEchoReply(resultCode: number, errorCode: number): void {
    this.io.record('echoMs', this.io.receivedAt - this.io.phaseStartedAt);
    if (resultCode !== EchoResult.Ok) {
      this.io.fail('echo_rejected', `Echo-Reply result ${resultCode}: ${codeText(ECHO_RESULT_TEXT, resultCode)}${generalErrorSuffix(errorCode)}`, {
        resultCode,
        errorCode,
      });
      return;
    }
    if (this.input.options.call) this.placeCall();
    else this.sendStop();
  }

  private onCallReply(msg: OutgoingCallReply): void {
    if (msg.peerCallId !== this.input.callId) {
      this.io.fail('protocol_error', `Outgoing-Call-Reply names call ${msg.peerCallId}, we asked for call ${this.input.callId}`);
    } else if (msg.resultCode !== OutgoingCallResult.Connected) {
      this.io.fail(
        'call_rejected',
        `Outgoing-Call-Reply result ${msg.resultCode}: ${codeText(OUTGOING_CALL_RESULT_TEXT, msg.resultCode)}${generalErrorSuffix(msg.errorCode)}`,
        { resultCode: msg.resultCode, errorCode: msg.errorCode, causeCode: msg.causeCode },
      );
    } else {
      this.io.record('callMs', this.io.receivedAt - this.io.phaseStartedAt);
      this.state = 'call_settling';
      this.io.startPhase(this.io.receivedAt);
      this.io.wait(this.input.options.callSettleMs, this.clearCall);
    }
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
    this.io.wait(this.input.options.stopWaitMs, () => {
      if (this.state !== 'awaiting_cdn') return;
      this.io.note('no Call-Disconnect-Notify after Call-Clear-Request');
      this.sendStop();
    });
  };

  private sendStop(): void {
    this.enter('awaiting_stop_reply', encodeMessage({ type: ControlMessageType.StopControlConnectionRequest, reason: StopReason.None }));
    this.io.wait(this.input.options.stopWaitMs, () => {
      if (this.state !== 'awaiting_stop_reply') return;
      this.io.note('Stop-Control-Connection-Request went unanswered');
      this.io.succeed();
    });
  }

  private enter(state: State, message: Uint8Array): void {
    this.state = state;
    this.io.startPhase();
    this.io.send(message);
  }

  private peerStopped(reason: number): void {
    const why = `gateway sent Stop-Control-Connection-Request (reason ${reason}: ${codeText(STOP_REASON_TEXT, reason)})`;
    switch (this.state) {
      case 'call_settling':
        this.io.fail('call_dropped', `${why} ${this.io.sincePhaseStart()} after accepting the call`);
        return;
      case 'awaiting_cdn':
      case 'awaiting_stop_reply':
        this.io.note(why);
        this.io.succeed();
        return;
      default:
        this.io.fail('connection_closed', `${why} while we waited for ${this.io.waitingFor()}`);
    }
  }

  private unexpected(type: number): void {
    this.io.fail('protocol_error', `unexpected ${messageName(type)} while waiting for ${this.io.waitingFor()}`, { code: 'unexpected_message' });
  }
}
