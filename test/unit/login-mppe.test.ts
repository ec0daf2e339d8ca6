// Stateless 128-bit MPPE (RFC 3078 §3.1, §7.1, §7.3, §8.1): key change on every packet, flushed
// bit on every packet, resynchronisation by coherency count after loss, and refusal of what a
// stateless peer never sends.
import { describe, expect, it } from 'vitest';
import { LoginDecodeError, LoginEncodeError } from '../../shared/probers/pptp-login/errors.js';
import { changeKey, deriveMppeStartKeys, initialSessionKey } from '../../shared/probers/pptp-login/mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from '../../shared/probers/pptp-login/mppe.js';
import { Rc4 } from '../../shared/probers/pptp-login/rc4.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const NT_RESPONSE = hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF');
const client = deriveMppeStartKeys('clientPass', NT_RESPONSE, 128, 'client');
const server = deriveMppeStartKeys('clientPass', NT_RESPONSE, 128, 'server');
const IP = 0x0021;

function decodeError(fn: () => unknown): LoginDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LoginDecodeError) return err;
    throw err;
  }
  throw new Error('expected a LoginDecodeError');
}

describe('MppeStatelessEncryptor', () => {
  it('encrypts the first packet with count 0, A and D set, under the key after one change (RFC 3078 §7.1, §7.3)', () => {
    // Prepare
    const encryptor = new MppeStatelessEncryptor(client.sendStartKey);
    const expectedKey = changeKey(client.sendStartKey, initialSessionKey(client.sendStartKey, 128), 128);

    // Act
    const packet = encryptor.encrypt(IP, Buffer.from('hello'));

    // Assess
    expect(packet.readUInt16BE(0)).toBe(0x9000);
    expect(new Rc4(expectedKey).process(packet.subarray(2))).toEqual(Buffer.concat([hex('0021'), Buffer.from('hello')]));
  });

  it('changes the key on every packet: the same plaintext never encrypts the same way twice', () => {
    const encryptor = new MppeStatelessEncryptor(client.sendStartKey);
    const bodies = Array.from({ length: 20 }, () => encryptor.encrypt(IP, Buffer.alloc(32)).subarray(2).toString('hex'));
    expect(new Set(bodies).size).toBe(20);
  });

  it('refuses protocols MPPE does not encrypt (only 0x0021..0x00FA, RFC 3078 §3)', () => {
    const encryptor = new MppeStatelessEncryptor(client.sendStartKey);
    expect(() => encryptor.encrypt(0xc021, Buffer.alloc(4))).toThrow(LoginEncodeError);
    expect(() => encryptor.encrypt(0x00fb, Buffer.alloc(4))).toThrow(LoginEncodeError);
  });
});

describe('MppeStatelessDecryptor', () => {
  it("decrypts what the other side's encryptor sends, client to server and back, across the 4095 to 0 wrap", () => {
    // Prepare
    const up = new MppeStatelessEncryptor(client.sendStartKey);
    const upRx = new MppeStatelessDecryptor(server.receiveStartKey);
    const down = new MppeStatelessEncryptor(server.sendStartKey);
    const downRx = new MppeStatelessDecryptor(client.receiveStartKey);
    const counts: number[] = [];

    // Act
    for (let i = 0; i < 4200; i++) {
      const payload = Buffer.from(`packet ${i}`);
      const a = upRx.decrypt(up.encrypt(IP, payload));
      const b = downRx.decrypt(down.encrypt(IP, payload));
      expect(a.information).toEqual(payload);
      expect(b.information).toEqual(payload);
      expect(a.keyChanges).toBe(1);
      counts.push(a.coherencyCount);
    }

    // Assess
    expect(counts.slice(0, 3)).toEqual([0, 1, 2]);
    expect(counts.slice(4094, 4098)).toEqual([4094, 4095, 0, 1]);
  });

  it('catches up after lost packets with N = C1 - C2 key changes (RFC 3078 §8.1)', () => {
    // Prepare
    const tx = new MppeStatelessEncryptor(client.sendStartKey);
    const rx = new MppeStatelessDecryptor(server.receiveStartKey);
    const packets = Array.from({ length: 8 }, (_, i) => tx.encrypt(IP, Buffer.from([i])));

    // Act: 0 arrives, 1-4 are lost, 5 arrives, 6 is lost, 7 arrives.
    const results = [0, 5, 7].map((i) => rx.decrypt(packets[i]!));

    // Assess
    expect(results.map((r) => [r.coherencyCount, r.keyChanges, r.information[0]])).toEqual([
      [0, 1, 0],
      [5, 5, 5],
      [7, 2, 7],
    ]);
  });

  it('decrypts a repeated packet with the same key and refuses one from more than half the count space behind', () => {
    // Prepare
    const tx = new MppeStatelessEncryptor(client.sendStartKey);
    const rx = new MppeStatelessDecryptor(server.receiveStartKey);
    const first = tx.encrypt(IP, Buffer.from('a'));
    const second = tx.encrypt(IP, Buffer.from('b'));

    // Act
    rx.decrypt(first);
    rx.decrypt(second);
    const repeat = rx.decrypt(second);
    const late = decodeError(() => rx.decrypt(first));

    // Assess
    expect(repeat).toMatchObject({ keyChanges: 0, information: Buffer.from('b') });
    expect(late.code).toBe('mppe_late_packet');
  });

  it('refuses packets without the D or the A bit, and packets with no encrypted data', () => {
    const rx = new MppeStatelessDecryptor(server.receiveStartKey);
    expect(decodeError(() => rx.decrypt(hex('8000 aa'))).code).toBe('mppe_not_encrypted');
    expect(decodeError(() => rx.decrypt(hex('1000 aa'))).code).toBe('mppe_not_flushed');
    expect(decodeError(() => rx.decrypt(hex('9000'))).code).toBe('truncated');
    expect(decodeError(() => rx.decrypt(hex(''))).code).toBe('truncated');
  });

  it('shows a key mismatch as mppe_bad_protocol', () => {
    // Prepare: the server decrypts with its send key instead of its receive key.
    const tx = new MppeStatelessEncryptor(client.sendStartKey);
    const rx = new MppeStatelessDecryptor(server.sendStartKey);
    let mismatches = 0;

    // Act
    for (let i = 0; i < 200; i++) {
      try {
        rx.decrypt(tx.encrypt(IP, Buffer.alloc(20)));
      } catch (err) {
        if (err instanceof LoginDecodeError && err.code === 'mppe_bad_protocol') mismatches++;
      }
    }

    // Assess: a wrong key passes only when the garbage happens to start 0x00 0x21..0xfa.
    expect(mismatches).toBeGreaterThanOrEqual(195);
  });

  it('accepts a one-octet protocol inside only when PFC was acknowledged for the peer', () => {
    // Prepare: build a packet by hand whose plaintext starts with the compressed protocol 0x21.
    const key = changeKey(server.sendStartKey, initialSessionKey(server.sendStartKey, 128), 128);
    const packet = Buffer.concat([hex('9000'), new Rc4(key).process(Buffer.from([0x21, 0x45, 0x00]))]);

    // Act
    const withPfc = new MppeStatelessDecryptor(client.receiveStartKey, true).decrypt(packet);
    const without = decodeError(() => new MppeStatelessDecryptor(client.receiveStartKey).decrypt(packet));

    // Assess
    expect(withPfc).toMatchObject({ protocol: 0x21, information: Buffer.from([0x45, 0x00]) });
    expect(without.code).toBe('mppe_bad_protocol');
  });
});
