// The text of MS-CHAPv2 Success and Failure packets (RFC 2759 §5, §6). The fields drive the login
// (the authenticator response proves the gateway knew the password; E= says why a login failed; R=
// and C= allow a retry), but they come from the peer: parsing tolerates missing or malformed fields
// and returns them as undefined, and everything is bounded.
import { printableText, MAX_PEER_TEXT_CHARS } from './text.js';

/** Bytes of Success/Failure text that are parsed at all; real messages are well under 200. */
const MAX_PARSED_BYTES = 1024;
/** The authenticator response is 20 bytes as 40 hex digits (RFC 2759 §5). */
const AUTHENTICATOR_RESPONSE_HEX_DIGITS = 40;
/** The Failure challenge is 16 bytes as exactly 32 hex digits (RFC 2759 §6). */
const FAILURE_CHALLENGE_HEX_DIGITS = 32;
/** E= and V= are decimal; more than 10 digits is not a code. */
const MAX_DECIMAL_DIGITS = 10;

export interface MsChapV2Success {
  /** "S=" and 40 uppercase hex digits, as CheckAuthenticatorResponse takes it; undefined when missing or malformed. */
  authenticatorResponse: string | undefined;
  message: string;
}

export interface MsChapV2Failure {
  /** E=: the Windows error code (691 = bad user name or password). */
  errorCode: number | undefined;
  /** R=: whether the authenticator allows another Response. */
  retryAllowed: boolean | undefined;
  /** C=: the 16-byte challenge for a retry. */
  challenge: Buffer | undefined;
  /** V=: the password-change protocol version (3 for MS-CHAPv2). */
  version: number | undefined;
  message: string;
}

/** RFC 2759 §6's error codes, for messages. */
export const MSCHAPV2_ERROR_TEXT: Readonly<Record<number, string>> = {
  646: 'ERROR_RESTRICTED_LOGON_HOURS',
  647: 'ERROR_ACCT_DISABLED',
  648: 'ERROR_PASSWD_EXPIRED',
  649: 'ERROR_NO_DIALIN_PERMISSION',
  691: 'ERROR_AUTHENTICATION_FAILURE',
  709: 'ERROR_CHANGING_PASSWORD',
};

function bounded(bytes: Uint8Array): string {
  // latin1 keeps one character per byte, so offsets below are byte offsets.
  return Buffer.from(bytes.subarray(0, MAX_PARSED_BYTES)).toString('latin1');
}

/** The message after "M=", printable and bounded; the whole text when there is no M= field. */
function messageField(text: string): { before: string; message: string } {
  const at = text.startsWith('M=') ? 0 : text.indexOf(' M=');
  if (at < 0) return { before: text, message: '' };
  const start = at === 0 ? 2 : at + 3;
  return { before: text.slice(0, at), message: printableText(Buffer.from(text.slice(start), 'latin1'), MAX_PEER_TEXT_CHARS) };
}

function isHex(value: string, digits: number): boolean {
  return value.length === digits && /^[0-9A-Fa-f]+$/.test(value);
}

function decimal(value: string): number | undefined {
  return value.length > 0 && value.length <= MAX_DECIMAL_DIGITS && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** Parses a Success packet's Message field: "S=<auth_string> M=<message>". */
export function parseMsChapV2Success(messageBytes: Uint8Array): MsChapV2Success {
  const { before, message } = messageField(bounded(messageBytes));
  const token = before.split(' ').find((t) => t.startsWith('S='));
  const hex = token?.slice(2);
  return {
    authenticatorResponse: hex !== undefined && isHex(hex, AUTHENTICATOR_RESPONSE_HEX_DIGITS) ? `S=${hex.toUpperCase()}` : undefined,
    message,
  };
}

/** Parses a Failure packet's Message field: "E=eeee R=r C=cccc V=vvvv M=<msg>", any field missing. */
export function parseMsChapV2Failure(messageBytes: Uint8Array): MsChapV2Failure {
  const { before, message } = messageField(bounded(messageBytes));
  const failure: MsChapV2Failure = { errorCode: undefined, retryAllowed: undefined, challenge: undefined, version: undefined, message };
  for (const token of before.split(' ')) {
    const value = token.slice(2);
    if (token.startsWith('E=')) failure.errorCode = decimal(value);
    else if (token.startsWith('R=')) failure.retryAllowed = value === '1' ? true : value === '0' ? false : undefined;
    else if (token.startsWith('C=')) failure.challenge = isHex(value, FAILURE_CHALLENGE_HEX_DIGITS) ? Buffer.from(value, 'hex') : undefined;
    else if (token.startsWith('V=')) failure.version = decimal(value);
  }
  return failure;
}

/** "691 ERROR_AUTHENTICATION_FAILURE" or "error 1234" or "no error code", for failure messages. */
export function describeMsChapV2Error(code: number | undefined): string {
  if (code === undefined) return 'no error code';
  const name = MSCHAPV2_ERROR_TEXT[code];
  return name === undefined ? `error ${code}` : `${code} ${name}`;
}
