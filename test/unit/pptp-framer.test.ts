// Unit tests for PptpFramer: splitting a TCP byte stream into PPTP control messages, early rejection
// of non-PPTP peers, poisoning after an error and the bound on buffered bytes.
import { describe, expect, it } from 'vitest';
import {
  ControlMessageType,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MAX_MESSAGE_SIZE_BYTES,
  MESSAGE_SIZE_BYTES,
  PROTOCOL_VERSION,
  PptpDecodeError,
  PptpFramer,
  decodeMessage,
  encodeMessage,
  type ControlMessage,
  type EncodableMessage,
  type PptpDecodeErrorCode,
} from '../../shared/probers/pptp/index.js';
import { mulberry32 } from '../support/prng.js';

// ---- helpers ----

const SCCRP: EncodableMessage = {
  type: ControlMessageType.StartControlConnectionReply,
  protocolVersion: PROTOCOL_VERSION,
  resultCode: 1,
  errorCode: 0,
  framingCapabilities: 3,
  bearerCapabilities: 3,
  maxChannels: 0x0102,
  firmwareRevision: 0x0304,
  hostname: 'gateway.example.net',
  vendor: 'Linux pptpd',
};
const ECHO_REQUEST: EncodableMessage = { type: ControlMessageType.EchoRequest, identifier: 0xa1b2c3d4 };
const ECHO_REPLY: EncodableMessage = { type: ControlMessageType.EchoReply, identifier: 0xa1b2c3d4, resultCode: 1, errorCode: 0 };
const OCRP: EncodableMessage = {
  type: ControlMessageType.OutgoingCallReply,
  callId: 7,
  peerCallId: 0x4242,
  resultCode: 1,
  errorCode: 0,
  causeCode: 0,
  connectSpeed: 64_000,
  packetRecvWindowSize: 16,
  packetProcessingDelay: 0,
  physicalChannelId: 99,
};
const STOP_REQUEST: EncodableMessage = { type: ControlMessageType.StopControlConnectionRequest, reason: 1 };
const CDN: EncodableMessage = {
  type: ControlMessageType.CallDisconnectNotify,
  callId: 7,
  resultCode: 3,
  errorCode: 0,
  causeCode: 0,
  callStatistics: 'bye',
};

