// How a raw GRE socket should wait for packets in Node, measured: the evidence behind
// gre-transport-raw.ts. Three ways are compared on the same socket type (socket(AF_INET, SOCK_RAW,
// 47) through koffi):
//   poll     the transport as shipped: poll(2) on koffi's async worker (socket + eventfd), then a
//            non-blocking drain on the main thread;
//   timerN   setInterval(N ms) draining the socket without blocking;
//   recv     a blocking recv(2) on koffi's async worker, one packet per call (SO_RCVTIMEO 100 ms).
// For each: CPU while idle with a session open (5 s), the latency from sendto to the JS callback for
// a packet to our own address (2000 in sequence), and CPU per packet under a flood from a sender
// process in a second namespace over a veth pair (about 4,000 and 20,000 packets/s for 5 s).
//
//   npm run build && node dist/bench/login-gre-transport-bench.js
//
// Needs root (namespaces, raw sockets). Prints one JSON line per measurement, then a table.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encodeGre } from '../shared/probers/pptp-login/gre.js';
import { RawGreTransport } from '../shared/probers/pptp-login/gre-transport-raw.js';

const self = fileURLToPath(import.meta.url);
const NS_A = `pmg-a-${process.pid}`;
const NS_B = `pmg-b-${process.pid}`;
const ADDRESS_A = '10.67.0.1';
const ADDRESS_B = '10.67.0.2';
const CALL_ID = 0x1234;
const IDLE_MS = 5000;
const LOAD_MS = 5000;
const RTT_SAMPLES = 2000;
/** Packets per 5 ms tick from the sender: 20 → ~4,000/s, 100 → ~20,000/s. */
const LOAD_RATES = [20, 100];
const MSG_DONTWAIT = 0x40;

interface Koffi {
  load(path: string): { func(signature: string): ForeignFunction };
}
interface ForeignFunction {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}

function koffi(): Koffi {
  const module: unknown = createRequire(import.meta.url)('koffi');
  if (typeof module !== 'object' || module === null || typeof Reflect.get(module, 'load') !== 'function') throw new Error('koffi is not installed');
  return module as Koffi; // checked above: the one function used
}

const packet = encodeGre({ kind: 'data', callId: CALL_ID, sequence: 1, ack: undefined, payload: Buffer.alloc(100) });

// ---------- a minimal receiver for the two alternatives ----------

interface Receiver {
  onPacket: (bytes: Uint8Array) => void;
  send(to: string): void;
  stop(): void;
}

function sockaddr(address: string): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt16LE(2, 0);
  out.set(address.split('.').map(Number), 4);
  return out;
}

function alternative(kind: string): Receiver {
  const libc = koffi().load('libc.so.6');
  const socket = libc.func('int socket(int, int, int)');
  const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)');
  const recv = libc.func('long recv(int, void *, size_t, int)');
  const close = libc.func('int close(int)');
  const setsockopt = libc.func('int setsockopt(int, int, int, const void *, uint32_t)');
  const fd = Number(socket(2, 3, 47));
  const buffer = Buffer.alloc(65536);
  const receiver: Receiver = { onPacket: () => {}, send: (to) => void sendto(fd, packet, packet.length, 0, sockaddr(to), 16), stop: () => {} };
  if (kind.startsWith('timer')) {
    const timer = setInterval(() => {
      for (;;) {
        const n = Number(recv(fd, buffer, buffer.length, MSG_DONTWAIT));
        if (n <= 0) break;
        receiver.onPacket(Buffer.from(buffer.subarray(0, n)));
      }
    }, Number(kind.slice(5)));
    receiver.stop = () => {
      clearInterval(timer);
      close(fd);
    };
  } else {
    const timeout = Buffer.alloc(16);
    timeout.writeBigInt64LE(100_000n, 8); // SO_RCVTIMEO 100 ms, so that stop takes effect
    setsockopt(fd, 1, 20, timeout, 16);
    let stopped = false;
    const arm = (): void =>
      recv.async(fd, buffer, buffer.length, 0, (_error: unknown, n: unknown) => {
        if (stopped) return close(fd);
        if (Number(n) > 0) receiver.onPacket(Buffer.from(buffer.subarray(0, Number(n))));
        arm();
      });
    arm();
    receiver.stop = () => {
      stopped = true;
    };
  }
  return receiver;
}

function shipped(): Receiver {
  const transport = new RawGreTransport();
  const receiver: Receiver = { onPacket: () => {}, send: () => {}, stop: () => {} };
  // Peer = our own address: a packet we send to ourselves comes back through the socket.
  const self = transport.open(ADDRESS_A, CALL_ID, { onPacket: (gre) => receiver.onPacket(gre) });
  const flood = transport.open(ADDRESS_B, CALL_ID, { onPacket: (gre) => receiver.onPacket(gre) });
  receiver.send = () => self.send(packet);
  receiver.stop = () => {
    self.close();
    flood.close();
    transport.close();
  };
  return receiver;
}

