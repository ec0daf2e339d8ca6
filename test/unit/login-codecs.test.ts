// The login's wire codecs against hand-built packets laid out as the RFCs draw them: enhanced GRE
// (RFC 2637 §4.1), PPP encapsulation (RFC 1661 §2, RFC 1662 §3), HDLC-like framing (RFC 1662 §4,
// App. C), control packets and options (RFC 1661 §5, §6), CHAP (RFC 1994), PAP (RFC 1334), IPv4/ICMP.
import { describe, expect, it } from 'vitest';
import { chapMd5Response, decodeChapPacket, encodeChapResponse } from '../../shared/probers/pptp-login/chap.js';
import {
  decodeControlPacket,
  decodeEcho,
  decodeOptions,
  decodeProtocolReject,
  encodeCodeReject,
  encodeControlPacket,
  encodeEcho,
  encodeOptions,
  encodeProtocolReject,
} from '../../shared/probers/pptp-login/control-packet.js';
import { LoginDecodeError, type LoginDecodeErrorCode } from '../../shared/probers/pptp-login/errors.js';
import { decodeGre, encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { encodeHdlcFrame, fcs16, HdlcDecoder } from '../../shared/probers/pptp-login/hdlc.js';
import { decodeIcmp, encodeIcmpEcho } from '../../shared/probers/pptp-login/icmp.js';
import { decodeIpv4, encodeIpv4, formatIpv4, internetChecksum, parseIpv4 } from '../../shared/probers/pptp-login/ipv4.js';
import { authProtocolOption, magicNumberOption, mppeOption, readAuthProtocol, readMppeBits, readMru } from '../../shared/probers/pptp-login/options.js';
import { decodePapReply, encodePapRequest } from '../../shared/probers/pptp-login/pap.js';
import { decodePppFrame, encodePppFrame } from '../../shared/probers/pptp-login/ppp-frame.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function codeOf(fn: () => unknown): LoginDecodeErrorCode {
  try {
    fn();
  } catch (err) {
    if (err instanceof LoginDecodeError) return err.code;
    throw err;
  }
  throw new Error('expected a LoginDecodeError');
}

describe('enhanced GRE (RFC 2637 §4.1)', () => {
  it('encodes a data packet with sequence and acknowledgment exactly as the RFC draws it', () => {
    const bytes = encodeGre({ kind: 'data', callId: 0x1234, sequence: 7, ack: 5, payload: hex('ff03c021') });
    expect(bytes).toEqual(hex('3081 880b 0004 1234 00000007 00000005 ff03c021'));
    expect(decodeGre(bytes)).toEqual({ kind: 'data', callId: 0x1234, sequence: 7, ack: 5, payload: hex('ff03c021') });
  });

  it('encodes a data packet without ack and an ack-only packet', () => {
    expect(encodeGre({ kind: 'data', callId: 1, sequence: 0, ack: undefined, payload: hex('aa') })).toEqual(hex('3001 880b 0001 0001 00000000 aa'));
    expect(encodeGre({ kind: 'ack', callId: 9, ack: 0xffffffff })).toEqual(hex('2081 880b 0000 0009 ffffffff'));
    expect(decodeGre(hex('2081 880b 0000 0009 ffffffff'))).toEqual({ kind: 'ack', callId: 9, ack: 0xffffffff });
  });

  it('refuses every header the RFC does not allow, each with its own code', () => {
    expect(codeOf(() => decodeGre(hex('3000 880b 0000 0001 00000000')))).toBe('gre_bad_version');
    expect(codeOf(() => decodeGre(hex('3001 0800 0000 0001 00000000')))).toBe('gre_bad_protocol');
    expect(codeOf(() => decodeGre(hex('1001 880b 0000 0001 00000000')))).toBe('gre_key_missing');
    for (const flags of ['b001', '7001', '3801', '3101', '3009', '3041']) {
      expect(codeOf(() => decodeGre(hex(`${flags} 880b 0000 0001 00000000`)))).toBe('gre_reserved_bits');
    }
    expect(codeOf(() => decodeGre(hex('3001 880b 0002 0001 00000000 aa')))).toBe('gre_payload_length_mismatch');
    expect(codeOf(() => decodeGre(hex('3001 880b 0000 0001 00000000 aa')))).toBe('gre_payload_length_mismatch');
    expect(codeOf(() => decodeGre(hex('2001 880b 0001 0001 aa')))).toBe('gre_payload_without_sequence');
    expect(codeOf(() => decodeGre(hex('2001 880b 0000 0001')))).toBe('gre_empty');
    expect(codeOf(() => decodeGre(hex('3081 880b 0000 0001 00000000')))).toBe('truncated');
    expect(codeOf(() => decodeGre(hex('3081 880b')))).toBe('truncated');
  });
});

