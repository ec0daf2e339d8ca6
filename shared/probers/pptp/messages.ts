// Encoding and decoding of the RFC 2637 control messages. Pure functions over bytes: no I/O, no clock.
import {
  CALL_STATISTICS_BYTES,
  ControlMessageType,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MAX_MESSAGE_SIZE_BYTES,
  MESSAGE_NAMES,
  MESSAGE_SIZE_BYTES,
  PPTP_MESSAGE_TYPE_CONTROL,
  STRING_FIELD_BYTES,
  isControlMessageType,
} from './constants.js';
import { PptpDecodeError } from './errors.js';

export interface StartControlConnectionRequest {
  type: typeof ControlMessageType.StartControlConnectionRequest;
  protocolVersion: number;
  framingCapabilities: number;
  bearerCapabilities: number;
  maxChannels: number;
  firmwareRevision: number;
  hostname: string;
  vendor: string;
}

export interface StartControlConnectionReply {
  type: typeof ControlMessageType.StartControlConnectionReply;
  protocolVersion: number;
  resultCode: number;
  errorCode: number;
  framingCapabilities: number;
  bearerCapabilities: number;
  maxChannels: number;
  firmwareRevision: number;
  hostname: string;
  vendor: string;
}

export interface StopControlConnectionRequest {
  type: typeof ControlMessageType.StopControlConnectionRequest;
  reason: number;
}

export interface StopControlConnectionReply {
  type: typeof ControlMessageType.StopControlConnectionReply;
  resultCode: number;
  errorCode: number;
}

export interface EchoRequest {
  type: typeof ControlMessageType.EchoRequest;
  identifier: number;
}

export interface EchoReply {
  type: typeof ControlMessageType.EchoReply;
  identifier: number;
  resultCode: number;
  errorCode: number;
}

export interface OutgoingCallRequest {
  type: typeof ControlMessageType.OutgoingCallRequest;
  callId: number;
  callSerialNumber: number;
  minimumBps: number;
  maximumBps: number;
  bearerType: number;
  framingType: number;
  packetRecvWindowSize: number;
  packetProcessingDelay: number;
  phoneNumber: string;
  subaddress: string;
}

export interface OutgoingCallReply {
  type: typeof ControlMessageType.OutgoingCallReply;
  callId: number;
  peerCallId: number;
  resultCode: number;
  errorCode: number;
  causeCode: number;
  connectSpeed: number;
  packetRecvWindowSize: number;
  packetProcessingDelay: number;
  physicalChannelId: number;
}

export interface CallClearRequest {
  type: typeof ControlMessageType.CallClearRequest;
  callId: number;
}

export interface CallDisconnectNotify {
  type: typeof ControlMessageType.CallDisconnectNotify;
  callId: number;
  resultCode: number;
  errorCode: number;
  causeCode: number;
  callStatistics: string;
}

/** A well-formed control message a monitor never acts on (incoming calls, WAN errors, link info). */
export interface OpaqueControlMessage {
  type:
    | typeof ControlMessageType.IncomingCallRequest
    | typeof ControlMessageType.IncomingCallReply
    | typeof ControlMessageType.IncomingCallConnected
    | typeof ControlMessageType.WanErrorNotify
    | typeof ControlMessageType.SetLinkInfo;
  body: Uint8Array;
}

export type ControlMessage =
  | StartControlConnectionRequest
  | StartControlConnectionReply
  | StopControlConnectionRequest
  | StopControlConnectionReply
  | EchoRequest
  | EchoReply
  | OutgoingCallRequest
  | OutgoingCallReply
  | CallClearRequest
  | CallDisconnectNotify
  | OpaqueControlMessage;

export type EncodableMessage = Exclude<ControlMessage, OpaqueControlMessage>;

export function messageName(type: number): string {
  return isControlMessageType(type) ? MESSAGE_NAMES[type] : `control message type ${type}`;
}

// ---- encoding ----