// ---------- inside namespace A: measure one strategy ----------

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(kind: string, mode: string, rate: number): Promise<void> {
  const receiver = kind === 'poll' ? shipped() : alternative(kind);
  let received = 0;
  receiver.onPacket = () => void received++;
  if (mode === 'idle') {
    const before = process.cpuUsage();
    await sleep(IDLE_MS);
    console.log(JSON.stringify({ kind, mode, cpuMsPerSecond: +(cpuMs(process.cpuUsage(before)) / (IDLE_MS / 1000)).toFixed(2) }));
  } else if (mode === 'rtt') {
    const latencies: number[] = [];
    for (let i = 0; i < RTT_SAMPLES; i++) {
      await new Promise<void>((resolve) => {
        const sentAt = performance.now();
        receiver.onPacket = () => {
          latencies.push(performance.now() - sentAt);
          receiver.onPacket = () => {};
          resolve();
        };
        receiver.send(ADDRESS_A);
      });
    }
    latencies.sort((x, y) => x - y);
    const at = (p: number): number => Math.round(latencies[Math.floor(p * (latencies.length - 1))]! * 1000);
    console.log(JSON.stringify({ kind, mode, p50us: at(0.5), p99us: at(0.99) }));
  } else {
    // The namespace names come from the parent process (this one's pid differs).
    const sender = spawn('ip', ['netns', 'exec', process.env['PMG_NS_B'] ?? NS_B, process.execPath, self, 'send', String(rate)], { stdio: 'ignore' });
    await sleep(300);
    received = 0;
    const before = process.cpuUsage();
    await sleep(LOAD_MS);
    const used = cpuMs(process.cpuUsage(before));
    await new Promise((r) => sender.once('exit', r));
    console.log(JSON.stringify({ kind, mode, packetsPerSecond: Math.round(received / (LOAD_MS / 1000)), cpuMsPerSecond: +(used / (LOAD_MS / 1000)).toFixed(1), cpuUsPerPacket: +((used * 1000) / Math.max(1, received)).toFixed(2) }));
  }
  receiver.stop();
}

// ---------- inside namespace B: the flood sender ----------

function send(perTick: number): void {
  const libc = koffi().load('libc.so.6');
  const fd = Number(libc.func('int socket(int, int, int)')(2, 3, 47));
  const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)');
  const to = sockaddr(ADDRESS_A);
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) sendto(fd, packet, packet.length, 0, to, 16);
  }, 5);
  setTimeout(() => {
    clearInterval(timer);
    process.exit(0);
  }, LOAD_MS + 600);
}

// ---------- outside: namespaces, then every measurement in a fresh process ----------

function outside(): void {
  if (process.getuid?.() !== 0) throw new Error('this benchmark needs root (network namespaces, raw sockets)');
  const run = (...args: string[]): void => void execFileSync('ip', args);
  run('netns', 'add', NS_A);
  run('netns', 'add', NS_B);
  try {
    run('link', 'add', 'pmga', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'pmgb', 'netns', NS_B);
    run('-n', NS_A, 'addr', 'add', `${ADDRESS_A}/24`, 'dev', 'pmga');
    run('-n', NS_B, 'addr', 'add', `${ADDRESS_B}/24`, 'dev', 'pmgb');
    for (const [ns, dev] of [[NS_A, 'pmga'], [NS_B, 'pmgb']] as const) {
      run('-n', ns, 'link', 'set', dev, 'up');
      run('-n', ns, 'link', 'set', 'lo', 'up');
    }
    const lines: string[] = [];
    const measureIn = (kind: string, mode: string, rate = 0): void => {
      const out = execFileSync('ip', ['netns', 'exec', NS_A, process.execPath, self, 'measure', kind, mode, String(rate)], { encoding: 'utf8', env: { ...process.env, PMG_NS_B: NS_B } });
      process.stdout.write(out);
      lines.push(out.trim());
    };
    for (const kind of ['poll', 'timer5', 'timer1', 'recv']) measureIn(kind, 'idle');
    for (const kind of ['poll', 'timer5', 'recv']) measureIn(kind, 'rtt');
    for (const rate of LOAD_RATES) for (const kind of ['poll', 'timer5', 'recv']) measureIn(kind, 'load', rate);
  } finally {
    execFileSync('ip', ['netns', 'del', NS_A]);
    execFileSync('ip', ['netns', 'del', NS_B]);
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'measure') {
  await measure(rest[0]!, rest[1]!, Number(rest[2] ?? 0));
  process.exit(0);
} else if (mode === 'send') {
  send(Number(rest[0]));
} else {
  outside();
}
