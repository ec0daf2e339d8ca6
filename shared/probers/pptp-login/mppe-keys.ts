// MPPE key derivation from MS-CHAPv2 credentials (RFC 3079 §3) and the key change of RFC 3078 §7.3.
// Everything here is a pure function of its inputs; mppe.ts holds the per-direction state.
import { createHash } from 'node:crypto';
import { LoginEncodeError } from './errors.js';
import { hashNtPasswordHash, ntPasswordHash, NT_RESPONSE_BYTES } from './ms-chap-v2.js';
import { Rc4 } from './rc4.js';

/** Strengths MPPE defines; 40- and 56-bit keys are 8 bytes with known leading octets (RFC 3079 §3.1, §3.2). */
export type MppeKeyBits = 40 | 56 | 128;

/** SHSpad1 and SHSpad2 (RFC 3079 §3.4). */
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);
/** Magic1..3 (RFC 3079 §3.4), written as the text they spell. */
const MASTER_KEY_MAGIC = Buffer.from('This is the MPPE Master Key', 'latin1');
const CLIENT_SEND_MAGIC = Buffer.from('On the client side, this is the send key; on the server side, it is the receive key.', 'latin1');
const CLIENT_RECEIVE_MAGIC = Buffer.from('On the client side, this is the receive key; on the server side, it is the send key.', 'latin1');

function sha1(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** Bytes of a session key of the given strength. */
export function keyLengthBytes(bits: MppeKeyBits): 8 | 16 {
  return bits === 128 ? 16 : 8;
}

/** GetMasterKey (RFC 3079 §3.4). */
export function getMasterKey(passwordHashHash: Uint8Array, ntResponse: Uint8Array): Buffer {
  if (passwordHashHash.length !== 16 || ntResponse.length !== NT_RESPONSE_BYTES) {
    throw new LoginEncodeError('value_out_of_range', 'GetMasterKey takes a 16-byte PasswordHashHash and a 24-byte NT-Response');
  }
  return sha1(passwordHashHash, ntResponse, MASTER_KEY_MAGIC).subarray(0, 16);
}

/**
 * GetAsymmetricStartKey (RFC 3079 §3.4). The client's send key is the server's receive key: both are
 * made with Magic2; the client's receive key and the server's send key with Magic3.
 */
export function getAsymmetricStartKey(masterKey: Uint8Array, lengthBytes: 8 | 16, isSend: boolean, isServer: boolean): Buffer {
  const magic = isSend === isServer ? CLIENT_RECEIVE_MAGIC : CLIENT_SEND_MAGIC;
  return sha1(masterKey, SHS_PAD1, magic, SHS_PAD2).subarray(0, lengthBytes);
}

/** GetNewKeyFromSHA (RFC 3078 §7.3). */
export function getNewKeyFromSha(startKey: Uint8Array, sessionKey: Uint8Array, lengthBytes: number): Buffer {
  return sha1(startKey.subarray(0, lengthBytes), SHS_PAD1, sessionKey.subarray(0, lengthBytes), SHS_PAD2).subarray(0, lengthBytes);
}

/** Sets the known leading octets that make an 8-byte key 40- or 56-bit strong (RFC 3079 §3.1, §3.2; RFC 3078 §7.3). */
export function reduceKeyStrength(key: Buffer, bits: MppeKeyBits): Buffer {
  if (bits === 40) {
    key[0] = 0xd1;
    key[1] = 0x26;
    key[2] = 0x9e;
  } else if (bits === 56) {
    key[0] = 0xd1;
  }
  return key;
}

/** The first transient session key of a direction (RFC 3079 §3.1-§3.3): no RC4 pass, unlike later changes. */
export function initialSessionKey(startKey: Uint8Array, bits: MppeKeyBits): Buffer {
  const length = keyLengthBytes(bits);
  return reduceKeyStrength(getNewKeyFromSha(startKey, startKey, length), bits);
}

/** The MPPE Key Change Algorithm (RFC 3078 §7.3): the session key that follows `sessionKey`. */
export function changeKey(startKey: Uint8Array, sessionKey: Uint8Array, bits: MppeKeyBits): Buffer {
  const length = keyLengthBytes(bits);
  const interimKey = getNewKeyFromSha(startKey, sessionKey, length);
  return reduceKeyStrength(new Rc4(interimKey).process(interimKey), bits);
}

/** The two master session keys of one side of an MS-CHAPv2 login. */
export interface MppeStartKeys {
  masterKey: Buffer;
  sendStartKey: Buffer;
  receiveStartKey: Buffer;
}

/**
 * Start keys from the password and the NT-Response of the first authentication (RFC 3079 §3.3: the
 * peer that placed the call supplies the credentials). `side` says which end computes them: the
 * probe is the client; a test responder behind pptpd is the server.
 */
export function deriveMppeStartKeys(password: string, ntResponse: Uint8Array, bits: MppeKeyBits, side: 'client' | 'server'): MppeStartKeys {
  const masterKey = getMasterKey(hashNtPasswordHash(ntPasswordHash(password)), ntResponse);
  const length = keyLengthBytes(bits);
  const isServer = side === 'server';
  return {
    masterKey,
    sendStartKey: getAsymmetricStartKey(masterKey, length, true, isServer),
    receiveStartKey: getAsymmetricStartKey(masterKey, length, false, isServer),
  };
}
