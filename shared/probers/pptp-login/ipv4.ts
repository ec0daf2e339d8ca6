// IPv4 headers (RFC 791 §3.1) and the Internet checksum (RFC 1071): the traffic stage sends an ICMP
// echo inside the tunnel, and a raw GRE socket hands the probe whole IPv4 packets to unwrap. Only
// what those two need: no options are produced, options received are skipped, fragments are flagged.
import { IPV4_MIN_HEADER_BYTES } from './constants.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';

/** The 16-bit one's complement of the one's complement sum of `bytes` (RFC 1071). */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A dotted quad to its four bytes; throws LoginEncodeError for anything else. */
export function parseIpv4(text: string): Buffer {
  const parts = text.split('.');
  const bytes = parts.map((p) => (/^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255))) {
    throw new LoginEncodeError('value_out_of_range', `"${text}" is not a dotted-quad IPv4 address`);
  }
  return Buffer.from(bytes);
}

export function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

export interface Ipv4Packet {
  source: Buffer;
  destination: Buffer;
  protocol: number;
  ttl: number;
  identification: number;
  /** More Fragments set or a non-zero Fragment Offset: the payload is a piece, not a whole datagram. */
  isFragment: boolean;
  payload: Uint8Array;
}

export interface Ipv4Outgoing {
  source: Uint8Array;
  destination: Uint8Array;
  protocol: number;
  ttl: number;
  identification: number;
  payload: Uint8Array;
}

/** Don't Fragment: an echo through the tunnel should fail loudly rather than be split. */
const FLAG_DONT_FRAGMENT = 0x4000;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;
const MAX_TOTAL_LENGTH_BYTES = 0xffff;

export function encodeIpv4(packet: Ipv4Outgoing): Buffer {
  const total = IPV4_MIN_HEADER_BYTES + packet.payload.length;
  if (total > MAX_TOTAL_LENGTH_BYTES) throw new LoginEncodeError('field_too_long', `IPv4 datagram of ${total} bytes exceeds 65535`);
  if (packet.source.length !== 4 || packet.destination.length !== 4) throw new LoginEncodeError('value_out_of_range', 'IPv4 addresses are 4 bytes');
  const out = Buffer.alloc(total);
  out[0] = 0x45; // version 4, IHL 5 words
  out.writeUInt16BE(total, 2);
  out.writeUInt16BE(packet.identification & 0xffff, 4);
  out.writeUInt16BE(FLAG_DONT_FRAGMENT, 6);
  out[8] = packet.ttl & 0xff;
  out[9] = packet.protocol & 0xff;
  out.set(packet.source, 12);
  out.set(packet.destination, 16);
  out.writeUInt16BE(internetChecksum(out.subarray(0, IPV4_MIN_HEADER_BYTES)), 10);
  out.set(packet.payload, IPV4_MIN_HEADER_BYTES);
  return out;
}

/** Decodes an IPv4 packet; bytes past Total Length (link padding) are ignored. Throws only LoginDecodeError. */
export function decodeIpv4(bytes: Uint8Array): Ipv4Packet {
  if (bytes.length < IPV4_MIN_HEADER_BYTES) {
    throw new LoginDecodeError('truncated', `${bytes.length} bytes is shorter than the ${IPV4_MIN_HEADER_BYTES}-byte IPv4 header`);
  }
  const version = bytes[0]! >> 4;
  if (version !== 4) throw new LoginDecodeError('ipv4_bad_version', `IP version ${version} is not 4`);
  const headerBytes = (bytes[0]! & 0x0f) * 4;
  if (headerBytes < IPV4_MIN_HEADER_BYTES || headerBytes > bytes.length) {
    throw new LoginDecodeError('ipv4_bad_header_length', `IPv4 header length ${headerBytes} does not fit 20..${bytes.length} bytes`);
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const totalLength = view.readUInt16BE(2);
  if (totalLength < headerBytes || totalLength > bytes.length) {
    throw new LoginDecodeError('ipv4_bad_total_length', `IPv4 Total Length ${totalLength} does not fit ${headerBytes}..${bytes.length} bytes`);
  }
  if (internetChecksum(bytes.subarray(0, headerBytes)) !== 0) throw new LoginDecodeError('ipv4_bad_checksum', 'IPv4 header checksum does not verify');
  const fragment = view.readUInt16BE(6);
  return {
    source: Buffer.from(bytes.subarray(12, 16)),
    destination: Buffer.from(bytes.subarray(16, 20)),
    protocol: bytes[9]!,
    ttl: bytes[8]!,
    identification: view.readUInt16BE(4),
    isFragment: (fragment & FLAG_MORE_FRAGMENTS) !== 0 || (fragment & FRAGMENT_OFFSET_MASK) !== 0,
    payload: Uint8Array.prototype.slice.call(bytes, headerBytes, totalLength),
  };
}
