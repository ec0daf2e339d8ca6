// Unit tests for the RFC 2637 control-message codec: round trips, absolute byte layouts, opaque
// message types, sanitisation of peer strings and every decode error code.
import { describe, expect, it } from 'vitest';
import {
  CALL_DISCONNECT_RESULT_TEXT,
  ControlMessageType,
  ECHO_RESULT_TEXT,
  GENERAL_ERROR_TEXT,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MAX_MESSAGE_SIZE_BYTES,
  MESSAGE_NAMES,
  MESSAGE_SIZE_BYTES,
  OUTGOING_CALL_RESULT_TEXT,
  PPTP_MESSAGE_TYPE_CONTROL,
  PROTOCOL_VERSION,
  PptpDecodeError,
  START_CONTROL_RESULT_TEXT,
  STOP_CONTROL_RESULT_TEXT,
  STOP_REASON_TEXT,
  checkHeaderPrefix,
  codeText,
  decodeMessage,
  encodeMessage,
  isControlMessageType,
  messageName,
  type ControlMessage,
  type ControlMessageType as ControlMessageTypeValue,
  type EncodableMessage,
  type PptpDecodeErrorCode,
} from '../../shared/probers/pptp/index.js';

// ---- helpers ----

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const U8_MAX = 0xff;

/** A printable, exactly `length`-character string with no trailing space (so it survives trimming). */
function printable(length: number, seed: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(0x21 + ((seed + i * 7) % 94));
  return out;
}

const HOST_63 = printable(63, 0);
const VENDOR_63 = printable(63, 11);
const PHONE_63 = printable(63, 23);
const SUBADDRESS_63 = printable(63, 37);
const STATISTICS_127 = printable(127, 41);

/** One message of every encodable type, with extreme field values. */
const EXTREME_MESSAGES: readonly EncodableMessage[] = [
  {
    type: ControlMessageType.StartControlConnectionRequest,
    protocolVersion: U16_MAX,
    framingCapabilities: U32_MAX,
    bearerCapabilities: U32_MAX,
    maxChannels: U16_MAX,
    firmwareRevision: U16_MAX,
    hostname: HOST_63,
    vendor: VENDOR_63,
  },
  {
    type: ControlMessageType.StartControlConnectionReply,
    protocolVersion: U16_MAX,
    resultCode: U8_MAX,
    errorCode: U8_MAX,
    framingCapabilities: U32_MAX,
    bearerCapabilities: U32_MAX,
    maxChannels: U16_MAX,
    firmwareRevision: U16_MAX,
    hostname: HOST_63,
    vendor: VENDOR_63,
  },
  { type: ControlMessageType.StopControlConnectionRequest, reason: U8_MAX },
  { type: ControlMessageType.StopControlConnectionReply, resultCode: U8_MAX, errorCode: U8_MAX },
  { type: ControlMessageType.EchoRequest, identifier: U32_MAX },
  { type: ControlMessageType.EchoReply, identifier: U32_MAX, resultCode: U8_MAX, errorCode: U8_MAX },
  {
    type: ControlMessageType.OutgoingCallRequest,
    callId: U16_MAX,
    callSerialNumber: U16_MAX,
    minimumBps: U32_MAX,
    maximumBps: U32_MAX,
    bearerType: U32_MAX,
    framingType: U32_MAX,
    packetRecvWindowSize: U16_MAX,
    packetProcessingDelay: U16_MAX,
    phoneNumber: PHONE_63,
    subaddress: SUBADDRESS_63,
  },
  {
    type: ControlMessageType.OutgoingCallReply,
    callId: U16_MAX,
    peerCallId: U16_MAX,
    resultCode: U8_MAX,
    errorCode: U8_MAX,
    causeCode: U16_MAX,
    connectSpeed: U32_MAX,
    packetRecvWindowSize: U16_MAX,
    packetProcessingDelay: U16_MAX,
    physicalChannelId: U32_MAX,
  },
  { type: ControlMessageType.CallClearRequest, callId: U16_MAX },
  {
    type: ControlMessageType.CallDisconnectNotify,
    callId: U16_MAX,
    resultCode: U8_MAX,
    errorCode: U8_MAX,
    causeCode: U16_MAX,
    callStatistics: STATISTICS_127,
  },
];

