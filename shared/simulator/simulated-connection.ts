// What one accepted connection does, decided by the fault it was accepted under and kept for its whole
// life: a client in the middle of an exchange never sees the gateway change personality under it.
// Requests are decoded with the real PptpFramer and replies built with the real codec, so the simulator
// is exactly as valid (or as broken) as the fault says.
import type { Socket } from 'node:net';
import {
  BearerCapability,
  ControlMessageType,
  FramingCapability,
  OutgoingCallResult,
  PROTOCOL_VERSION,
  PptpFramer,
  StartControlResult,
  encodeMessage,
  type ControlMessage,
  type EncodableMessage,
} from '../probers/pptp/index.js';
import { DROP_CALL_AFTER_MS, type FaultSettings } from './faults.js';

const T = ControlMessageType;

/** A connection silent in both directions for this long is closed, in ms: abandoned clients must not hold a slot forever. */
export const IDLE_TIMEOUT_MS = 5 * 60_000;
/**
 * Unsent reply bytes a connection may queue, in bytes. Replies are 16-168 bytes and only ever answer a
 * request, so a client that makes this much pile up is sending requests and not reading the answers.
 */
export const MAX_WRITE_BACKLOG_BYTES = 64 * 1024;
/** Delayed replies and call drops a connection may have pending at once ('slow', 'drop-calls'). */
export const MAX_PENDING_TIMERS = 64;
/** Calls one control connection may hold up; pptpd allows one, so this is generous. Beyond it, OCRP says "insufficient resources". */
export const MAX_CALLS_PER_CONNECTION = 16;
/** General error code sent beside result 2 ("see the error code"): 4, insufficient resources, the usual reason. */
const GENERAL_ERROR_INSUFFICIENT_RESOURCES = 4;
/** Call-Disconnect-Notify result codes (RFC 2637 2.13). */
const DISCONNECT_LOST_CARRIER = 1;
const DISCONNECT_CALL_CLEAR = 4;
/** Connect speed announced in Outgoing-Call-Reply, in bits per second. */
const CONNECT_SPEED_BPS = 10_000_000;
/** Receive window announced in Outgoing-Call-Reply, in packets. */
const RECV_WINDOW_PACKETS = 64;
/** Firmware revision announced in SCCRP unless the identity says otherwise: the simulator's own, not any real gateway's. */
export const DEFAULT_FIRMWARE_REVISION = 0x0001;
/** Channels announced in SCCRP. */
const MAX_CHANNELS = MAX_CALLS_PER_CONNECTION;
/** What a misdirected port forward to an SSH server sends on accept. */
const SSH_BANNER = Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n', 'latin1');

export interface GatewayIdentity {
  hostname: string;
  vendor: string;
  /** SCCRP firmware revision, 0-65535 (default DEFAULT_FIRMWARE_REVISION). */
  firmwareRevision?: number;
}

/** Takes over an accepted socket: every byte it reads and writes from now on follows `settings`. */
export function serveConnection(socket: Socket, settings: FaultSettings, identity: GatewayIdentity): void {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  socket.setNoDelay(true);
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  // Resets and EPIPEs from clients are routine here ('reset' provokes them); 'close' follows and cleans up.
  socket.on('error', () => {});
  socket.once('close', () => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });

  /** Runs fn after ms unless the socket closes first; too many pending means a flooding client. */
  const later = (ms: number, fn: () => void): void => {
    if (closed) return;
    if (timers.size >= MAX_PENDING_TIMERS) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms);
    timers.add(timer);
  };

  /** Writes a reply now, or after the delay under 'slow'; then() runs once it is written (for end-after-reply). */
  const reply = (message: EncodableMessage, then?: () => void): void => {
    const bytes = encodeMessage(message);
    const write = (): void => {
      if (closed || !socket.writable) return;
      socket.write(bytes);
      if (socket.writableLength > MAX_WRITE_BACKLOG_BYTES) {
        socket.destroy();
        return;
      }
      then?.();
    };
    if (settings.fault === 'slow') later(settings.delayMs, write);
    else write();
  };

  switch (settings.fault) {
    case 'refuse':
      // Unreachable: the listener closes in the same tick the fault changes. Were one accepted anyway,
      // a reset is the nearest thing to the refusal the client should have had.
      socket.resetAndDestroy();
      return;
    case 'none':
    case 'slow':
    case 'close':
    case 'reject':
    case 'echo-silent':
    case 'drop-calls':
    case 'reject-calls':
      speakPptp(socket, settings, identity, reply, later);
      return;
    case 'silent':
      // Read and discard, rather than pause: a paused socket never sees the client's FIN, and would hold
      // its slot until the idle timeout after the client has long gone.
      socket.resume();
      return;
    case 'reset':
      socket.once('data', () => socket.resetAndDestroy());
      return;
    case 'garbage': {
      socket.write(SSH_BANNER);
      // sshd hangs up on a client whose first line is not an SSH identification string; so do we.
      let ended = false;
      socket.on('data', () => {
        if (ended) return;
        ended = true;
        socket.end();
      });
      return;
    }
  }
}

type Reply = (message: EncodableMessage, then?: () => void) => void;
type Later = (ms: number, fn: () => void) => void;