/** A well-formed opaque message (e.g. Incoming-Call-Request, 220 bytes) with a recognisable body. */
function opaqueMessage(type: 9 | 10 | 11 | 14 | 15, fill: (i: number) => number): Buffer {
  const size = MESSAGE_SIZE_BYTES[type];
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(size, 0);
  buf.writeUInt16BE(1, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  buf.writeUInt16BE(type, 8);
  for (let i = HEADER_SIZE_BYTES; i < size; i++) buf[i] = fill(i) & 0xff;
  return buf;
}

function collector(): { messages: ControlMessage[]; sink: (m: ControlMessage) => void } {
  const messages: ControlMessage[] = [];
  return { messages, sink: (m) => void messages.push(m) };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

function expectFramerError(err: unknown, code: PptpDecodeErrorCode): void {
  expect(err).toBeInstanceOf(PptpDecodeError);
  expect((err as PptpDecodeError).code).toBe(code);
}


// ---- tests ----

describe('PptpFramer', () => {
  it('delivers a reply fed one byte at a time once its last byte arrives', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const bytes = encodeMessage(SCCRP);
    const countsBeforeLast: number[] = [];
    const buffered: number[] = [];

    // Act
    for (let i = 0; i < bytes.length - 1; i++) {
      framer.push(bytes.subarray(i, i + 1), sink);
      countsBeforeLast.push(messages.length);
      buffered.push(framer.bufferedBytes);
    }
    framer.push(bytes.subarray(bytes.length - 1), sink);

    // Assess
    expect(countsBeforeLast.every((n) => n === 0)).toBe(true);
    expect(buffered).toEqual(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expect(messages).toEqual([SCCRP]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('delivers every message of a chunk in order', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const opaque = opaqueMessage(ControlMessageType.SetLinkInfo, (i) => i);
    const chunk = Buffer.concat([
      encodeMessage(SCCRP),
      encodeMessage(ECHO_REQUEST),
      opaque,
      encodeMessage(OCRP),
      encodeMessage(ECHO_REPLY),
      encodeMessage(CDN),
    ]);

    // Act
    framer.push(chunk, sink);

    // Assess
    expect(messages.map((m) => m.type)).toEqual([2, 5, 15, 8, 6, 13]);
    expect(messages[0]).toEqual(SCCRP);
    expect(messages[1]).toEqual(ECHO_REQUEST);
    expect([...(messages[2] as Extract<ControlMessage, { body: Uint8Array }>).body]).toEqual([...opaque.subarray(12)]);
    expect(messages[3]).toEqual(OCRP);
    expect(messages[4]).toEqual(ECHO_REPLY);
    expect(messages[5]).toEqual(CDN);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('delivers a message split across two chunks at every possible split point', () => {
    // Prepare
    const bytes = encodeMessage(SCCRP);
    const failures: string[] = [];

    // Act
    for (let split = 1; split < bytes.length; split++) {
      const framer = new PptpFramer();
      const { messages, sink } = collector();
      framer.push(bytes.subarray(0, split), sink);
      const afterFirst = { count: messages.length, buffered: framer.bufferedBytes };
      framer.push(bytes.subarray(split), sink);
      if (afterFirst.count !== 0 || afterFirst.buffered !== split) failures.push(`split ${split}: first chunk ${JSON.stringify(afterFirst)}`);
      if (messages.length !== 1 || framer.bufferedBytes !== 0) failures.push(`split ${split}: ${messages.length} messages`);
      else expect(messages[0]).toEqual(SCCRP);
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('delivers two messages split into three chunks at every pair of split points', () => {
    // Prepare
    const first = encodeMessage(ECHO_REPLY);
    const second = encodeMessage(OCRP);
    const stream = Buffer.concat([first, second]);
    let combinations = 0;
    const failures: string[] = [];

    // Act
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const framer = new PptpFramer();
        const { messages, sink } = collector();
        framer.push(stream.subarray(0, i), sink);
        framer.push(stream.subarray(i, j), sink);
        framer.push(stream.subarray(j), sink);
        combinations++;
        const ok =
          messages.length === 2 &&
          JSON.stringify(messages[0]) === JSON.stringify(ECHO_REPLY) &&
          JSON.stringify(messages[1]) === JSON.stringify(OCRP) &&
          framer.bufferedBytes === 0;
        if (!ok) failures.push(`splits ${i},${j}`);
      }
    }

    // Assess
    expect(combinations).toBe(((stream.length + 1) * (stream.length + 2)) / 2);
    expect(failures).toEqual([]);
  });

  it('delivers a full message at once and buffers the first bytes of the next', () => {
    // Prepare
    const first = encodeMessage(ECHO_REPLY);
    const next = encodeMessage(SCCRP);
    const failures: string[] = [];

    // Act
    for (let k = 1; k < next.length; k++) {
      const framer = new PptpFramer();
      const { messages, sink } = collector();
      framer.push(Buffer.concat([first, next.subarray(0, k)]), sink);
      const afterFirst = { count: messages.length, buffered: framer.bufferedBytes, firstOk: JSON.stringify(messages[0]) === JSON.stringify(ECHO_REPLY) };
      framer.push(next.subarray(k), sink);
      if (!afterFirst.firstOk || afterFirst.count !== 1 || afterFirst.buffered !== k) failures.push(`k ${k}: ${JSON.stringify(afterFirst)}`);
      if (messages.length !== 2 || JSON.stringify(messages[1]) !== JSON.stringify(SCCRP)) failures.push(`k ${k}: second not delivered`);
    }

    // Assess
    expect(failures).toEqual([]);
  });

  it('stops delivering the rest of a chunk when the sink returns false', () => {
    // Prepare
    const framer = new PptpFramer();
    const seen: ControlMessage[] = [];
    const chunk = Buffer.concat([encodeMessage(ECHO_REQUEST), encodeMessage(ECHO_REPLY), encodeMessage(STOP_REQUEST)]);

    // Act
    framer.push(chunk, (m) => {
      seen.push(m);
      return false;
    });

    // Assess
    expect(seen).toEqual([ECHO_REQUEST]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('stays usable after the sink returned false', () => {
    // Prepare
    const framer = new PptpFramer();
    framer.push(Buffer.concat([encodeMessage(ECHO_REQUEST), encodeMessage(ECHO_REPLY)]), () => false);
    const { messages, sink } = collector();

    // Act
    framer.push(encodeMessage(OCRP), sink);

    // Assess
    expect(messages).toEqual([OCRP]);
  });

  it('stops delivery when the sink returns false for a message completed from buffered bytes', () => {
    // Prepare
    const framer = new PptpFramer();
    const first = encodeMessage(SCCRP);
    const seen: ControlMessage[] = [];
    framer.push(first.subarray(0, 100), () => true);

    // Act
    framer.push(Buffer.concat([first.subarray(100), encodeMessage(ECHO_REQUEST)]), (m) => {
      seen.push(m);
      return false;
    });

    // Assess
    expect(seen).toEqual([SCCRP]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('keeps delivering when the sink returns true or nothing', () => {
    // Prepare
    const framer = new PptpFramer();
    const seen: number[] = [];
    const chunk = Buffer.concat([encodeMessage(ECHO_REQUEST), encodeMessage(ECHO_REPLY), encodeMessage(STOP_REQUEST)]);
    let call = 0;

    // Act
    framer.push(chunk, (m) => {
      seen.push(m.type);
      return call++ === 0 ? true : undefined;
    });

    // Assess
    expect(seen).toEqual([5, 6, 3]);
  });

  it('does nothing for an empty chunk', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const bytes = encodeMessage(ECHO_REQUEST);
    framer.push(bytes.subarray(0, 5), sink);

    // Act
    framer.push(new Uint8Array(0), sink);

    // Assess
    expect(framer.bufferedBytes).toBe(5);
    expect(messages).toEqual([]);
    framer.push(bytes.subarray(5), sink);
    expect(messages).toEqual([ECHO_REQUEST]);
  });

  it('accepts plain Uint8Array chunks that are views into a larger buffer', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const bytes = encodeMessage(OCRP);
    const backing = new Uint8Array(bytes.length + 20).fill(0xee);
    backing.set(bytes, 10);

    // Act
    framer.push(backing.subarray(10, 20), sink);
    framer.push(backing.subarray(20, 10 + bytes.length), sink);

    // Assess
    expect(messages).toEqual([OCRP]);
  });

  it('keeps the body of an opaque message intact after its internal buffer is reused', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const a = opaqueMessage(ControlMessageType.IncomingCallRequest, () => 0xaa);
    const b = opaqueMessage(ControlMessageType.IncomingCallRequest, () => 0xbb);

    // Act
    for (const byte of a) framer.push(Uint8Array.of(byte), sink);
    for (const byte of b) framer.push(Uint8Array.of(byte), sink);

    // Assess
    expect(messages).toHaveLength(2);
    const bodies = messages.map((m) => (m as Extract<ControlMessage, { body: Uint8Array }>).body);
    expect(bodies[0]!.length).toBe(208);
    expect(bodies[0]!.every((x) => x === 0xaa)).toBe(true);
    expect(bodies[1]!.every((x) => x === 0xbb)).toBe(true);
  });

  it('keeps the body of an opaque message intact after the caller reuses its chunk', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const chunk = opaqueMessage(ControlMessageType.WanErrorNotify, (i) => i);
    const expected = [...chunk.subarray(12)];

    // Act
    framer.push(chunk, sink);
    chunk.fill(0);

    // Assess
    expect([...(messages[0] as Extract<ControlMessage, { body: Uint8Array }>).body]).toEqual(expected);
  });

  it('delivers the same messages as decodeMessage for a largest-size message fed in odd-sized chunks', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const stream = Buffer.concat([opaqueMessage(9, (i) => i * 7), encodeMessage(SCCRP), opaqueMessage(9, (i) => i * 11)]);
    const expected = [decodeMessage(stream, 0), decodeMessage(stream, 220), decodeMessage(stream, 376)];

    // Act
    for (let i = 0; i < stream.length; i += 13) framer.push(stream.subarray(i, i + 13), sink);

    // Assess
    expect(messages).toEqual(expected);
    expect(framer.bufferedBytes).toBe(0);
  });

  it.each([
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['an HTTP error response', 'HTTP/1.1 400 Bad Request\r\n'],
  ])('rejects %s with length_above_message_size on the first chunk', (_name, text) => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();

    // Act
    const err = catchError(() => framer.push(Buffer.from(text, 'latin1'), sink));

    // Assess
    expectFramerError(err, 'length_above_message_size');
    expect(messages).toEqual([]);
  });

  it('rejects an SSH banner fed one byte at a time as soon as its second byte arrives', () => {
    // Prepare
    const framer = new PptpFramer();
    const { sink } = collector();
    const banner = Buffer.from('SSH-2.0-OpenSSH_9.6\r\n', 'latin1');

    // Act
    framer.push(banner.subarray(0, 1), sink);
    const bufferedAfterFirst = framer.bufferedBytes;
    const err = catchError(() => framer.push(banner.subarray(1, 2), sink));

    // Assess
    expect(bufferedAfterFirst).toBe(1);
    expectFramerError(err, 'length_above_message_size');
  });

  it.each<[string, (b: Buffer) => void, number, PptpDecodeErrorCode]>([
    ['a length below the header', (b) => b.writeUInt16BE(8, 0), 2, 'length_below_header'],
    ['a PPTP management message type', (b) => b.writeUInt16BE(2, 2), 4, 'not_control_message'],
    ['a wrong magic cookie', (b) => (b[7] = 0x4e), 8, 'bad_magic_cookie'],
    ['an unknown control type', (b) => b.writeUInt16BE(16, 8), 10, 'unknown_control_type'],
    ['a length above the control type size', (b) => b.writeUInt16BE(24, 0), 10, 'length_above_message_size'],
    ['a length below the control type size', (b) => b.writeUInt16BE(16, 0), 10, 'length_below_message_size'],
  ])('rejects %s byte by byte as soon as the offending field is complete', (_name, corrupt, failsAtByte, code) => {
    // Prepare: an Echo-Reply (20 bytes) with one header field corrupted.
    const framer = new PptpFramer();
    const { sink } = collector();
    const bytes = encodeMessage(ECHO_REPLY);
    corrupt(bytes);
    let err: unknown;
    let pushed = 0;

    // Act
    for (const byte of bytes) {
      pushed++;
      try {
        framer.push(Uint8Array.of(byte), sink);
      } catch (e) {
        err = e;
        break;
      }
    }

    // Assess
    expect(pushed).toBe(failsAtByte);
    expectFramerError(err, code);
  });

  it('rethrows the same error on every push after a decode error', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const first = catchError(() => framer.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'), sink));

    // Act
    const again = catchError(() => framer.push(encodeMessage(ECHO_REQUEST), sink));
    const onEmpty = catchError(() => framer.push(new Uint8Array(0), sink));
    const third = catchError(() => framer.push(encodeMessage(SCCRP), sink));

    // Assess
    expectFramerError(first, 'length_above_message_size');
    expect(again).toBe(first);
    expect(onEmpty).toBe(first);
    expect(third).toBe(first);
    expect(messages).toEqual([]);
  });

  it('delivers the messages before a bad one in the same chunk and then stays poisoned', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const bad = encodeMessage(ECHO_REQUEST);
    bad.writeUInt32BE(0xdeadbeef, 4);

    // Act
    const err = catchError(() => framer.push(Buffer.concat([encodeMessage(ECHO_REPLY), bad, encodeMessage(OCRP)]), sink));
    const later = catchError(() => framer.push(encodeMessage(OCRP), sink));

    // Assess
    expectFramerError(err, 'bad_magic_cookie');
    expect(messages).toEqual([ECHO_REPLY]);
    expect(later).toBe(err);
  });

  it('propagates an exception thrown by the sink without poisoning the framer', () => {
    // Prepare
    const framer = new PptpFramer();
    const boom = new Error('sink failed');
    const { messages, sink } = collector();

    // Act
    const err = catchError(() =>
      framer.push(encodeMessage(ECHO_REQUEST), () => {
        throw boom;
      }),
    );
    framer.push(encodeMessage(ECHO_REPLY), sink);

    // Assess
    expect(err).toBe(boom);
    expect(messages).toEqual([ECHO_REPLY]);
  });

  it('never buffers more than the largest control message for a stream of 220-byte messages fed byte by byte', () => {
    // Prepare
    const framer = new PptpFramer();
    const { messages, sink } = collector();
    const stream = Buffer.concat([opaqueMessage(9, (i) => i), opaqueMessage(9, (i) => 255 - i), opaqueMessage(9, () => 0)]);
    let maxBuffered = 0;

    // Act
    for (const byte of stream) {
      framer.push(Uint8Array.of(byte), sink);
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }

    // Assess
    expect(maxBuffered).toBe(MAX_MESSAGE_SIZE_BYTES - 1);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
    expect(messages).toHaveLength(3);
  });

  it('never buffers more than 220 bytes when fed 1 MB of random bytes in random-size chunks', () => {
    // Prepare
    const random = mulberry32(0x5eed1);
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    const framer = new PptpFramer();
    let firstError: unknown;
    let maxBuffered = 0;
    let rethrowsOfOther = 0;
    let pushes = 0;

    // Act
    for (let offset = 0; offset < data.length; ) {
      const size = 1 + Math.floor(random() * 300);
      const chunk = data.subarray(offset, offset + size);
      offset += size;
      pushes++;
      try {
        framer.push(chunk, () => true);
      } catch (err) {
        if (firstError === undefined) firstError = err;
        else if (err !== firstError) rethrowsOfOther++;
      }
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }

    // Assess
    expect(pushes).toBeGreaterThan(1000);
    expect(firstError).toBeInstanceOf(PptpDecodeError);
    expect(rethrowsOfOther).toBe(0);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
  });

  it('never buffers more than 220 bytes across fresh framers restarted on 1 MB of random bytes', () => {
    // Prepare
    const random = mulberry32(0x5eed2);
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    let framer = new PptpFramer();
    let maxBuffered = 0;
    let errors = 0;
    const foreign: unknown[] = [];

    // Act
    for (let offset = 0; offset < data.length; ) {
      const size = 1 + Math.floor(random() * 8);
      const chunk = data.subarray(offset, offset + size);
      offset += size;
      try {
        framer.push(chunk, () => true);
      } catch (err) {
        if (!(err instanceof PptpDecodeError)) foreign.push(err);
        errors++;
        framer = new PptpFramer();
      }
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }

    // Assess
    expect(foreign).toEqual([]);
    expect(errors).toBeGreaterThan(10_000);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_MESSAGE_SIZE_BYTES);
  });
});