/** One message of every encodable type, with distinct, ordinary field values (so swapped fields show). */
const TYPICAL_MESSAGES: readonly EncodableMessage[] = [
  {
    type: ControlMessageType.StartControlConnectionRequest,
    protocolVersion: PROTOCOL_VERSION,
    framingCapabilities: 0x01020304,
    bearerCapabilities: 0x05060708,
    maxChannels: 0x090a,
    firmwareRevision: 0x0b0c,
    hostname: 'probe-1.example.net',
    vendor: 'pptp-monitor',
  },
  {
    type: ControlMessageType.StartControlConnectionReply,
    protocolVersion: PROTOCOL_VERSION,
    resultCode: 1,
    errorCode: 6,
    framingCapabilities: 0x11121314,
    bearerCapabilities: 0x15161718,
    maxChannels: 0x191a,
    firmwareRevision: 0x1b1c,
    hostname: 'vpn gateway',
    vendor: 'Linux PPTPD',
  },
  { type: ControlMessageType.StopControlConnectionRequest, reason: 3 },
  { type: ControlMessageType.StopControlConnectionReply, resultCode: 2, errorCode: 4 },
  { type: ControlMessageType.EchoRequest, identifier: 0x80000001 },
  { type: ControlMessageType.EchoReply, identifier: 0x7ffffffe, resultCode: 1, errorCode: 5 },
  {
    type: ControlMessageType.OutgoingCallRequest,
    callId: 0x1234,
    callSerialNumber: 0x5678,
    minimumBps: 2400,
    maximumBps: 10_000_000,
    bearerType: 3,
    framingType: 2,
    packetRecvWindowSize: 64,
    packetProcessingDelay: 7,
    phoneNumber: '+1 555 0100',
    subaddress: 'ext 42',
  },
  {
    type: ControlMessageType.OutgoingCallReply,
    callId: 0x4321,
    peerCallId: 0x8765,
    resultCode: 1,
    errorCode: 2,
    causeCode: 0x0304,
    connectSpeed: 100_000_000,
    packetRecvWindowSize: 0x0506,
    packetProcessingDelay: 0x0708,
    physicalChannelId: 0x090a0b0c,
  },
  { type: ControlMessageType.CallClearRequest, callId: 0xbeef },
  {
    type: ControlMessageType.CallDisconnectNotify,
    callId: 0xcafe,
    resultCode: 4,
    errorCode: 3,
    causeCode: 0x0102,
    callStatistics: 'rx 1024 tx 2048',
  },
];

/** One message of every encodable type, with every number zero and every string empty. */
const ZERO_MESSAGES: readonly EncodableMessage[] = EXTREME_MESSAGES.map((msg) => {
  const zeroed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    zeroed[key] = key === 'type' ? value : typeof value === 'string' ? '' : 0;
  }
  return zeroed as unknown as EncodableMessage;
});

const OPAQUE_TYPES = [
  ControlMessageType.IncomingCallRequest,
  ControlMessageType.IncomingCallReply,
  ControlMessageType.IncomingCallConnected,
  ControlMessageType.WanErrorNotify,
  ControlMessageType.SetLinkInfo,
] as const;

interface RawOptions {
  length?: number;
  pptpType?: number;
  cookie?: number;
  size?: number;
  fill?: (index: number) => number;
}

