// The gateway simulator on real loopback sockets, probed by the real prober: every fault must produce
// the failure class FAULT_EXPECTED_CLASS promises, faults switch at runtime, and nothing is left open.
import { createServer, Socket, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runSimulate } from '../../shared/cli/simulate-command.js';
import { parseSimulateArgs } from '../../shared/cli/simulate-args.js';
import { ControlMessageType, PROTOCOL_VERSION, PptpFramer, encodeMessage, type ControlMessage } from '../../shared/probers/pptp/index.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { probePptp, type PptpControlOptions as ProbeOptions } from '../../shared/probers/pptp/index.js';
import {
  FAULT_EXPECTED_CLASS,
  SIMULATOR_FAULTS,
  SimulatorError,
  startSimulator,
  type Simulator,
  type SimulatorFault,
  type SimulatorOptions,
} from '../../shared/simulator/index.js';

const T = ControlMessageType;
/** Probe deadline, in ms: a loopback exchange takes a few ms, so only the timeout faults come near it. */
const TIMEOUT_MS = 500;
/** Reply delay of 'slow' in the table, in ms: small enough that control + echo fit in TIMEOUT_MS. */
const TABLE_SLOW_DELAY_MS = 50;
/**
 * Node timers count whole milliseconds of loop time, so a 100 ms timer measured with performance.now()
 * can come in up to 1 ms early: slack for delay assertions, not a performance figure.
 */
const TIMER_SLACK_MS = 1;

const started: Simulator[] = [];

async function simulate(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const simulator = await startSimulator({ host: '127.0.0.1', port: 0, ...options });
  started.push(simulator);
  return simulator;
}

function probe(port: number, options: Partial<ProbeOptions> = {}): Promise<ProbeResult> {
  return probePptp({ target: `127.0.0.1:${port}`, host: '127.0.0.1', port }, { timeoutMs: TIMEOUT_MS, echo: true, ...options }, nodeProbeDeps());
}

const isCallFault = (fault: SimulatorFault): boolean => fault === 'drop-calls' || fault === 'reject-calls';

/** Polls until check() passes or timeoutMs runs out (then fails with check's own message). */
async function eventually(check: () => void, timeoutMs = 2000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (performance.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** A raw client: connects, collects decoded messages, reports whether the server closed it. */
async function rawClient(port: number): Promise<{ socket: Socket; messages: ControlMessage[]; closed: () => boolean }> {
  const socket = new Socket();
  const messages: ControlMessage[] = [];
  const framer = new PptpFramer();
  let closed = false;
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  socket.on('data', (chunk: Buffer) => framer.push(chunk, (m) => void messages.push(m)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port });
  });
  return { socket, messages, closed: () => closed };
}

