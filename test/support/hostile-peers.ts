// Broken and hostile PPTP peers on real loopback sockets. Each peer is a TCP server on 127.0.0.1 (never
// any other address) whose behaviour decides what every accepted connection does with the probe's
// bytes. Requests are decoded with the real PptpFramer and replies are built with the real codec, so a
// peer is exactly as (in)valid as it means to be.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  ControlMessageType,
  HEADER_SIZE_BYTES,
  MAGIC_COOKIE,
  MESSAGE_SIZE_BYTES,
  PPTP_MESSAGE_TYPE_CONTROL,
  PROTOCOL_VERSION,
  PptpFramer,
  encodeMessage,
  type ControlMessage,
  type EncodableMessage,
  type EchoRequest,
  type OutgoingCallRequest,
  type CallClearRequest,
} from '../../shared/probers/pptp/index.js';

const T = ControlMessageType;

/** Upper bound on how long an endless writer keeps going, so that a test that forgets it still ends. */
export const FLOOD_LIMIT_MS = 10_000;
/** How long withPeer waits for the probe's side to hang up before it counts a connection as left open. */
const DRAIN_WAIT_MS = 500;

/** What a behaviour gets besides the socket: the probe's bytes, decoded, and timers tied to the socket. */
export interface PeerIO {
  /** Every chunk received from the probe so far, in order. */
  readonly chunks: readonly Buffer[];
  /** Every control message decoded from those chunks (PptpFramer), in order. */
  readonly messages: readonly ControlMessage[];
  /** Sets the handler for each control message decoded from the probe's bytes. */
  onMessage(handler: (message: ControlMessage) => void): void;
  /** Writes a message (encoded with the real codec) or raw bytes, unless the socket is gone. */
  send(message: EncodableMessage | Uint8Array): void;
  /** A timer that is cleared when the socket closes (or the peer is closed). */
  after(ms: number, fn: () => void): void;
  /** True once the socket has closed or been destroyed. */
  isClosed(): boolean;
}

/** Handed each accepted socket; decides everything that connection does. */
export type Behaviour = (socket: Socket, io: PeerIO) => void;

export interface Peer {
  port: number;
  host: '127.0.0.1';
  /** Connections accepted since the peer started. */
  connections(): number;
  /** Connections accepted and not yet closed. */
  openConnections(): number;
  /** Every control message received, over all connections, in order. */
  received(): ControlMessage[];
  /** Destroys every open socket and stops listening. */
  close(): Promise<void>;
}

/** One line per peer that withPeer closed: how many of its connections were still open when its test ended. */
export interface PeerReport {
  port: number;
  connections: number;
  openAtEnd: number;
}

const reports: PeerReport[] = [];
let peersListening = 0;

/** Reports of every peer withPeer has closed so far in this worker. */
export function peerReports(): readonly PeerReport[] {
  return reports;
}

/** Peers started and not yet closed in this worker. */
export function listeningPeers(): number {
  return peersListening;
}

// ---- message builders ----

export const SIM_IDENTITY = {
  hostname: 'sim-gw',
  vendor: 'hostile-peers',
  firmwareRevision: 0x0102,
  maxChannels: 7,
  framingCapabilities: 3,
  bearerCapabilities: 2,
  protocolVersion: PROTOCOL_VERSION,
} as const;

export function startReply(resultCode = 1, errorCode = 0): Buffer {
  return encodeMessage({ type: T.StartControlConnectionReply, resultCode, errorCode, ...SIM_IDENTITY });
}

export function echoReply(request: EchoRequest, resultCode = 1, errorCode = 0): Buffer {
  return encodeMessage({ type: T.EchoReply, identifier: request.identifier, resultCode, errorCode });
}

export function outgoingCallReply(request: OutgoingCallRequest, resultCode = 1, errorCode = 0, causeCode = 0): Buffer {
  return encodeMessage({
    type: T.OutgoingCallReply,
    callId: 0x4242,
    peerCallId: request.callId,
    resultCode,
    errorCode,
    causeCode,
    connectSpeed: 10_000_000,
    packetRecvWindowSize: 16,
    packetProcessingDelay: 0,
    physicalChannelId: 0,
  });
}

export function callDisconnectNotify(request: Pick<CallClearRequest, 'callId'>, resultCode: number): Buffer {
  return encodeMessage({ type: T.CallDisconnectNotify, callId: request.callId, resultCode, errorCode: 0, causeCode: 0, callStatistics: '' });
}

