// MS-CHAPv2 (RFC 2759) and MPPE keys (RFC 3079) against the RFCs' own worked examples, every
// intermediate value, and the Success/Failure message parsers against real and hostile text.
import { describe, expect, it } from 'vitest';
import {
  challengeHash,
  challengeResponse,
  checkAuthenticatorResponse,
  encodeResponseValue,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  ntPasswordHash,
  userNameForHash,
} from '../../shared/probers/pptp-login/ms-chap-v2.js';
import { describeMsChapV2Error, parseMsChapV2Failure, parseMsChapV2Success } from '../../shared/probers/pptp-login/ms-chap-v2-messages.js';
import { deriveMppeStartKeys, getMasterKey, initialSessionKey } from '../../shared/probers/pptp-login/mppe-keys.js';
import { Rc4 } from '../../shared/probers/pptp-login/rc4.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2759 §9.2 and RFC 3079 §3.5 share these initial values.
const USER = 'User';
const PASSWORD = 'clientPass';
const AUTHENTICATOR_CHALLENGE = hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28');
const PEER_CHALLENGE = hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E');
const NT_RESPONSE = hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF');

describe('MS-CHAPv2 (RFC 2759 §9.2 hash example)', () => {
  it('computes every intermediate value of the example', () => {
    expect(Buffer.from(PASSWORD, 'utf16le')).toEqual(hex('63 00 6C 00 69 00 65 00 6E 00 74 00 50 00 61 00 73 00 73 00'));
    expect(challengeHash(PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USER)).toEqual(hex('D0 2E 43 86 BC E9 12 26'));
    expect(ntPasswordHash(PASSWORD)).toEqual(hex('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE'));
    expect(challengeResponse(hex('D0 2E 43 86 BC E9 12 26'), ntPasswordHash(PASSWORD))).toEqual(NT_RESPONSE);
    expect(generateNtResponse(AUTHENTICATOR_CHALLENGE, PEER_CHALLENGE, USER, PASSWORD)).toEqual(NT_RESPONSE);
    expect(hashNtPasswordHash(ntPasswordHash(PASSWORD))).toEqual(hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'));
    expect(generateAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USER)).toBe(
      'S=407A5589115FD0D6209F510FE9C04566932CDA56',
    );
  });

  it('accepts the right authenticator response (either hex case) and refuses a wrong, short or missing one', () => {
    const check = (received: string): boolean =>
      checkAuthenticatorResponse(PASSWORD, NT_RESPONSE, PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USER, received);
    expect(check('S=407A5589115FD0D6209F510FE9C04566932CDA56')).toBe(true);
    expect(check('S=407a5589115fd0d6209f510fe9c04566932cda56')).toBe(true);
    expect(check('S=407A5589115FD0D6209F510FE9C04566932CDA57')).toBe(false);
    expect(check('S=407A5589115FD0D6209F510FE9C04566932CDA5')).toBe(false);
    expect(check('')).toBe(false);
    expect(checkAuthenticatorResponse('wrongPass', NT_RESPONSE, PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USER, 'S=407A5589115FD0D6209F510FE9C04566932CDA56')).toBe(false);
  });

  it('hashes only the account name of DOMAIN\\user (RFC 2759 §4)', () => {
    expect(userNameForHash('BIGCO\\johndoe').toString()).toBe('johndoe');
    expect(challengeHash(PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, 'CORP\\User')).toEqual(hex('D0 2E 43 86 BC E9 12 26'));
  });

  it('lays out the 49-byte Response value: peer challenge, 8 zero bytes, NT-Response, zero flags', () => {
    const value = encodeResponseValue(PEER_CHALLENGE, NT_RESPONSE);
    expect(value).toHaveLength(49);
    expect(value.subarray(0, 16)).toEqual(PEER_CHALLENGE);
    expect(value.subarray(16, 24)).toEqual(Buffer.alloc(8));
    expect(value.subarray(24, 48)).toEqual(NT_RESPONSE);
    expect(value[48]).toBe(0);
  });
});

