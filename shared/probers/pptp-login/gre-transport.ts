// The one small interface a login session needs from the network for GRE (IP protocol 47), and the
// demultiplexer both implementations share. A raw GRE socket receives every protocol-47 packet that
// reaches the host, for every session of the process and for other programs' tunnels too, so each
// packet is matched to a session by the gateway's address and the GRE Key (our Call ID, RFC 2637
// §4.1) and everything else is ignored. Memory is bounded per session (a queue of at most
// GRE_QUEUE_PACKETS between two flushes, the rest dropped and counted) and per packet
// (MAX_GRE_PACKET_BYTES): a gateway that floods, or another tunnel on the host, costs counters, not heap.
import { PptpMonitorError } from '../../common/errors.js';
import { GRE_BASE_HEADER_BYTES, GRE_PROTOCOL_PPP, GRE_VERSION_ENHANCED } from './constants.js';

/** Packets held for one session between two flushes; a flood beyond this is dropped and counted. */
export const GRE_QUEUE_PACKETS = 64;
/**
 * Largest GRE packet accepted, in bytes (GRE header and PPP, without the IP header). We never
 * negotiate an MRU above 1500, so a legitimate packet is at most 1500 + 4 (PPP) + 16 (GRE); the
 * rest of the margin is for a peer that ignores the MRU slightly.
 */
export const MAX_GRE_PACKET_BYTES = 2048;

const GRE_FLAG_KEY = 0x20;
const GRE_VERSION_MASK = 0x07;

export type GreTransportErrorCode =
  /** socket(AF_INET, SOCK_RAW, 47) was refused: the process lacks CAP_NET_RAW. */
  | 'permission_denied'
  /** The raw socket could not be opened for another reason (no IPv4, fd limit, ...). */
  | 'socket_failed'
  /** The native binding (koffi) or libc could not be loaded: not Linux, or koffi not installed. */
  | 'binding_unavailable'
  /** Another session of this process already receives this gateway's GRE for this Call ID. */
  | 'call_id_in_use'
  /** The transport was closed. */
  | 'closed';

export class GreTransportError extends PptpMonitorError<GreTransportErrorCode> {
  /** errno of the failing system call, when there was one. */
  readonly errno: number | undefined;

  constructor(code: GreTransportErrorCode, message: string, options: { errno?: number; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errno = options.errno;
  }
}

export interface GreChannelStats {
  /** Packets handed to the session. */
  delivered: number;
  /** Packets for this session dropped because its queue was full (a flood) or they were too big. */
  dropped: number;
  /** Packets from the gateway's address carrying another Call ID: it answers for a call that is not ours. */
  strayFromPeer: number;
  /** The Key of the latest such packet. */
  lastStrayCallId: number | undefined;
  /** Sends the network refused (sendto failed). */
  sendErrors: number;
  /** The error text of the latest refused send. */
  lastSendError: string | undefined;
}

export interface GreChannelHandlers {
  /** One GRE packet (header and payload, no IP header) from the peer with our Call ID; a copy the session may keep. */
  onPacket(gre: Uint8Array): void;
}

/** A session's view of the transport: its own packets in, its own packets out. */
export interface GreChannel {
  /** Sends one GRE packet (header and payload) to the peer. Network errors are counted, never thrown. */
  send(gre: Uint8Array): void;
  stats(): Readonly<GreChannelStats>;
  /** Stops delivery; no handler is called after this returns. */
  close(): void;
}

export interface GreTransport {
  /**
   * Receives the GRE packets from `peerAddress` (dotted quad) whose Key is `callId`. Throws
   * GreTransportError: 'call_id_in_use' when another session holds that pair (pick another Call ID),
   * or the reason the transport cannot work at all ('permission_denied', ...).
   */
  open(peerAddress: string, callId: number, handlers: GreChannelHandlers): GreChannel;
}

/** The GRE Key (Call ID) of an enhanced-GRE PPP packet, or undefined when it is not one. */
export function greCallId(gre: Uint8Array): number | undefined {
  if (gre.length < GRE_BASE_HEADER_BYTES) return undefined;
  if ((gre[0]! & GRE_FLAG_KEY) === 0 || (gre[1]! & GRE_VERSION_MASK) !== GRE_VERSION_ENHANCED) return undefined;
  if (((gre[2]! << 8) | gre[3]!) !== GRE_PROTOCOL_PPP) return undefined;
  return (gre[6]! << 8) | gre[7]!;
}

/** Counters of everything the demultiplexer threw away before any session saw it. */
export interface DemuxStats {
  /** Not enhanced GRE carrying PPP (another kind of tunnel on the host, or garbage). */
  notPptp: number;
  /** Enhanced GRE from an address or Call ID no session waits for. */
  unmatched: number;
  /** Bigger than MAX_GRE_PACKET_BYTES. */
  oversize: number;
}

interface Registration {
  readonly peer: string;
  readonly callId: number;
  readonly handlers: GreChannelHandlers;
  readonly queue: Uint8Array[];
  readonly stats: GreChannelStats;
  open: boolean;
}

const keyOf = (peer: string, callId: number): string => `${peer}/${callId}`;

/**
 * Routes packets to sessions by (source address, Call ID). `accept` copies and queues; `flush`
 * delivers. The split lets a transport read a batch from its socket first and hand it over after,
 * so one session's flood is cut at its queue bound while the others still get their packets.
 */
export class GreDemultiplexer {
  private readonly byKey = new Map<string, Registration>();
  /** Sessions per peer address, to count packets a peer sends for Call IDs that are not theirs. */
  private readonly byPeer = new Map<string, Set<Registration>>();
  private readonly pending = new Set<Registration>();
  readonly stats: DemuxStats = { notPptp: 0, unmatched: 0, oversize: 0 };

