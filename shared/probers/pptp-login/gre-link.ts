// One call's enhanced GRE (RFC 2637 §4.1, §4.2): PPP frames out with our sequence numbers and the
// gateway's Call ID as Key, acknowledgments piggybacked or sent alone after a short delay, and on
// receipt the header checked (Payload Length included, by decodeGre), duplicates and late packets
// dropped. PPP has its own retransmission, so nothing is re-sent here and nothing waits on a window.
import { LoginDecodeError } from './errors.js';
import { decodeGre, encodeGre, type GrePacket } from './gre.js';
import type { GreChannel } from './gre-transport.js';
import type { ScheduleTimer, CancelTimer } from './negotiation-automaton.js';

/** Half the 32-bit sequence space: a number this far ahead or more is behind (serial arithmetic). */
const SEQUENCE_HALF_SPACE = 0x8000_0000;

function isAhead(sequence: number, reference: number): boolean {
  const distance = (sequence - reference) >>> 0;
  return distance !== 0 && distance < SEQUENCE_HALF_SPACE;
}

export interface GreLinkHooks {
  /** The PPP frame (the GRE payload) of a packet in sequence. */
  onPayload(payload: Uint8Array): void;
  /** A packet failed our checks; told for the counters and the note. */
  onMalformed?(error: LoginDecodeError): void;
}

export interface GreLinkStats {
  sent: number;
  received: number;
  malformed: number;
  outOfOrder: number;
  acksSent: number;
  /** The gateway acknowledged at least one of our packets: our GRE reaches it. */
  peerAcked: boolean;
  /** The first time (on the session's clock) a valid packet arrived. */
  firstReceivedAt: number | undefined;
  lastMalformed: string | undefined;
}

export class GreLink {
  private peerCallId: number | undefined;
  private nextSequence = 0;
  private lastReceived: number | undefined;
  private ackOwed = false;
  private cancelAck: CancelTimer | undefined;
  private closed = false;
  readonly stats: GreLinkStats = {
    sent: 0,
    received: 0,
    malformed: 0,
    outOfOrder: 0,
    acksSent: 0,
    peerAcked: false,
    firstReceivedAt: undefined,
    lastMalformed: undefined,
  };

  constructor(
    private readonly channel: GreChannel,
    private readonly schedule: ScheduleTimer,
    private readonly now: () => number,
    private readonly ackDelayMs: number,
    private readonly hooks: GreLinkHooks,
  ) {}

  /** The gateway's Call ID from its Outgoing-Call-Reply: the Key of everything we send. */
  setPeerCallId(callId: number): void {
    this.peerCallId = callId;
  }

  /** Sends one PPP frame; dropped silently before the gateway's Call ID is known or after close. */
  send(frame: Uint8Array): void {
    if (this.closed || this.peerCallId === undefined) return;
    const ack = this.takeAck();
    this.channel.send(encodeGre({ kind: 'data', callId: this.peerCallId, sequence: this.nextSequence, ack, payload: frame }));
    this.nextSequence = (this.nextSequence + 1) >>> 0;
    this.stats.sent++;
  }

  /** Handles one GRE packet from the transport (already matched to our Call ID and the gateway's address). */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    let packet: GrePacket;
    try {
      packet = decodeGre(bytes);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.stats.malformed++;
      this.stats.lastMalformed = `${err.code}: ${err.message}`;
      this.hooks.onMalformed?.(err);
      return;
    }
    if (packet.ack !== undefined && this.stats.sent > 0 && !isAhead(packet.ack, (this.nextSequence - 1) >>> 0)) this.stats.peerAcked = true;
    if (packet.kind === 'ack') return;
    if (this.lastReceived !== undefined && !isAhead(packet.sequence, this.lastReceived)) {
      this.stats.outOfOrder++;
      return;
    }
    this.lastReceived = packet.sequence;
    this.stats.received++;
    this.stats.firstReceivedAt ??= this.now();
    this.owe();
    if (packet.payload.length > 0) this.hooks.onPayload(packet.payload);
  }

  close(): void {
    this.closed = true;
    this.cancelAck?.();
    this.cancelAck = undefined;
  }

  private owe(): void {
    this.ackOwed = true;
    if (this.cancelAck) return;
    this.cancelAck = this.schedule(this.ackDelayMs, () => {
      this.cancelAck = undefined;
      if (this.closed || !this.ackOwed || this.peerCallId === undefined) return;
      const ack = this.takeAck();
      if (ack === undefined) return;
      this.channel.send(encodeGre({ kind: 'ack', callId: this.peerCallId, ack }));
      this.stats.acksSent++;
    });
  }

  private takeAck(): number | undefined {
    if (!this.ackOwed || this.lastReceived === undefined) return undefined;
    this.ackOwed = false;
    return this.lastReceived;
  }
}