/** A hand-built message of `controlType` (not via encodeMessage), every header field overridable. */
function rawMessage(controlType: number, opts: RawOptions = {}): Buffer {
  const natural = isControlMessageType(controlType) ? MESSAGE_SIZE_BYTES[controlType] : 16;
  const size = opts.size ?? natural;
  const buf = Buffer.alloc(size);
  if (opts.fill) for (let i = HEADER_SIZE_BYTES; i < size; i++) buf[i] = opts.fill(i) & 0xff;
  buf.writeUInt16BE(opts.length ?? size, 0);
  buf.writeUInt16BE(opts.pptpType ?? PPTP_MESSAGE_TYPE_CONTROL, 2);
  buf.writeUInt32BE((opts.cookie ?? MAGIC_COOKIE) >>> 0, 4);
  buf.writeUInt16BE(controlType, 8);
  return buf;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

function expectDecodeError(bytes: Uint8Array, code: PptpDecodeErrorCode, start?: number): PptpDecodeError {
  const err = catchError(() => decodeMessage(bytes, start));
  expect(err).toBeInstanceOf(PptpDecodeError);
  expect((err as PptpDecodeError).code).toBe(code);
  return err as PptpDecodeError;
}

function label(msg: { type: number }): string {
  return messageName(msg.type);
}

// ---- tests ----

describe('encodeMessage and decodeMessage', () => {
  it.each(EXTREME_MESSAGES.map((m) => [label(m), m] as const))(
    'round-trips a %s with maximum field values and 63-character strings',
    (_name, msg) => {
      // Prepare
      const input = structuredClone(msg);

      // Act
      const decoded = decodeMessage(encodeMessage(input));

      // Assess
      expect(decoded).toEqual(msg);
      expect(Object.keys(decoded).sort()).toEqual(Object.keys(msg).sort());
    },
  );

  it.each(TYPICAL_MESSAGES.map((m) => [label(m), m] as const))(
    'round-trips a %s with distinct ordinary field values',
    (_name, msg) => {
      // Prepare
      const encoded = encodeMessage(msg);

      // Act
      const decoded = decodeMessage(encoded);

      // Assess
      expect(decoded).toEqual(msg);
    },
  );

  it.each(ZERO_MESSAGES.map((m) => [label(m), m] as const))(
    'round-trips a %s with zero fields and empty strings',
    (_name, msg) => {
      // Prepare
      const encoded = encodeMessage(msg);

      // Act
      const decoded = decodeMessage(encoded);

      // Assess
      expect(decoded).toEqual(msg);
      expect(encoded.subarray(HEADER_SIZE_BYTES).every((b) => b === 0)).toBe(true);
    },
  );

  it('covers every encodable control message type in the round-trip tables', () => {
    // Prepare
    const encodable = Object.values(ControlMessageType).filter((t) => !(OPAQUE_TYPES as readonly number[]).includes(t));

    // Act
    const covered = EXTREME_MESSAGES.map((m) => m.type);

    // Assess
    expect(covered.sort((a, b) => a - b)).toEqual(encodable.sort((a, b) => a - b));
    expect(covered).toHaveLength(10);
  });

  it.each(EXTREME_MESSAGES.map((m) => [label(m), m] as const))(
    'encodes a %s to its RFC 2637 size with a valid control-message header',
    (_name, msg) => {
      // Prepare
      const size = MESSAGE_SIZE_BYTES[msg.type];

      // Act
      const encoded = encodeMessage(msg);

      // Assess
      expect(encoded.length).toBe(size);
      expect(encoded.readUInt16BE(0)).toBe(size);
      expect(encoded.readUInt16BE(2)).toBe(1);
      expect(encoded.readUInt32BE(4)).toBe(0x1a2b3c4d);
      expect([...encoded.subarray(4, 8)]).toEqual([0x1a, 0x2b, 0x3c, 0x4d]);
      expect(encoded.readUInt16BE(8)).toBe(msg.type);
      expect(encoded.readUInt16BE(10)).toBe(0);
    },
  );

  it('uses the RFC 2637 fixed size of every control message type', () => {
    // Prepare
    const rfc: Record<number, number> = {
      1: 156, 2: 156, 3: 16, 4: 16, 5: 16, 6: 20, 7: 168, 8: 32, 9: 220, 10: 24, 11: 28, 12: 16, 13: 148, 14: 40, 15: 24,
    };

    // Act
    const sizes = Object.fromEntries(Object.entries(MESSAGE_SIZE_BYTES).map(([k, v]) => [Number(k), v]));

    // Assess
    expect(sizes).toEqual(rfc);
    expect(Math.max(...Object.values(sizes))).toBe(MAX_MESSAGE_SIZE_BYTES);
  });

  it('encodes negative 32-bit values as their unsigned equivalent', () => {
    // Prepare
    const msg: EncodableMessage = { type: ControlMessageType.EchoRequest, identifier: -1 };

    // Act
    const encoded = encodeMessage(msg);

    // Assess
    expect(encoded.readUInt32BE(12)).toBe(U32_MAX);
    expect(decodeMessage(encoded)).toEqual({ type: ControlMessageType.EchoRequest, identifier: U32_MAX });
  });

  it('truncates strings longer than 63 characters and keeps a NUL terminator in the 64-byte field', () => {
    // Prepare
    const long = printable(100, 5);
    const msg: EncodableMessage = { ...(TYPICAL_MESSAGES[1] as EncodableMessage & { type: 2 }), hostname: long, vendor: long };

    // Act
    const encoded = encodeMessage(msg);
    const decoded = decodeMessage(encoded);

    // Assess
    expect(encoded.length).toBe(156);
    expect(encoded.toString('latin1', 28, 28 + 63)).toBe(long.slice(0, 63));
    expect(encoded[28 + 63]).toBe(0);
    expect(encoded.toString('latin1', 92, 92 + 63)).toBe(long.slice(0, 63));
    expect(encoded[92 + 63]).toBe(0);
    expect(decoded).toMatchObject({ hostname: long.slice(0, 63), vendor: long.slice(0, 63) });
  });

  it('truncates call statistics longer than 127 characters and keeps a NUL terminator', () => {
    // Prepare
    const long = printable(200, 9);
    const msg: EncodableMessage = { ...(TYPICAL_MESSAGES[9] as EncodableMessage & { type: 13 }), callStatistics: long };

    // Act
    const encoded = encodeMessage(msg);

    // Assess
    expect(encoded.length).toBe(148);
    expect(encoded.toString('latin1', 20, 20 + 127)).toBe(long.slice(0, 127));
    expect(encoded[20 + 127]).toBe(0);
    expect(decodeMessage(encoded)).toMatchObject({ callStatistics: long.slice(0, 127) });
  });
});

describe('RFC 2637 byte layout', () => {
  it('places the Start-Control-Connection-Request fields at their RFC offsets', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[0]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect(b.readUInt16BE(12)).toBe(0x0100);
    expect(b.readUInt16BE(14)).toBe(0); // Reserved1
    expect(b.readUInt32BE(16)).toBe(0x01020304);
    expect(b.readUInt32BE(20)).toBe(0x05060708);
    expect(b.readUInt16BE(24)).toBe(0x090a);
    expect(b.readUInt16BE(26)).toBe(0x0b0c);
    expect(b.toString('latin1', 28, 28 + 'probe-1.example.net'.length)).toBe('probe-1.example.net');
    expect(b.subarray(28 + 'probe-1.example.net'.length, 92).every((x) => x === 0)).toBe(true);
    expect(b.toString('latin1', 92, 92 + 'pptp-monitor'.length)).toBe('pptp-monitor');
    expect(b.subarray(92 + 'pptp-monitor'.length, 156).every((x) => x === 0)).toBe(true);
  });

  it('places the Start-Control-Connection-Reply result code at byte 14, hostname at 28 and vendor at 92', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[1]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect(b.readUInt16BE(12)).toBe(0x0100);
    expect(b[14]).toBe(1);
    expect(b[15]).toBe(6);
    expect(b.readUInt32BE(16)).toBe(0x11121314);
    expect(b.readUInt32BE(20)).toBe(0x15161718);
    expect(b.readUInt16BE(24)).toBe(0x191a);
    expect(b.readUInt16BE(26)).toBe(0x1b1c);
    expect(b.toString('latin1', 28, 28 + 11)).toBe('vpn gateway');
    expect(b[28 + 11]).toBe(0);
    expect(b.toString('latin1', 92, 92 + 11)).toBe('Linux PPTPD');
    expect(b[92 + 11]).toBe(0);
  });

  it('places the Stop-Control-Connection-Request reason at byte 12 and zeroes the reserved bytes', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[2]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 16)]).toEqual([3, 0, 0, 0]);
  });

  it('places the Stop-Control-Connection-Reply result at byte 12 and error at byte 13', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[3]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 16)]).toEqual([2, 4, 0, 0]);
  });

  it('places the Echo-Request identifier at bytes 12-15', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[4]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 16)]).toEqual([0x80, 0x00, 0x00, 0x01]);
  });

  it('places the Echo-Reply identifier at bytes 12-15, result at byte 16 and error at byte 17', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[5]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 20)]).toEqual([0x7f, 0xff, 0xff, 0xfe, 1, 5, 0, 0]);
  });

  it('places the Outgoing-Call-Request fields at their RFC offsets, phone number at 40 and subaddress at 104', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[6]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect(b.readUInt16BE(12)).toBe(0x1234);
    expect(b.readUInt16BE(14)).toBe(0x5678);
    expect(b.readUInt32BE(16)).toBe(2400);
    expect(b.readUInt32BE(20)).toBe(10_000_000);
    expect(b.readUInt32BE(24)).toBe(3);
    expect(b.readUInt32BE(28)).toBe(2);
    expect(b.readUInt16BE(32)).toBe(64);
    expect(b.readUInt16BE(34)).toBe(7);
    expect(b.readUInt16BE(36)).toBe('+1 555 0100'.length);
    expect(b.readUInt16BE(38)).toBe(0); // Reserved1
    expect(b.toString('latin1', 40, 40 + 11)).toBe('+1 555 0100');
    expect(b.subarray(40 + 11, 104).every((x) => x === 0)).toBe(true);
    expect(b.toString('latin1', 104, 104 + 6)).toBe('ext 42');
    expect(b.subarray(104 + 6, 168).every((x) => x === 0)).toBe(true);
  });

  it('writes an Outgoing-Call-Request phone number length of 63 for a 63-character number', () => {
    // Prepare
    const msg = EXTREME_MESSAGES[6]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect(b.readUInt16BE(36)).toBe(63);
    expect(b.toString('latin1', 40, 103)).toBe(PHONE_63);
    expect(b[103]).toBe(0);
  });

  // RFC 2637: Phone Number Length is "the actual number of valid digits in the Phone Number".
  it('writes a phone number length equal to the digits actually encoded when the number is truncated', () => {
    // Prepare
    const phone = printable(80, 3);
    const msg: EncodableMessage = { ...(TYPICAL_MESSAGES[6] as EncodableMessage & { type: 7 }), phoneNumber: phone };

    // Act
    const b = encodeMessage(msg);
    const digitsWritten = b.subarray(40, 104).indexOf(0);

    // Assess
    expect(digitsWritten).toBe(63);
    expect(b.readUInt16BE(36)).toBe(digitsWritten);
  });

  it('places the Outgoing-Call-Reply peer call id at bytes 14-15 and result at byte 16', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[7]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 14)]).toEqual([0x43, 0x21]);
    expect([...b.subarray(14, 16)]).toEqual([0x87, 0x65]);
    expect(b[16]).toBe(1);
    expect(b[17]).toBe(2);
    expect(b.readUInt16BE(18)).toBe(0x0304);
    expect(b.readUInt32BE(20)).toBe(100_000_000);
    expect(b.readUInt16BE(24)).toBe(0x0506);
    expect(b.readUInt16BE(26)).toBe(0x0708);
    expect(b.readUInt32BE(28)).toBe(0x090a0b0c);
  });

  it('places the Call-Clear-Request call id at bytes 12-13 and zeroes the reserved bytes', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[8]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect([...b.subarray(12, 16)]).toEqual([0xbe, 0xef, 0, 0]);
  });

  it('places the Call-Disconnect-Notify fields at their RFC offsets and call statistics at byte 20', () => {
    // Prepare
    const msg = TYPICAL_MESSAGES[9]!;

    // Act
    const b = encodeMessage(msg);

    // Assess
    expect(b.readUInt16BE(12)).toBe(0xcafe);
    expect(b[14]).toBe(4);
    expect(b[15]).toBe(3);
    expect(b.readUInt16BE(16)).toBe(0x0102);
    expect(b.readUInt16BE(18)).toBe(0); // Reserved1
    expect(b.toString('latin1', 20, 20 + 15)).toBe('rx 1024 tx 2048');
    expect(b.subarray(35, 148).every((x) => x === 0)).toBe(true);
  });

  it('decodes a hand-built Start-Control-Connection-Reply laid out per RFC 2637', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.StartControlConnectionReply);
    b.writeUInt16BE(0x0100, 12);
    b[14] = 2;
    b[15] = 3;
    b.writeUInt32BE(0xdeadbeef, 16);
    b.writeUInt32BE(0x00000002, 20);
    b.writeUInt16BE(4096, 24);
    b.writeUInt16BE(0x0a0b, 26);
    b.write('gw.example', 28, 'latin1');
    b.write('Microsoft', 92, 'latin1');

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toEqual({
      type: 2,
      protocolVersion: 0x0100,
      resultCode: 2,
      errorCode: 3,
      framingCapabilities: 0xdeadbeef,
      bearerCapabilities: 2,
      maxChannels: 4096,
      firmwareRevision: 0x0a0b,
      hostname: 'gw.example',
      vendor: 'Microsoft',
    });
  });

  it('decodes a hand-built Echo-Reply with the result at byte 16 and the error at byte 17', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.EchoReply);
    b.writeUInt32BE(0x01020304, 12);
    b[16] = 2;
    b[17] = 4;
    b[18] = 0xff; // Reserved1: ignored
    b[19] = 0xff;

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toEqual({ type: 6, identifier: 0x01020304, resultCode: 2, errorCode: 4 });
  });

  it('decodes a hand-built Outgoing-Call-Reply with the peer call id at bytes 14-15 and result at byte 16', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.OutgoingCallReply);
    b.writeUInt16BE(0x0001, 12);
    b.writeUInt16BE(0xabcd, 14);
    b[16] = 7;
    b[17] = 1;
    b.writeUInt16BE(0x0203, 18);
    b.writeUInt32BE(56_000, 20);
    b.writeUInt16BE(16, 24);
    b.writeUInt16BE(2, 26);
    b.writeUInt32BE(0xfedcba98, 28);

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toEqual({
      type: 8,
      callId: 1,
      peerCallId: 0xabcd,
      resultCode: 7,
      errorCode: 1,
      causeCode: 0x0203,
      connectSpeed: 56_000,
      packetRecvWindowSize: 16,
      packetProcessingDelay: 2,
      physicalChannelId: 0xfedcba98,
    });
  });

  it('decodes a hand-built Call-Disconnect-Notify with call statistics at byte 20', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.CallDisconnectNotify);
    b.writeUInt16BE(9, 12);
    b[14] = 3;
    b[15] = 0;
    b.writeUInt16BE(0x1111, 16);
    b.write('ok', 20, 'latin1');

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toEqual({ type: 13, callId: 9, resultCode: 3, errorCode: 0, causeCode: 0x1111, callStatistics: 'ok' });
  });
});

