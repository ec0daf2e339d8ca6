// A PPTP call placed from a test against pptpd in a namespace the test created: the control
// connection and Outgoing-Call with the project's PPTP codec, then enhanced GRE (RFC 2637 §4.1)
// through a raw IP socket (protocol 47) opened with koffi (libc socket/sendto/recv). Test-only:
// the probe's own transport is shared/probers/pptp-login's business.
//
// Both sockets must live in the namespace while the test process stays in its own. A socket keeps
// the network namespace it was created in, and setns(2) moves only the calling thread, so the main
// thread steps into the namespace for the two socket(2) calls and straight back out. The TCP socket
// is connected there too (blocking, to a loopback listener: immediate) and then handed to node:net.
// Received GRE comes from a koffi async recv on a worker thread, bounded by SO_RCVTIMEO so that a
// closed call ends its loop.
import koffi, { type KoffiFunc } from 'koffi';
import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { ControlMessageType, encodeMessage, PptpFramer, type ControlMessage, type EncodableMessage } from '../../shared/probers/pptp/index.js';
import { IP_PROTOCOL_GRE } from '../../shared/probers/pptp-login/constants.js';
import { decodeGre, encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { decodeIpv4, parseIpv4 } from '../../shared/probers/pptp-login/ipv4.js';

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_RAW = 3;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const CLONE_NEWNET = 0x40000000;
const PPTP_PORT = 1723;
/** How long one blocking recv waits before the loop checks whether the call was closed, in ms. */
const RECV_SLICE_MS = 100;
/** Largest datagram read from the raw socket: IPv4 header, GRE header and a PPP frame. */
const RECV_BUFFER_BYTES = 4096;
/** Bounds on what the call keeps for assertions. */
const MAX_KEPT_CONTROL_MESSAGES = 64;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  connect: (fd: number, address: Buffer, length: number) => number;
  sendto: (fd: number, data: Buffer, length: number, flags: number, address: Buffer, addressLength: number) => number;
  recv: KoffiFunc<(fd: number, buffer: Buffer, length: number, flags: number) => number>;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number;
  close: (fd: number) => number;
  setns: (fd: number, nstype: number) => number;
  strerror: (errno: number) => string;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
    sendto: lib.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
    recv: lib.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)') as Libc['recv'],
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    close: lib.func('int close(int fd)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    strerror: lib.func('const char *strerror(int errnum)'),
  };
  return libc;
}

function lastError(what: string): Error {
  const errno = koffi.errno();
  return new Error(`${what}: ${loadLibc().strerror(errno)} (errno ${errno})`);
}

function sockaddrIn(address: string, port: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt16LE(AF_INET, 0); // sa_family_t is host order (little-endian here)
  out.writeUInt16BE(port, 2);
  out.set(parseIpv4(address), 4);
  return out;
}

/** Runs `fn` with the calling thread in network namespace `netnsName`, then moves it back. */
function inNetns<T>(netnsName: string, fn: () => T): T {
  const c = loadLibc();
  const own = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(`/run/netns/${netnsName}`, 'r');
  try {
    if (c.setns(target, CLONE_NEWNET) !== 0) throw lastError(`setns into ${netnsName}`);
    try {
      return fn();
    } finally {
      if (c.setns(own, CLONE_NEWNET) !== 0) throw lastError('setns back to the test namespace');
    }
  } finally {
    closeSync(own);
    closeSync(target);
  }
}

/** Why raw GRE sockets cannot be opened here (koffi missing, no CAP_NET_RAW), or undefined. */
export function rawGreUnavailableReason(): string | undefined {
  try {
    const c = loadLibc();
    const fd = c.socket(AF_INET, SOCK_RAW, IP_PROTOCOL_GRE);
    if (fd < 0) return lastError('socket(AF_INET, SOCK_RAW, 47)').message;
    c.close(fd);
    return undefined;
  } catch (err) {
    return `koffi cannot call libc: ${(err as Error).message}`;
  }
}

export interface GreCallStats {
  greSent: number;
  /** GRE data packets for our call, in the order they arrived. */
  greReceived: number;
  /** Acknowledgment-only packets for our call. */
  acksReceived: number;
  /** Protocol-47 packets that were not for our call (our own on loopback, other calls). */
  ignored: number;
  /** The highest sequence number received and the highest acknowledgment pptpd sent us. */
  lastSequence: number | undefined;
  lastAck: number | undefined;
}

