// MPPE packets in stateless 128-bit mode (RFC 3078 §3.1, §7.1, §7.3, §8.1), one object per direction.
//
// Stateless mode changes the key "every time the coherency count changes; i.e., on every packet":
// the sender changes its key before encrypting each packet, so the very first packet (coherency
// count 0) already uses the key after one change, not the initial session key of RFC 3079. The
// count starts at 4095 so that the first increment gives 0; Linux's ppp_mppe and Windows agree.
// Every packet has the FLUSHED bit (A) set and its RC4 state starts fresh from the new key.
// The receiver performs N = C1 - C2 (mod 4096) key changes before decrypting; like Linux, a count
// more than half the space behind is taken as a late packet and refused rather than costing
// ~4000 key changes and desynchronising the direction.
import { MPPE_CCOUNT_SPACE, MPPE_HEADER_BYTES, MPPE_KEY_128_BYTES, MppeHeaderBit } from './constants.js';
import { LoginDecodeError, LoginEncodeError } from './errors.js';
import { changeKey, initialSessionKey } from './mppe-keys.js';
import { Rc4 } from './rc4.js';

const CCOUNT_MASK = MPPE_CCOUNT_SPACE - 1;
/** MPPE encrypts PPP Protocols 0x0021..0x00FA only; others go out as they are (RFC 3078 §3). */
const MIN_ENCRYPTED_PROTOCOL = 0x0021;
const MAX_ENCRYPTED_PROTOCOL = 0x00fa;

export function isEncryptableProtocol(protocol: number): boolean {
  return protocol >= MIN_ENCRYPTED_PROTOCOL && protocol <= MAX_ENCRYPTED_PROTOCOL;
}

class MppeDirection {
  protected sessionKey: Buffer;
  protected coherencyCount = CCOUNT_MASK;

  constructor(protected readonly startKey: Buffer) {
    if (startKey.length !== MPPE_KEY_128_BYTES) {
      throw new LoginEncodeError('value_out_of_range', `a 128-bit MPPE start key has ${MPPE_KEY_128_BYTES} bytes, got ${startKey.length}`);
    }
    this.sessionKey = initialSessionKey(startKey, 128);
  }

  protected rekey(): void {
    this.sessionKey = changeKey(this.startKey, this.sessionKey, 128);
  }
}

/** Encrypts outgoing PPP packets: `encrypt` returns the Information of a Protocol 0x00FD frame. */
export class MppeStatelessEncryptor extends MppeDirection {
  encrypt(protocol: number, information: Uint8Array): Buffer {
    if (!isEncryptableProtocol(protocol)) {
      throw new LoginEncodeError('not_encryptable', `PPP protocol 0x${protocol.toString(16)} is not in MPPE's 0x0021..0x00fa`);
    }
    this.coherencyCount = (this.coherencyCount + 1) & CCOUNT_MASK;
    this.rekey();
    const plain = Buffer.alloc(2 + information.length);
    plain.writeUInt16BE(protocol, 0);
    plain.set(information, 2);
    const out = Buffer.alloc(MPPE_HEADER_BYTES + plain.length);
    out.writeUInt16BE(MppeHeaderBit.Flushed | MppeHeaderBit.Encrypted | this.coherencyCount, 0);
    out.set(new Rc4(this.sessionKey).process(plain), MPPE_HEADER_BYTES);
    return out;
  }
}

export interface MppeDecrypted {
  protocol: number;
  information: Buffer;
  coherencyCount: number;
  /** Key changes made for this packet: 1 normally, more after lost packets, 0 for a repeat. */
  keyChanges: number;
}

/** Decrypts incoming Protocol 0x00FD Information. Throws only LoginDecodeError. */
export class MppeStatelessDecryptor extends MppeDirection {
  /**
   * `acceptCompressedProtocol`: we acknowledged PFC for the peer (RFC 1661 §6.5), so the protocol
   * inside may be one octet, as Linux accepts. Off by default: a two-octet protocol must then start
   * with 0x00, which makes a wrong key show as 'mppe_bad_protocol' all but ~0.3% of the time.
   */
  constructor(
    startKey: Buffer,
    private readonly acceptCompressedProtocol = false,
  ) {
    super(startKey);
  }

  decrypt(information: Uint8Array): MppeDecrypted {
    if (information.length < MPPE_HEADER_BYTES + 1) {
      throw new LoginDecodeError('truncated', `MPPE packet of ${information.length} bytes has no encrypted data`);
    }
    const header = (information[0]! << 8) | information[1]!;
    if ((header & MppeHeaderBit.Encrypted) === 0) throw new LoginDecodeError('mppe_not_encrypted', 'MPPE packet with the D (encrypted) bit clear');
    if ((header & MppeHeaderBit.Flushed) === 0) {
      throw new LoginDecodeError('mppe_not_flushed', 'MPPE packet without the A (flushed) bit, which stateless mode sets on every packet');
    }
    const count = header & CCOUNT_MASK;
    const keyChanges = (count - this.coherencyCount) & CCOUNT_MASK;
    if (keyChanges > MPPE_CCOUNT_SPACE / 2) {
      throw new LoginDecodeError('mppe_late_packet', `MPPE coherency count ${count} is behind the last one (${this.coherencyCount})`);
    }
    for (let i = 0; i < keyChanges; i++) this.rekey();
    this.coherencyCount = count;
    const plain = new Rc4(this.sessionKey).process(information.subarray(MPPE_HEADER_BYTES));
    const compressed = this.acceptCompressedProtocol && (plain[0]! & 1) === 1;
    if (!compressed && plain.length < 2) throw new LoginDecodeError('truncated', 'decrypted MPPE data ends inside its Protocol field');
    const protocol = compressed ? plain[0]! : plain.readUInt16BE(0);
    // Garbage from a wrong key rarely lands in the range: this is how a key mismatch shows.
    if (!isEncryptableProtocol(protocol)) {
      throw new LoginDecodeError('mppe_bad_protocol', `decrypted protocol 0x${protocol.toString(16)} is not one MPPE encrypts (wrong key?)`);
    }
    return { protocol, information: plain.subarray(compressed ? 1 : 2), coherencyCount: count, keyChanges };
  }
}
