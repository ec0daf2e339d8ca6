// ICMP messages (RFC 792): the echo request the probe sends through the tunnel and whatever comes
// back. Echo and echo reply carry identifier and sequence; any other type (unreachable, time
// exceeded) is returned whole so the probe can say why the echo failed.
import { ICMP_HEADER_BYTES, IcmpType } from './constants.js';
import { LoginDecodeError } from './errors.js';
import { internetChecksum } from './ipv4.js';

export interface IcmpEcho {
  type: typeof IcmpType.EchoRequest | typeof IcmpType.EchoReply;
  identifier: number;
  sequence: number;
  data: Uint8Array;
}

export interface IcmpOther {
  type: number;
  code: number;
  /** The four bytes after the checksum and everything after them (for errors: the offending header). */
  body: Uint8Array;
}

export type IcmpMessage = ({ kind: 'echo' } & IcmpEcho) | ({ kind: 'other' } & IcmpOther);

export function encodeIcmpEcho(echo: IcmpEcho): Buffer {
  const out = Buffer.alloc(ICMP_HEADER_BYTES + echo.data.length);
  out[0] = echo.type;
  out.writeUInt16BE(echo.identifier & 0xffff, 4);
  out.writeUInt16BE(echo.sequence & 0xffff, 6);
  out.set(echo.data, ICMP_HEADER_BYTES);
  out.writeUInt16BE(internetChecksum(out), 2);
  return out;
}

/** Decodes an ICMP message (the IPv4 payload). Throws only LoginDecodeError. */
export function decodeIcmp(bytes: Uint8Array): IcmpMessage {
  if (bytes.length < ICMP_HEADER_BYTES) throw new LoginDecodeError('truncated', `${bytes.length} bytes is shorter than the ${ICMP_HEADER_BYTES}-byte ICMP header`);
  if (internetChecksum(bytes) !== 0) throw new LoginDecodeError('icmp_bad_checksum', 'ICMP checksum does not verify');
  const type = bytes[0]!;
  const code = bytes[1]!;
  if ((type === IcmpType.EchoRequest || type === IcmpType.EchoReply) && code === 0) {
    return {
      kind: 'echo',
      type,
      identifier: (bytes[4]! << 8) | bytes[5]!,
      sequence: (bytes[6]! << 8) | bytes[7]!,
      data: Uint8Array.prototype.slice.call(bytes, ICMP_HEADER_BYTES),
    };
  }
  return { kind: 'other', type, code, body: Uint8Array.prototype.slice.call(bytes, 4) };
}