describe('decodeMessage opaque control messages', () => {
  it.each(OPAQUE_TYPES.map((t) => [messageName(t), t] as const))(
    'decodes a %s to its type and a body of size - 12 bytes',
    (_name, type) => {
      // Prepare
      const size = MESSAGE_SIZE_BYTES[type];
      const bytes = rawMessage(type, { fill: (i) => i * 3 + type });

      // Act
      const decoded = decodeMessage(bytes);

      // Assess
      expect(Object.keys(decoded).sort()).toEqual(['body', 'type']);
      expect(decoded.type).toBe(type);
      const body = (decoded as Extract<ControlMessage, { body: Uint8Array }>).body;
      expect(body).toBeInstanceOf(Uint8Array);
      expect(body.length).toBe(size - HEADER_SIZE_BYTES);
      expect([...body]).toEqual([...bytes.subarray(HEADER_SIZE_BYTES, size)]);
    },
  );

  it('copies the opaque body so later changes to the input do not alter it', () => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.SetLinkInfo, { fill: () => 0x55 });
    const decoded = decodeMessage(bytes) as Extract<ControlMessage, { body: Uint8Array }>;

    // Act
    bytes.fill(0xaa, HEADER_SIZE_BYTES);

    // Assess
    expect([...decoded.body]).toEqual(new Array(24 - 12).fill(0x55));
    expect(decoded.body.buffer).not.toBe(bytes.buffer);
  });

  it('decodes an opaque body at a non-zero start without including bytes of the next message', () => {
    // Prepare
    const prefix = encodeMessage(TYPICAL_MESSAGES[4]!);
    const opaque = rawMessage(ControlMessageType.IncomingCallConnected, { fill: (i) => i });
    const trailer = Buffer.from([0xee, 0xee, 0xee]);
    const stream = Buffer.concat([prefix, opaque, trailer]);

    // Act
    const decoded = decodeMessage(stream, prefix.length) as Extract<ControlMessage, { body: Uint8Array }>;

    // Assess
    expect(decoded.type).toBe(ControlMessageType.IncomingCallConnected);
    expect([...decoded.body]).toEqual([...opaque.subarray(12)]);
  });
});