describe('PPP frames in GRE (RFC 1661 §2, RFC 1662 §3.2)', () => {
  it('encodes uncompressed by default and decodes all four forms of the same frame', () => {
    expect(encodePppFrame({ protocol: 0x0021, information: hex('45') })).toEqual(hex('ff03 0021 45'));
    expect(encodePppFrame({ protocol: 0x0021, information: hex('45') }, { acfc: true, pfc: true })).toEqual(hex('21 45'));
    for (const form of ['ff03002145', 'ff032145', '002145', '2145']) {
      expect(decodePppFrame(hex(form))).toEqual({ protocol: 0x0021, information: hex('45') });
    }
  });

  it('never compresses LCP, and never compresses a two-octet protocol into one', () => {
    expect(encodePppFrame({ protocol: 0xc021, information: hex('01') }, { acfc: true, pfc: true })).toEqual(hex('ff03 c021 01'));
    expect(encodePppFrame({ protocol: 0x80fd, information: hex('01') }, { pfc: true })).toEqual(hex('ff03 80fd 01'));
  });

  it('refuses 0xFF not followed by 0x03 and frames that end in the header', () => {
    expect(codeOf(() => decodePppFrame(hex('ff01c021')))).toBe('ppp_bad_address_control');
    expect(codeOf(() => decodePppFrame(hex('ff')))).toBe('truncated');
    expect(codeOf(() => decodePppFrame(hex('ff03')))).toBe('truncated');
    expect(codeOf(() => decodePppFrame(hex('ff03c0')))).toBe('truncated');
    expect(codeOf(() => decodePppFrame(hex('')))).toBe('truncated');
  });
});

describe('HDLC-like framing (RFC 1662 §4, Appendix C)', () => {
  it('computes the FCS-16 check value and the good-FCS residue', () => {
    // CRC-16/X-25 (the PPP FCS) of "123456789" is 0x906E once complemented.
    expect(fcs16(Buffer.from('123456789')) ^ 0xffff).toBe(0x906e);
    const framed = encodeHdlcFrame(hex('ff03c021 01010004'), 0);
    expect(fcs16(framed.subarray(1, -1))).toBe(0xf0b8);
  });

  it('escapes flag, escape and ACCM-mapped octets as RFC 1662 §4.2 shows', () => {
    const framed = encodeHdlcFrame(hex('7e 7d 03 11 20'), 0xffffffff);
    expect(framed.subarray(0, 9)).toEqual(hex('7e 7d5e 7d5d 7d23 7d31'));
    expect(framed[9]).toBe(0x20);
    expect(encodeHdlcFrame(hex('03 11'), 0).subarray(1, 3)).toEqual(hex('03 11'));
  });

  it('deframes frames split anywhere, shares flags, and drops bad ones while counting them', () => {
    // Prepare
    const good1 = hex('ff03c021 0101000a 0506 11223344');
    const good2 = hex('ff03 0021 4500');
    const stream = Buffer.concat([
      encodeHdlcFrame(good1),
      encodeHdlcFrame(good2).subarray(1), // shares the previous closing flag
      hex('7e 7e'), // an empty frame
      hex('7e ff7d23c021 4141 7e'), // bad FCS
      hex('7e 4142 7e'), // too short
      hex('7e ff03 7d 7e'), // aborted by escape-flag
      encodeHdlcFrame(good1),
    ]);
    const decoder = new HdlcDecoder();
    const frames: Buffer[] = [];

    // Act
    for (let i = 0; i < stream.length; i += 3) decoder.push(stream.subarray(i, i + 3), (f) => frames.push(f));

    // Assess
    expect(frames).toEqual([good1, good2, good1]);
    expect(decoder.discarded).toEqual({ bad_fcs: 1, too_short: 1, too_long: 0, aborted: 1 });
  });

  it('drops unescaped control characters flagged in the receive ACCM and keeps the buffer bounded', () => {
    // Prepare
    const decoder = new HdlcDecoder({ maxFrameBytes: 64 });
    const frames: Buffer[] = [];
    const withNoise = Buffer.from(encodeHdlcFrame(hex('ff03 0021 01020304'), 0xffffffff));
    const noisy = Buffer.concat([withNoise.subarray(0, 2), hex('11 13'), withNoise.subarray(2)]);

    // Act
    decoder.push(noisy, (f) => frames.push(f));
    decoder.push(Buffer.concat([hex('7e'), Buffer.alloc(5000, 0x41)]), (f) => frames.push(f));
    const held = decoder.bufferedBytes;
    decoder.push(hex('7e'), (f) => frames.push(f));

    // Assess
    expect(frames).toEqual([hex('ff03 0021 01020304')]);
    expect(held).toBeLessThanOrEqual(66);
    expect(decoder.discarded.too_long).toBe(1);
  });
});