function header(type: ControlMessageType): Buffer {
  const size = MESSAGE_SIZE_BYTES[type];
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(size, 0);
  buf.writeUInt16BE(PPTP_MESSAGE_TYPE_CONTROL, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  buf.writeUInt16BE(type, 8);
  return buf;
}

/** Fixed-width, NUL-padded; one byte is kept for the terminator that C peers expect. Returns bytes written. */
function writeString(buf: Buffer, offset: number, value: string, width: number): number {
  return buf.write(value.slice(0, width - 1), offset, width - 1, 'latin1');
}

type ControlConnectionBody = Omit<StartControlConnectionRequest, 'type'>;

/** SCCRQ and SCCRP share one layout; the reply puts its result and error codes in SCCRQ's reserved bytes. */
function writeControlConnectionBody(buf: Buffer, o: number, msg: ControlConnectionBody): void {
  buf.writeUInt16BE(msg.protocolVersion, o);
  buf.writeUInt32BE(msg.framingCapabilities >>> 0, o + 4);
  buf.writeUInt32BE(msg.bearerCapabilities >>> 0, o + 8);
  buf.writeUInt16BE(msg.maxChannels, o + 12);
  buf.writeUInt16BE(msg.firmwareRevision, o + 14);
  writeString(buf, o + 16, msg.hostname, STRING_FIELD_BYTES);
  writeString(buf, o + 16 + STRING_FIELD_BYTES, msg.vendor, STRING_FIELD_BYTES);
}

export function encodeMessage(msg: EncodableMessage): Buffer {
  const buf = header(msg.type);
  const o = HEADER_SIZE_BYTES;
  switch (msg.type) {
    case ControlMessageType.StartControlConnectionRequest:
      writeControlConnectionBody(buf, o, msg);
      break;
    case ControlMessageType.StartControlConnectionReply:
      writeControlConnectionBody(buf, o, msg);
      buf.writeUInt8(msg.resultCode, o + 2);
      buf.writeUInt8(msg.errorCode, o + 3);
      break;
    case ControlMessageType.StopControlConnectionRequest:
      buf.writeUInt8(msg.reason, o);
      break;
    case ControlMessageType.StopControlConnectionReply:
      buf.writeUInt8(msg.resultCode, o);
      buf.writeUInt8(msg.errorCode, o + 1);
      break;
    case ControlMessageType.EchoRequest:
      buf.writeUInt32BE(msg.identifier >>> 0, o);
      break;
    case ControlMessageType.EchoReply:
      buf.writeUInt32BE(msg.identifier >>> 0, o);
      buf.writeUInt8(msg.resultCode, o + 4);
      buf.writeUInt8(msg.errorCode, o + 5);
      break;
    case ControlMessageType.OutgoingCallRequest:
      buf.writeUInt16BE(msg.callId, o);
      buf.writeUInt16BE(msg.callSerialNumber, o + 2);
      buf.writeUInt32BE(msg.minimumBps >>> 0, o + 4);
      buf.writeUInt32BE(msg.maximumBps >>> 0, o + 8);
      buf.writeUInt32BE(msg.bearerType >>> 0, o + 12);
      buf.writeUInt32BE(msg.framingType >>> 0, o + 16);
      buf.writeUInt16BE(msg.packetRecvWindowSize, o + 20);
      buf.writeUInt16BE(msg.packetProcessingDelay, o + 22);
      // Phone Number Length is "the actual number of valid digits": what was written, not what was asked.
      buf.writeUInt16BE(writeString(buf, o + 28, msg.phoneNumber, STRING_FIELD_BYTES), o + 24);
      writeString(buf, o + 28 + STRING_FIELD_BYTES, msg.subaddress, STRING_FIELD_BYTES);
      break;
    case ControlMessageType.OutgoingCallReply:
      buf.writeUInt16BE(msg.callId, o);
      buf.writeUInt16BE(msg.peerCallId, o + 2);
      buf.writeUInt8(msg.resultCode, o + 4);
      buf.writeUInt8(msg.errorCode, o + 5);
      buf.writeUInt16BE(msg.causeCode, o + 6);
      buf.writeUInt32BE(msg.connectSpeed >>> 0, o + 8);
      buf.writeUInt16BE(msg.packetRecvWindowSize, o + 12);
      buf.writeUInt16BE(msg.packetProcessingDelay, o + 14);
      buf.writeUInt32BE(msg.physicalChannelId >>> 0, o + 16);
      break;
    case ControlMessageType.CallClearRequest:
      buf.writeUInt16BE(msg.callId, o);
      break;
    case ControlMessageType.CallDisconnectNotify:
      buf.writeUInt16BE(msg.callId, o);
      buf.writeUInt8(msg.resultCode, o + 2);
      buf.writeUInt8(msg.errorCode, o + 3);
      buf.writeUInt16BE(msg.causeCode, o + 4);
      writeString(buf, o + 8, msg.callStatistics, CALL_STATISTICS_BYTES);
      break;
  }
  return buf;
}

// ---- decoding ----

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Validates whatever part of a header `available` bytes cover, so that garbage is rejected from its
 * first bytes rather than after waiting for a length that may never come. Returns the message length
 * once the header is complete, else 0.
 */
export function checkHeaderPrefix(buf: Uint8Array, start: number, available: number): number {
  if (available < 2) return 0;
  const length = (buf[start]! << 8) | buf[start + 1]!;
  if (length < HEADER_SIZE_BYTES) {
    throw new PptpDecodeError('length_below_header', `length field ${length} is below the ${HEADER_SIZE_BYTES}-byte header`);
  }
  if (length > MAX_MESSAGE_SIZE_BYTES) {
    throw new PptpDecodeError(
      'length_above_message_size',
      `length field ${length} exceeds the largest control message (${MAX_MESSAGE_SIZE_BYTES} bytes)`,
    );
  }
  if (available < 4) return 0;
  const pptpType = (buf[start + 2]! << 8) | buf[start + 3]!;
  if (pptpType !== PPTP_MESSAGE_TYPE_CONTROL) {
    throw new PptpDecodeError('not_control_message', `PPTP message type ${pptpType} is not a control message (1)`);
  }
  if (available < 8) return 0;
  const cookie = ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
  if (cookie !== MAGIC_COOKIE) {
    throw new PptpDecodeError('bad_magic_cookie', `magic cookie 0x${cookie.toString(16).padStart(8, '0')} is not 0x1a2b3c4d`);
  }
  if (available < 10) return 0;
  const controlType = (buf[start + 8]! << 8) | buf[start + 9]!;
  if (!isControlMessageType(controlType)) {
    throw new PptpDecodeError('unknown_control_type', `unknown control message type ${controlType}`);
  }
  const size = MESSAGE_SIZE_BYTES[controlType];
  if (length > size) {
    throw new PptpDecodeError(
      'length_above_message_size',
      `length field ${length} exceeds the ${size} bytes of ${MESSAGE_NAMES[controlType]}`,
    );
  }
  if (length < size) {
    throw new PptpDecodeError(
      'length_below_message_size',
      `length field ${length} is below the ${size} bytes of ${MESSAGE_NAMES[controlType]}`,
    );
  }
  return available < HEADER_SIZE_BYTES ? 0 : length;
}

/** Printable ASCII only: these strings come from an untrusted peer and end up in terminals and alerts. */
function readString(buf: Buffer, offset: number, width: number): string {
  let end = offset;
  const limit = offset + width;
  while (end < limit && buf[end] !== 0) end++;
  let out = '';
  for (let i = offset; i < end; i++) {
    const c = buf[i]!;
    out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '?';
  }
  return out.trimEnd();
}

function readControlConnectionBody(buf: Buffer, o: number): ControlConnectionBody {
  return {
    protocolVersion: buf.readUInt16BE(o),
    framingCapabilities: buf.readUInt32BE(o + 4),
    bearerCapabilities: buf.readUInt32BE(o + 8),
    maxChannels: buf.readUInt16BE(o + 12),
    firmwareRevision: buf.readUInt16BE(o + 14),
    hostname: readString(buf, o + 16, STRING_FIELD_BYTES),
    vendor: readString(buf, o + 16 + STRING_FIELD_BYTES, STRING_FIELD_BYTES),
  };
}

/** Decodes one complete control message starting at `start`. Throws only PptpDecodeError. */
export function decodeMessage(bytes: Uint8Array, start = 0): ControlMessage {
  const buf = asBuffer(bytes);
  const available = buf.length - start;
  if (available < HEADER_SIZE_BYTES) {
    checkHeaderPrefix(buf, start, Math.max(available, 0));
    throw new PptpDecodeError('truncated', `${Math.max(available, 0)} bytes is shorter than the ${HEADER_SIZE_BYTES}-byte header`);
  }
  const length = checkHeaderPrefix(buf, start, HEADER_SIZE_BYTES);
  if (available < length) {
    throw new PptpDecodeError('truncated', `message declares ${length} bytes but only ${available} are present`);
  }
  const type = buf.readUInt16BE(start + 8) as ControlMessageType;
  const o = start + HEADER_SIZE_BYTES;
  switch (type) {
    case ControlMessageType.StartControlConnectionRequest:
      return { type, ...readControlConnectionBody(buf, o) };
    case ControlMessageType.StartControlConnectionReply: {
      const { protocolVersion, ...rest } = readControlConnectionBody(buf, o);
      return { type, protocolVersion, resultCode: buf[o + 2]!, errorCode: buf[o + 3]!, ...rest };
    }
    case ControlMessageType.StopControlConnectionRequest:
      return { type, reason: buf[o]! };
    case ControlMessageType.StopControlConnectionReply:
      return { type, resultCode: buf[o]!, errorCode: buf[o + 1]! };
    case ControlMessageType.EchoRequest:
      return { type, identifier: buf.readUInt32BE(o) };
    case ControlMessageType.EchoReply:
      return { type, identifier: buf.readUInt32BE(o), resultCode: buf[o + 4]!, errorCode: buf[o + 5]! };
    case ControlMessageType.OutgoingCallRequest:
      return {
        type,
        callId: buf.readUInt16BE(o),
        callSerialNumber: buf.readUInt16BE(o + 2),
        minimumBps: buf.readUInt32BE(o + 4),
        maximumBps: buf.readUInt32BE(o + 8),
        bearerType: buf.readUInt32BE(o + 12),
        framingType: buf.readUInt32BE(o + 16),
        packetRecvWindowSize: buf.readUInt16BE(o + 20),
        packetProcessingDelay: buf.readUInt16BE(o + 22),
        phoneNumber: readString(buf, o + 28, STRING_FIELD_BYTES),
        subaddress: readString(buf, o + 28 + STRING_FIELD_BYTES, STRING_FIELD_BYTES),
      };
    case ControlMessageType.OutgoingCallReply:
      return {
        type,
        callId: buf.readUInt16BE(o),
        peerCallId: buf.readUInt16BE(o + 2),
        resultCode: buf[o + 4]!,
        errorCode: buf[o + 5]!,
        causeCode: buf.readUInt16BE(o + 6),
        connectSpeed: buf.readUInt32BE(o + 8),
        packetRecvWindowSize: buf.readUInt16BE(o + 12),
        packetProcessingDelay: buf.readUInt16BE(o + 14),
        physicalChannelId: buf.readUInt32BE(o + 16),
      };
    case ControlMessageType.CallClearRequest:
      return { type, callId: buf.readUInt16BE(o) };
    case ControlMessageType.CallDisconnectNotify:
      return {
        type,
        callId: buf.readUInt16BE(o),
        resultCode: buf[o + 2]!,
        errorCode: buf[o + 3]!,
        causeCode: buf.readUInt16BE(o + 4),
        callStatistics: readString(buf, o + 8, CALL_STATISTICS_BYTES),
      };
    default:
      // Copy: the caller's chunk may be a pooled buffer that is reused after this returns.
      return { type, body: Uint8Array.prototype.slice.call(buf, o, start + length) };
  }
}
