// MS-CHAPv2 (RFC 2759 §8): the peer's side of the computations. Names follow the RFC's pseudocode so
// that each function can be read against it; the tests check every intermediate value of §9.2.
import { createHash, timingSafeEqual } from 'node:crypto';
import { desEncryptBlock, expandDesKey, DES_RAW_KEY_BYTES } from './des.js';
import { LoginEncodeError } from './errors.js';
import { md4 } from './md4.js';

/** Bytes of the authenticator's and the peer's challenges (RFC 2759 §3, §4). */
export const MSCHAPV2_CHALLENGE_BYTES = 16;
/** Bytes of the NT-Response (RFC 2759 §4). */
export const NT_RESPONSE_BYTES = 24;
/** Bytes of the Response packet's Value field: Peer-Challenge, 8 reserved, NT-Response, Flags (RFC 2759 §4). */
export const MSCHAPV2_RESPONSE_VALUE_BYTES = 49;
/** The RFC's limit on user names and passwords, in characters (RFC 2759 §8.1). */
export const MSCHAPV2_MAX_NAME_CHARS = 256;

/** "Magic server to client signing constant" (RFC 2759 §8.7). */
const MAGIC1 = Buffer.from('Magic server to client signing constant', 'latin1');
/** "Pad to make it do more than one iteration" (RFC 2759 §8.7). */
const MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'latin1');

function sha1(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function requireLength(name: string, value: Uint8Array, bytes: number): void {
  if (value.length !== bytes) throw new LoginEncodeError('value_out_of_range', `${name} must be ${bytes} bytes, got ${value.length}`);
}

/**
 * The user name as hashed: only the account name, without a "DOMAIN\" prefix (RFC 2759 §4, §8.2),
 * as ASCII bytes. The full name, domain included, still goes in the Response's Name field.
 */
export function userNameForHash(userName: string): Buffer {
  const backslash = userName.lastIndexOf('\\');
  return Buffer.from(backslash >= 0 ? userName.slice(backslash + 1) : userName, 'latin1');
}

/** ChallengeHash (RFC 2759 §8.2): first 8 bytes of SHA-1(PeerChallenge || AuthenticatorChallenge || UserName). */
export function challengeHash(peerChallenge: Uint8Array, authenticatorChallenge: Uint8Array, userName: string): Buffer {
  requireLength('PeerChallenge', peerChallenge, MSCHAPV2_CHALLENGE_BYTES);
  requireLength('AuthenticatorChallenge', authenticatorChallenge, MSCHAPV2_CHALLENGE_BYTES);
  return sha1(peerChallenge, authenticatorChallenge, userNameForHash(userName)).subarray(0, 8);
}

/** NtPasswordHash (RFC 2759 §8.3): MD4 of the password in UTF-16LE, no terminating zero. */
export function ntPasswordHash(password: string): Buffer {
  if (password.length > MSCHAPV2_MAX_NAME_CHARS) {
    throw new LoginEncodeError('field_too_long', `an MS-CHAPv2 password has at most ${MSCHAPV2_MAX_NAME_CHARS} characters`);
  }
  return md4(Buffer.from(password, 'utf16le'));
}

/** HashNtPasswordHash (RFC 2759 §8.4). */
export function hashNtPasswordHash(passwordHash: Uint8Array): Buffer {
  return md4(passwordHash);
}

/** ChallengeResponse (RFC 2759 §8.5): DES of the challenge under three 7-byte slices of the zero-padded hash. */
export function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Buffer {
  requireLength('Challenge', challenge, 8);
  requireLength('PasswordHash', passwordHash, 16);
  const zPasswordHash = Buffer.alloc(3 * DES_RAW_KEY_BYTES);
  zPasswordHash.set(passwordHash, 0);
  const parts = [0, 1, 2].map((n) =>
    desEncryptBlock(expandDesKey(zPasswordHash.subarray(n * DES_RAW_KEY_BYTES, (n + 1) * DES_RAW_KEY_BYTES)), challenge),
  );
  return Buffer.concat(parts);
}

/** GenerateNTResponse (RFC 2759 §8.1). */
export function generateNtResponse(
  authenticatorChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  password: string,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), ntPasswordHash(password));
}

/** GenerateAuthenticatorResponse (RFC 2759 §8.7): "S=" and 40 uppercase hex digits. */
export function generateAuthenticatorResponse(
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authenticatorChallenge: Uint8Array,
  userName: string,
): string {
  requireLength('NT-Response', ntResponse, NT_RESPONSE_BYTES);
  const passwordHashHash = hashNtPasswordHash(ntPasswordHash(password));
  const digest = sha1(passwordHashHash, ntResponse, MAGIC1);
  const challenge = challengeHash(peerChallenge, authenticatorChallenge, userName);
  return `S=${sha1(digest, challenge, MAGIC2).toString('hex').toUpperCase()}`;
}

/**
 * CheckAuthenticatorResponse (RFC 2759 §8.8), in constant time so that a forged Success packet
 * learns nothing from how long the check took. `received` is the "S=..." string as sent; hex case
 * is ignored (the RFC makes uppercase a MUST for the sender, not a reason to fail a login).
 */
export function checkAuthenticatorResponse(
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authenticatorChallenge: Uint8Array,
  userName: string,
  received: string,
): boolean {
  const expected = Buffer.from(generateAuthenticatorResponse(password, ntResponse, peerChallenge, authenticatorChallenge, userName), 'latin1');
  const actual = Buffer.from(received.toUpperCase(), 'latin1');
  // timingSafeEqual needs equal lengths; compare against a same-length stand-in so the time does not depend on where it differs.
  if (actual.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, actual);
}

/** The 49-byte Value of the peer's Response packet (RFC 2759 §4): flags and reserved bytes zero. */
export function encodeResponseValue(peerChallenge: Uint8Array, ntResponse: Uint8Array): Buffer {
  requireLength('PeerChallenge', peerChallenge, MSCHAPV2_CHALLENGE_BYTES);
  requireLength('NT-Response', ntResponse, NT_RESPONSE_BYTES);
  const value = Buffer.alloc(MSCHAPV2_RESPONSE_VALUE_BYTES);
  value.set(peerChallenge, 0);
  value.set(ntResponse, MSCHAPV2_CHALLENGE_BYTES + 8);
  return value;
}
