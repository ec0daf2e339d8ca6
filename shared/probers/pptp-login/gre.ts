// The enhanced GRE header that carries PPP for a PPTP call (RFC 2637 §4.1). Decoding is strict:
// a packet with any bit the RFC fixes set otherwise is not ours (or not PPTP), and a Payload
// Length that disagrees with the bytes received is reported, not trusted. The payload is a copy.
import { GRE_BASE_HEADER_BYTES, GRE_PROTOCOL_PPP, GRE_VERSION_ENHANCED } from './constants.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';

/** First octet: C R K S s Recur(3). Second octet: A Flags(4) Ver(3). */
const FLAG_CHECKSUM = 0x80;
const FLAG_ROUTING = 0x40;
const FLAG_KEY = 0x20;
const FLAG_SEQUENCE = 0x10;
/** Strict source route (0x08) and Recur (0x07): both MUST be zero. */
const FLAGS_STRICT_ROUTE_AND_RECUR = 0x0f;
const FLAG_ACK = 0x80;
/** Flags bits 9-12: MUST be zero. */
const FLAGS_RESERVED = 0x78;
const VERSION_MASK = 0x07;

/** A GRE packet with a PPP payload: S set, with the sequence number; A and an acknowledgment optional. */
export interface GreData {
  callId: number;
  sequence: number;
  ack: number | undefined;
  payload: Uint8Array;
}

/** An acknowledgment-only packet: S clear, no payload, A set (RFC 2637 §4.1, §4.2). */
export interface GreAck {
  callId: number;
  ack: number;
}

export type GrePacket = ({ kind: 'data' } & GreData) | ({ kind: 'ack' } & GreAck);

function u16(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new LoginEncodeError('value_out_of_range', `${name} ${value} is not a 16-bit value`);
  return value;
}

export function encodeGre(packet: GrePacket): Buffer {
  const hasSequence = packet.kind === 'data';
  const ack = packet.ack;
  const payload = packet.kind === 'data' ? packet.payload : new Uint8Array(0);
  const length = GRE_BASE_HEADER_BYTES + (hasSequence ? 4 : 0) + (ack !== undefined ? 4 : 0);
  const out = Buffer.alloc(length + payload.length);
  out[0] = FLAG_KEY | (hasSequence ? FLAG_SEQUENCE : 0);
  out[1] = (ack !== undefined ? FLAG_ACK : 0) | GRE_VERSION_ENHANCED;
  out.writeUInt16BE(GRE_PROTOCOL_PPP, 2);
  out.writeUInt16BE(u16(payload.length, 'payload length'), 4);
  out.writeUInt16BE(u16(packet.callId, 'call id'), 6);
  let offset = GRE_BASE_HEADER_BYTES;
  if (packet.kind === 'data') {
    out.writeUInt32BE(packet.sequence >>> 0, offset);
    offset += 4;
  }
  if (ack !== undefined) {
    out.writeUInt32BE(ack >>> 0, offset);
    offset += 4;
  }
  out.set(payload, offset);
  return out;
}

/** Decodes one GRE packet (the IP payload, without the IPv4 header). Throws only LoginDecodeError. */
export function decodeGre(bytes: Uint8Array): GrePacket {
  if (bytes.length < GRE_BASE_HEADER_BYTES) {
    throw new LoginDecodeError('truncated', `${bytes.length} bytes is shorter than the ${GRE_BASE_HEADER_BYTES}-byte GRE header`);
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if ((b1 & VERSION_MASK) !== GRE_VERSION_ENHANCED) {
    throw new LoginDecodeError('gre_bad_version', `GRE version ${b1 & VERSION_MASK} is not enhanced GRE (1)`);
  }
  const protocol = (bytes[2]! << 8) | bytes[3]!;
  if (protocol !== GRE_PROTOCOL_PPP) {
    throw new LoginDecodeError('gre_bad_protocol', `GRE protocol type 0x${protocol.toString(16).padStart(4, '0')} is not PPP (0x880b)`);
  }
  if ((b0 & FLAG_KEY) === 0) throw new LoginDecodeError('gre_key_missing', 'GRE Key Present bit is clear; PPTP always sends the key');
  if ((b0 & (FLAG_CHECKSUM | FLAG_ROUTING | FLAGS_STRICT_ROUTE_AND_RECUR)) !== 0 || (b1 & FLAGS_RESERVED) !== 0) {
    throw new LoginDecodeError('gre_reserved_bits', `GRE flags 0x${b0.toString(16)}${b1.toString(16).padStart(2, '0')} set bits enhanced GRE fixes at zero`);
  }
  const hasSequence = (b0 & FLAG_SEQUENCE) !== 0;
  const hasAck = (b1 & FLAG_ACK) !== 0;
  const headerBytes = GRE_BASE_HEADER_BYTES + (hasSequence ? 4 : 0) + (hasAck ? 4 : 0);
  if (bytes.length < headerBytes) {
    throw new LoginDecodeError('truncated', `${bytes.length} bytes is shorter than the ${headerBytes}-byte GRE header its flags announce`);
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadLength = view.readUInt16BE(4);
  const callId = view.readUInt16BE(6);
  let offset = GRE_BASE_HEADER_BYTES;
  const sequence = hasSequence ? view.readUInt32BE(offset) : undefined;
  if (hasSequence) offset += 4;
  const ack = hasAck ? view.readUInt32BE(offset) : undefined;
  const available = bytes.length - headerBytes;
  if (payloadLength !== available) {
    throw new LoginDecodeError(
      'gre_payload_length_mismatch',
      `GRE Payload Length ${payloadLength} but ${available} payload bytes follow the header`,
    );
  }
  if (sequence === undefined) {
    if (payloadLength > 0) throw new LoginDecodeError('gre_payload_without_sequence', `GRE packet without a sequence number carries ${payloadLength} payload bytes`);
    if (ack === undefined) throw new LoginDecodeError('gre_empty', 'GRE packet with neither a sequence number nor an acknowledgment');
    return { kind: 'ack', callId, ack };
  }
  return { kind: 'data', callId, sequence, ack, payload: Uint8Array.prototype.slice.call(bytes, headerBytes) };
}