export interface PptpGreCall {
  /** Our Call ID: pptpd puts it in the Key of the GRE it sends. */
  callId: number;
  /** pptpd's Call ID from the Outgoing-Call-Reply: the Key of the GRE we send. */
  peerCallId: number;
  /** Sends one PPP frame (no HDLC framing: RFC 2637 §4.1) in a GRE data packet with the next sequence number. */
  send(frame: Uint8Array): void;
  /** Every PPP frame pptpd sends for this call. */
  onFrame(handler: (frame: Buffer) => void): void;
  readonly stats: GreCallStats;
  /** Control messages received after the Outgoing-Call-Reply (Call-Disconnect-Notify, Stop-Control-Connection-Request). */
  readonly controlMessages: ControlMessage[];
  /** Settles when pptpd closes the control connection. */
  readonly controlClosed: Promise<void>;
  /** Call-Clear-Request and Stop-Control-Connection-Request where the connection is still open, then both sockets closed. */
  close(): Promise<void>;
}

export interface PptpGreCallOptions {
  host?: string;
  /** Our Call ID; random unless given. */
  callId?: number;
  /** For the SCCRP and the OCRP, in ms. */
  timeoutMs?: number;
}

/** Opens the control connection, places the call and starts receiving GRE. */
export async function openPptpGreCall(netnsName: string, options: PptpGreCallOptions = {}): Promise<PptpGreCall> {
  const c = loadLibc();
  const host = options.host ?? '127.0.0.1';
  const callId = options.callId ?? 0x4000 + Math.floor(Math.random() * 0x3fff);
  const timeoutMs = options.timeoutMs ?? 5000;
  const { rawFd, tcpFd } = inNetns(netnsName, () => {
    const raw = c.socket(AF_INET, SOCK_RAW, IP_PROTOCOL_GRE);
    if (raw < 0) throw lastError('socket(AF_INET, SOCK_RAW, 47)');
    const tcp = c.socket(AF_INET, SOCK_STREAM, 0);
    if (tcp < 0) {
      c.close(raw);
      throw lastError('socket(AF_INET, SOCK_STREAM)');
    }
    if (c.connect(tcp, sockaddrIn(host, PPTP_PORT), 16) !== 0) {
      const error = lastError(`connect to ${host}:${PPTP_PORT} in ${netnsName}`);
      c.close(raw);
      c.close(tcp);
      throw error;
    }
    return { rawFd: raw, tcpFd: tcp };
  });
  const timeval = Buffer.alloc(16);
  timeval.writeBigInt64LE(0n, 0);
  timeval.writeBigInt64LE(BigInt(RECV_SLICE_MS * 1000), 8);
  c.setsockopt(rawFd, SOL_SOCKET, SO_RCVTIMEO, timeval, timeval.length);

  const tcp = new Socket({ fd: tcpFd, readable: true, writable: true });
  const framer = new PptpFramer();
  const controlMessages: ControlMessage[] = [];
  const waiters: Array<{ type: number; resolve: (m: ControlMessage) => void }> = [];
  let controlOpen = true;
  const controlClosed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
  tcp.on('close', () => (controlOpen = false));
  tcp.on('error', () => undefined); // a reset shows as 'close'; the test asserts on outcomes
  tcp.on('data', (chunk: Buffer) => {
    try {
      framer.push(chunk, (message) => {
        const waiter = waiters.findIndex((w) => w.type === message.type);
        if (waiter >= 0) return waiters.splice(waiter, 1)[0]!.resolve(message);
        if (controlMessages.length < MAX_KEPT_CONTROL_MESSAGES) controlMessages.push(message);
      });
    } catch {
      tcp.destroy();
    }
  });
  const awaitMessage = <T extends ControlMessage['type']>(type: T, what: string): Promise<Extract<ControlMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} from pptpd within ${timeoutMs} ms`)), timeoutMs);
      controlClosed.then(() => reject(new Error(`pptpd closed the control connection before its ${what}`)));
      waiters.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m as Extract<ControlMessage, { type: T }>)) });
    });
  const sendControl = (message: EncodableMessage): void => {
    if (controlOpen) tcp.write(encodeMessage(message));
  };

  let closed = false;
  let receiving: Promise<void> = Promise.resolve();
  const fail = (err: unknown): never => {
    closed = true;
    tcp.destroy();
    void receiving.then(() => c.close(rawFd));
    throw err;
  };

  let peerCallId: number;
  try {
    sendControl({
      type: ControlMessageType.StartControlConnectionRequest,
      protocolVersion: 0x0100,
      framingCapabilities: 1,
      bearerCapabilities: 1,
      maxChannels: 0,
      firmwareRevision: 1,
      hostname: 'pptp-monitor-test',
      vendor: 'pptp-monitor',
    });
    const sccrp = await awaitMessage(ControlMessageType.StartControlConnectionReply, 'Start-Control-Connection-Reply');
    if (sccrp.resultCode !== 1) throw new Error(`pptpd refused the control connection: result ${sccrp.resultCode}`);
    sendControl({
      type: ControlMessageType.OutgoingCallRequest,
      callId,
      callSerialNumber: callId & 0xffff,
      minimumBps: 300,
      maximumBps: 100_000_000,
      bearerType: 3,
      framingType: 3,
      packetRecvWindowSize: 64,
      packetProcessingDelay: 0,
      phoneNumber: '',
      subaddress: '',
    });
    const ocrp = await awaitMessage(ControlMessageType.OutgoingCallReply, 'Outgoing-Call-Reply');
    if (ocrp.resultCode !== 1) throw new Error(`pptpd refused the call: result ${ocrp.resultCode}`);
    peerCallId = ocrp.callId;
    // On loopback our raw socket also sees the GRE we send (Key = pptpd's Call ID): equal IDs would mix the directions.
    if (peerCallId === callId) throw new Error(`pptpd chose our own Call ID ${callId}; use another`);
  } catch (err) {
    return fail(err);
  }

  const stats: GreCallStats = { greSent: 0, greReceived: 0, acksReceived: 0, ignored: 0, lastSequence: undefined, lastAck: undefined };
  const handlers: Array<(frame: Buffer) => void> = [];
  const destination = sockaddrIn(host, 0);
  let nextSequence = 0;
  let ackPending = false;

  const receiveOne = (packet: Buffer): void => {
    let gre;
    try {
      const ip = decodeIpv4(packet);
      gre = decodeGre(ip.payload);
    } catch {
      stats.ignored++;
      return;
    }
    if (gre.callId !== callId) {
      stats.ignored++;
      return;
    }
    if (gre.ack !== undefined) stats.lastAck = gre.ack;
    if (gre.kind === 'ack') {
      stats.acksReceived++;
      return;
    }
    stats.greReceived++;
    stats.lastSequence = gre.sequence;
    ackPending = true;
    const frame = Buffer.from(gre.payload);
    for (const handler of handlers) handler(frame);
  };

  receiving = (async () => {
    while (!closed) {
      const buffer = Buffer.alloc(RECV_BUFFER_BYTES);
      const length = await new Promise<number>((resolve) => c.recv.async(rawFd, buffer, buffer.length, 0, (err: unknown, n: number) => resolve(err ? -1 : n)));
      if (closed) break;
      if (length > 0) receiveOne(buffer.subarray(0, length));
    }
  })();

  return {
    callId,
    peerCallId,
    stats,
    controlMessages,
    controlClosed,
    send(frame) {
      if (closed) return;
      const packet = encodeGre({ kind: 'data', callId: peerCallId, sequence: nextSequence++, ack: ackPending ? stats.lastSequence : undefined, payload: frame });
      ackPending = false;
      if (c.sendto(rawFd, packet, packet.length, 0, destination, destination.length) !== packet.length) throw lastError('sendto (GRE)');
      stats.greSent++;
    },
    onFrame(handler) {
      handlers.push(handler);
    },
    async close() {
      if (closed) return;
      if (controlOpen) {
        sendControl({ type: ControlMessageType.CallClearRequest, callId });
        sendControl({ type: ControlMessageType.StopControlConnectionRequest, reason: 1 });
        // pptpd answers Call-Clear-Request by closing the connection (pptpctrl.c: "violating RFC").
        await Promise.race([controlClosed, new Promise((r) => setTimeout(r, 1000))]);
      }
      closed = true;
      tcp.destroy();
      await receiving;
      c.close(rawFd);
    },
  };
}