  constructor(private readonly queuePackets = GRE_QUEUE_PACKETS) {}

  /** Number of open registrations. */
  get size(): number {
    return this.byKey.size;
  }

  /** Registers a session; `send` is how its channel reaches the network. */
  register(peer: string, callId: number, handlers: GreChannelHandlers, send: (gre: Uint8Array) => string | undefined): GreChannel {
    const key = keyOf(peer, callId);
    if (this.byKey.has(key)) throw new GreTransportError('call_id_in_use', `Call ID ${callId} toward ${peer} is already in use in this process`);
    const registration: Registration = {
      peer,
      callId,
      handlers,
      queue: [],
      stats: { delivered: 0, dropped: 0, strayFromPeer: 0, lastStrayCallId: undefined, sendErrors: 0, lastSendError: undefined },
      open: true,
    };
    this.byKey.set(key, registration);
    let peers = this.byPeer.get(peer);
    if (!peers) this.byPeer.set(peer, (peers = new Set()));
    peers.add(registration);
    return {
      send: (gre) => {
        if (!registration.open) return;
        const error = send(gre);
        if (error !== undefined) {
          registration.stats.sendErrors++;
          registration.stats.lastSendError = error;
        }
      },
      stats: () => registration.stats,
      close: () => this.unregister(registration),
    };
  }

  /** Queues a copy of a GRE packet from `source`, if a session waits for it. */
  accept(source: string, gre: Uint8Array): void {
    const callId = greCallId(gre);
    if (callId === undefined) {
      this.stats.notPptp++;
      return;
    }
    const registration = this.byKey.get(keyOf(source, callId));
    if (!registration) {
      this.stats.unmatched++;
      const peers = this.byPeer.get(source);
      if (peers) {
        for (const r of peers) {
          r.stats.strayFromPeer++;
          r.stats.lastStrayCallId = callId;
        }
      }
      return;
    }
    if (gre.length > MAX_GRE_PACKET_BYTES) {
      this.stats.oversize++;
      registration.stats.dropped++;
      return;
    }
    if (registration.queue.length >= this.queuePackets) {
      registration.stats.dropped++;
      return;
    }
    // A copy: raw-socket bindings hand out views of one reused receive buffer.
    registration.queue.push(Uint8Array.prototype.slice.call(gre));
    this.pending.add(registration);
  }

  /** Delivers every queued packet. A handler may close its own or another channel meanwhile. */
  flush(): void {
    for (const registration of this.pending) {
      this.pending.delete(registration);
      const packets = registration.queue.splice(0);
      for (const packet of packets) {
        if (!registration.open) break;
        registration.stats.delivered++;
        registration.handlers.onPacket(packet);
      }
    }
  }

  private unregister(registration: Registration): void {
    if (!registration.open) return;
    registration.open = false;
    registration.queue.length = 0;
    this.pending.delete(registration);
    this.byKey.delete(keyOf(registration.peer, registration.callId));
    const peers = this.byPeer.get(registration.peer);
    peers?.delete(registration);
    if (peers?.size === 0) this.byPeer.delete(registration.peer);
  }
}
