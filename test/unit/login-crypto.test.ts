// The login's own crypto primitives (MD4, DES, RC4), checked against published vectors and, for
// DES, against node's des-ede3 with K1 = K2 = K3: single DES that OpenSSL 3 still ships, an
// oracle independent of our tables.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { desEncryptBlock, expandDesKey } from '../../shared/probers/pptp-login/des.js';
import { LoginEncodeError } from '../../shared/probers/pptp-login/errors.js';
import { md4 } from '../../shared/probers/pptp-login/md4.js';
import { Rc4 } from '../../shared/probers/pptp-login/rc4.js';
import { mulberry32 } from '../support/prng.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function randomBytes(next: () => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
}

describe('md4', () => {
  it('matches every test of RFC 1320 Appendix A.5', () => {
    // Prepare
    const suite: Array<[string, string]> = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];

    // Act
    const digests = suite.map(([input]) => md4(Buffer.from(input, 'latin1')).toString('hex'));

    // Assess
    expect(digests).toEqual(suite.map(([, digest]) => digest));
  });

  it('pads correctly at the 55/56/64-byte block boundaries (two computations agree byte for byte)', () => {
    for (const n of [55, 56, 63, 64, 65, 119, 120, 128]) {
      const input = Buffer.alloc(n, 0x61);
      expect(md4(input)).toEqual(md4(Uint8Array.from(input)));
      expect(md4(input)).toHaveLength(16);
    }
  });
});

describe('desEncryptBlock', () => {
  it('matches known single-DES answers', () => {
    // "Now is t" under 0123456789ABCDEF is the classic FIPS 81 example; the others are the textbook
    // worked example and the first variable-plaintext known-answer test (key of parity-only bits).
    expect(desEncryptBlock(hex('0123456789ABCDEF'), hex('4E6F772069732074'))).toEqual(hex('3FA40E8A984D4815'));
    expect(desEncryptBlock(hex('133457799BBCDFF1'), hex('0123456789ABCDEF'))).toEqual(hex('85E813540F0AB405'));
    expect(desEncryptBlock(hex('0101010101010101'), hex('8000000000000000'))).toEqual(hex('95F8A5E5DD31D900'));
  });

  it("agrees with node's des-ede3 (K1 = K2 = K3) on 2,000 random keys and blocks", () => {
    // Prepare
    const next = mulberry32(0xde5);
    let mismatches = 0;

    // Act
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(next, 8);
      const block = randomBytes(next, 8);
      const cipher = createCipheriv('des-ede3', Buffer.concat([key, key, key]), null);
      cipher.setAutoPadding(false);
      const oracle = Buffer.concat([cipher.update(block), cipher.final()]);
      if (!oracle.equals(desEncryptBlock(key, block))) mismatches++;
    }

    // Assess
    expect(mismatches).toBe(0);
  });

  it('refuses keys and blocks that are not 8 bytes with a typed error', () => {
    expect(() => desEncryptBlock(Buffer.alloc(7), Buffer.alloc(8))).toThrow(LoginEncodeError);
    expect(() => desEncryptBlock(Buffer.alloc(8), Buffer.alloc(9))).toThrow(LoginEncodeError);
  });
});

describe('expandDesKey', () => {
  it('inserts odd parity exactly as RFC 2759 §9.3 shows', () => {
    expect(expandDesKey(hex('FC 15 6A F7 ED CD 6C'))).toEqual(hex('FD 0B 5B 5E 7F 6E 34 D9'));
    expect(expandDesKey(hex('0E DD E3 33 7D 42 7F'))).toEqual(hex('0E 6E 79 67 37 EA 08 FE'));
  });

  it('gives every byte odd parity', () => {
    const next = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      for (const byte of expandDesKey(randomBytes(next, 7))) {
        expect(byte.toString(2).split('').filter((b) => b === '1').length % 2).toBe(1);
      }
    }
  });
});

describe('Rc4', () => {
  it('produces the well-known keystreams', () => {
    // Wikipedia's three examples and RFC 6229's first 16 bytes for the 40-bit key 0102030405.
    expect(new Rc4(Buffer.from('Key')).process(Buffer.from('Plaintext'))).toEqual(hex('BBF316E8D940AF0AD3'));
    expect(new Rc4(Buffer.from('Wiki')).process(Buffer.from('pedia'))).toEqual(hex('1021BF0420'));
    expect(new Rc4(Buffer.from('Secret')).process(Buffer.from('Attack at dawn'))).toEqual(hex('45A01F645FC35B383552544B9BF5'));
    expect(new Rc4(hex('0102030405')).process(Buffer.alloc(16))).toEqual(hex('b2396305f03dc027ccc3524a0a1118a8'));
  });

  it('continues the keystream across calls', () => {
    // Prepare
    const whole = new Rc4(Buffer.from('stream')).process(Buffer.alloc(40));
    const split = new Rc4(Buffer.from('stream'));

    // Act
    const parts = Buffer.concat([split.process(Buffer.alloc(7)), split.process(Buffer.alloc(0)), split.process(Buffer.alloc(33))]);

    // Assess
    expect(parts).toEqual(whole);
  });

  it('refuses an empty key', () => {
    expect(() => new Rc4(new Uint8Array(0))).toThrow(LoginEncodeError);
  });
});