describe('decodeMessage input handling', () => {
  it('decodes a message at a non-zero start offset inside a larger buffer', () => {
    // Prepare
    const first = encodeMessage(TYPICAL_MESSAGES[2]!);
    const second = encodeMessage(TYPICAL_MESSAGES[7]!);
    const stream = Buffer.concat([first, second, Buffer.from([0xff])]);

    // Act
    const decodedFirst = decodeMessage(stream, 0);
    const decodedSecond = decodeMessage(stream, first.length);

    // Assess
    expect(decodedFirst).toEqual(TYPICAL_MESSAGES[2]);
    expect(decodedSecond).toEqual(TYPICAL_MESSAGES[7]);
  });

  it('decodes a plain Uint8Array view with a non-zero byteOffset', () => {
    // Prepare
    const encoded = encodeMessage(TYPICAL_MESSAGES[1]!);
    const backing = new Uint8Array(encoded.length + 10);
    backing.set(encoded, 7);
    const view = backing.subarray(7, 7 + encoded.length);

    // Act
    const decoded = decodeMessage(view);

    // Assess
    expect(view.byteOffset).toBe(7);
    expect(decoded).toEqual(TYPICAL_MESSAGES[1]);
  });

  it('ignores bytes after the declared length', () => {
    // Prepare
    const encoded = encodeMessage(TYPICAL_MESSAGES[5]!);
    const withTrailer = Buffer.concat([encoded, Buffer.from('SSH-2.0-garbage')]);

    // Act
    const decoded = decodeMessage(withTrailer);

    // Assess
    expect(decoded).toEqual(TYPICAL_MESSAGES[5]);
  });
});

