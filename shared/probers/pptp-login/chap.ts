// CHAP packets (RFC 1994 §4) as MS-CHAPv2 (RFC 2759 §3-§6) and CHAP-MD5 use them, and the MD5
// response (RFC 1994 §4.1). Decoders take untrusted bytes and throw only LoginDecodeError.
import { createHash } from 'node:crypto';
import { ChapCode, CONTROL_HEADER_BYTES } from './constants.js';
import { decodeControlPacket, encodeControlPacket } from './control-packet.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';
import { printableText } from './text.js';

export interface ChapChallengeOrResponse {
  code: typeof ChapCode.Challenge | typeof ChapCode.Response;
  identifier: number;
  value: Buffer;
  /** The Name field, printable and bounded: the authenticator's name in a Challenge. */
  name: string;
}

export interface ChapResult {
  code: typeof ChapCode.Success | typeof ChapCode.Failure;
  identifier: number;
  /** Raw Message field: MS-CHAPv2 parses it (ms-chap-v2-messages.ts), CHAP-MD5 only shows it. */
  message: Buffer;
}

/** A well-formed packet with a code CHAP does not define (MS-CHAPv2's Change-Password goes the other way). */
export interface ChapOther {
  code: number;
  identifier: number;
  data: Buffer;
}

export type ChapPacket = ChapChallengeOrResponse | ChapResult | ChapOther;

export function isChallengeOrResponse(p: ChapPacket): p is ChapChallengeOrResponse {
  return p.code === ChapCode.Challenge || p.code === ChapCode.Response;
}

export function isChapResult(p: ChapPacket): p is ChapResult {
  return p.code === ChapCode.Success || p.code === ChapCode.Failure;
}

export function decodeChapPacket(bytes: Uint8Array): ChapPacket {
  const { code, identifier, data } = decodeControlPacket(bytes);
  const body = Buffer.from(data);
  if (code === ChapCode.Challenge || code === ChapCode.Response) {
    if (body.length < 1) throw new LoginDecodeError('truncated', 'CHAP Challenge/Response without a Value-Size');
    const valueSize = body[0]!;
    if (valueSize === 0 || 1 + valueSize > body.length) {
      throw new LoginDecodeError('chap_value_overrun', `CHAP Value-Size ${valueSize} does not fit the ${body.length - 1} bytes after it`);
    }
    return { code, identifier, value: body.subarray(1, 1 + valueSize), name: printableText(body.subarray(1 + valueSize)) };
  }
  if (code === ChapCode.Success || code === ChapCode.Failure) return { code, identifier, message: body };
  return { code, identifier, data: body };
}

/** A Response packet (RFC 1994 §4.1): Value-Size, Value, then the Name (the user name) filling the rest. */
export function encodeChapResponse(identifier: number, value: Uint8Array, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  if (value.length === 0 || value.length > 0xff) throw new LoginEncodeError('value_out_of_range', `a CHAP Value has 1 to 255 bytes, not ${value.length}`);
  if (CONTROL_HEADER_BYTES + 1 + value.length + nameBytes.length > 0xffff) throw new LoginEncodeError('field_too_long', 'CHAP name too long');
  return encodeControlPacket({ code: ChapCode.Response, identifier, data: Buffer.concat([Buffer.from([value.length]), value, nameBytes]) });
}

/** A Challenge packet, for test responders that play the authenticator. */
export function encodeChapChallenge(identifier: number, value: Uint8Array, name: string): Buffer {
  if (value.length === 0 || value.length > 0xff) throw new LoginEncodeError('value_out_of_range', `a CHAP Value has 1 to 255 bytes, not ${value.length}`);
  return encodeControlPacket({ code: ChapCode.Challenge, identifier, data: Buffer.concat([Buffer.from([value.length]), value, Buffer.from(name, 'latin1')]) });
}

/** A Success or Failure packet, for test responders. */
export function encodeChapResult(code: ChapResult['code'], identifier: number, message: string): Buffer {
  return encodeControlPacket({ code, identifier, data: Buffer.from(message, 'latin1') });
}

/** CHAP-MD5's Response Value (RFC 1994 §4.1): MD5(Identifier || secret || Challenge Value). */
export function chapMd5Response(identifier: number, secret: string, challenge: Uint8Array): Buffer {
  return createHash('md5').update(Buffer.from([identifier & 0xff])).update(Buffer.from(secret, 'latin1')).update(challenge).digest();
}