/** A well-formed Set-Link-Info (an opaque message the codec decodes but does not encode). */
export function setLinkInfo(): Buffer {
  const size = MESSAGE_SIZE_BYTES[T.SetLinkInfo];
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(size, 0);
  buf.writeUInt16BE(PPTP_MESSAGE_TYPE_CONTROL, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  buf.writeUInt16BE(T.SetLinkInfo, 8);
  buf.writeUInt32BE(0xffffffff, HEADER_SIZE_BYTES + 4); // send ACCM
  buf.writeUInt32BE(0xffffffff, HEADER_SIZE_BYTES + 8); // receive ACCM
  return buf;
}

// ---- the server ----

export function startPeer(behaviour: Behaviour): Promise<Peer> {
  const sockets = new Set<Socket>();
  const closers = new Set<() => void>();
  const received: ControlMessage[] = [];
  let accepted = 0;

  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const chunks: Buffer[] = [];
    const messages: ControlMessage[] = [];
    const framer = new PptpFramer();
    let handler: (message: ControlMessage) => void = () => {};
    let closed = false;
    const cleanup = (): void => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    };
    closers.add(cleanup);
    // Resets and EPIPEs are the point of half these peers; the close below does the bookkeeping.
    socket.on('error', () => {});
    socket.on('close', () => {
      cleanup();
      closers.delete(cleanup);
      sockets.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      try {
        framer.push(chunk, (message) => {
          messages.push(message);
          received.push(message);
          if (!closed) handler(message);
        });
      } catch {
        // The probe only sends valid PPTP; if it does not, hang up rather than guess.
        socket.destroy();
      }
    });
    const io: PeerIO = {
      chunks,
      messages,
      onMessage: (h) => {
        handler = h;
      },
      send: (message) => {
        if (closed || socket.destroyed || !socket.writable) return;
        socket.write(message instanceof Uint8Array ? message : encodeMessage(message));
      },
      after: (ms, fn) => {
        if (closed) return;
        const t = setTimeout(() => {
          timers.delete(t);
          if (!closed) fn();
        }, ms);
        timers.add(t);
      },
      isClosed: () => closed || socket.destroyed,
    };
    behaviour(socket, io);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      peersListening++;
      const { port } = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        port,
        host: '127.0.0.1',
        connections: () => accepted,
        openConnections: () => sockets.size,
        received: () => [...received],
        close: () => {
          closing ??= (async () => {
            for (const cleanup of closers) cleanup();
            closers.clear();
            const socketsClosed = [...sockets].map((socket) => new Promise((done) => socket.once('close', done)));
            for (const socket of sockets) socket.destroy();
            const serverClosed = new Promise<void>((done) => server.close(() => done()));
            await Promise.all([...socketsClosed, serverClosed]);
            peersListening--;
          })();
          return closing;
        },
      });
    });
  });
}

/**
 * Runs fn against a fresh peer and always closes it, destroying every open socket. Before closing it
 * gives the probe's side up to DRAIN_WAIT_MS to hang up and records how many connections were left open.
 */