function startReply(identity: GatewayIdentity, resultCode: number): EncodableMessage {
  return {
    type: T.StartControlConnectionReply,
    protocolVersion: PROTOCOL_VERSION,
    resultCode,
    errorCode: resultCode === StartControlResult.GeneralError ? GENERAL_ERROR_INSUFFICIENT_RESOURCES : 0,
    framingCapabilities: FramingCapability.Asynchronous | FramingCapability.Synchronous,
    bearerCapabilities: BearerCapability.Analog | BearerCapability.Digital,
    maxChannels: MAX_CHANNELS,
    firmwareRevision: identity.firmwareRevision ?? DEFAULT_FIRMWARE_REVISION,
    hostname: identity.hostname,
    vendor: identity.vendor,
  };
}

function callReply(peerCallId: number, callId: number, resultCode: number): EncodableMessage {
  return {
    type: T.OutgoingCallReply,
    callId,
    peerCallId,
    resultCode,
    errorCode: resultCode === OutgoingCallResult.GeneralError ? GENERAL_ERROR_INSUFFICIENT_RESOURCES : 0,
    causeCode: 0,
    connectSpeed: resultCode === OutgoingCallResult.Connected ? CONNECT_SPEED_BPS : 0,
    packetRecvWindowSize: RECV_WINDOW_PACKETS,
    packetProcessingDelay: 0,
    physicalChannelId: 0,
  };
}

function disconnectNotify(pacCallId: number, resultCode: number): EncodableMessage {
  return {
    type: T.CallDisconnectNotify,
    // RFC 2637 2.13: the Call ID in Call-Disconnect-Notify is the one the PAC assigned.
    callId: pacCallId,
    resultCode,
    errorCode: 0,
    causeCode: 0,
    callStatistics: '',
  };
}

/**
 * The PAC side of RFC 2637 control connections, with whatever the fault breaks. One closure over one
 * connection's state (its calls, whether it is established, whether it is hanging up), read by each
 * message handler: splitting it would only pass that state around.
 */
function speakPptp(socket: Socket, settings: FaultSettings, identity: GatewayIdentity, reply: Reply, later: Later): void {
  const framer = new PptpFramer();
  /** Calls up on this connection: the client's (PNS) Call ID to ours (PAC). */
  const calls = new Map<number, number>();
  let nextPacCallId = 1;
  let established = false;
  /** Set once we have decided to hang up: later messages in the same read are not answered. */
  let hangingUp = false;

  const hangUp = (): void => {
    hangingUp = true;
    socket.end();
  };

  const onOutgoingCall = (pnsCallId: number): void => {
    if (settings.fault === 'reject-calls') {
      reply(callReply(pnsCallId, 0, settings.resultCode));
      return;
    }
    if (calls.size >= MAX_CALLS_PER_CONNECTION || calls.has(pnsCallId)) {
      reply(callReply(pnsCallId, 0, OutgoingCallResult.GeneralError));
      return;
    }
    const pacCallId = nextPacCallId;
    // Call IDs are 16 bits and 0 reads as "none" to some clients: cycle through 1..65535.
    nextPacCallId = nextPacCallId >= 0xffff ? 1 : nextPacCallId + 1;
    calls.set(pnsCallId, pacCallId);
    reply(callReply(pnsCallId, pacCallId, OutgoingCallResult.Connected));
    if (settings.fault === 'drop-calls') {
      later(DROP_CALL_AFTER_MS, () => {
        if (calls.delete(pnsCallId)) reply(disconnectNotify(pacCallId, DISCONNECT_LOST_CARRIER));
      });
    }
  };

  const onMessage = (message: ControlMessage): boolean => {
    if (hangingUp) return false;
    switch (message.type) {
      case T.StartControlConnectionRequest:
        if (settings.fault === 'close') {
          hangUp();
        } else if (established) {
          reply(startReply(identity, StartControlResult.AlreadyExists));
        } else if (settings.fault === 'reject') {
          // A PAC that refuses the control connection has nothing more to say on it.
          hangingUp = true;
          reply(startReply(identity, settings.resultCode), () => socket.end());
        } else {
          established = true;
          reply(startReply(identity, StartControlResult.Success));
        }
        break;
      case T.StopControlConnectionRequest:
        hangingUp = true;
        reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }, () => socket.end());
        break;
      case T.EchoRequest:
        // Before the control connection is up there is nothing to keep alive: a PAC ignores it.
        if (established && settings.fault !== 'echo-silent') {
          reply({ type: T.EchoReply, identifier: message.identifier, resultCode: 1, errorCode: 0 });
        }
        break;
      case T.OutgoingCallRequest:
        if (established) onOutgoingCall(message.callId);
        break;
      case T.CallClearRequest: {
        // The Call ID in Call-Clear-Request is the client's; an unknown one has nothing to clear.
        const pacCallId = calls.get(message.callId);
        if (pacCallId !== undefined) {
          calls.delete(message.callId);
          reply(disconnectNotify(pacCallId, DISCONNECT_CALL_CLEAR));
        }
        break;
      }
      default:
        // Replies to nothing we asked, Set-Link-Info, WAN-Error-Notify, incoming-call messages: ignored,
        // as a PAC ignores what it has no use for.
        break;
    }
    return !hangingUp;
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      framer.push(chunk, onMessage);
    } catch {
      // Not PPTP (or a bug in answering it): there is no resynchronising a PPTP stream, and a bad
      // client must cost it its connection, never the simulator its process.
      socket.destroy();
    }
  });
}
