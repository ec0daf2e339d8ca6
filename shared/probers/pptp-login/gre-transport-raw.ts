// GRE over a raw IPv4 socket (socket(AF_INET, SOCK_RAW, 47)) through koffi, a C-function bridge with
// prebuilt binaries: Node has no raw sockets of its own. One socket per process serves every login
// session; the shared GreDemultiplexer routes packets by gateway address and Call ID.
//
// How packets are waited for, chosen by measurement (bench/login-gre-transport-bench.ts: two
// namespaces on a veth pair, Node 20, 2 cores; figures in this folder's README.md):
//   - poll(2) on koffi's async worker, woken by the socket or an eventfd, then a non-blocking drain
//     on the main thread: 0.2 ms CPU per second idle, 20 µs median wake-up, 6-11 µs CPU per packet;
//   - a 5 ms timer draining the socket: 22 ms CPU per second idle (38 with 1 ms), even with no
//     traffic, and 5.2 ms median added to every packet's timestamp, which the stage timings report;
//   - a blocking recv(2) on koffi's async worker: one thread hop per packet, 41-54 µs CPU per
//     packet, and it saturates near 6,000 packets/s.
// So: poll on the worker. A pending async call keeps Node's event loop alive, so polling runs only
// while a channel is open, and the eventfd stops it at once when the last one closes.
import { createRequire } from 'node:module';
import { IP_PROTOCOL_GRE, IPV4_MIN_HEADER_BYTES } from './constants.js';
import { GreDemultiplexer, GreTransportError, type GreChannel, type GreChannelHandlers, type GreTransport } from './gre-transport.js';
import { parseIpv4 } from './ipv4.js';

/** Packets read per wake-up before the event loop gets a turn (poll then returns at once if more wait). */
const MAX_PACKETS_PER_WAKEUP = 256;
/** The receive buffer: one IPv4 datagram at most. */
const RECEIVE_BUFFER_BYTES = 65_536;

// Linux values (x86-64 and arm64 share them).
const AF_INET = 2;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const POLLIN = 0x0001;
const MSG_DONTWAIT = 0x40;
const EPERM = 1;
const EACCES = 13;
const EAGAIN = 11;
const EINTR = 4;
const SOCKADDR_IN_BYTES = 16;
const POLLFD_BYTES = 8;
/** No timeout: the eventfd ends a poll, so an idle process never wakes. */
const POLL_FOREVER = -1;

/** How to give the process the capability; the text of the permission error. */
export const CAP_NET_RAW_ADVICE =
  'The login probe sends GRE (IP protocol 47) through a raw socket, which needs CAP_NET_RAW. Grant it one of these ways: ' +
  'run as root; or give node the capability: `sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"` ' +
  '(setcap needs the real binary, not a symlink; it applies to every script that node runs); ' +
  'or, under systemd, set `AmbientCapabilities=CAP_NET_RAW` (and keep CAP_NET_RAW in CapabilityBoundingSet) in the service unit. ' +
  'AWS Lambda allows no raw sockets at all: run login checks with the CLI or the local monitor (private-location agents are not available yet).';

// ---- the few libc functions we call, typed at the boundary ----

type AsyncCallback = (error: unknown, result: unknown) => void;

interface ForeignFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}

interface KoffiLibrary {
  func(signature: string): ForeignFunction;
}

interface KoffiModule {
  load(path: string): KoffiLibrary;
  errno(): number;
}

function isKoffiModule(value: unknown): value is KoffiModule {
  if (typeof value !== 'object' || value === null) return false;
  return typeof Reflect.get(value, 'load') === 'function' && typeof Reflect.get(value, 'errno') === 'function';
}

/** A C integer result as a number (koffi returns 64-bit ones as number or bigint). */
function int(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new GreTransportError('binding_unavailable', `unexpected result from the native binding: ${typeof value}`);
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  sendto(fd: number, bytes: Uint8Array, flags: number, address: Uint8Array): number;
  recv(fd: number, into: Uint8Array, flags: number): number;
  eventfd(flags: number): number;
  write(fd: number, bytes: Uint8Array): number;
  read(fd: number, into: Uint8Array): number;
  close(fd: number): number;
  /** poll(2) on koffi's worker thread; `done` runs on the main thread. */
  pollAsync(fds: Uint8Array, count: number, timeoutMs: number, done: AsyncCallback): void;
  errno(): number;
  strerror(errno: number): string;
}

let libcCache: Libc | undefined;

