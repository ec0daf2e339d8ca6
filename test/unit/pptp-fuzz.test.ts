// Deterministic fuzzing of the PPTP codec and framer. Every input goes through decodeMessage and
// through a PptpFramer fed in random chunks; the framer's output is checked against a reference
// built from decodeMessage alone, so any disagreement between the two paths shows up.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ControlMessageType,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MAX_MESSAGE_SIZE_BYTES,
  MESSAGE_SIZE_BYTES,
  PptpDecodeError,
  PptpFramer,
  decodeMessage,
  encodeMessage,
  isControlMessageType,
  type ControlMessage,
  type ControlMessageType as ControlMessageTypeValue,
  type EncodableMessage,
  type PptpDecodeErrorCode,
} from '../../shared/probers/pptp/index.js';
import { mulberry32 } from '../support/prng.js';

// ---- deterministic randomness ----


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  u8(): number {
    return this.int(0x100);
  }
  u16(): number {
    return this.pick([0, 1, 0xffff, 0x7fff, 0x8000, this.int(0x10000)]);
  }
  u32(): number {
    return this.pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, this.int(0x100000000)]);
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u8();
    return out;
  }
  /** Any latin1 string, including NULs, control bytes and trailing spaces. */
  latin1(maxLength: number): string {
    const n = this.int(maxLength + 1);
    let s = '';
    for (let i = 0; i < n; i++) {
      s += this.chance(0.7) ? String.fromCharCode(this.range(0x20, 0x7e)) : String.fromCharCode(this.u8());
    }
    return s;
  }
}

// ---- inputs ----

const ALL_CODES: readonly PptpDecodeErrorCode[] = [
  'truncated',
  'length_below_header',
  'length_above_message_size',
  'length_below_message_size',
  'not_control_message',
  'bad_magic_cookie',
  'unknown_control_type',
];
const KNOWN_CODES = new Set<string>(ALL_CODES);
const OPAQUE_TYPES = [9, 10, 11, 14, 15] as const;

function randomEncodable(rng: Rng): EncodableMessage {
  switch (rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 12, 13] as const)) {
    case 1:
      return {
        type: 1,
        protocolVersion: rng.u16(),
        framingCapabilities: rng.u32(),
        bearerCapabilities: rng.u32(),
        maxChannels: rng.u16(),
        firmwareRevision: rng.u16(),
        hostname: rng.latin1(70),
        vendor: rng.latin1(70),
      };
    case 2:
      return {
        type: 2,
        protocolVersion: rng.u16(),
        resultCode: rng.u8(),
        errorCode: rng.u8(),
        framingCapabilities: rng.u32(),
        bearerCapabilities: rng.u32(),
        maxChannels: rng.u16(),
        firmwareRevision: rng.u16(),
        hostname: rng.latin1(70),
        vendor: rng.latin1(70),
      };
    case 3:
      return { type: 3, reason: rng.u8() };
    case 4:
      return { type: 4, resultCode: rng.u8(), errorCode: rng.u8() };
    case 5:
      return { type: 5, identifier: rng.u32() };
    case 6:
      return { type: 6, identifier: rng.u32(), resultCode: rng.u8(), errorCode: rng.u8() };
    case 7:
      return {
        type: 7,
        callId: rng.u16(),
        callSerialNumber: rng.u16(),
        minimumBps: rng.u32(),
        maximumBps: rng.u32(),
        bearerType: rng.u32(),
        framingType: rng.u32(),
        packetRecvWindowSize: rng.u16(),
        packetProcessingDelay: rng.u16(),
        phoneNumber: rng.latin1(70),
        subaddress: rng.latin1(70),
      };
    case 8:
      return {
        type: 8,
        callId: rng.u16(),
        peerCallId: rng.u16(),
        resultCode: rng.u8(),
        errorCode: rng.u8(),
        causeCode: rng.u16(),
        connectSpeed: rng.u32(),
        packetRecvWindowSize: rng.u16(),
        packetProcessingDelay: rng.u16(),
        physicalChannelId: rng.u32(),
      };
    case 12:
      return { type: 12, callId: rng.u16() };
    case 13:
      return {
        type: 13,
        callId: rng.u16(),
        resultCode: rng.u8(),
        errorCode: rng.u8(),
        causeCode: rng.u16(),
        callStatistics: rng.latin1(140),
      };
  }
}

