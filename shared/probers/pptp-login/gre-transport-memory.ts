// An in-memory IPv4 network that carries GRE between named addresses, for unit tests and simulators:
// the same GreTransport interface and the same demultiplexer as the raw socket, with delivery put
// on an injected timer (a fake clock in tests), never inside the sender's call: as on a real
// network, a session never receives a reply while it is still sending.
// Links can lose packets in either direction, which is how tests make GRE blocked or one-way.
import { GreDemultiplexer, GreTransportError, type GreChannel, type GreChannelHandlers, type GreTransport } from './gre-transport.js';

/** Schedules `fn` after `delayMs` on the caller's clock. */
export type ScheduleDelivery = (delayMs: number, fn: () => void) => void;

/** Decides whether a packet from `source` to `destination` is lost: true drops it. */
export type GreDropRule = (source: string, destination: string, gre: Uint8Array) => boolean;

/** Something attached to the network at an address: it is handed every GRE packet sent there. */
export type GreReceiver = (source: string, gre: Uint8Array) => void;

export interface MemoryGreNetworkOptions {
  schedule: ScheduleDelivery;
  /** One-way delay of every packet, in ms. */
  latencyMs?: number;
}

export class MemoryGreNetwork {
  private readonly hosts = new Map<string, GreReceiver>();
  private readonly dropRules: GreDropRule[] = [];
  /** Packets sent, and those a drop rule removed, for assertions. */
  readonly counters = { sent: 0, dropped: 0, undeliverable: 0 };

  constructor(private readonly options: MemoryGreNetworkOptions) {}

  /** Attaches a receiver at `address`; returns the function that sends from it. */
  attach(address: string, receiver: GreReceiver): (destination: string, gre: Uint8Array) => void {
    if (this.hosts.has(address)) throw new GreTransportError('socket_failed', `address ${address} is already attached to the memory network`);
    this.hosts.set(address, receiver);
    return (destination, gre) => this.send(address, destination, gre);
  }

  detach(address: string): void {
    this.hosts.delete(address);
  }

  /** Adds a rule that loses matching packets (e.g. everything toward the gateway: one-way GRE). */
  drop(rule: GreDropRule): void {
    this.dropRules.push(rule);
  }

  private send(source: string, destination: string, gre: Uint8Array): void {
    this.counters.sent++;
    if (this.dropRules.some((rule) => rule(source, destination, gre))) {
      this.counters.dropped++;
      return;
    }
    // The sender may reuse its buffer once send returns, as with sendto().
    const copy = Uint8Array.prototype.slice.call(gre);
    this.options.schedule(this.options.latencyMs ?? 0, () => {
      const receiver = this.hosts.get(destination);
      if (receiver) receiver(source, copy);
      else this.counters.undeliverable++;
    });
  }
}

/** A GreTransport for the host at `localAddress` of a memory network. */
export class MemoryGreTransport implements GreTransport {
  private readonly demux = new GreDemultiplexer();
  private readonly sendFrom: (destination: string, gre: Uint8Array) => void;

  constructor(network: MemoryGreNetwork, localAddress: string) {
    this.sendFrom = network.attach(localAddress, (source, gre) => {
      this.demux.accept(source, gre);
      this.demux.flush();
    });
  }

  get demuxStats(): GreDemultiplexer['stats'] {
    return this.demux.stats;
  }

  /** Open channels; zero once every session has closed its own. */
  get openChannels(): number {
    return this.demux.size;
  }

  open(peerAddress: string, callId: number, handlers: GreChannelHandlers): GreChannel {
    return this.demux.register(peerAddress, callId, handlers, (gre) => {
      this.sendFrom(peerAddress, gre);
      return undefined;
    });
  }
}
