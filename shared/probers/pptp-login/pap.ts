// PAP (RFC 1334 §2.2): the Authenticate-Request the probe sends and the Ack/Nak it gets back.
import { PapCode } from './constants.js';
import { decodeControlPacket, encodeControlPacket } from './control-packet.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';
import { printableText } from './text.js';

/** Peer-ID and Password each have a one-octet length (RFC 1334 §2.2.1). */
const MAX_FIELD_BYTES = 0xff;

export function encodePapRequest(identifier: number, peerId: string, password: string): Buffer {
  const id = Buffer.from(peerId, 'latin1');
  const pw = Buffer.from(password, 'utf8');
  if (id.length > MAX_FIELD_BYTES) throw new LoginEncodeError('field_too_long', `PAP Peer-ID of ${id.length} bytes exceeds ${MAX_FIELD_BYTES}`);
  if (pw.length > MAX_FIELD_BYTES) throw new LoginEncodeError('field_too_long', `PAP Password of ${pw.length} bytes exceeds ${MAX_FIELD_BYTES}`);
  return encodeControlPacket({
    code: PapCode.AuthenticateRequest,
    identifier,
    data: Buffer.concat([Buffer.from([id.length]), id, Buffer.from([pw.length]), pw]),
  });
}

export interface PapRequest {
  identifier: number;
  peerId: string;
  password: Buffer;
}

/** Decodes an Authenticate-Request, for test responders that play the authenticator. */
export function decodePapRequest(bytes: Uint8Array): PapRequest {
  const { code, identifier, data } = decodeControlPacket(bytes);
  if (code !== PapCode.AuthenticateRequest) throw new LoginDecodeError('unexpected_code', `PAP code ${code} is not an Authenticate-Request`);
  const idLength = data[0];
  // Peer-ID-Length, Peer-ID and Passwd-Length must all be inside the packet.
  if (idLength === undefined || 2 + idLength > data.length) {
    throw new LoginDecodeError('pap_field_overrun', 'PAP Peer-ID runs past the packet');
  }
  const pwLength = data[1 + idLength]!;
  if (2 + idLength + pwLength > data.length) throw new LoginDecodeError('pap_field_overrun', 'PAP Password runs past the packet');
  return {
    identifier,
    peerId: printableText(data.subarray(1, 1 + idLength)),
    password: Buffer.from(data.subarray(2 + idLength, 2 + idLength + pwLength)),
  };
}

export interface PapReply {
  code: typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak;
  identifier: number;
  message: string;
}

/**
 * Decodes an Authenticate-Ack or -Nak. The Message "MUST NOT affect operation of the protocol", so
 * a reply without a Msg-Length octet is read as an empty message; a Msg-Length past the packet is
 * still malformed.
 */
export function decodePapReply(bytes: Uint8Array): PapReply {
  const { code, identifier, data } = decodeControlPacket(bytes);
  if (code !== PapCode.AuthenticateAck && code !== PapCode.AuthenticateNak) {
    throw new LoginDecodeError('unexpected_code', `PAP code ${code} is not an Authenticate-Ack or -Nak`);
  }
  if (data.length === 0) return { code, identifier, message: '' };
  const messageLength = data[0]!;
  if (1 + messageLength > data.length) throw new LoginDecodeError('pap_field_overrun', `PAP Msg-Length ${messageLength} runs past the packet`);
  return { code, identifier, message: printableText(data.subarray(1, 1 + messageLength)) };
}
