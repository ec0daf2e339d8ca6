// MD4 (RFC 1320). MS-CHAPv2 hashes the password with it (RFC 2759 §8.3) and MPPE hashes that hash
// again (RFC 3079 §3). Node 20's OpenSSL 3 has no md4 without --openssl-legacy-provider, which a
// Lambda cannot be given, so it is written out here: small, allocation-light, and checked against
// RFC 1320's test suite and RFC 2759's password hash.

const DIGEST_BYTES = 16;
const BLOCK_BYTES = 64;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** Round-2 and round-3 additive constants: sqrt(2) and sqrt(3) scaled by 2^30 (RFC 1320 §3.4). */
const ROUND2_CONSTANT = 0x5a827999;
const ROUND3_CONSTANT = 0x6ed9eba1;
/** The order in which round 3 visits the block's words. */
const ROUND3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const;

function compress(state: Uint32Array, x: Uint32Array): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  const w = (i: number): number => x[i]!;

  // Round 1: F(x,y,z) = xy v not(x)z, shifts 3 7 11 19.
  for (let i = 0; i < 16; i += 4) {
    a = rotl((a + ((b & c) | (~b & d)) + w(i)) | 0, 3);
    d = rotl((d + ((a & b) | (~a & c)) + w(i + 1)) | 0, 7);
    c = rotl((c + ((d & a) | (~d & b)) + w(i + 2)) | 0, 11);
    b = rotl((b + ((c & d) | (~c & a)) + w(i + 3)) | 0, 19);
  }
  // Round 2: G(x,y,z) = xy v xz v yz, columns, shifts 3 5 9 13.
  for (let i = 0; i < 4; i++) {
    a = rotl((a + ((b & c) | (b & d) | (c & d)) + w(i) + ROUND2_CONSTANT) | 0, 3);
    d = rotl((d + ((a & b) | (a & c) | (b & c)) + w(i + 4) + ROUND2_CONSTANT) | 0, 5);
    c = rotl((c + ((d & a) | (d & b) | (a & b)) + w(i + 8) + ROUND2_CONSTANT) | 0, 9);
    b = rotl((b + ((c & d) | (c & a) | (d & a)) + w(i + 12) + ROUND2_CONSTANT) | 0, 13);
  }
  // Round 3: H(x,y,z) = x xor y xor z, shifts 3 9 11 15.
  for (let i = 0; i < 16; i += 4) {
    a = rotl((a + (b ^ c ^ d) + w(ROUND3_ORDER[i]!) + ROUND3_CONSTANT) | 0, 3);
    d = rotl((d + (a ^ b ^ c) + w(ROUND3_ORDER[i + 1]!) + ROUND3_CONSTANT) | 0, 9);
    c = rotl((c + (d ^ a ^ b) + w(ROUND3_ORDER[i + 2]!) + ROUND3_CONSTANT) | 0, 11);
    b = rotl((b + (c ^ d ^ a) + w(ROUND3_ORDER[i + 3]!) + ROUND3_CONSTANT) | 0, 15);
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

/** The 16-byte MD4 digest of `message`. */
export function md4(message: Uint8Array): Buffer {
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const paddedBytes = Math.ceil((message.length + 9) / BLOCK_BYTES) * BLOCK_BYTES;
  const padded = Buffer.alloc(paddedBytes);
  padded.set(message, 0);
  padded[message.length] = 0x80;
  const bitLength = message.length * 8;
  padded.writeUInt32LE(bitLength >>> 0, paddedBytes - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 0x100000000) >>> 0, paddedBytes - 4);

  const state = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const words = new Uint32Array(16);
  for (let offset = 0; offset < paddedBytes; offset += BLOCK_BYTES) {
    for (let i = 0; i < 16; i++) words[i] = padded.readUInt32LE(offset + i * 4);
    compress(state, words);
  }
  const digest = Buffer.alloc(DIGEST_BYTES);
  for (let i = 0; i < 4; i++) digest.writeUInt32LE(state[i]!, i * 4);
  return digest;
}