describe('decodeMessage string sanitisation', () => {
  it('replaces non-printable bytes in peer strings with ?', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.StartControlConnectionReply);
    Buffer.from([0x41, 0x01, 0x1b, 0x5b, 0x7f, 0x80, 0xe9, 0xff, 0x09, 0x0a, 0x42]).copy(b, 28);
    Buffer.from([0x7e, 0x1f, 0x20, 0x21]).copy(b, 92);

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toMatchObject({ hostname: 'A??[??????B', vendor: '~? !' });
  });

  it('stops a peer string at the first NUL byte', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.StartControlConnectionRequest);
    b.write('visible\0hidden-after-nul', 28, 'latin1');
    b.write('\0hidden', 92, 'latin1');

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toMatchObject({ hostname: 'visible', vendor: '' });
  });

  it('trims trailing spaces but keeps leading and inner spaces', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.OutgoingCallRequest);
    b.write('  555 0100    ', 40, 'latin1');
    b.write(' '.repeat(64), 104, 'latin1');

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toMatchObject({ phoneNumber: '  555 0100', subaddress: '' });
  });

  it('reads a full 64-byte string field that has no NUL terminator without running into the next field', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.StartControlConnectionReply);
    b.write('h'.repeat(64), 28, 'latin1');
    b.write('v'.repeat(64), 92, 'latin1');

    // Act
    const decoded = decodeMessage(b);

    // Assess
    expect(decoded).toMatchObject({ hostname: 'h'.repeat(64), vendor: 'v'.repeat(64) });
  });

  it('reads a full 128-byte call statistics field and sanitises it', () => {
    // Prepare
    const b = rawMessage(ControlMessageType.CallDisconnectNotify, { fill: (i) => (i < 20 ? 0 : i === 30 ? 0x07 : 0x61) });

    // Act
    const decoded = decodeMessage(b) as Extract<ControlMessage, { type: 13 }>;

    // Assess
    expect(decoded.callStatistics).toHaveLength(128);
    expect(decoded.callStatistics).toBe('a'.repeat(10) + '?' + 'a'.repeat(117));
  });

  it('turns non-latin1 characters into ? after an encode/decode round trip', () => {
    // Prepare
    const msg: EncodableMessage = { ...(TYPICAL_MESSAGES[0] as EncodableMessage & { type: 1 }), hostname: 'héllo\u0001', vendor: 'ok' };

    // Act
    const decoded = decodeMessage(encodeMessage(msg));

    // Assess
    expect(decoded).toMatchObject({ hostname: 'h?llo?', vendor: 'ok' });
  });
});

