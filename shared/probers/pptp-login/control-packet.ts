// The packet format LCP, IPCP and CCP share (RFC 1661 §5; RFC 1332 §2, RFC 1962 §2), which CHAP
// and PAP reuse for their header (RFC 1994 §4, RFC 1334 §2.2), and the option list of the four
// Configure packets (RFC 1661 §6). Decoders take untrusted bytes and throw only LoginDecodeError.
import { CONTROL_HEADER_BYTES, ControlCode, OPTION_HEADER_BYTES } from './constants.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';

/** Code, Identifier and the Data the Length field covers; octets past Length are padding (RFC 1661 §5). */
export interface ControlPacket {
  code: number;
  identifier: number;
  data: Uint8Array;
}

/** One configuration option: Type and the Data after Type and Length (RFC 1661 §6). */
export interface ConfigOption {
  type: number;
  data: Uint8Array;
}

/** The largest value a 16-bit Length can hold, minus the header: the longest Data a packet can carry. */
const MAX_DATA_BYTES = 0xffff - CONTROL_HEADER_BYTES;
/** The longest option Data: Length is one octet and counts Type and Length. */
const MAX_OPTION_DATA_BYTES = 0xff - OPTION_HEADER_BYTES;

export function encodeControlPacket(packet: ControlPacket): Buffer {
  if (packet.data.length > MAX_DATA_BYTES) {
    throw new LoginEncodeError('field_too_long', `control packet data of ${packet.data.length} bytes exceeds ${MAX_DATA_BYTES}`);
  }
  const out = Buffer.alloc(CONTROL_HEADER_BYTES + packet.data.length);
  out[0] = packet.code & 0xff;
  out[1] = packet.identifier & 0xff;
  out.writeUInt16BE(out.length, 2);
  out.set(packet.data, CONTROL_HEADER_BYTES);
  return out;
}

/**
 * Decodes the packet at the start of `bytes`. The Data is a copy (the caller's buffer may be a
 * reused receive buffer); bytes past Length are ignored as padding, as the RFC requires.
 */
export function decodeControlPacket(bytes: Uint8Array): ControlPacket {
  if (bytes.length < CONTROL_HEADER_BYTES) {
    throw new LoginDecodeError('truncated', `${bytes.length} bytes is shorter than the ${CONTROL_HEADER_BYTES}-byte control header`);
  }
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length < CONTROL_HEADER_BYTES) {
    throw new LoginDecodeError('control_length_below_header', `Length ${length} is below the ${CONTROL_HEADER_BYTES}-byte header`);
  }
  if (length > bytes.length) {
    throw new LoginDecodeError('control_length_above_packet', `Length ${length} exceeds the ${bytes.length} bytes received`);
  }
  return { code: bytes[0]!, identifier: bytes[1]!, data: Uint8Array.prototype.slice.call(bytes, CONTROL_HEADER_BYTES, length) };
}

export function encodeOptions(options: readonly ConfigOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const option of options) {
    if (option.data.length > MAX_OPTION_DATA_BYTES) {
      throw new LoginEncodeError('field_too_long', `option ${option.type} data of ${option.data.length} bytes exceeds ${MAX_OPTION_DATA_BYTES}`);
    }
    const header = Buffer.from([option.type & 0xff, option.data.length + OPTION_HEADER_BYTES]);
    parts.push(header, Buffer.from(option.data));
  }
  return Buffer.concat(parts);
}

/**
 * Splits a Configure packet's Data into options. An option Length below 2 cannot be stepped over
 * and one running past the packet makes "the entire packet silently discarded" (RFC 1661 §6):
 * both throw, and the automaton discards.
 */