describe('MPPE keys (RFC 3079 §3.5 sample key derivations)', () => {
  it('derives the 128-bit sample exactly (§3.5.3), including the encrypted "test message"', () => {
    // Prepare: the RFC calls GetAsymmetricStartKey(..., IsSend=TRUE, IsServer=TRUE): its "send" key is
    // the server's, which is the client's receive key.
    const client = deriveMppeStartKeys(PASSWORD, NT_RESPONSE, 128, 'client');
    const server = deriveMppeStartKeys(PASSWORD, NT_RESPONSE, 128, 'server');

    // Act
    const sessionKey = initialSessionKey(server.sendStartKey, 128);

    // Assess
    expect(getMasterKey(hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'), NT_RESPONSE)).toEqual(hex('FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31'));
    expect(client.masterKey).toEqual(hex('FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31'));
    expect(server.sendStartKey).toEqual(hex('8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB'));
    expect(client.receiveStartKey).toEqual(server.sendStartKey);
    expect(client.sendStartKey).toEqual(server.receiveStartKey);
    expect(client.sendStartKey).not.toEqual(client.receiveStartKey);
    expect(sessionKey).toEqual(hex('40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4'));
    expect(new Rc4(sessionKey).process(Buffer.from('test message'))).toEqual(hex('81 84 83 17 DF 68 84 62 72 FB 5A BE'));
  });

  it('derives the 40-bit sample exactly (§3.5.1)', () => {
    const startKey = deriveMppeStartKeys(PASSWORD, NT_RESPONSE, 40, 'server').sendStartKey;
    const sessionKey = initialSessionKey(startKey, 40);
    expect(startKey).toEqual(hex('8B 7C DC 14 9B 99 3A 1B'));
    expect(sessionKey).toEqual(hex('D1 26 9E C4 9F A6 2E 3E'));
    expect(new Rc4(sessionKey).process(Buffer.from('test message'))).toEqual(hex('92 91 37 91 7E 58 03 D6 68 D7 58 98'));
  });

  it('derives the 56-bit sample key (§3.5.2); the RFC misprints the last byte of its encrypted message', () => {
    // Prepare
    const startKey = deriveMppeStartKeys(PASSWORD, NT_RESPONSE, 56, 'server').sendStartKey;
    const sessionKey = initialSessionKey(startKey, 56);

    // Act
    const encrypted = new Rc4(sessionKey).process(Buffer.from('test message'));

    // Assess: the RFC prints ... 42 BC 57 58; RC4 under D1 5C 00 C4 9F A6 2E 3E ends in B8 (checked with
    // Python cryptography's ARC4 too). The first 11 bytes match the RFC.
    expect(startKey).toEqual(hex('8B 7C DC 14 9B 99 3A 1B'));
    expect(sessionKey).toEqual(hex('D1 5C 00 C4 9F A6 2E 3E'));
    expect(encrypted.subarray(0, 11)).toEqual(hex('3F 10 68 33 FA 44 8D A8 42 BC 57'));
    expect(encrypted[11]).toBe(0xb8);
  });
});

describe('parseMsChapV2Success', () => {
  it('reads the authenticator response and the message', () => {
    const parsed = parseMsChapV2Success(Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted'));
    expect(parsed).toEqual({ authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56', message: 'Access granted' });
  });

  it('normalises lowercase hex and tolerates a missing message', () => {
    expect(parseMsChapV2Success(Buffer.from('S=407a5589115fd0d6209f510fe9c04566932cda56'))).toEqual({
      authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56',
      message: '',
    });
  });

  it('returns no authenticator response for a missing, short, long or non-hex one', () => {
    for (const text of ['M=hello', '', 'S=407A', 'S=407A5589115FD0D6209F510FE9C04566932CDA5600', 'S=ZZ7A5589115FD0D6209F510FE9C04566932CDA56']) {
      expect(parseMsChapV2Success(Buffer.from(text)).authenticatorResponse).toBeUndefined();
    }
  });

  it('keeps the message printable and bounded', () => {
    const parsed = parseMsChapV2Success(Buffer.concat([Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56 M=a\x1b[31m'), Buffer.alloc(5000, 0x41)]));
    expect(parsed.message.startsWith('a?[31m')).toBe(true);
    expect(parsed.message.length).toBeLessThanOrEqual(256);
  });
});

describe('parseMsChapV2Failure', () => {
  it("reads pppd's failure for a wrong password", () => {
    const parsed = parseMsChapV2Failure(Buffer.from('E=691 R=1 C=0123456789ABCDEF0123456789ABCDEF V=3 M=Authentication failed'));
    expect(parsed).toEqual({
      errorCode: 691,
      retryAllowed: true,
      challenge: hex('0123456789ABCDEF0123456789ABCDEF'),
      version: 3,
      message: 'Authentication failed',
    });
    expect(describeMsChapV2Error(parsed.errorCode)).toBe('691 ERROR_AUTHENTICATION_FAILURE');
  });

  it('tolerates missing and malformed fields, one by one', () => {
    expect(parseMsChapV2Failure(Buffer.from('E=691 R=0'))).toEqual({
      errorCode: 691, retryAllowed: false, challenge: undefined, version: undefined, message: '',
    });
    expect(parseMsChapV2Failure(Buffer.from('E=abc R=2 C=0123 V=99999999999 M='))).toEqual({
      errorCode: undefined, retryAllowed: undefined, challenge: undefined, version: undefined, message: '',
    });
    expect(parseMsChapV2Failure(Buffer.from('M=E=691 only a message'))).toEqual({
      errorCode: undefined, retryAllowed: undefined, challenge: undefined, version: undefined, message: 'E=691 only a message',
    });
    expect(parseMsChapV2Failure(new Uint8Array(0)).errorCode).toBeUndefined();
    expect(describeMsChapV2Error(undefined)).toBe('no error code');
    expect(describeMsChapV2Error(1234)).toBe('error 1234');
  });
});
