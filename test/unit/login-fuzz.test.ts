// Deterministic fuzzing of every login decoder with random bytes and with mutations of valid
// packets: each must return a value that holds its invariants or throw a LoginDecodeError with a
// known code, never a RangeError or anything else. Strict decoders are also checked to round-trip:
// whatever they accept re-encodes to the very same bytes. The HDLC decoder and the negotiation
// automaton take the same streams and must never throw nor grow past their bounds.
import { describe, expect, it } from 'vitest';
import { decodeChapPacket, encodeChapChallenge, encodeChapResponse, encodeChapResult } from '../../shared/probers/pptp-login/chap.js';
import { decodeControlPacket, decodeEcho, decodeOptions, decodeProtocolReject, encodeControlPacket, encodeOptions } from '../../shared/probers/pptp-login/control-packet.js';
import { LoginDecodeError, type LoginDecodeErrorCode } from '../../shared/probers/pptp-login/errors.js';
import { decodeGre, encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { encodeHdlcFrame, HdlcDecoder } from '../../shared/probers/pptp-login/hdlc.js';
import { decodeIcmp, encodeIcmpEcho } from '../../shared/probers/pptp-login/icmp.js';
import { decodeIpv4, encodeIpv4 } from '../../shared/probers/pptp-login/ipv4.js';
import { LcpPolicy } from '../../shared/probers/pptp-login/lcp-policy.js';
import { deriveMppeStartKeys } from '../../shared/probers/pptp-login/mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from '../../shared/probers/pptp-login/mppe.js';
import { parseMsChapV2Failure, parseMsChapV2Success } from '../../shared/probers/pptp-login/ms-chap-v2-messages.js';
import { NegotiationAutomaton } from '../../shared/probers/pptp-login/negotiation-automaton.js';
import { authProtocolOption, magicNumberOption, mppeOption, readAuthProtocol, readMagicNumber, readMppeBits } from '../../shared/probers/pptp-login/options.js';
import { decodePapReply, decodePapRequest, encodePapRequest } from '../../shared/probers/pptp-login/pap.js';
import { decodePppFrame, encodePppFrame } from '../../shared/probers/pptp-login/ppp-frame.js';
import { mulberry32 } from '../support/prng.js';

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set<LoginDecodeErrorCode>([
  'truncated', 'unexpected_code', 'gre_bad_version', 'gre_bad_protocol', 'gre_key_missing', 'gre_reserved_bits',
  'gre_payload_length_mismatch', 'gre_payload_without_sequence', 'gre_empty', 'ppp_bad_address_control',
  'control_length_below_header', 'control_length_above_packet', 'option_length_invalid', 'option_overrun', 'option_bad_length',
  'chap_value_overrun', 'pap_field_overrun', 'ipv4_bad_version', 'ipv4_bad_header_length', 'ipv4_bad_total_length',
  'ipv4_bad_checksum', 'icmp_bad_checksum', 'mppe_not_encrypted', 'mppe_not_flushed', 'mppe_late_packet', 'mppe_bad_protocol',
]);

interface Stats {
  ok: number;
  codes: Map<string, number>;
  violations: string[];
}

/** Runs `decode`; a result goes to `check` (returns a problem or undefined), an error must be typed. */
function attempt<T>(stats: Stats, name: string, input: Uint8Array, decode: () => T, check: (value: T) => string | undefined = () => undefined): void {
  let value: T;
  try {
    value = decode();
  } catch (err) {
    if (err instanceof LoginDecodeError && KNOWN_CODES.has(err.code)) {
      stats.codes.set(`${name}:${err.code}`, (stats.codes.get(`${name}:${err.code}`) ?? 0) + 1);
    } else {
      stats.violations.push(`${name} threw ${String(err)} for ${Buffer.from(input).toString('hex').slice(0, 120)}`);
    }
    return;
  }
  stats.ok++;
  const problem = check(value);
  if (problem) stats.violations.push(`${name}: ${problem} for ${Buffer.from(input).toString('hex').slice(0, 120)}`);
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;
const KEYS = deriveMppeStartKeys('clientPass', Buffer.alloc(24, 7), 128, 'client');

/**
 * Every decoder on one input. MPPE runs on a sample only: a random coherency count costs up to 2,048
 * key changes (RFC 3078 §8.1 resynchronisation), which is the point of that decoder's bound, not of
 * this loop.
 */
function decodeAll(input: Buffer, stats: Stats, rx: MppeStatelessDecryptor, withMppe: boolean): void {
  attempt(stats, 'gre', input, () => decodeGre(input), (p) => (same(encodeGre(p), input) ? undefined : 'GRE does not re-encode to its input'));
  attempt(stats, 'ppp', input, () => decodePppFrame(input), (f) => (same(input.subarray(input.length - f.information.length), f.information) && f.protocol <= 0xffff ? undefined : 'PPP information is not the tail'));
  attempt(stats, 'control', input, () => decodeControlPacket(input), (p) => (same(encodeControlPacket(p), input.subarray(0, 4 + p.data.length)) ? undefined : 'control packet does not re-encode'));
  attempt(stats, 'options', input, () => decodeOptions(input), (o) => (same(encodeOptions(o), input) ? undefined : 'options do not re-encode'));
  attempt(stats, 'chap', input, () => decodeChapPacket(input), (p) => ('name' in p && (p.name.length > 256 || !/^[\x20-\x7e]*$/.test(p.name)) ? 'CHAP name not printable/bounded' : undefined));
  attempt(stats, 'pap-reply', input, () => decodePapReply(input), (r) => (r.message.length <= 255 ? undefined : 'PAP message too long'));
  attempt(stats, 'pap-request', input, () => decodePapRequest(input));
  attempt(stats, 'ipv4', input, () => decodeIpv4(input), (p) => (p.payload.length <= input.length - 20 ? undefined : 'IPv4 payload longer than the packet'));
  attempt(stats, 'icmp', input, () => decodeIcmp(input));
  if (withMppe) attempt(stats, 'mppe', input, () => rx.decrypt(input), (d) => (d.protocol >= 0x21 && d.protocol <= 0xfa ? undefined : 'MPPE protocol out of range'));
  const packet = { code: 8, identifier: 0, data: input };
  attempt(stats, 'protocol-reject', input, () => decodeProtocolReject(packet));
  attempt(stats, 'echo', input, () => decodeEcho(packet));
  const option = { type: 3, data: input.subarray(0, 255) };
  attempt(stats, 'auth', input, () => readAuthProtocol(option));
  attempt(stats, 'magic', input, () => readMagicNumber(option));
  attempt(stats, 'mppe-bits', input, () => readMppeBits(option));
  attempt(stats, 'mschap-success', input, () => parseMsChapV2Success(input), (s) => (s.message.length <= 256 ? undefined : 'message unbounded'));
  attempt(stats, 'mschap-failure', input, () => parseMsChapV2Failure(input), (f) => (f.challenge === undefined || f.challenge.length === 16 ? undefined : 'challenge of a wrong size'));
}

/** A valid encoding of one of the packet kinds the decoders take. */
function validPacket(rng: Rng, tx: MppeStatelessEncryptor): Buffer {
  switch (rng.int(10)) {
    case 9: {
      // A GRE header with any combination of S and A and a consistent Payload Length, legal or not.
      const hasSequence = rng.chance(0.5);
      const hasAck = rng.chance(0.5);
      const payload = rng.bytes(rng.chance(0.5) ? 0 : rng.int(20));
      const head = Buffer.alloc(8 + (hasSequence ? 4 : 0) + (hasAck ? 4 : 0));
      head[0] = 0x20 | (hasSequence ? 0x10 : 0);
      head[1] = (hasAck ? 0x80 : 0) | 1;
      head.writeUInt16BE(0x880b, 2);
      head.writeUInt16BE(payload.length, 4);
      return Buffer.concat([head, payload]);
    }
    case 0:
      return rng.chance(0.8)
        ? encodeGre({ kind: 'data', callId: rng.int(0x10000), sequence: rng.int(2 ** 32), ack: rng.chance(0.5) ? rng.int(2 ** 32) : undefined, payload: rng.bytes(rng.int(60)) })
        : encodeGre({ kind: 'ack', callId: rng.int(0x10000), ack: rng.int(2 ** 32) });
    case 1:
      return encodePppFrame({ protocol: rng.pick([0x21, 0xc021, 0xc223, 0x8021, 0x80fd, 0xfd]), information: rng.bytes(rng.int(40)) }, { acfc: rng.chance(0.5), pfc: rng.chance(0.5) });
    case 2:
      return encodeControlPacket({ code: rng.int(16), identifier: rng.int(256), data: encodeOptions([magicNumberOption(rng.int(2 ** 32)), authProtocolOption(rng.pick(['pap', 'chap-md5', 'mschapv2'] as const)), mppeOption(rng.int(2 ** 32))].slice(0, rng.int(4))) });
    case 3:
      return rng.pick([
        () => encodeChapChallenge(rng.int(256), rng.bytes(1 + rng.int(20)), 'gw'),
        () => encodeChapResponse(rng.int(256), rng.bytes(1 + rng.int(49)), 'user'),
        () => encodeChapResult(rng.pick([3, 4] as const), rng.int(256), 'E=691 R=1 C=00112233445566778899aabbccddeeff V=3 M=no'),
      ])();
    case 4:
      return encodePapRequest(rng.int(256), 'user', 'secret');
    case 5: {
      const icmp = encodeIcmpEcho({ type: rng.pick([0, 8] as const), identifier: rng.int(0x10000), sequence: rng.int(0x10000), data: rng.bytes(rng.int(40)) });
      return encodeIpv4({ source: rng.bytes(4), destination: rng.bytes(4), protocol: 1, ttl: rng.int(256), identification: rng.int(0x10000), payload: icmp });
    }
    case 6:
      return encodeIcmpEcho({ type: 8, identifier: 1, sequence: rng.int(0x10000), data: rng.bytes(rng.int(20)) });
    case 7:
      return tx.encrypt(0x21, rng.bytes(rng.int(40)));
    default:
      return Buffer.from(`S=${rng.bytes(20).toString('hex').toUpperCase()} M=${rng.bytes(rng.int(10)).toString('latin1')}`, 'latin1');
  }
}

function mutate(base: Buffer, rng: Rng): Buffer {
  const buf = Buffer.from(base);
  switch (rng.int(5)) {
    case 0:
      // Bit flips, biased toward the headers.
      for (let n = 1 + rng.int(3); n > 0 && buf.length > 0; n--) {
        const at = rng.int(Math.min(buf.length, rng.chance(0.6) ? 12 : buf.length));
        buf[at] = buf[at]! ^ (1 << rng.int(8));
      }
      return buf;
    case 1:
      for (let n = 1 + rng.int(3); n > 0 && buf.length > 0; n--) buf[rng.int(buf.length)] = rng.pick([0, 0xff, 0x7e, 0x7d, 0x01, rng.int(256)]);
      return buf;
    case 2:
      return buf.subarray(0, rng.int(buf.length + 1));
    case 3:
      return Buffer.concat([buf, rng.bytes(1 + rng.int(16))]);
    default:
      // Length-like fields live in the first 8 bytes of most of these formats.
      if (buf.length >= 4) buf.writeUInt16BE(rng.pick([0, 1, 3, 4, 5, buf.length, buf.length + 1, 0xffff, rng.int(0x10000)]), rng.pick([2, 4].filter((o) => o + 2 <= buf.length)));
      return buf;
  }
}

function newStats(): Stats {
  return { ok: 0, codes: new Map(), violations: [] };
}

describe('login decoder fuzzing', () => {
  it('handles 20,000 random buffers of 0..200 bytes in all 17 decoders (MPPE on every 50th) with typed errors only', () => {
    // Prepare
    const rng = new Rng(0x10917);
    const stats = newStats();
    const rx = new MppeStatelessDecryptor(KEYS.receiveStartKey);

    // Act
    for (let i = 0; i < 20_000; i++) decodeAll(rng.bytes(rng.int(201)), stats, rx, i % 50 === 0);

    // Assess
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.codes.size).toBeGreaterThanOrEqual(25);
  });

  it('handles 30,000 mutations of valid packets (MPPE on every 10th), round-tripping what the strict decoders accept, hitting every error code', () => {
    // Prepare
    const rng = new Rng(0x5eed);
    const stats = newStats();
    const tx = new MppeStatelessEncryptor(KEYS.sendStartKey);
    const rx = new MppeStatelessDecryptor(deriveMppeStartKeys('clientPass', Buffer.alloc(24, 7), 128, 'server').receiveStartKey);

    // Act
    for (let i = 0; i < 30_000; i++) decodeAll(mutate(validPacket(rng, tx), rng), stats, rx, i % 10 === 0);

    // Assess
    const codes = new Set([...stats.codes.keys()].map((k) => k.split(':')[1]));
    expect(stats.violations.slice(0, 5)).toEqual([]);
    expect(stats.ok).toBeGreaterThan(30_000);
    expect([...KNOWN_CODES].filter((c) => !codes.has(c))).toEqual([]);
  });
});

describe('HDLC decoder and negotiation automaton fuzzing', () => {
  it('deframes 2,000 random streams of good, mutated and random frames without throwing or exceeding its buffer', () => {
    // Prepare
    const rng = new Rng(0x1662);
    const tx = new MppeStatelessEncryptor(KEYS.sendStartKey);
    let delivered = 0;
    let maxBuffered = 0;
    let wrong = 0;

    // Act
    for (let i = 0; i < 2000; i++) {
      const decoder = new HdlcDecoder({ maxFrameBytes: 128, receiveAccm: rng.pick([0, 0xffffffff]) });
      const frames = Array.from({ length: 1 + rng.int(5) }, () => validPacket(rng, tx).subarray(0, 120));
      const parts = frames.map((f) => (rng.chance(0.7) ? encodeHdlcFrame(f, 0xffffffff) : rng.chance(0.5) ? mutate(encodeHdlcFrame(f), rng) : rng.bytes(rng.int(300))));
      const stream = Buffer.concat(parts);
      for (let offset = 0; offset < stream.length; ) {
        const n = 1 + rng.int(64);
        decoder.push(stream.subarray(offset, offset + n), (frame) => {
          delivered++;
          if (frame.length > 128) wrong++;
        });
        maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
        offset += n;
      }
    }

    // Assess
    expect(wrong).toBe(0);
    expect(maxBuffered).toBeLessThanOrEqual(130);
    expect(delivered).toBeGreaterThan(2000);
  });

  it('feeds 20,000 random and mutated control packets to an LCP automaton in every state without a throw', () => {
    // Prepare
    const rng = new Rng(0xa11);
    const tx = new MppeStatelessEncryptor(KEYS.sendStartKey);
    const timers: Array<() => void> = [];
    const automaton = new NegotiationAutomaton(
      { name: 'LCP', isLcp: true, schedule: (_ms, fn) => (timers.push(fn), () => undefined) },
      new LcpPolicy({ allowedAuth: ['mschapv2', 'pap'], nextMagic: () => rng.int(2 ** 32) }),
      { send: () => undefined },
    );
    const states = new Set<string>();
    let thrown = 0;

    // Act
    for (let i = 0; i < 20_000; i++) {
      try {
        const r = rng.int(10);
        if (r === 0) automaton.up();
        else if (r === 1) automaton.open();
        else if (r === 2 && rng.chance(0.2)) automaton.close();
        else if (r === 3 && rng.chance(0.1)) automaton.down();
        else if (r === 4) timers.shift()?.();
        else automaton.receive(rng.chance(0.5) ? rng.bytes(rng.int(40)) : mutate(validPacket(rng, tx), rng));
      } catch {
        thrown++;
      }
      states.add(automaton.state);
    }

    // Assess
    expect(thrown).toBe(0);
    expect(states.size).toBeGreaterThanOrEqual(8);
  });
});