export function decodeOptions(data: Uint8Array): ConfigOption[] {
  const options: ConfigOption[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < OPTION_HEADER_BYTES) {
      throw new LoginDecodeError('option_overrun', `${data.length - offset} byte left where an option header needs ${OPTION_HEADER_BYTES}`);
    }
    const type = data[offset]!;
    const length = data[offset + 1]!;
    if (length < OPTION_HEADER_BYTES) {
      throw new LoginDecodeError('option_length_invalid', `option ${type} has Length ${length}, below the ${OPTION_HEADER_BYTES}-byte header`);
    }
    if (offset + length > data.length) {
      throw new LoginDecodeError('option_overrun', `option ${type} of ${length} bytes runs past the ${data.length - offset} bytes left`);
    }
    options.push({ type, data: Uint8Array.prototype.slice.call(data, offset + OPTION_HEADER_BYTES, offset + length) });
    offset += length;
  }
  return options;
}

/** Byte-exact equality of two option lists, as a Configure-Ack must match its request (RFC 1661 §5.2). */
export function sameOptions(a: readonly ConfigOption[], b: readonly ConfigOption[]): boolean {
  return a.length === b.length && a.every((option, i) => option.type === b[i]!.type && Buffer.compare(option.data, b[i]!.data) === 0);
}

/** Whether `option` appears, byte for byte, in `list`. */
export function containsOption(list: readonly ConfigOption[], option: ConfigOption): boolean {
  return list.some((o) => o.type === option.type && Buffer.compare(o.data, option.data) === 0);
}

// ---- the LCP packets that are not Configure packets (RFC 1661 §5.6-§5.9) ----

export interface ProtocolReject {
  rejectedProtocol: number;
  rejectedInformation: Uint8Array;
}

export function decodeProtocolReject(packet: ControlPacket): ProtocolReject {
  if (packet.data.length < 2) throw new LoginDecodeError('truncated', 'Protocol-Reject without a Rejected-Protocol field');
  return { rejectedProtocol: (packet.data[0]! << 8) | packet.data[1]!, rejectedInformation: Uint8Array.prototype.slice.call(packet.data, 2) };
}

/** Protocol-Reject for a received packet; the copy is cut to `mruBytes` less the 6 header bytes (RFC 1661 §5.7). */
export function encodeProtocolReject(identifier: number, protocol: number, information: Uint8Array, mruBytes: number): Buffer {
  const room = Math.max(0, mruBytes - CONTROL_HEADER_BYTES - 2);
  const data = Buffer.alloc(2 + Math.min(room, information.length));
  data.writeUInt16BE(protocol & 0xffff, 0);
  data.set(information.subarray(0, data.length - 2), 2);
  return encodeControlPacket({ code: ControlCode.ProtocolReject, identifier, data });
}

/** Code-Reject of the rejected packet's bytes (header included), cut to `mruBytes` (RFC 1661 §5.6). */
export function encodeCodeReject(identifier: number, rejectedPacket: Uint8Array, mruBytes: number): Buffer {
  const room = Math.max(0, mruBytes - CONTROL_HEADER_BYTES);
  return encodeControlPacket({ code: ControlCode.CodeReject, identifier, data: rejectedPacket.subarray(0, room) });
}

/** The code a Code-Reject rejects: the first octet of its Rejected-Packet. */
export function rejectedCode(packet: ControlPacket): number | undefined {
  return packet.data[0];
}

export interface EchoPacket {
  magicNumber: number;
  data: Uint8Array;
}

/** Echo-Request, Echo-Reply and Discard-Request: Magic-Number then data (RFC 1661 §5.8, §5.9). */
export function decodeEcho(packet: ControlPacket): EchoPacket {
  if (packet.data.length < 4) throw new LoginDecodeError('truncated', `echo packet of ${packet.data.length} data bytes has no Magic-Number`);
  return { magicNumber: Buffer.from(packet.data.subarray(0, 4)).readUInt32BE(0), data: Uint8Array.prototype.slice.call(packet.data, 4) };
}

export function encodeEcho(code: number, identifier: number, echo: EchoPacket): Buffer {
  const data = Buffer.alloc(4 + echo.data.length);
  data.writeUInt32BE(echo.magicNumber >>> 0, 0);
  data.set(echo.data, 4);
  return encodeControlPacket({ code, identifier, data });
}