function randomOpaque(rng: Rng): Buffer {
  const type = rng.pick(OPAQUE_TYPES);
  const size = MESSAGE_SIZE_BYTES[type];
  const buf = rng.bytes(size);
  buf.writeUInt16BE(size, 0);
  buf.writeUInt16BE(1, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  buf.writeUInt16BE(type, 8);
  buf.writeUInt16BE(0, 10);
  return buf;
}

/** A valid encoded control message of any of the 15 types. */
function randomValid(rng: Rng): Buffer {
  return rng.chance(0.75) ? encodeMessage(randomEncodable(rng)) : randomOpaque(rng);
}

function mutateOnce(base: Buffer, rng: Rng): Buffer {
  const buf = Buffer.from(base);
  const headerBiased = (): number => (rng.chance(0.5) ? rng.int(Math.min(HEADER_SIZE_BYTES, buf.length)) : rng.int(buf.length));
  switch (rng.int(8)) {
    case 0: {
      // bit flips
      if (buf.length === 0) return buf;
      for (let n = rng.range(1, 4); n > 0; n--) {
        const pos = headerBiased();
        buf[pos] = buf[pos]! ^ (1 << rng.int(8));
      }
      return buf;
    }
    case 1: {
      // byte overwrites
      if (buf.length === 0) return buf;
      for (let n = rng.range(1, 4); n > 0; n--) buf[headerBiased()] = rng.pick([0, 0xff, 0x20, 0x7f, rng.u8()]);
      return buf;
    }
    case 2:
      // truncation
      return buf.subarray(0, rng.int(buf.length + 1));
    case 3:
      // extension with random bytes or a partial valid message
      return Buffer.concat([buf, rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : randomValid(rng).subarray(0, rng.range(1, 40))]);
    case 4: {
      // length-field edit
      if (buf.length < 2) return buf;
      const current = buf.readUInt16BE(0);
      const otherSize = MESSAGE_SIZE_BYTES[rng.range(1, 15) as ControlMessageTypeValue];
      const length = rng.pick([
        rng.int(0x10000),
        rng.int(HEADER_SIZE_BYTES),
        HEADER_SIZE_BYTES,
        MAX_MESSAGE_SIZE_BYTES,
        MAX_MESSAGE_SIZE_BYTES + 1,
        otherSize,
        Math.max(0, current - rng.range(1, 8)),
        Math.min(0xffff, current + rng.range(1, 8)),
      ]);
      buf.writeUInt16BE(length, 0);
      return buf;
    }
    case 5: {
      // concatenation with further valid (occasionally mutated) messages
      const parts: Buffer[] = [buf];
      for (let n = rng.range(1, 3); n > 0; n--) parts.push(rng.chance(0.2) ? mutateOnce(randomValid(rng), rng) : randomValid(rng));
      return Buffer.concat(parts);
    }
    case 6: {
      // control type edit, sometimes with a matching length so the body is reinterpreted
      if (buf.length < 10) return buf;
      const type = rng.chance(0.7) ? rng.range(1, 15) : rng.pick([0, 16, 17, 0xff, 0xffff, rng.int(0x10000)]);
      buf.writeUInt16BE(type, 8);
      if (isControlMessageType(type) && rng.chance(0.5)) {
        const size = MESSAGE_SIZE_BYTES[type];
        const resized = Buffer.alloc(size);
        buf.copy(resized, 0, 0, Math.min(size, buf.length));
        resized.writeUInt16BE(size, 0);
        return resized;
      }
      return buf;
    }
    default: {
      // PPTP message type or magic cookie edit
      if (buf.length < 8) return buf;
      if (rng.chance(0.5)) buf.writeUInt16BE(rng.pick([0, 2, 3, 0x0100, rng.int(0x10000)]), 2);
      else buf.writeUInt32BE(rng.pick([0, 0x4d3c2b1a, MAGIC_COOKIE ^ (1 << rng.int(32)), rng.int(0x100000000)]) >>> 0, 4);
      return buf;
    }
  }
}

function mutate(base: Buffer, rng: Rng): Buffer {
  let out = mutateOnce(base, rng);
  for (let n = rng.chance(0.25) ? rng.range(1, 2) : 0; n > 0; n--) out = mutateOnce(out, rng);
  return out;
}

/** Splits `input` into chunks of a randomly chosen style: whole, single bytes, small or large pieces. */
function chunkify(input: Uint8Array, rng: Rng): Uint8Array[] {
  const style = rng.int(4);
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < input.length; ) {
    const size =
      style === 0 ? input.length : style === 1 ? 1 : style === 2 ? rng.range(1, 16) : rng.range(1, Math.max(1, input.length));
    chunks.push(input.subarray(offset, offset + size));
    offset += size;
  }
  if (rng.chance(0.1)) chunks.splice(rng.int(chunks.length + 1), 0, new Uint8Array(0));
  return chunks;
}