describe('control packets and options (RFC 1661 §5, §6)', () => {
  it('round-trips a Configure-Request with options and ignores padding past Length', () => {
    // Prepare
    const options = [magicNumberOption(0x11223344), authProtocolOption('mschapv2'), mppeOption(0x01000040)];
    const bytes = encodeControlPacket({ code: 1, identifier: 7, data: encodeOptions(options) });

    // Act
    const packet = decodeControlPacket(Buffer.concat([bytes, hex('0000 0000')]));

    // Assess
    expect(bytes).toEqual(hex('01 07 0015 0506 11223344 0305 c22381 1206 01000040'));
    expect(packet.code).toBe(1);
    expect(packet.identifier).toBe(7);
    expect(decodeOptions(packet.data)).toEqual(options.map((o) => ({ type: o.type, data: Buffer.from(o.data) })));
    expect(readAuthProtocol(decodeOptions(packet.data)[1]!)).toEqual({ method: 'mschapv2' });
    expect(readMppeBits(decodeOptions(packet.data)[2]!)).toBe(0x01000040);
  });

  it('refuses bad Lengths with typed errors', () => {
    expect(codeOf(() => decodeControlPacket(hex('0101')))).toBe('truncated');
    expect(codeOf(() => decodeControlPacket(hex('01010003')))).toBe('control_length_below_header');
    expect(codeOf(() => decodeControlPacket(hex('01010008 0000')))).toBe('control_length_above_packet');
    expect(codeOf(() => decodeOptions(hex('0501')))).toBe('option_length_invalid');
    expect(codeOf(() => decodeOptions(hex('0506 1122')))).toBe('option_overrun');
    expect(codeOf(() => decodeOptions(hex('0506 11223344 05')))).toBe('option_overrun');
    expect(codeOf(() => readMru({ type: 1, data: hex('05') }))).toBe('option_bad_length');
  });

  it('reads the other authentication protocols and keeps unknown ones raw', () => {
    expect(readAuthProtocol(authProtocolOption('pap'))).toEqual({ method: 'pap' });
    expect(readAuthProtocol(authProtocolOption('chap-md5'))).toEqual({ method: 'chap-md5' });
    expect(readAuthProtocol({ type: 3, data: hex('c22380') })).toEqual({ method: 'other', protocol: 0xc223, data: hex('c22380') });
    expect(readAuthProtocol({ type: 3, data: hex('c227') })).toEqual({ method: 'other', protocol: 0xc227, data: hex('c227') });
  });

  it('builds and reads Protocol-Reject, Code-Reject and Echo, cut to the MRU', () => {
    const pr = decodeControlPacket(encodeProtocolReject(3, 0x80fd, Buffer.alloc(2000, 1), 1500));
    expect(pr.data).toHaveLength(1500 - 4);
    expect(decodeProtocolReject(pr)).toMatchObject({ rejectedProtocol: 0x80fd });
    expect(decodeControlPacket(encodeCodeReject(4, hex('20010004'), 1500)).data).toEqual(hex('20010004'));
    const echo = decodeControlPacket(encodeEcho(9, 1, { magicNumber: 0xdeadbeef, data: hex('0102') }));
    expect(decodeEcho(echo)).toEqual({ magicNumber: 0xdeadbeef, data: hex('0102') });
    expect(codeOf(() => decodeEcho({ code: 9, identifier: 1, data: hex('0102') }))).toBe('truncated');
  });
});