const startRequest = (): Buffer =>
  encodeMessage({
    type: T.StartControlConnectionRequest,
    protocolVersion: PROTOCOL_VERSION,
    framingCapabilities: 3,
    bearerCapabilities: 3,
    maxChannels: 0,
    firmwareRevision: 1,
    hostname: 'raw-client',
    vendor: 'test',
  });

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('startSimulator', () => {
  it.each(SIMULATOR_FAULTS.map((fault) => [fault, FAULT_EXPECTED_CLASS[fault] ?? 'ok'] as const))(
    'under fault %s, the probe reports %s',
    async (fault) => {
      // Prepare
      const simulator = await simulate({ fault, ...(fault === 'slow' && { delayMs: TABLE_SLOW_DELAY_MS }) });
      // Act
      const result = await probe(simulator.port, { call: isCallFault(fault) });
      // Assess
      expect({ fault, class: result.failure?.class, ok: result.ok }).toEqual({
        fault,
        class: FAULT_EXPECTED_CLASS[fault],
        ok: FAULT_EXPECTED_CLASS[fault] === undefined,
      });
      expect(simulator.stats().byFault[fault]).toBe(fault === 'refuse' ? 0 : 1);
    },
  );

  it('plays a compliant PAC: identity in SCCRP, call accepted and cleared, Stop answered', async () => {
    // Prepare
    const simulator = await simulate({ hostname: 'lab-gw', vendor: 'acme' });
    // Act
    const result = await probe(simulator.port, { call: true, timeoutMs: 2000 });
    // Assess
    expect(result.ok).toBe(true);
    expect(result.server).toMatchObject({ hostname: 'lab-gw', vendor: 'acme', protocolVersion: PROTOCOL_VERSION });
    // A missing Call-Disconnect-Notify or Stop-Control-Connection-Reply would show up as a note.
    expect(result.notes).toEqual([]);
    expect(result.timings.callMs).toBeDefined();
  });

  it('rejects with the result code it was given', async () => {
    // Prepare
    const simulator = await simulate({ fault: 'reject', resultCode: 4 });
    // Act
    const control = await probe(simulator.port);
    await simulator.setFault('reject-calls', { resultCode: 7 });
    const call = await probe(simulator.port, { call: true });
    // Assess
    expect(control.failure).toMatchObject({ class: 'control_rejected', resultCode: 4 });
    expect(call.failure).toMatchObject({ class: 'call_rejected', resultCode: 7 });
  });

  it('switches faults at runtime: healthy, then silent, then healthy again', async () => {
    // Prepare
    const simulator = await simulate();
    // Act
    const before = await probe(simulator.port);
    await simulator.setFault('silent');
    const during = await probe(simulator.port);
    await simulator.setFault('none');
    const after = await probe(simulator.port);
    // Assess
    expect([before.ok, during.failure?.class, after.ok]).toEqual([true, 'control_timeout', true]);
    expect(simulator.stats()).toMatchObject({ connections: 3, byFault: { none: 2, silent: 1 } });
  });

  it('keeps an open connection on the fault it was accepted under', async () => {
    // Prepare
    const simulator = await simulate();
    const client = await rawClient(simulator.port);
    // Act
    await simulator.setFault('silent');
    client.socket.write(startRequest());
    // Assess
    await eventually(() => expect(client.messages.map((m) => m.type)).toEqual([T.StartControlConnectionReply]));
    expect(simulator.fault).toBe('silent');
    client.socket.destroy();
  });

  it("stops listening under 'refuse' and listens again on the same port when switched back", async () => {
    // Prepare
    const simulator = await simulate();
    const port = simulator.port;
    // Act
    await simulator.setFault('refuse');
    const refused = await probe(port);
    const whileRefusing = simulator.stats().listening;
    await simulator.setFault('none');
    const healthy = await probe(port);
    // Assess
    expect(refused.failure?.class).toBe('connect_refused');
    expect(whileRefusing).toBe(false);
    expect(simulator.port).toBe(port);
    expect(healthy.ok).toBe(true);
    expect(simulator.stats().listening).toBe(true);
  });

  it('started under refuse, it still owns a port that it listens on once switched', async () => {
    // Prepare
    const simulator = await simulate({ fault: 'refuse' });
    // Act
    const refused = await probe(simulator.port);
    await simulator.setFault('none');
    const healthy = await probe(simulator.port);
    // Assess
    expect(simulator.port).toBeGreaterThan(0);
    expect([refused.failure?.class, healthy.ok]).toEqual(['connect_refused', true]);
  });

  it('slow adds at least its delay to every reply', async () => {
    // Prepare
    const delayMs = 100;
    const simulator = await simulate({ fault: 'slow', delayMs });
    // Act
    const result = await probe(simulator.port, { timeoutMs: 2000 });
    // Assess
    expect(result.ok).toBe(true);
    expect(result.timings.controlMs).toBeGreaterThanOrEqual(delayMs - TIMER_SLACK_MS);
    expect(result.timings.echoMs).toBeGreaterThanOrEqual(delayMs - TIMER_SLACK_MS);
  });

  it('hangs up on a client that sends garbage and goes on serving others', async () => {
    // Prepare
    const simulator = await simulate();
    const client = await rawClient(simulator.port);
    // Act
    client.socket.write('GET / HTTP/1.1\r\nHost: gw\r\n\r\n');
    await eventually(() => expect(client.closed()).toBe(true));
    const result = await probe(simulator.port);
    // Assess
    expect(result.ok).toBe(true);
  });

  it('hangs up on a client that floods a slow gateway with requests', async () => {
    // Prepare
    const simulator = await simulate({ fault: 'slow', delayMs: 1000 });
    const client = await rawClient(simulator.port);
    // Act: far more Echo-Requests than a slow gateway may have replies pending.
    client.socket.write(startRequest());
    client.socket.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => encodeMessage({ type: T.EchoRequest, identifier: i }))));
    // Assess
    await eventually(() => expect(client.closed()).toBe(true));
    expect(client.messages).toEqual([]);
  });

  it('drops connections beyond its cap and counts them', async () => {
    // Prepare
    const simulator = await simulate({ fault: 'silent', maxConnections: 2 });
    const kept = await Promise.all([rawClient(simulator.port), rawClient(simulator.port)]);
    await eventually(() => expect(simulator.stats().open).toBe(2));
    // Act
    const extra = await rawClient(simulator.port);
    // Assess
    await eventually(() => expect(extra.closed()).toBe(true));
    expect(simulator.stats()).toMatchObject({ connections: 2, open: 2, dropped: 1 });
    expect(kept.map((c) => c.closed())).toEqual([false, false]);
  });

  it('refuses options that do not fit and a port out of range', async () => {
    await expect(startSimulator({ port: 70000 })).rejects.toThrow('port must be a whole number from 0 to 65535, got 70000');
    await expect(startSimulator({ port: 0, fault: 'none', resultCode: 3 })).rejects.toThrow(
      "resultCode only applies to the 'reject' and 'reject-calls' faults, not 'none'",
    );
  });

  it('close() destroys open connections, stops listening and leaves no handles behind', async () => {
    // Prepare
    const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const baseline = servers();
    const simulator = await simulate({ fault: 'silent' });
    const clients = await Promise.all([rawClient(simulator.port), rawClient(simulator.port), rawClient(simulator.port)]);
    await eventually(() => expect(simulator.stats().open).toBe(3));
    // Act
    await simulator.close();
    // Assess
    expect(simulator.stats()).toMatchObject({ open: 0, listening: false, connections: 3 });
    await eventually(() => expect(clients.map((c) => c.closed())).toEqual([true, true, true]));
    expect(servers()).toBe(baseline);
    await expect(simulator.setFault('none')).rejects.toThrow(new SimulatorError('the simulator is closed'));
  });
});

