// Enhanced GRE (RFC 2637 §4.1) read straight from a classic pcap file of an Ethernet interface, with
// nothing of ours and nothing of tshark's: tshark shows the Payload Length field but does not flag a
// wrong one, so this reader measures the payload that actually follows the header and reports both.
// Only what the dissection tests need: IPv4 over Ethernet II, protocol 47, GRE version 1.
import { readFileSync } from 'node:fs';

const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const IP_PROTOCOL_GRE = 47;

export interface PcapGreFrame {
  /** 1-based, as tshark numbers frames. */
  frame: number;
  source: string;
  destination: string;
  flags: { key: boolean; sequence: boolean; ack: boolean; version: number };
  protocol: number;
  /** The header's Payload Length field. */
  payloadLengthField: number;
  /** Bytes that actually follow the header inside the IP datagram. */
  payloadBytes: number;
  callId: number;
  sequence: number | undefined;
  ack: number | undefined;
  payload: Buffer;
}

const ipv4 = (b: Buffer, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** Every protocol-47 frame of the capture, in capture order. Throws on a file this reader does not handle. */
export function readPcapGre(path: string): PcapGreFrame[] {
  const file = readFileSync(path);
  if (file.length < 24) throw new Error(`${path}: too short for a pcap header`);
  const magicLe = file.readUInt32LE(0);
  const le = magicLe === PCAP_MAGIC_MICROSECONDS || magicLe === PCAP_MAGIC_NANOSECONDS;
  const magicBe = file.readUInt32BE(0);
  if (!le && magicBe !== PCAP_MAGIC_MICROSECONDS && magicBe !== PCAP_MAGIC_NANOSECONDS) throw new Error(`${path}: not a classic pcap file (pcapng? capture with -P)`);
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkType = u32(20);
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${linkType}, this reader handles Ethernet (1) only`);
  const frames: PcapGreFrame[] = [];
  let at = 24;
  for (let frame = 1; at + 16 <= file.length; frame++) {
    const captured = u32(at + 8);
    const packet = file.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    if (packet.length < 14 + 20 || packet.readUInt16BE(12) !== ETHERTYPE_IPV4) continue;
    const ip = packet.subarray(14);
    const headerBytes = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== IP_PROTOCOL_GRE) continue;
    const datagram = ip.subarray(0, Math.min(ip.length, ip.readUInt16BE(2)));
    const gre = datagram.subarray(headerBytes);
    if (gre.length < 8) throw new Error(`frame ${frame}: GRE shorter than its base header`);
    const sequence = (gre[0]! & 0x10) !== 0;
    const ack = (gre[1]! & 0x80) !== 0;
    let offset = 8;
    const seq = sequence ? gre.readUInt32BE(offset) : undefined;
    if (sequence) offset += 4;
    const ackNumber = ack ? gre.readUInt32BE(offset) : undefined;
    if (ack) offset += 4;
    frames.push({
      frame,
      source: ipv4(ip, 12),
      destination: ipv4(ip, 16),
      flags: { key: (gre[0]! & 0x20) !== 0, sequence, ack, version: gre[1]! & 0x07 },
      protocol: gre.readUInt16BE(2),
      payloadLengthField: gre.readUInt16BE(4),
      payloadBytes: Math.max(0, gre.length - offset),
      callId: gre.readUInt16BE(6),
      sequence: seq,
      ack: ackNumber,
      payload: Buffer.from(gre.subarray(offset)),
    });
  }
  return frames;
}
