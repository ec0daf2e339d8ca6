// A local PPTP gateway (PAC) whose behaviour is a fault chosen at start and switchable at runtime, for
// `pptp-monitor simulate`, the local monitor and the integration tests. It listens where it is told
// (127.0.0.1 unless told otherwise) and only ever answers: it never connects anywhere.
//
// Switching faults: new connections get the new fault; connections already open keep the fault they
// were accepted under until they end, so a client mid-exchange sees one consistent gateway. Switching
// to 'refuse' closes the listener (new connections are refused by the kernel) and leaves open
// connections alone, as stopping pptpd's listener leaves its per-connection children running; switching
// away from 'refuse' listens again on the same port. close() destroys everything.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SimulatorError, SimulatorListenError, SimulatorOptionError } from './errors.js';
import { SIMULATOR_FAULTS, resolveFaultSettings, type FaultOptions, type FaultSettings, type SimulatorFault } from './faults.js';
import { DEFAULT_FIRMWARE_REVISION, serveConnection, type GatewayIdentity } from './simulated-connection.js';

/** Loopback unless told otherwise: a simulator on a public address is a PPTP endpoint anyone can probe. */
export const DEFAULT_SIMULATOR_HOST = '127.0.0.1';
export const DEFAULT_SIMULATOR_HOSTNAME = 'pptp-simulator';
export const DEFAULT_SIMULATOR_VENDOR = 'pptp-monitor';
/** Default cap on connections open at once; more are accepted and destroyed at once, and counted as dropped. */
export const MAX_OPEN_CONNECTIONS = 1000;
/** Host name and vendor are 64-byte NUL-terminated fields on the wire: 63 characters at most. */
const MAX_IDENTITY_CHARS = 63;

export interface SimulatorOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port to listen on; 0 picks a free one (read it back from Simulator.port). */
  port: number;
  /** Fault at start (default 'none'). */
  fault?: SimulatorFault;
  /** 'slow' only: delay of every reply, in ms (default 300). */
  delayMs?: number;
  /** 'reject' / 'reject-calls' only: the SCCRP / OCRP result code (default 2 / 4). */
  resultCode?: number;
  /** Host name announced in Start-Control-Connection-Reply (default pptp-simulator). */
  hostname?: string;
  /** Vendor announced in Start-Control-Connection-Reply (default pptp-monitor). */
  vendor?: string;
  /** Firmware revision announced in Start-Control-Connection-Reply, 0-65535 (default 1). */
  firmwareRevision?: number;
  /** Connections open at once, 1 to MAX_OPEN_CONNECTIONS (the default). */
  maxConnections?: number;
}

export interface SimulatorStats {
  /** Connections accepted and served since start. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Connections destroyed on accept because maxConnections were open. */
  dropped: number;
  /** Connections served, by the fault they were accepted under ('refuse' stays 0: the kernel refuses them). */
  byFault: Record<SimulatorFault, number>;
  /** False under 'refuse' and after close(). */
  listening: boolean;
}

export interface Simulator {
  readonly host: string;
  /** The actual port, also when started with port 0; kept across 'refuse' and back. */
  readonly port: number;
  /** The fault new connections get. */
  readonly fault: SimulatorFault;
  /** The fault with its options (result code, delay) resolved. */
  readonly settings: FaultSettings;
  /**
   * Changes the fault for new connections; open ones keep theirs. Resolves once the change is in effect
   * (listening again after 'refuse'); rejects with SimulatorListenError if the port cannot be bound again
   * (the fault then stays 'refuse'), with SimulatorOptionError for bad options, and after close().
   * Calls are applied in order.
   */
  setFault(fault: SimulatorFault, options?: FaultOptions): Promise<void>;
  /** The SCCRP identity new connections announce. */
  readonly identity: Readonly<Required<GatewayIdentity>>;
  /**
   * Changes the identity (host name, vendor, firmware revision) for new connections; open ones keep
   * theirs, as with setFault. Throws SimulatorOptionError for a value that does not fit the wire.
   */
  setIdentity(identity: Partial<GatewayIdentity>): void;
  stats(): SimulatorStats;
  /** Stops listening and destroys every connection; resolves when all are closed. Idempotent. */
  close(): Promise<void>;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SimulatorOptionError(`port must be a whole number from 0 to 65535, got ${port}`);
  }
}

/** Firmware revision is a 16-bit field in SCCRP. */
function checkFirmwareRevision(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new SimulatorOptionError(`firmwareRevision must be a whole number from 0 to 65535, got ${value}`);
  }
  return value;
}

/** The identity with its defaults, every field checked against what the wire can carry. */
function checkedIdentity(identity: Partial<GatewayIdentity>): Required<GatewayIdentity> {
  return {
    hostname: checkIdentityField('hostname', identity.hostname ?? DEFAULT_SIMULATOR_HOSTNAME),
    vendor: checkIdentityField('vendor', identity.vendor ?? DEFAULT_SIMULATOR_VENDOR),
    firmwareRevision: checkFirmwareRevision(identity.firmwareRevision ?? DEFAULT_FIRMWARE_REVISION),
  };
}