// ---- oracle ----

interface Outcome {
  messages: ControlMessage[];
  errorCode: PptpDecodeErrorCode | undefined;
  buffered: number;
}

interface Stats {
  inputs: number;
  decodeOk: number;
  framerMessages: number;
  codes: Map<string, number>;
  maxBuffered: number;
  violations: string[];
}

function newStats(): Stats {
  return { inputs: 0, decodeOk: 0, framerMessages: 0, codes: new Map(), maxBuffered: 0, violations: [] };
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Structural invariants of anything the codec returns. Returns a description of the first violation. */
function messageProblem(m: ControlMessage): string | undefined {
  if (!Number.isInteger(m.type) || m.type < 1 || m.type > 15) return `type ${String(m.type)} outside 1..15`;
  if ('body' in m) {
    if (!(OPAQUE_TYPES as readonly number[]).includes(m.type)) return `type ${m.type} decoded as opaque`;
    if (!(m.body instanceof Uint8Array)) return 'opaque body is not a Uint8Array';
    if (m.body.length !== MESSAGE_SIZE_BYTES[m.type] - HEADER_SIZE_BYTES) return `opaque body of ${m.body.length} bytes for type ${m.type}`;
    return undefined;
  }
  if ((OPAQUE_TYPES as readonly number[]).includes(m.type)) return `opaque type ${m.type} decoded without a body`;
  for (const [key, value] of Object.entries(m)) {
    if (typeof value === 'string') {
      const width = key === 'callStatistics' ? 128 : 64;
      if (!PRINTABLE.test(value)) return `${key} holds a non-printable character`;
      if (value.endsWith(' ')) return `${key} ends with a space`;
      if (value.length > width) return `${key} is longer than its ${width}-byte field`;
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) return `${key} = ${value} is not a uint32`;
    } else {
      return `${key} has unexpected type ${typeof value}`;
    }
  }
  return undefined;
}

function hex(input: Uint8Array): string {
  return Buffer.from(input.subarray(0, 64)).toString('hex') + (input.length > 64 ? `...(${input.length} bytes)` : '');
}

/** What a correct framer must produce for `input`, derived from decodeMessage alone. */
function reference(input: Uint8Array, stats: Stats): Outcome {
  const messages: ControlMessage[] = [];
  let offset = 0;
  while (offset < input.length) {
    let m: ControlMessage;
    try {
      m = decodeMessage(input, offset);
    } catch (err) {
      if (!(err instanceof PptpDecodeError) || !KNOWN_CODES.has(err.code)) {
        stats.violations.push(`decodeMessage threw ${String(err)} at ${offset} for ${hex(input)}`);
        return { messages, errorCode: undefined, buffered: -1 };
      }
      stats.codes.set(err.code, (stats.codes.get(err.code) ?? 0) + 1);
      if (err.code === 'truncated') return { messages, errorCode: undefined, buffered: input.length - offset };
      return { messages, errorCode: err.code, buffered: -1 };
    }
    stats.decodeOk++;
    const problem = messageProblem(m);
    if (problem) stats.violations.push(`decodeMessage: ${problem} for ${hex(input)}`);
    messages.push(m);
    offset += MESSAGE_SIZE_BYTES[m.type];
  }
  return { messages, errorCode: undefined, buffered: 0 };
}

function runFramer(input: Uint8Array, rng: Rng, stats: Stats): Outcome {
  const framer = new PptpFramer();
  const messages: ControlMessage[] = [];
  let error: unknown;
  for (const chunk of chunkify(input, rng)) {
    try {
      framer.push(chunk, (m) => void messages.push(m));
    } catch (err) {
      error = err;
    }
    stats.maxBuffered = Math.max(stats.maxBuffered, framer.bufferedBytes);
    if (framer.bufferedBytes > MAX_MESSAGE_SIZE_BYTES) stats.violations.push(`framer buffered ${framer.bufferedBytes} bytes for ${hex(input)}`);
    if (error !== undefined) break;
  }
  for (const m of messages) {
    const problem = messageProblem(m);
    if (problem) stats.violations.push(`framer: ${problem} for ${hex(input)}`);
  }
  stats.framerMessages += messages.length;
  if (error === undefined) return { messages, errorCode: undefined, buffered: framer.bufferedBytes };
  if (!(error instanceof PptpDecodeError) || !KNOWN_CODES.has(error.code)) {
    stats.violations.push(`framer threw ${String(error)} for ${hex(input)}`);
    return { messages, errorCode: undefined, buffered: -1 };
  }
  stats.codes.set(error.code, (stats.codes.get(error.code) ?? 0) + 1);
  // Poisoned: any later push rethrows the very same error and delivers nothing.
  let again: unknown;
  try {
    framer.push(rng.bytes(rng.int(4)), (m) => void messages.push(m));
  } catch (err) {
    again = err;
  }
  if (again !== error) stats.violations.push(`framer not poisoned after ${error.code} for ${hex(input)}`);
  return { messages, errorCode: error.code, buffered: -1 };
}

