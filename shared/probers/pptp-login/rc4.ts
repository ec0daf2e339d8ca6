// RC4, the stream cipher of MPPE (RFC 3078 §5, §6). OpenSSL 3 keeps it in the legacy provider, so
// it is written out. The object is the keystream: `process` continues where the previous call left
// off, as MPPE's stateful mode needs; stateless MPPE makes a new one per packet.
import { LoginEncodeError } from './errors.js';

export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) {
      throw new LoginEncodeError('value_out_of_range', `an RC4 key has 1 to 256 bytes, got ${key.length}`);
    }
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    let j = 0;
    for (let n = 0; n < 256; n++) {
      j = (j + s[n]! + key[n % key.length]!) & 0xff;
      const t = s[n]!;
      s[n] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs `data` with the next data.length keystream bytes into a new buffer. */
  process(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
