// A keepalived pair on loopback: three simulators, one per member on its own port and one for the
// virtual address, kept in step with the GatewayPair state machine. The virtual address does not
// forward: it answers with the MASTER's identity, which is what a client of a VRRP address sees (the
// MASTER's own pptpd). A member that is down refuses connections, and so does the virtual address
// while no member owns it. Connections already open keep the identity they were accepted under.
import { SimulatorOptionError } from './errors.js';
import { createGatewayPair, type GatewayPair, type PairEvent, type PairMemberName, type PairState } from './gateway-pair.js';
import { DEFAULT_SIMULATOR_HOST, startSimulator, type Simulator } from './gateway-simulator.js';
import type { GatewayIdentity } from './simulated-connection.js';

export interface PairSimulatorOptions {
  host?: string;
  /** Port of the virtual address; members listen on port+1 and port+2. 0 picks three free ports. */
  port: number;
  takeoverDelayMs?: number;
  identities?: Partial<Record<PairMemberName, Partial<GatewayIdentity>>>;
  /** Monotonic ms for takeover timing (default performance.now). */
  now?: () => number;
  /** Every state change, including takeovers that happen between commands. */
  onEvent?: (event: PairEvent) => void;
}

export interface PairSimulator {
  readonly host: string;
  readonly virtualPort: number;
  readonly memberPorts: Readonly<Record<PairMemberName, number>>;
  readonly takeoverDelayMs: number;
  state(): PairState;
  /** Each resolves once the listeners answer as the new state says; the events are also sent to onEvent. */
  failover(): Promise<PairEvent[]>;
  setMemberUp(member: PairMemberName, up: boolean): Promise<PairEvent[]>;
  setFirmware(member: PairMemberName, firmwareRevision: number): Promise<PairEvent[]>;
  close(): Promise<void>;
}

export async function startPairSimulator(options: PairSimulatorOptions): Promise<PairSimulator> {
  const host = options.host ?? DEFAULT_SIMULATOR_HOST;
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || (port !== 0 && port > 65533)) {
    throw new SimulatorOptionError(`port must be 0 or a whole number from 1 to 65533 (members use port+1 and port+2), got ${port}`);
  }
  const pair: GatewayPair = createGatewayPair({
    now: options.now ?? (() => performance.now()),
    ...(options.takeoverDelayMs !== undefined && { takeoverDelayMs: options.takeoverDelayMs }),
    ...(options.identities !== undefined && { identities: options.identities }),
  });
  const initial = pair.state();
  const started: Simulator[] = [];
  const start = async (at: number, identity: Required<GatewayIdentity>): Promise<Simulator> => {
    const simulator = await startSimulator({ host, port: at, ...identity });
    started.push(simulator);
    return simulator;
  };
  let virtual: Simulator;
  let members: Record<PairMemberName, Simulator>;
  try {
    const master = initial.members[initial.master ?? 'a'];
    virtual = await start(port, master.identity);
    members = {
      a: await start(port === 0 ? 0 : port + 1, initial.members.a.identity),
      b: await start(port === 0 ? 0 : port + 2, initial.members.b.identity),
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Syncs run one after another: a re-listen must finish before the next state is applied. */
  let queue: Promise<void> = Promise.resolve();

  /** Makes the three listeners answer as the state machine says. Identity first, so the first new connection gets it. */
  const sync = async (): Promise<void> => {
    const state = pair.state();
    for (const name of ['a', 'b'] as const) {
      members[name].setIdentity(state.members[name].identity);
      await members[name].setFault(state.members[name].up ? 'none' : 'refuse');
    }
    if (state.master !== undefined) virtual.setIdentity(state.members[state.master].identity);
    await virtual.setFault(state.master !== undefined ? 'none' : 'refuse');
  };

  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const deadline = pair.nextDeadline();
    if (deadline === undefined || closed) return;
    const now = options.now ?? (() => performance.now());
    timer = setTimeout(() => {
      timer = undefined;
      void apply(() => pair.tick()).catch(() => {});
    }, Math.max(0, Math.ceil(deadline - now())));
    timer.unref();
  };

  const apply = (change: () => PairEvent[]): Promise<PairEvent[]> => {
    const run = async (): Promise<PairEvent[]> => {
      if (closed) return [];
      const events = change();
      await sync();
      arm();
      for (const event of events) options.onEvent?.(event);
      return events;
    };
    const result = queue.then(run);
    queue = result.then(
      () => {},
      () => {},
    );
    return result;
  };

  return {
    host,
    virtualPort: virtual.port,
    memberPorts: { a: members.a.port, b: members.b.port },
    takeoverDelayMs: pair.takeoverDelayMs,
    state: () => pair.state(),
    failover: () => apply(() => pair.failover()),
    setMemberUp: (member, up) => apply(() => pair.setMemberUp(member, up)),
    setFirmware: (member, firmwareRevision) => apply(() => pair.setFirmware(member, firmwareRevision)),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await queue;
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