function loadLibc(): Libc {
  if (libcCache) return libcCache;
  let koffi: unknown;
  let library: KoffiLibrary;
  try {
    // Loaded at run time, not imported: bundles (the CLI, Lambda) leave it out, and a runner that
    // never opens a raw socket never needs the native module.
    koffi = createRequire(import.meta.url)('koffi');
    if (!isKoffiModule(koffi)) throw new TypeError('the koffi module has no load() or errno()');
    library = koffi.load('libc.so.6');
  } catch (err) {
    throw new GreTransportError('binding_unavailable', `cannot load koffi and libc for raw GRE sockets (Linux and the koffi package are required): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const k = koffi;
  const f = (signature: string): ForeignFunction => library.func(signature);
  const socket = f('int socket(int, int, int)');
  const sendto = f('long sendto(int, const void *, size_t, int, const void *, uint32_t)');
  const recv = f('long recv(int, void *, size_t, int)');
  const eventfd = f('int eventfd(unsigned int, int)');
  const write = f('long write(int, const void *, size_t)');
  const read = f('long read(int, void *, size_t)');
  const close = f('int close(int)');
  const poll = f('int poll(void *, unsigned long, int)');
  const strerror = f('const char *strerror(int)');
  libcCache = {
    socket: (domain, type, protocol) => int(socket(domain, type, protocol)),
    sendto: (fd, bytes, flags, address) => int(sendto(fd, bytes, bytes.length, flags, address, address.length)),
    recv: (fd, into, flags) => int(recv(fd, into, into.length, flags)),
    eventfd: (flags) => int(eventfd(0, flags)),
    write: (fd, bytes) => int(write(fd, bytes, bytes.length)),
    read: (fd, into) => int(read(fd, into, into.length)),
    close: (fd) => int(close(fd)),
    pollAsync: (fds, count, timeoutMs, done) => poll.async(fds, count, timeoutMs, done),
    errno: () => k.errno(),
    strerror: (errno) => {
      const text = strerror(errno);
      return typeof text === 'string' ? text : `errno ${errno}`;
    },
  };
  return libcCache;
}

function sockaddrIn(address: string): Buffer {
  const out = Buffer.alloc(SOCKADDR_IN_BYTES);
  out.writeUInt16LE(AF_INET, 0); // sa_family is host order; x86-64 and arm64 are little-endian
  out.set(parseIpv4(address), 4); // sin_port 0: raw sockets have no ports
  return out;
}

/** What the socket threw away before the demultiplexer saw it. */
export interface RawSocketStats {
  /** Datagrams read from the socket. */
  read: number;
  /** Not a whole IPv4 GRE datagram (a fragment, or a malformed header). */
  notWhole: number;
  /** recv() failures other than "nothing more to read". */
  receiveErrors: number;
}

/** Opens a raw GRE socket, or throws GreTransportError naming why (and, for EPERM, how to fix it). */
export class RawGreTransport implements GreTransport {
  private readonly libc: Libc;
  private readonly fd: number;
  private readonly wakeFd: number;
  private readonly demux = new GreDemultiplexer();
  private readonly receiveBuffer = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
  /** struct pollfd[2]: the socket and the eventfd; written by the worker, kept alive here. */
  private readonly pollFds = Buffer.alloc(2 * POLLFD_BYTES);
  private readonly wakeBytes = Buffer.alloc(8);
  private readonly addresses = new Map<string, Buffer>();
  /** A poll is running on the worker. */
  private polling = false;
  private closed = false;
  readonly socketStats: RawSocketStats = { read: 0, notWhole: 0, receiveErrors: 0 };

  constructor() {
    this.libc = loadLibc();
    const fd = this.libc.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IP_PROTOCOL_GRE);
    if (fd < 0) {
      const errno = this.libc.errno();
      const why = this.libc.strerror(errno);
      if (errno === EPERM || errno === EACCES) {
        throw new GreTransportError('permission_denied', `cannot open a raw GRE socket: ${why} (CAP_NET_RAW missing). ${CAP_NET_RAW_ADVICE}`, { errno });
      }
      throw new GreTransportError('socket_failed', `cannot open a raw GRE socket: ${why}`, { errno });
    }
    const wakeFd = this.libc.eventfd(EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) {
      const errno = this.libc.errno();
      this.libc.close(fd);
      throw new GreTransportError('socket_failed', `cannot create the eventfd that stops the GRE poll: ${this.libc.strerror(errno)}`, { errno });
    }
    this.fd = fd;
    this.wakeFd = wakeFd;
    this.pollFds.writeInt32LE(fd, 0);
    this.pollFds.writeInt16LE(POLLIN, 4);
    this.pollFds.writeInt32LE(wakeFd, POLLFD_BYTES);
    this.pollFds.writeInt16LE(POLLIN, POLLFD_BYTES + 4);
    this.wakeBytes.writeBigUInt64LE(1n);
  }

  get demuxStats(): GreDemultiplexer['stats'] {
    return this.demux.stats;
  }

  get openChannels(): number {
    return this.demux.size;
  }

  open(peerAddress: string, callId: number, handlers: GreChannelHandlers): GreChannel {
    if (this.closed) throw new GreTransportError('closed', 'the raw GRE transport is closed');
    const destination = this.addressOf(peerAddress);
    const channel = this.demux.register(peerAddress, callId, handlers, (gre) => this.sendTo(destination, gre));
    this.startPolling();
    return {
      send: channel.send,
      stats: channel.stats,
      close: () => {
        channel.close();
        if (this.demux.size === 0) this.stopPolling();
      },
    };
  }

  /** Closes the socket once the worker's poll has returned; open channels stop receiving. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (shared === this) shared = undefined;
    if (this.polling) this.wake();
    else this.release();
  }

  private addressOf(peerAddress: string): Buffer {
    let address = this.addresses.get(peerAddress);
    if (!address) {
      address = sockaddrIn(peerAddress);
      // Gateways per process are few; the bound only guards against a caller that loops over many.
      if (this.addresses.size >= 4096) this.addresses.clear();
      this.addresses.set(peerAddress, address);
    }
    return address;
  }

  private sendTo(destination: Buffer, gre: Uint8Array): string | undefined {
    if (this.closed) return 'transport closed';
    if (this.libc.sendto(this.fd, gre, MSG_DONTWAIT, destination) >= 0) return undefined;
    return this.libc.strerror(this.libc.errno());
  }

  private startPolling(): void {
    if (this.polling || this.closed) return;
    this.polling = true;
    this.libc.pollAsync(this.pollFds, 2, POLL_FOREVER, this.onPollReturned);
  }

  private stopPolling(): void {
    if (this.polling) this.wake();
  }

  private wake(): void {
    this.libc.write(this.wakeFd, this.wakeBytes);
  }

  private readonly onPollReturned = (): void => {
    this.polling = false;
    // Reset the eventfd (non-blocking: nothing to read is fine), then take what the socket holds.
    this.libc.read(this.wakeFd, this.wakeBytes);
    this.wakeBytes.writeBigUInt64LE(1n);
    if (this.closed) {
      this.release();
      return;
    }
    this.drain();
    if (this.demux.size > 0) this.startPolling();
  };

  private drain(): void {
    for (let i = 0; i < MAX_PACKETS_PER_WAKEUP; i++) {
      const n = this.libc.recv(this.fd, this.receiveBuffer, MSG_DONTWAIT);
      if (n < 0) {
        const errno = this.libc.errno();
        if (errno !== EAGAIN && errno !== EINTR) this.socketStats.receiveErrors++;
        break;
      }
      this.socketStats.read++;
      this.acceptDatagram(this.receiveBuffer.subarray(0, n));
    }
    this.demux.flush();
  }

  /** A raw IPv4 socket hands over the IP header too: take the source address from it, pass the GRE on. */
  private acceptDatagram(datagram: Buffer): void {
    const headerBytes = (datagram[0]! & 0x0f) * 4;
    const totalLength = datagram.length >= IPV4_MIN_HEADER_BYTES ? datagram.readUInt16BE(2) : 0;
    const fragment = datagram.length >= IPV4_MIN_HEADER_BYTES ? datagram.readUInt16BE(6) & 0x3fff : 1;
    if (datagram.length < IPV4_MIN_HEADER_BYTES || datagram[0]! >> 4 !== 4 || headerBytes < IPV4_MIN_HEADER_BYTES || totalLength < headerBytes || totalLength > datagram.length || fragment !== 0 || datagram[9] !== IP_PROTOCOL_GRE) {
      this.socketStats.notWhole++;
      return;
    }
    const source = `${datagram[12]}.${datagram[13]}.${datagram[14]}.${datagram[15]}`;
    this.demux.accept(source, datagram.subarray(headerBytes, totalLength));
  }

  private release(): void {
    this.libc.close(this.fd);
    this.libc.close(this.wakeFd);
  }
}

let shared: RawGreTransport | undefined;

/**
 * The process's one raw GRE socket, opened on first use. Every packet of protocol 47 reaching the
 * host arrives on every such socket, so a second one would only double the work. Throws
 * GreTransportError when it cannot be opened; a later call tries again.
 */
export function sharedRawGreTransport(): RawGreTransport {
  shared ??= new RawGreTransport();
  return shared;
}