export async function withPeer<R>(behaviour: Behaviour, fn: (peer: Peer) => Promise<R>): Promise<R> {
  const peer = await startPeer(behaviour);
  try {
    return await fn(peer);
  } finally {
    const until = performance.now() + DRAIN_WAIT_MS;
    while (peer.openConnections() > 0 && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    reports.push({ port: peer.port, connections: peer.connections(), openAtEnd: peer.openConnections() });
    await peer.close();
  }
}

// ---- behaviour building blocks ----

/** The replies of a compliant PAC; each behaviour below overrides what it breaks. */
interface Replies {
  start(io: PeerIO, socket: Socket): void;
  echo(io: PeerIO, request: EchoRequest, socket: Socket): void;
  call(io: PeerIO, request: OutgoingCallRequest, socket: Socket): void;
  clear(io: PeerIO, request: CallClearRequest, socket: Socket): void;
  stop(io: PeerIO, socket: Socket): void;
}

const compliant: Replies = {
  start: (io) => io.send(startReply()),
  echo: (io, request) => io.send(echoReply(request)),
  call: (io, request) => io.send(outgoingCallReply(request)),
  clear: (io, request) => io.send(callDisconnectNotify(request, 4)),
  stop: (io, socket) => {
    io.send({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 });
    socket.end();
  },
};

/** A PAC that is compliant except for the replies given. Unknown and unsolicited messages are ignored. */
function pac(overrides: Partial<Replies> = {}): Behaviour {
  const r: Replies = { ...compliant, ...overrides };
  return (socket, io) => {
    io.onMessage((message) => {
      switch (message.type) {
        case T.StartControlConnectionRequest:
          r.start(io, socket);
          break;
        case T.EchoRequest:
          r.echo(io, message, socket);
          break;
        case T.OutgoingCallRequest:
          r.call(io, message, socket);
          break;
        case T.CallClearRequest:
          r.clear(io, message, socket);
          break;
        case T.StopControlConnectionRequest:
          r.stop(io, socket);
          break;
        default:
          break; // Echo-Replies to our own Echo-Requests, Stop-Control-Connection-Reply, ...
      }
    });
  };
}

/**
 * Writes chunk after chunk as fast as the socket drains, until the socket closes or FLOOD_LIMIT_MS passes.
 * Honours back-pressure, so a probe that stops reading costs the peer no memory. At most `bytesPerTurn`
 * go out per event-loop turn: loopback drains into a send buffer of megabytes, and a writer that never
 * yields would stall the probe (which shares this event loop) instead of flooding it.
 */
function writeForever(socket: Socket, io: PeerIO, nextChunk: () => Buffer, bytesPerTurn: number): void {
  let stopped = false;
  io.after(FLOOD_LIMIT_MS, () => {
    stopped = true;
    socket.destroy();
  });
  socket.once('close', () => {
    stopped = true;
  });
  const pump = (): void => {
    let written = 0;
    while (!stopped && !io.isClosed() && socket.writable) {
      const chunk = nextChunk();
      written += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
      if (written >= bytesPerTurn) {
        setImmediate(pump);
        return;
      }
    }
  };
  pump();
}

/** Writes bytes one at a time, `intervalMs` apart (0: one per setImmediate), then calls then(). */
function dribble(socket: Socket, io: PeerIO, bytes: Buffer, intervalMs: number, then?: () => void): void {
  let i = 0;
  const step = (): void => {
    if (io.isClosed()) return;
    if (i >= bytes.length) {
      then?.();
      return;
    }
    socket.write(bytes.subarray(i, i + 1));
    i++;
    if (intervalMs > 0) io.after(intervalMs, step);
    else setImmediate(step);
  };
  step();
}

// ---- ready-made behaviours ----

/** A compliant PAC: SCCRP ok, Echo-Reply, OCRP ok, Call-Disconnect-Notify for Call-Clear, Stop reply then FIN. */
export const healthy: Behaviour = pac();

/** Accepts and never says anything. */
export const silentAfterAccept: Behaviour = () => {};

/** Accepts, then at once resets the connection (RST instead of FIN). */
export const resetOnAccept: Behaviour = (socket) => {
  socket.resetAndDestroy();
};

/** Resets the connection when the SCCRQ arrives. */
export const resetAfterRequest: Behaviour = pac({ start: (_io, socket) => void socket.resetAndDestroy() });

/** Closes the connection in an orderly way (FIN) when the SCCRQ arrives. */
export const closeAfterRequest: Behaviour = pac({ start: (_io, socket) => void socket.end() });

/** Answers SCCRQ with an SCCRP whose magic cookie is wrong. */
export const badMagic: Behaviour = pac({
  start: (io) => {
    const reply = startReply();
    reply.writeUInt32BE(0xdeadbeef, 4);
    io.send(reply);
  },
});

/** Another service on the port: sends a text banner on accept, then waits. */
export function banner(text: string): Behaviour {
  return (socket) => {
    socket.write(text, 'latin1');
  };
}

/** Answers SCCRQ with an SCCRP whose length field is one byte more than an SCCRP has. */
export const lengthTooLarge: Behaviour = pac({
  start: (io) => {
    const reply = startReply();
    reply.writeUInt16BE(MESSAGE_SIZE_BYTES[T.StartControlConnectionReply] + 1, 0);
    io.send(reply);
  },
});

/** Answers SCCRQ with an SCCRP whose length field is one byte less than an SCCRP has. */
export const lengthTooSmall: Behaviour = pac({
  start: (io) => {
    const reply = startReply();
    reply.writeUInt16BE(MESSAGE_SIZE_BYTES[T.StartControlConnectionReply] - 1, 0);
    io.send(reply);
  },
});

/** Compliant, but writes the SCCRP one byte at a time, `intervalMs` apart (0: one byte per setImmediate). */
export function oneByteEvery(intervalMs: number): Behaviour {
  return pac({ start: (io, socket) => dribble(socket, io, startReply(), intervalMs) });
}

/** Compliant, but the SCCRP arrives one byte per event-loop turn. */
export const oneByteAtATime: Behaviour = oneByteEvery(0);

/** SCCRP, an unsolicited Echo-Request and a Set-Link-Info in a single write; compliant after that. */
export const severalInOne: Behaviour = pac({
  start: (io) =>
    io.send(Buffer.concat([startReply(), encodeMessage({ type: T.EchoRequest, identifier: 0x5eed }), setLinkInfo()])),
});

/**
 * On SCCRQ, writes forever (bounded by FLOOD_LIMIT_MS and the socket's life): each 64 KiB chunk starts
 * with valid Set-Link-Info messages and goes on with junk, so the first bytes look like PPTP.
 */
export const flood: Behaviour = pac({
  start: (io, socket) => {
    const valid = Buffer.concat(Array.from({ length: 16 }, setLinkInfo));
    const chunk = Buffer.alloc(64 * 1024, 0xa5);
    valid.copy(chunk, 0);
    writeForever(socket, io, () => chunk, chunk.length);
  },
});

/**
 * On SCCRQ, sends valid Echo-Requests forever (bounded like flood) and never an SCCRP: 64 of them (1 KiB)
 * per event-loop turn, so the probe sees them as messages to answer rather than as one oversized read.
 */
export const echoRequestFlood: Behaviour = pac({
  start: (io, socket) => {
    let identifier = 0;
    const burst = (): Buffer =>
      Buffer.concat(Array.from({ length: 64 }, () => encodeMessage({ type: T.EchoRequest, identifier: identifier++ })));
    writeForever(socket, io, burst, 1);
  },
});

/** Answers SCCRQ with an Outgoing-Call-Reply. */
export const unexpectedType: Behaviour = pac({
  start: (io) =>
    io.send(
      outgoingCallReply({
        type: T.OutgoingCallRequest,
        callId: 1,
        callSerialNumber: 0,
        minimumBps: 0,
        maximumBps: 0,
        bearerType: 3,
        framingType: 3,
        packetRecvWindowSize: 0,
        packetProcessingDelay: 0,
        phoneNumber: '',
        subaddress: '',
      }),
    ),
});

/** Refuses the control connection: SCCRP with the given result and error codes. */
export function rejectControl(resultCode: number, errorCode = 0): Behaviour {
  return pac({ start: (io) => io.send(startReply(resultCode, errorCode)) });
}

/** Accepts the control connection, answers every Echo-Request with the given result code. */
export function rejectEcho(resultCode: number, errorCode = 0): Behaviour {
  return pac({ echo: (io, request) => io.send(echoReply(request, resultCode, errorCode)) });
}

/** Accepts the control connection and never answers an Echo-Request. */
export const silentEcho: Behaviour = pac({ echo: () => {} });

/** Refuses every outgoing call with the given result code. */
export function rejectCall(resultCode: number, errorCode = 0): Behaviour {
  return pac({ call: (io, request) => io.send(outgoingCallReply(request, resultCode, errorCode)) });
}

/**
 * Accepts the call, then drops it `afterMs` later: with a Call-Disconnect-Notify of result 1 (loss of
 * carrier), by closing the connection (FIN), or by resetting it.
 */
export function dropCall(how: 'notify' | 'close' | 'reset', afterMs = 5): Behaviour {
  return pac({
    call: (io, request, socket) => {
      io.send(outgoingCallReply(request));
      io.after(afterMs, () => {
        if (how === 'notify') io.send(callDisconnectNotify(request, 1));
        else if (how === 'close') socket.end();
        else socket.resetAndDestroy();
      });
    },
  });
}

/** Accepts the call, then sends Call-Disconnect-Notify result 1 about 5 ms later. */
export const dropCallAfterAccept: Behaviour = dropCall('notify');

/** Compliant, but ignores Stop-Control-Connection-Request (neither replies nor closes). */
export const noStopReply: Behaviour = pac({ stop: () => {} });

/** Answers SCCRQ with its own Stop-Control-Connection-Request, then closes once the probe replies. */
export const stopRequestFromPeer: Behaviour = (socket, io) => {
  io.onMessage((message) => {
    if (message.type === T.StartControlConnectionRequest) io.send({ type: T.StopControlConnectionRequest, reason: 3 });
    else if (message.type === T.StopControlConnectionReply) socket.end();
  });
};
