// The GRE pieces under a login session: the demultiplexer both transports share (routing by gateway
// address and Call ID, copies, the per-session bound, stray Call IDs), the in-memory network (delay,
// drop rules, never delivering inside the sender's call), and one call's enhanced GRE link
// (sequence numbers, acknowledgments, Payload Length, duplicates and late packets).
import { describe, expect, it } from 'vitest';
import { decodeGre, encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { GreLink } from '../../shared/probers/pptp-login/gre-link.js';
import { GRE_QUEUE_PACKETS, GreDemultiplexer, MAX_GRE_PACKET_BYTES, greCallId, type GreChannel } from '../../shared/probers/pptp-login/gre-transport.js';
import { MemoryGreNetwork, MemoryGreTransport } from '../../shared/probers/pptp-login/gre-transport-memory.js';
import { FakeClock } from '../support/fake-io.js';

const GATEWAY = '192.0.2.1';
const PROBE = '198.51.100.7';

const data = (callId: number, sequence: number, payload: number[] = [0xff, 0x03, 0xc0, 0x21], ack?: number): Buffer =>
  encodeGre({ kind: 'data', callId, sequence, ack, payload: Buffer.from(payload) });

describe('GreDemultiplexer', () => {
  it('routes by source address and Call ID, copying each packet', () => {
    // Prepare
    const demux = new GreDemultiplexer();
    const got: Uint8Array[] = [];
    const other: Uint8Array[] = [];
    demux.register(GATEWAY, 7, { onPacket: (p) => got.push(p) }, () => undefined);
    demux.register('192.0.2.2', 7, { onPacket: (p) => other.push(p) }, () => undefined);
    const buffer = data(7, 1);
    // Act
    demux.accept(GATEWAY, buffer);
    buffer.fill(0); // a binding reusing its receive buffer
    demux.flush();
    // Assess
    expect(got).toHaveLength(1);
    expect(greCallId(got[0]!)).toBe(7);
    expect(other).toHaveLength(0);
  });

  it('counts packets from the gateway for another Call ID as stray, and ignores non-PPTP GRE and unknown peers', () => {
    const demux = new GreDemultiplexer();
    const channel = demux.register(GATEWAY, 7, { onPacket: () => {} }, () => undefined);
    demux.accept(GATEWAY, data(8, 1));
    demux.accept('203.0.113.9', data(7, 1));
    demux.accept(GATEWAY, Buffer.from([0x00, 0x00, 0x08, 0x00])); // GRE version 0 carrying IPv4
    demux.flush();
    expect(channel.stats()).toMatchObject({ delivered: 0, strayFromPeer: 1, lastStrayCallId: 8 });
    expect(demux.stats).toEqual({ notPptp: 1, unmatched: 2, oversize: 0 });
  });

  it('holds at most GRE_QUEUE_PACKETS per session between flushes and drops oversize packets', () => {
    const demux = new GreDemultiplexer();
    let delivered = 0;
    const channel = demux.register(GATEWAY, 7, { onPacket: () => void delivered++ }, () => undefined);
    for (let i = 0; i < GRE_QUEUE_PACKETS + 10; i++) demux.accept(GATEWAY, data(7, i));
    demux.accept(GATEWAY, data(7, 999, new Array<number>(MAX_GRE_PACKET_BYTES).fill(1)));
    demux.flush();
    expect(delivered).toBe(GRE_QUEUE_PACKETS);
    expect(channel.stats().dropped).toBe(11);
    expect(demux.stats.oversize).toBe(1);
  });

  it('refuses a second session on the same gateway and Call ID, and stops delivery on close', () => {
    const demux = new GreDemultiplexer();
    let delivered = 0;
    const channel = demux.register(GATEWAY, 7, { onPacket: () => void delivered++ }, () => undefined);
    expect(() => demux.register(GATEWAY, 7, { onPacket: () => {} }, () => undefined)).toThrow(expect.objectContaining({ code: 'call_id_in_use' }));
    demux.accept(GATEWAY, data(7, 1));
    channel.close();
    demux.flush();
    expect(delivered).toBe(0);
    expect(demux.size).toBe(0);
  });

  it('counts sends the network refused', () => {
    const demux = new GreDemultiplexer();
    const channel = demux.register(GATEWAY, 7, { onPacket: () => {} }, () => 'Network is unreachable');
    channel.send(data(9, 1));
    expect(channel.stats()).toMatchObject({ sendErrors: 1, lastSendError: 'Network is unreachable' });
  });
});

describe('MemoryGreNetwork', () => {
  it('delivers after the latency, never inside the send, and applies drop rules', () => {
    const clock = new FakeClock();
    const network = new MemoryGreNetwork({ schedule: (ms, fn) => void clock.timersApi.set(ms, fn), latencyMs: 3 });
    const probe = new MemoryGreTransport(network, PROBE);
    const gateway = new MemoryGreTransport(network, GATEWAY);
    const atProbe: Uint8Array[] = [];
    const toGateway = gateway.open(PROBE, 0x0101, { onPacket: () => {} });
    probe.open(GATEWAY, 0x0202, { onPacket: (p) => atProbe.push(p) });
    toGateway.send(data(0x0202, 1));
    expect(atProbe).toHaveLength(0);
    clock.advance(3);
    expect(atProbe).toHaveLength(1);
    network.drop((source) => source === GATEWAY);
    toGateway.send(data(0x0202, 2));
    clock.advance(10);
    expect(atProbe).toHaveLength(1);
    expect(network.counters).toMatchObject({ sent: 2, dropped: 1 });
  });
});

describe('GreLink', () => {
  function link(): { link: GreLink; sent: Buffer[]; frames: Uint8Array[]; clock: FakeClock } {
    const clock = new FakeClock();
    const sent: Buffer[] = [];
    const frames: Uint8Array[] = [];
    const channel: GreChannel = {
      send: (gre) => void sent.push(Buffer.from(gre)),
      stats: () => ({ delivered: 0, dropped: 0, strayFromPeer: 0, lastStrayCallId: undefined, sendErrors: 0, lastSendError: undefined }),
      close: () => {},
    };
    const schedule = (ms: number, fn: () => void): (() => void) => {
      const handle = clock.timersApi.set(ms, fn);
      return () => clock.timersApi.clear(handle);
    };
    const l = new GreLink(channel, schedule, clock.now, 100, { onPayload: (p) => frames.push(p) });
    return { link: l, sent, frames, clock };
  }

  it('sends nothing before the peer Call ID is known, then numbers packets from 0 with the peer key', () => {
    const { link: l, sent } = link();
    l.send(Buffer.from([1]));
    expect(sent).toHaveLength(0);
    l.setPeerCallId(0x4242);
    l.send(Buffer.from([1]));
    l.send(Buffer.from([2]));
    const packets = sent.map((b) => decodeGre(b));
    expect(packets.map((p) => p.kind === 'data' && [p.callId, p.sequence, p.ack])).toEqual([
      [0x4242, 0, undefined],
      [0x4242, 1, undefined],
    ]);
  });

  it('acknowledges what it received: piggybacked on data, or alone after the delay', () => {
    const { link: l, sent, clock } = link();
    l.setPeerCallId(0x4242);
    l.receive(data(0x1111, 5));
    l.send(Buffer.from([1]));
    const piggy = decodeGre(sent[0]!);
    expect(piggy.kind === 'data' && piggy.ack).toBe(5);
    l.receive(data(0x1111, 6));
    clock.advance(100);
    const alone = decodeGre(sent[1]!);
    expect(alone).toEqual({ kind: 'ack', callId: 0x4242, ack: 6 });
    expect(l.stats.acksSent).toBe(1);
  });

  it('drops duplicates and late packets, counts malformed ones (a lying Payload Length), and notes the peer acknowledging us', () => {
    const { link: l, frames } = link();
    l.setPeerCallId(0x4242);
    l.send(Buffer.from([1]));
    l.receive(data(0x1111, 10));
    l.receive(data(0x1111, 10));
    l.receive(data(0x1111, 9));
    const lying = data(0x1111, 11);
    lying.writeUInt16BE(100, 4);
    l.receive(lying);
    l.receive(data(0x1111, 12, [0xff, 0x03, 0xc0, 0x21], 0));
    expect(frames).toHaveLength(2);
    expect(l.stats).toMatchObject({ received: 2, outOfOrder: 2, malformed: 1, peerAcked: true });
    expect(l.stats.lastMalformed).toContain('gre_payload_length_mismatch');
  });

  it('takes sequence numbers across the 32-bit wrap as ahead', () => {
    const { link: l, frames } = link();
    l.receive(data(0x1111, 0xffff_ffff));
    l.receive(data(0x1111, 0));
    expect(frames).toHaveLength(2);
  });
});