describe('decodeMessage errors', () => {
  it('throws truncated for an empty buffer', () => {
    // Prepare
    const bytes = new Uint8Array(0);

    // Act
    const err = expectDecodeError(bytes, 'truncated');

    // Assess
    expect(err.name).toBe('PptpDecodeError');
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/0 bytes/);
  });

  it('throws truncated for every valid header prefix shorter than 12 bytes', () => {
    // Prepare
    const full = encodeMessage(TYPICAL_MESSAGES[1]!);
    const codes: string[] = [];

    // Act
    for (let n = 0; n < HEADER_SIZE_BYTES; n++) {
      codes.push(expectDecodeError(full.subarray(0, n), 'truncated').code);
    }

    // Assess
    expect(codes).toEqual(new Array(12).fill('truncated'));
  });

  it('throws truncated when the header is complete but the body is short by one byte', () => {
    // Prepare
    const full = encodeMessage(TYPICAL_MESSAGES[1]!);

    // Act
    const err = expectDecodeError(full.subarray(0, full.length - 1), 'truncated');

    // Assess
    expect(err.message).toMatch(/156/);
  });

  it('throws truncated when the start offset leaves too few bytes', () => {
    // Prepare: a complete Echo-Request followed by the first 14 bytes of another.
    const full = encodeMessage(TYPICAL_MESSAGES[4]!);
    const stream = Buffer.concat([full, full.subarray(0, 14)]);

    // Act
    const err = expectDecodeError(stream, 'truncated', full.length);

    // Assess
    expect(decodeMessage(stream, 0)).toEqual(TYPICAL_MESSAGES[4]);
    expect(err.message).toMatch(/declares 16 bytes but only 14/);
  });

  it('throws truncated when the start offset is past the end of the buffer', () => {
    // Prepare
    const full = encodeMessage(TYPICAL_MESSAGES[4]!);

    // Act
    const err = expectDecodeError(full, 'truncated', full.length + 5);

    // Assess
    expect(err.message).toMatch(/^0 bytes/);
  });

  it.each([0, 1, 11])('throws length_below_header for a length field of %i', (length) => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.EchoRequest, { length });

    // Act
    const err = expectDecodeError(bytes, 'length_below_header');

    // Assess
    expect(err.message).toContain(String(length));
  });

  it('throws length_below_header from only the two length bytes, before reporting truncation', () => {
    // Prepare
    const bytes = Buffer.from([0x00, 0x05]);

    // Act
    const err = expectDecodeError(bytes, 'length_below_header');

    // Assess
    expect(err.code).not.toBe('truncated');
  });

  it.each([221, 0x0100, 0xffff])('throws length_above_message_size for a length field of %i (> 220)', (length) => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.EchoRequest, { length });

    // Act
    const err = expectDecodeError(bytes, 'length_above_message_size');

    // Assess
    expect(err.message).toContain('220');
  });

  it('throws length_above_message_size for a length above the control type size but within 220', () => {
    // Prepare: an Echo-Request (16 bytes) that claims 20 bytes and has them.
    const bytes = rawMessage(ControlMessageType.EchoRequest, { length: 20, size: 20 });

    // Act
    const err = expectDecodeError(bytes, 'length_above_message_size');

    // Assess
    expect(err.message).toContain('Echo-Request');
  });

  it('throws length_above_message_size for a Start-Control-Connection-Reply that claims 220 bytes', () => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.StartControlConnectionReply, { length: 220, size: 220 });

    // Act
    const err = expectDecodeError(bytes, 'length_above_message_size');

    // Assess
    expect(err.message).toContain('156');
  });

  it('throws length_below_message_size for a Start-Control-Connection-Reply that claims 20 bytes', () => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.StartControlConnectionReply, { length: 20 });

    // Act
    const err = expectDecodeError(bytes, 'length_below_message_size');

    // Assess
    expect(err.message).toContain('156');
  });

  it('throws length_below_message_size for an Echo-Reply that claims 16 bytes', () => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.EchoReply, { length: 16, size: 16 });

    // Act
    const err = expectDecodeError(bytes, 'length_below_message_size');

    // Assess
    expect(err.message).toContain('Echo-Reply');
  });

  it('throws length_below_message_size from the 10-byte header prefix, before reporting truncation', () => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.OutgoingCallRequest, { length: 100 }).subarray(0, 10);

    // Act
    const err = expectDecodeError(bytes, 'length_below_message_size');

    // Assess
    expect(err.code).not.toBe('truncated');
  });

  it.each([0, 2, 0x0101, 0xffff])('throws not_control_message for PPTP message type %i', (pptpType) => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.EchoRequest, { pptpType });

    // Act
    const err = expectDecodeError(bytes, 'not_control_message');

    // Assess
    expect(err.message).toContain(String(pptpType));
  });

  it.each([0x1a2b3c4e, 0x4d3c2b1a, 0, 0xffffffff])('throws bad_magic_cookie for cookie 0x%s', (cookie) => {
    // Prepare
    const bytes = rawMessage(ControlMessageType.EchoRequest, { cookie });

    // Act
    const err = expectDecodeError(bytes, 'bad_magic_cookie');

    // Assess
    expect(err.message).toContain(cookie.toString(16).padStart(8, '0'));
  });

  it.each([0, 16, 17, 0x0100, 0xffff])('throws unknown_control_type for control type %i', (controlType) => {
    // Prepare
    const bytes = rawMessage(controlType, { size: 16 });

    // Act
    const err = expectDecodeError(bytes, 'unknown_control_type');

    // Assess
    expect(err.message).toContain(String(controlType));
  });

  it('checks header fields in wire order: the length before the PPTP type, cookie and control type', () => {
    // Prepare
    const allWrong = rawMessage(0, { length: 5, pptpType: 2, cookie: 0 });
    const typeCookieControlWrong = rawMessage(0, { pptpType: 2, cookie: 0 });
    const cookieControlWrong = rawMessage(0, { cookie: 0 });

    // Act
    const codes = [allWrong, typeCookieControlWrong, cookieControlWrong].map((b) => (catchError(() => decodeMessage(b)) as PptpDecodeError).code);

    // Assess
    expect(codes).toEqual(['length_below_header', 'not_control_message', 'bad_magic_cookie']);
  });

  it('produces every PptpDecodeErrorCode from some input', () => {
    // Prepare
    const inputs: Array<[PptpDecodeErrorCode, Uint8Array]> = [
      ['truncated', Buffer.alloc(0)],
      ['length_below_header', rawMessage(5, { length: 4 })],
      ['length_above_message_size', rawMessage(5, { length: 300 })],
      ['length_below_message_size', rawMessage(6, { length: 16, size: 16 })],
      ['not_control_message', rawMessage(5, { pptpType: 2 })],
      ['bad_magic_cookie', rawMessage(5, { cookie: 1 })],
      ['unknown_control_type', rawMessage(16, { size: 16 })],
    ];

    // Act
    const seen = inputs.map(([, bytes]) => (catchError(() => decodeMessage(bytes)) as PptpDecodeError).code);

    // Assess
    expect(seen).toEqual(inputs.map(([code]) => code));
    expect(new Set(seen).size).toBe(7);
  });
});

