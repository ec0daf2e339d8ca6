// HDLC-like framing of PPP over an octet stream (RFC 1662 §3.1, §4, Appendix C): what pptpd and
// the ppp program it starts exchange over the pty. A test PPP responder behind pptpd needs to
// frame and deframe; a probe talking GRE does not. The decoder is a streaming one with a bounded
// buffer: whatever the peer sends, it holds at most one frame's bytes.
import { DEFAULT_MRU_BYTES } from './constants.js';

const FLAG = 0x7e;
const ESCAPE = 0x7d;
/** Escaped octets are sent XOR 0x20 (RFC 1662 §4.2). */
const ESCAPE_XOR = 0x20;
/** FCS-16 generator x^16 + x^12 + x^5 + 1, bit-reversed (RFC 1662 Appendix C.1). */
const FCS16_POLYNOMIAL = 0x8408;
/** Initial FCS value (PPPINITFCS16). */
export const FCS16_INITIAL = 0xffff;
/** FCS over a good frame including its transmitted FCS (PPPGOODFCS16). */
export const FCS16_GOOD = 0xf0b8;
/** Bytes of the 16-bit FCS. */
const FCS16_BYTES = 2;
/** Frames shorter than this, FCS included, are invalid (RFC 1662 §4.3). */
const MIN_FRAME_BYTES = 4;
/** Default ACCM on asynchronous links: every control character mapped (RFC 1662 §7.1). */
export const DEFAULT_ASYNC_ACCM = 0xffffffff;
/** Default largest frame the decoder keeps, FCS excluded: Address, Control, Protocol and an MRU of 1500. */
export const DEFAULT_MAX_HDLC_FRAME_BYTES = 4 + DEFAULT_MRU_BYTES;

const FCS16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let v = b;
    for (let i = 0; i < 8; i++) v = v & 1 ? (v >>> 1) ^ FCS16_POLYNOMIAL : v >>> 1;
    table[b] = v;
  }
  return table;
})();

/** pppfcs16 (RFC 1662 Appendix C.2): the running FCS after `data`. */
export function fcs16(data: Uint8Array, fcs = FCS16_INITIAL): number {
  let value = fcs;
  for (const byte of data) value = (value >>> 8) ^ FCS16_TABLE[(value ^ byte) & 0xff]!;
  return value;
}

function mustEscape(byte: number, accm: number): boolean {
  return byte === FLAG || byte === ESCAPE || (byte < 0x20 && ((accm >>> byte) & 1) === 1);
}

/**
 * Frames `frame` (Address through Information) for the wire: FCS appended least significant octet
 * first, then the Flag, Control Escape and every octet flagged in `sendAccm` escaped, between flags.
 */
export function encodeHdlcFrame(frame: Uint8Array, sendAccm = DEFAULT_ASYNC_ACCM): Buffer {
  const fcs = fcs16(frame) ^ 0xffff;
  const raw = Buffer.alloc(frame.length + FCS16_BYTES);
  raw.set(frame, 0);
  raw[frame.length] = fcs & 0xff;
  raw[frame.length + 1] = (fcs >>> 8) & 0xff;
  const out: number[] = [FLAG];
  for (const byte of raw) {
    if (mustEscape(byte, sendAccm)) out.push(ESCAPE, byte ^ ESCAPE_XOR);
    else out.push(byte);
  }
  out.push(FLAG);
  return Buffer.from(out);
}

/** Why a frame was discarded; RFC 1662 §4.3 discards them silently, the decoder counts them. */
export type HdlcDiscardReason = 'bad_fcs' | 'too_short' | 'too_long' | 'aborted';

export interface HdlcDecoderOptions {
  /** Largest frame kept, FCS excluded; longer frames are dropped whole. */
  maxFrameBytes?: number;
  /** Control characters the receiver drops when they arrive unescaped (RFC 1662 §4.2). */
  receiveAccm?: number;
}

export class HdlcDecoder {
  private readonly buffer: Uint8Array;
  private length = 0;
  private escaped = false;
  private overflowed = false;
  /** Receiving ACCM; set it to the negotiated value once LCP is open. */
  receiveAccm: number;
  readonly discarded: Record<HdlcDiscardReason, number> = { bad_fcs: 0, too_short: 0, too_long: 0, aborted: 0 };

  constructor(options: HdlcDecoderOptions = {}) {
    this.buffer = new Uint8Array((options.maxFrameBytes ?? DEFAULT_MAX_HDLC_FRAME_BYTES) + FCS16_BYTES);
    this.receiveAccm = options.receiveAccm ?? DEFAULT_ASYNC_ACCM;
  }

  /** Unescaped bytes of the frame being received; never above maxFrameBytes + 2. */
  get bufferedBytes(): number {
    return this.length;
  }

  /** Feeds bytes from the stream; `sink` gets each good frame without its FCS, as a copy. */
  push(chunk: Uint8Array, sink: (frame: Buffer) => void): void {
    for (const byte of chunk) {
      if (byte === FLAG) {
        this.endFrame(sink);
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        this.append(byte ^ ESCAPE_XOR);
      } else if (byte === ESCAPE) {
        this.escaped = true;
      } else if (byte < 0x20 && ((this.receiveAccm >>> byte) & 1) === 1) {
        // Inserted by equipment on the way, not by the sender: removed before the FCS (RFC 1662 §4.2).
      } else {
        this.append(byte);
      }
    }
  }

  private append(byte: number): void {
    if (this.length >= this.buffer.length) {
      this.overflowed = true;
      return;
    }
    this.buffer[this.length++] = byte;
  }

  private endFrame(sink: (frame: Buffer) => void): void {
    const { length, escaped, overflowed } = this;
    this.length = 0;
    this.escaped = false;
    this.overflowed = false;
    if (escaped) this.discarded.aborted++;
    else if (overflowed) this.discarded.too_long++;
    else if (length === 0) return; // two flags in a row: an empty frame, not an error (RFC 1662 §3.1)
    else if (length < MIN_FRAME_BYTES) this.discarded.too_short++;
    else if (fcs16(this.buffer.subarray(0, length)) !== FCS16_GOOD) this.discarded.bad_fcs++;
    else sink(Buffer.from(this.buffer.subarray(0, length - FCS16_BYTES)));
  }
}
