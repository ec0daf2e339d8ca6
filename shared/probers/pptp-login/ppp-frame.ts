// A PPP frame as it travels in a GRE payload: optional Address/Control (0xFF 0x03), the Protocol
// field in one or two octets, then the Information (RFC 1661 §2, RFC 1662 §3.1-§3.2; RFC 2637 §4.1
// says the payload is PPP "without any media specific framing elements", i.e. no flags or FCS).
// Decoding accepts every legal form whatever was negotiated; encoding compresses only when asked.
import { PPP_ADDRESS, PPP_CONTROL, PppProtocol } from './constants.js';
import { LoginDecodeError } from './errors.js';

export interface PppFrame {
  protocol: number;
  information: Uint8Array;
}

export interface PppFrameCompression {
  /** Address-and-Control-Field-Compression was acknowledged in the peer's Configure-Request. */
  acfc?: boolean;
  /** Protocol-Field-Compression was acknowledged in the peer's Configure-Request. */
  pfc?: boolean;
}

/** Whether a Protocol value follows RFC 1661 §2 (odd, and the high octet even); others are "unrecognized". */
export function isWellFormedProtocol(protocol: number): boolean {
  return (protocol & 0x0001) === 1 && (protocol & 0x0100) === 0;
}

/**
 * Encodes a frame. LCP is never compressed, in either field (RFC 1661 §6.5, §6.6), so that it is
 * recognised even when one end wrongly thinks the link is open.
 */
export function encodePppFrame(frame: PppFrame, compression: PppFrameCompression = {}): Buffer {
  const isLcp = frame.protocol === PppProtocol.Lcp;
  const acfc = compression.acfc === true && !isLcp;
  const pfc = compression.pfc === true && !isLcp && frame.protocol <= 0xff;
  const header: number[] = acfc ? [] : [PPP_ADDRESS, PPP_CONTROL];
  if (pfc) header.push(frame.protocol);
  else header.push((frame.protocol >> 8) & 0xff, frame.protocol & 0xff);
  return Buffer.concat([Buffer.from(header), frame.information]);
}

/**
 * Decodes a frame: the first two octets are Address and Control exactly when they are 0xFF 0x03
 * (RFC 1662 §3.2); a Protocol whose first octet is odd is the compressed one-octet form (RFC 1661
 * §6.5). An 0xFF not followed by 0x03 is neither a legal address/control pair nor a protocol.
 */
export function decodePppFrame(bytes: Uint8Array): PppFrame {
  let offset = 0;
  if (bytes[0] === PPP_ADDRESS) {
    if (bytes.length < 2) throw new LoginDecodeError('truncated', 'PPP frame ends after its Address octet');
    if (bytes[1] !== PPP_CONTROL) {
      throw new LoginDecodeError('ppp_bad_address_control', `PPP Address 0xff followed by Control 0x${bytes[1]!.toString(16)}, not 0x03`);
    }
    offset = 2;
  }
  const first = bytes[offset];
  if (first === undefined) throw new LoginDecodeError('truncated', 'PPP frame without a Protocol field');
  let protocol: number;
  if ((first & 1) === 1) {
    protocol = first;
    offset += 1;
  } else {
    const second = bytes[offset + 1];
    if (second === undefined) throw new LoginDecodeError('truncated', 'PPP frame ends inside its two-octet Protocol field');
    protocol = (first << 8) | second;
    offset += 2;
  }
  return { protocol, information: Uint8Array.prototype.slice.call(bytes, offset) };
}