function checkIdentityField(name: string, value: string): string {
  if (!/^[\x20-\x7e]+$/.test(value) || value.length > MAX_IDENTITY_CHARS) {
    throw new SimulatorOptionError(`${name} must be 1 to ${MAX_IDENTITY_CHARS} printable ASCII characters`);
  }
  return value;
}

/** The options with their defaults, every one checked before anything listens. */
function checkedOptions(options: SimulatorOptions): {
  host: string;
  identity: Required<GatewayIdentity>;
  maxConnections: number;
  initial: FaultSettings;
} {
  checkPort(options.port);
  const identity = checkedIdentity({
    ...(options.hostname !== undefined && { hostname: options.hostname }),
    ...(options.vendor !== undefined && { vendor: options.vendor }),
    ...(options.firmwareRevision !== undefined && { firmwareRevision: options.firmwareRevision }),
  });
  const maxConnections = options.maxConnections ?? MAX_OPEN_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > MAX_OPEN_CONNECTIONS) {
    throw new SimulatorOptionError(`maxConnections must be a whole number from 1 to ${MAX_OPEN_CONNECTIONS}, got ${maxConnections}`);
  }
  const initial = resolveFaultSettings(options.fault ?? 'none', {
    ...(options.delayMs !== undefined && { delayMs: options.delayMs }),
    ...(options.resultCode !== undefined && { resultCode: options.resultCode }),
  });
  return { host: options.host ?? DEFAULT_SIMULATOR_HOST, identity, maxConnections, initial };
}

// One closure over one server's state (its settings, listener, sockets, counters), which the connection
// handler, the re-listen and the returned methods all read and change: longer than our usual function,
// shorter than the class that would pass that state around.
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const checked = checkedOptions(options);
  const { host, maxConnections, initial } = checked;
  /** Replaced whole by setIdentity: a connection keeps the object it was accepted with. */
  let identity = checked.identity;

  let settings: FaultSettings = initial;
  let port = options.port;
  let server: Server | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** setFault calls, applied one after the other: a re-listen must finish before the next change. */
  let queue: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();
  /** Servers told to close whose 'close' (which waits for their connections) has not come yet. */
  const serversClosing = new Set<Promise<void>>();
  let connections = 0;
  let dropped = 0;
  const byFault = Object.fromEntries(SIMULATOR_FAULTS.map((f) => [f, 0])) as Record<SimulatorFault, number>;

  const onConnection = (socket: Socket): void => {
    if (closed || sockets.size >= maxConnections) {
      if (!closed) dropped++;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    connections++;
    byFault[settings.fault]++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, settings, identity);
  };

  /** Binds a fresh server to host:port; `next` takes effect before the first connection can arrive. */
  const listen = (next: FaultSettings): Promise<void> =>
    new Promise((resolve, reject) => {
      const candidate = createServer(onConnection);
      const onError = (err: Error): void => {
        candidate.close();
        reject(new SimulatorListenError(host, port, err));
      };
      candidate.once('error', onError);
      candidate.listen({ host, port }, () => {
        candidate.off('error', onError);
        // Accept errors (EMFILE, ...) are emitted on a listening server and would crash the process
        // without a listener; Node keeps accepting, and so do we.
        candidate.on('error', () => {});
        port = (candidate.address() as AddressInfo).port;
        server = candidate;
        settings = next;
        resolve();
      });
    });

  const stopListening = (): void => {
    const current = server;
    if (!current) return;
    server = undefined;
    // close() releases the port at once; its callback waits until this server's connections are gone.
    const done = new Promise<void>((resolve) => current.close(() => resolve()));
    serversClosing.add(done);
    void done.then(() => serversClosing.delete(done));
  };

  // Listen even when starting under 'refuse': it proves the port is ours to take and fixes the port a
  // later switch away from 'refuse' binds again when started with port 0.
  await listen(initial);
  if (initial.fault === 'refuse') stopListening();

  const simulator: Simulator = {
    host,
    get port() {
      return port;
    },
    get fault() {
      return settings.fault;
    },
    get settings() {
      return settings;
    },
    get identity() {
      return identity;
    },
    setIdentity(next) {
      if (closed) throw new SimulatorError('the simulator is closed');
      identity = checkedIdentity({ ...identity, ...next });
    },
    setFault(fault, faultOptions = {}) {
      const apply = async (): Promise<void> => {
        if (closed) throw new SimulatorError('the simulator is closed');
        const next = resolveFaultSettings(fault, faultOptions);
        if (next.fault === 'refuse') {
          settings = next;
          stopListening();
        } else if (server) {
          settings = next;
        } else {
          await listen(next);
        }
      };
      const applied = queue.then(apply);
      queue = applied.catch(() => {});
      return applied;
    },
    stats() {
      return { connections, open: sockets.size, dropped, byFault: { ...byFault }, listening: server !== undefined };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        // A re-listen in flight would otherwise leave a server behind after we return.
        await queue;
        stopListening();
        const socketsClosed = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
        for (const socket of sockets) socket.destroy();
        await Promise.all([...socketsClosed, ...serversClosing]);
      })();
      return closing;
    },
  };
  return simulator;
}