function check(input: Uint8Array, rng: Rng, stats: Stats): void {
  stats.inputs++;
  const expected = reference(input, stats);
  const actual = runFramer(input, rng, stats);
  if (!isDeepStrictEqual(actual, expected)) {
    stats.violations.push(
      `framer disagrees with decodeMessage for ${hex(input)}: expected ${expected.messages.length} messages/${String(expected.errorCode)}/${expected.buffered} buffered, ` +
        `got ${actual.messages.length} messages/${String(actual.errorCode)}/${actual.buffered} buffered`,
    );
  }
}

function codesSeen(stats: Stats): string[] {
  return [...stats.codes.keys()].sort();
}

// ---- tests ----

describe('PPTP codec fuzzing', () => {
  it('handles 20,000 random buffers of 0..400 bytes with typed errors only, in decodeMessage and the framer', () => {
    // Prepare
    const rng = new Rng(0xc0ffee);
    const stats = newStats();
    const iterations = 20_000;

    // Act
    for (let i = 0; i < iterations; i++) check(rng.bytes(rng.int(401)), rng, stats);

    // Assess
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.inputs).toBe(iterations);
    expect(stats.maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
    expect(codesSeen(stats)).toEqual(expect.arrayContaining(['length_above_message_size', 'truncated']));
    expect(codesSeen(stats).length).toBeGreaterThanOrEqual(3);
    expect(codesSeen(stats).every((c) => KNOWN_CODES.has(c))).toBe(true);
  });

  it('handles 20,000 random buffers that start with a valid header prefix', () => {
    // Prepare: random bytes behind the first 0..12 bytes of a real header, so the later checks run.
    const rng = new Rng(0xbadc0de);
    const stats = newStats();
    const iterations = 20_000;

    // Act
    for (let i = 0; i < iterations; i++) {
      const valid = randomValid(rng);
      const keep = rng.int(HEADER_SIZE_BYTES + 1);
      const input = Buffer.concat([valid.subarray(0, keep), rng.bytes(rng.int(401 - keep))]);
      check(input, rng, stats);
    }

    // Assess
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.inputs).toBe(iterations);
    expect(stats.decodeOk).toBeGreaterThan(100);
    expect(stats.maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
    expect(codesSeen(stats)).toEqual([...ALL_CODES].sort());
  });

  it('handles 25,000 mutations of valid messages, agreeing with decodeMessage and hitting every error code', () => {
    // Prepare
    const rng = new Rng(0x5eed);
    const stats = newStats();
    const iterations = 25_000;

    // Act
    for (let i = 0; i < iterations; i++) check(mutate(randomValid(rng), rng), rng, stats);

    // Assess
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.inputs).toBe(iterations);
    expect(stats.decodeOk).toBeGreaterThan(iterations / 10);
    expect(stats.framerMessages).toBe(stats.decodeOk);
    expect(stats.maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
    expect(stats.maxBuffered).toBeGreaterThan(MESSAGE_SIZE_BYTES[ControlMessageType.OutgoingCallRequest]);
    expect(codesSeen(stats)).toEqual([...ALL_CODES].sort());
  });

  it('round-trips 5,000 random valid messages through the framer in random chunks', () => {
    // Prepare
    const rng = new Rng(0xfeed);
    const stats = newStats();
    const iterations = 5_000;

    // Act
    for (let i = 0; i < iterations; i++) {
      const parts = Array.from({ length: rng.range(1, 4) }, () => randomValid(rng));
      check(Buffer.concat(parts), rng, stats);
    }

    // Assess
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.codes.size).toBe(0);
    expect(stats.decodeOk).toBeGreaterThanOrEqual(iterations);
    expect(stats.framerMessages).toBe(stats.decodeOk);
  });
});