describe('runSimulate', () => {
  it('switches faults from stdin, reports status and stops with a summary when aborted', async () => {
    // Prepare
    const stdin = new PassThrough();
    const controller = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    const running = runSimulate(parseSimulateArgs(['--port', '0']), {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      stdin,
      signal: controller.signal,
    });
    await eventually(() => expect(out[0]).toMatch(/^simulating a PPTP gateway on 127\.0\.0\.1:\d+ \(fault: none\)/));
    const port = Number(/:(\d+) /.exec(out[0]!)![1]);
    // Act
    stdin.write('fault reset\n');
    await eventually(() => expect(out).toHaveLength(2));
    const result = await probe(port);
    stdin.write('status\nbogus\nfault reject 1\n');
    await eventually(() => expect(err).toHaveLength(2));
    controller.abort();
    const status = await running;
    // Assess
    expect(out[0]).toBe(
      `simulating a PPTP gateway on 127.0.0.1:${port} (fault: none); type 'fault <name>' to change it, 'status', or Ctrl-C to stop`,
    );
    expect(out[1]).toBe('fault: reset (was none): resets the connection (RST) on the first bytes it receives; probes report connection_reset');
    expect(result.failure?.class).toBe('connection_reset');
    expect(out[2]).toBe(`fault reset on 127.0.0.1:${port}, listening; 1 connection (0 open): reset 1`);
    expect(err).toEqual([
      "unknown command 'bogus'; commands: fault <name> [result-code|delay-ms], status, help; faults: none, refuse, silent, reset, close, garbage, reject, echo-silent, drop-calls, reject-calls, slow",
      'result code: must be 2-255 (1 means success), got 1',
    ]);
    expect(out[3]).toBe('stopped: 1 connection (reset 1)');
    expect(status).toBe(0);
    expect(stdin.listenerCount('data')).toBe(0);
  });

  it('says which port it could not bind and exits 1', async () => {
    // Prepare: hold a port so the simulator cannot have it.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = holder.address() as AddressInfo;
    const err: string[] = [];
    try {
      // Act
      const status = await runSimulate(parseSimulateArgs(['--port', String(port)]), {
        out: () => {},
        err: (line) => err.push(line),
        stdin: new PassThrough(),
        signal: new AbortController().signal,
      });
      // Assess
      expect(status).toBe(1);
      expect(err).toEqual([`cannot listen on 127.0.0.1:${port}: EADDRINUSE`]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