describe('CHAP (RFC 1994 §4) and PAP (RFC 1334 §2.2)', () => {
  it('decodes a Challenge and encodes the matching Response', () => {
    const challenge = decodeChapPacket(hex('01 05 001c 10 5b5d7c7d7b3f2f3e3c2c602132262628 676174657761 79'));
    expect(challenge).toEqual({ code: 1, identifier: 5, value: hex('5b5d7c7d7b3f2f3e3c2c602132262628'), name: 'gateway' });
    expect(encodeChapResponse(5, hex('0102'), 'User')).toEqual(hex('02 05 000b 02 0102 55736572'));
  });

  it('keeps Success/Failure messages raw and refuses a Value-Size past the packet', () => {
    expect(decodeChapPacket(hex('03 05 0007 532d31'))).toEqual({ code: 3, identifier: 5, message: Buffer.from('S-1') });
    expect(codeOf(() => decodeChapPacket(hex('01 05 0006 05 01')))).toBe('chap_value_overrun');
    expect(codeOf(() => decodeChapPacket(hex('01 05 0005 00')))).toBe('chap_value_overrun');
    expect(codeOf(() => decodeChapPacket(hex('01 05 0004')))).toBe('truncated');
  });

  it('computes CHAP-MD5 as MD5(identifier || secret || challenge)', () => {
    // MD5 of 0x01 || "secret" || 0x00..0x0f, computed independently with Python's hashlib.
    expect(chapMd5Response(1, 'secret', Buffer.from(Array.from({ length: 16 }, (_, i) => i)))).toEqual(hex('740e86463bda3a4d7017d6e0fba0699d'));
  });

  it('encodes a PAP request and decodes Ack and Nak, with or without a message', () => {
    expect(encodePapRequest(2, 'user', 'pw')).toEqual(hex('01 02 000c 04 75736572 02 7077'));
    expect(decodePapReply(hex('02 02 0008 03 4f4b21'))).toEqual({ code: 2, identifier: 2, message: 'OK!' });
    expect(decodePapReply(hex('03 02 0004'))).toEqual({ code: 3, identifier: 2, message: '' });
    expect(codeOf(() => decodePapReply(hex('03 02 0006 05 41')))).toBe('pap_field_overrun');
    expect(codeOf(() => decodePapReply(hex('01 02 0004')))).toBe('unexpected_code');
  });
});

describe('IPv4 and ICMP echo (RFC 791, RFC 792, RFC 1071)', () => {
  it('round-trips an echo request through IPv4 with valid checksums', () => {
    // Prepare
    const icmp = encodeIcmpEcho({ type: 8, identifier: 0x1234, sequence: 1, data: Buffer.from('pptp-monitor') });
    const ip = encodeIpv4({ source: parseIpv4('10.0.0.2'), destination: parseIpv4('10.0.0.1'), protocol: 1, ttl: 64, identification: 9, payload: icmp });

    // Act
    const packet = decodeIpv4(Buffer.concat([ip, hex('0000')]));
    const message = decodeIcmp(packet.payload);

    // Assess
    expect(internetChecksum(ip.subarray(0, 20))).toBe(0);
    expect(formatIpv4(packet.source)).toBe('10.0.0.2');
    expect(packet).toMatchObject({ protocol: 1, ttl: 64, identification: 9, isFragment: false });
    expect(message).toEqual({ kind: 'echo', type: 8, identifier: 0x1234, sequence: 1, data: Buffer.from('pptp-monitor') });
  });

  it('decodes a known header checksum (the textbook example) and non-echo ICMP', () => {
    const header = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).toBe(0);
    expect(decodeIcmp(hex('0300 fcff 0000 0000'))).toEqual({ kind: 'other', type: 3, code: 0, body: hex('0000 0000') });
  });

  it('refuses bad versions, lengths and checksums', () => {
    const good = encodeIpv4({ source: parseIpv4('1.2.3.4'), destination: parseIpv4('5.6.7.8'), protocol: 47, ttl: 1, identification: 0, payload: hex('00') });
    const mutate = (offset: number, value: number): Buffer => {
      const copy = Buffer.from(good);
      copy[offset] = value;
      return copy;
    };
    expect(codeOf(() => decodeIpv4(mutate(0, 0x65)))).toBe('ipv4_bad_version');
    expect(codeOf(() => decodeIpv4(mutate(0, 0x44)))).toBe('ipv4_bad_header_length');
    expect(codeOf(() => decodeIpv4(mutate(3, 0xff)))).toBe('ipv4_bad_total_length');
    expect(codeOf(() => decodeIpv4(mutate(8, 2)))).toBe('ipv4_bad_checksum');
    expect(codeOf(() => decodeIpv4(good.subarray(0, 19)))).toBe('truncated');
    expect(codeOf(() => decodeIcmp(hex('0800 0000 0000 0000')))).toBe('icmp_bad_checksum');
    expect(() => parseIpv4('1.2.3')).toThrow();
    expect(() => parseIpv4('1.2.3.256')).toThrow();
  });
});