describe('checkHeaderPrefix', () => {
  it('returns 0 for every incomplete valid header prefix and the length once 12 bytes are available', () => {
    // Prepare
    const bytes = encodeMessage(TYPICAL_MESSAGES[6]!);

    // Act
    const results = Array.from({ length: 13 }, (_, n) => checkHeaderPrefix(bytes, 0, n));

    // Assess
    expect(results).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 168]);
  });

  it('rejects a bad length from the first two bytes', () => {
    // Prepare
    const bytes = Buffer.from('SSH-2.0-OpenSSH_9.6\r\n', 'latin1');

    // Act
    const oneByte = checkHeaderPrefix(bytes, 0, 1);
    const err = catchError(() => checkHeaderPrefix(bytes, 0, 2));

    // Assess
    expect(oneByte).toBe(0);
    expect(err).toBeInstanceOf(PptpDecodeError);
    expect((err as PptpDecodeError).code).toBe('length_above_message_size');
  });

  it('validates a header at a non-zero start', () => {
    // Prepare
    const stream = Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), encodeMessage(TYPICAL_MESSAGES[3]!)]);

    // Act
    const length = checkHeaderPrefix(stream, 3, HEADER_SIZE_BYTES);

    // Assess
    expect(length).toBe(16);
  });
});

describe('codeText', () => {
  it('returns the RFC text for known codes of every table', () => {
    // Prepare
    const cases: Array<[Readonly<Record<number, string>>, number, RegExp]> = [
      [START_CONTROL_RESULT_TEXT, 1, /Successful/],
      [START_CONTROL_RESULT_TEXT, 5, /protocol version/],
      [STOP_REASON_TEXT, 3, /shut down/],
      [STOP_CONTROL_RESULT_TEXT, 1, /closed/],
      [ECHO_RESULT_TEXT, 2, /rejected/],
      [OUTGOING_CALL_RESULT_TEXT, 4, /busy/],
      [CALL_DISCONNECT_RESULT_TEXT, 4, /Call-Clear-Request/],
      [GENERAL_ERROR_TEXT, 2, /Magic Cookie/],
    ];

    // Act
    const texts = cases.map(([table, code]) => codeText(table, code));

    // Assess
    texts.forEach((text, i) => expect(text).toMatch(cases[i]![2]));
  });

  it('returns the text of code 0 rather than treating it as unknown', () => {
    // Prepare
    const table = GENERAL_ERROR_TEXT;

    // Act
    const text = codeText(table, 0);

    // Assess
    expect(text).toBe('No general error');
  });

  it.each([0, 6, 99, 255, -1])("returns 'unknown code N' for result code %i missing from the table", (code) => {
    // Prepare
    const table = START_CONTROL_RESULT_TEXT;

    // Act
    const text = codeText(table, code);

    // Assess
    expect(text).toBe(`unknown code ${code}`);
  });

  it("returns 'unknown code N' for an unknown general error code", () => {
    // Prepare
    const table = GENERAL_ERROR_TEXT;

    // Act
    const text = codeText(table, 7);

    // Assess
    expect(text).toBe('unknown code 7');
  });
});

describe('messageName and isControlMessageType', () => {
  it('names every control message type and falls back for unknown types', () => {
    // Prepare
    const types = Array.from({ length: 15 }, (_, i) => (i + 1) as ControlMessageTypeValue);

    // Act
    const names = types.map((t) => messageName(t));

    // Assess
    expect(names).toEqual(types.map((t) => MESSAGE_NAMES[t]));
    expect(messageName(1)).toBe('Start-Control-Connection-Request');
    expect(messageName(0)).toBe('control message type 0');
    expect(messageName(16)).toBe('control message type 16');
  });

  it('accepts only the integers 1 to 15 as control message types', () => {
    // Prepare
    const candidates = [-1, 0, 0.5, 1, 7, 15, 15.5, 16, Number.NaN];

    // Act
    const accepted = candidates.filter((c) => isControlMessageType(c));

    // Assess
    expect(accepted).toEqual([1, 7, 15]);
  });
});
