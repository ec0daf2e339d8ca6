// npm run bench:probe — prints probes/s, CPU per probe, peak RSS, and how far our reported connect and
// control times are from packet-capture timestamps. Runs itself inside a network namespace it creates,
// so loopback carries nothing but the benchmark's own connections and the capture needs no port filter.
//
//   npm run bench:probe [-- --targets 500 --spread-ms 4000 --throughput 5000]
//
// Needs root (namespaces, packet capture), tshark and pptpd (Debian packages).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../shared/probe/node-deps.js';
import { runPaced, type ProbeResult, type ProbeTarget } from '../shared/probe/index.js';
import { probePptp } from '../shared/probers/pptp/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);

const TARGETS = num('targets', 500);
const SPREAD_MS = num('spread-ms', 4000);
const THROUGHPUT_PROBES = num('throughput', 5000);
const THROUGHPUT_CONCURRENCY = num('throughput-concurrency', 32);
const PPTPD_PROBES = num('pptpd-probes', 200);
const BASE_PORT = 20000;
const SILENT_BASE_PORT = 40000;
const SILENT_TARGETS = num('silent', 1000);
const SILENT_TIMEOUT_MS = 1000;
const PACED_RUNS = num('paced-runs', 3);
const self = fileURLToPath(import.meta.url);

// ---------- outside: make a namespace and run the benchmark inside it ----------

function outside(): void {
  if (process.getuid?.() !== 0) throw new Error('bench:probe needs root (network namespace, packet capture)');
  for (const bin of ['/usr/bin/tshark', '/usr/sbin/pptpd']) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y tshark pptpd`);
  }
  const ns = `pmb-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // No CPU pinning: pinning the prober (and so its V8 threads) to one core made the figures worse.
    const v8Flags = (process.env['BENCH_V8_FLAGS'] ?? '').split(' ').filter(Boolean);
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--expose-gc', ...v8Flags, self, '--inside', ns, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
  } finally {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns]).toString().split(/\s+/).filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // nothing left
    }
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

// ---------- inside ----------

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${seen.slice(-500)}`)), timeoutMs);
    child[stream]!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

interface Capture {
  stop(): Promise<string>;
}

async function startCapture(dir: string, name: string): Promise<Capture> {
  const file = join(dir, `${name}.pcap`);
  const tshark = spawn('tshark', [ '-i', 'lo', '-f', 'tcp', '-B', '64', '-w', file, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(tshark, 'stderr', /Capturing on/, 10_000);
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise((r) => tshark.once('exit', r));
      tshark.kill('SIGINT');
      await exited;
      return file;
    },
  };
}

interface FlowTimes {
  syn?: number;
  synAck?: number;
  request?: number;
  reply?: number;
}

/** Per (client port, server port): SYN, SYN-ACK, SCCRQ (first client payload), SCCRP (first server payload) in ms. */
function readCapture(file: string, serverPorts: Set<number>): Map<string, FlowTimes> {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags', '-e', 'tcp.len'], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
  const flows = new Map<string, FlowTimes>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [epoch, src, dst, flagsHex, len] = line.split(',');
    // Epoch seconds with nanosecond digits: keep the sub-second part exact before converting to ms.
    const [sec, frac = '0'] = epoch!.split('.');
    const ms = (Number(sec) % 100_000) * 1000 + Number(`0.${frac}`) * 1000;
    const srcPort = Number(src);
    const dstPort = Number(dst);
    const fromServer = serverPorts.has(srcPort);
    const key = fromServer ? `${dstPort}:${srcPort}` : `${srcPort}:${dstPort}`;
    const flow = flows.get(key) ?? {};
    const flags = parseInt(flagsHex!, 16);
    const payload = Number(len);
    if (!fromServer && flags === 0x002 && flow.syn === undefined) flow.syn = ms;
    else if (fromServer && flags === 0x012 && flow.synAck === undefined) flow.synAck = ms;
    else if (!fromServer && payload > 0 && flow.request === undefined) flow.request = ms;
    else if (fromServer && payload > 0 && flow.reply === undefined) flow.reply = ms;
    flows.set(key, flow);
  }
  return flows;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface RunFigures {
  wallMs: number;
  cpuUsPerProbe: number;
  probesPerSecond: number;
  ok: number;
  failed: Record<string, number>;
  results: ProbeResult[];
}

async function probeAll(targets: ProbeTarget[], concurrency: number, startIntervalMs: number): Promise<RunFigures> {
  const deps = nodeProbeDeps();
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await runPaced(targets, (t) => probePptp(t, { timeoutMs: 5000 }, deps), { concurrency, startIntervalMs }, nodeClock, nodeTimers);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const failed: Record<string, number> = {};
  for (const r of results) if (r.failure) failed[r.failure.class] = (failed[r.failure.class] ?? 0) + 1;
  return {
    wallMs,
    cpuUsPerProbe: (cpu.user + cpu.system) / results.length,
    probesPerSecond: (results.length / wallMs) * 1000,
    ok: results.filter((r) => r.ok).length,
    failed,
    results,
  };
}

function accuracy(results: ProbeResult[], flows: Map<string, FlowTimes>): string[] {
  const connectDev: number[] = [];
  const controlDev: number[] = [];
  const connectWire: number[] = [];
  const connectOurs: number[] = [];
  let unmatched = 0;
  for (const r of results) {
    const flow = r.localPort === undefined ? undefined : flows.get(`${r.localPort}:${r.port}`);
    if (!flow || flow.syn === undefined || flow.synAck === undefined || r.timings.connectMs === undefined) {
      unmatched++;
      continue;
    }
    const wireConnect = flow.synAck - flow.syn;
    connectWire.push(wireConnect);
    connectOurs.push(r.timings.connectMs);
    connectDev.push(Math.abs(r.timings.connectMs - wireConnect));
    if (flow.request !== undefined && flow.reply !== undefined && r.timings.controlMs !== undefined) {
      controlDev.push(Math.abs(r.timings.controlMs - (flow.reply - flow.request)));
    }
  }
  for (const a of [connectDev, controlDev, connectWire, connectOurs]) a.sort((x, y) => x - y);
  const f = (v: number): string => v.toFixed(3);
  return [
    `  matched to capture: ${connectDev.length} connect, ${controlDev.length} control (${unmatched} unmatched)`,
    `  connect on the wire (SYN to SYN-ACK): p50 ${f(percentile(connectWire, 50))} ms, p99 ${f(percentile(connectWire, 99))} ms; we report p50 ${f(percentile(connectOurs, 50))} ms, p99 ${f(percentile(connectOurs, 99))} ms`,
    `  |reported - capture| connect: p50 ${f(percentile(connectDev, 50))} ms  p99 ${f(percentile(connectDev, 99))} ms  max ${f(connectDev.at(-1) ?? NaN)} ms`,
    `  |reported - capture| control: p50 ${f(percentile(controlDev, 50))} ms  p99 ${f(percentile(controlDev, 99))} ms  max ${f(controlDev.at(-1) ?? NaN)} ms`,
  ];
}

function summary(label: string, fig: RunFigures): string[] {
  return [
    `${label}`,
    `  ${fig.results.length} probes in ${fig.wallMs.toFixed(0)} ms: ${fig.probesPerSecond.toFixed(0)} probes/s, ${fig.ok} ok, failed ${JSON.stringify(fig.failed)}`,
    `  CPU ${fig.cpuUsPerProbe.toFixed(1)} µs per probe (user+system of the prober process)`,
  ];
}

async function inside(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pptp-bench-'));
  const responderJs = join(self, '..', 'pptp-responder.js');
  const lastPort = BASE_PORT + TARGETS - 1;
  const silentRange = `${SILENT_BASE_PORT}-${SILENT_BASE_PORT + SILENT_TARGETS - 1}`;
  const responder = spawn(process.execPath, [responderJs, `${BASE_PORT}-${lastPort}`, silentRange], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const print = (...l: string[]): void => {
    for (const x of l) console.log(x);
    lines.push(...l);
  };
  let pptpd: ChildProcess | undefined;
  try {
    await waitForLine(responder, 'stdout', /ready/, 10_000);
    const serverPorts = new Set<number>();
    const targets: ProbeTarget[] = [];
    for (let p = BASE_PORT; p <= lastPort; p++) {
      serverPorts.add(p);
      targets.push({ target: `127.0.0.1:${p}`, host: '127.0.0.1', port: p });
    }
    print(`node ${process.version}, ${TARGETS} local responder targets (separate process), loopback of a private namespace`);

    // Warm-up: JIT and socket paths, so the measured runs describe steady state.
    await probeAll(targets.slice(0, 50), 8, 0);

    // 1. Throughput and CPU: no pacing, bounded concurrency, no capture running.
    const many: ProbeTarget[] = Array.from({ length: THROUGHPUT_PROBES }, (_, i) => targets[i % targets.length]!);
    print(...summary(`throughput: ${THROUGHPUT_PROBES} probes at concurrency ${THROUGHPUT_CONCURRENCY}, no pacing`, await probeAll(many, THROUGHPUT_CONCURRENCY, 0)));

    // 2. Accuracy: one run over every target, paced across the spread window; first without a capture
    //    (CPU figure free of tshark's competition for the two cores), then under capture.
    const interval = SPREAD_MS / TARGETS;
    print(...summary(`paced: ${TARGETS} targets, one start every ${interval.toFixed(2)} ms, no capture`, await probeAll(targets, TARGETS, interval)));
    // Three runs: on a 2-vCPU VM the control figure's tail varies from run to run.
    let cap: Capture;
    let flows: Map<string, FlowTimes>;
    for (let run = 1; run <= PACED_RUNS; run++) {
      cap = await startCapture(dir, `paced-${run}`);
      const paced = await probeAll(targets, TARGETS, interval);
      flows = readCapture(await cap.stop(), serverPorts);
      print(...summary(`paced run ${run}/${PACED_RUNS}: ${TARGETS} targets, one start every ${interval.toFixed(2)} ms, under capture`, paced), ...accuracy(paced.results, flows));
    }

    // 3. The naive way, for contrast: every socket opened at once.
    cap = await startCapture(dir, 'naive');
    const naive = await probeAll(targets, TARGETS, 0);
    flows = readCapture(await cap.stop(), serverPorts);
    print(...summary(`naive: ${TARGETS} targets opened all at once, under capture`, naive), ...accuracy(naive.results, flows));

    // 4. The real pptpd (forks a process per connection, so it is the slow side here).
    const conf = join(dir, 'pptpd.conf');
    writeFileSync(conf, `option ${join(dir, 'options')}\n`);
    writeFileSync(join(dir, 'options'), 'lock\n');
    pptpd = spawn('/usr/sbin/pptpd', ['-f', '-c', conf, '-l', '127.0.0.1', '-p', join(dir, 'pptpd.pid')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const pptpdTargets: ProbeTarget[] = Array.from({ length: PPTPD_PROBES }, () => ({ target: '127.0.0.1', host: '127.0.0.1', port: 1723 }));
    cap = await startCapture(dir, 'pptpd');
    const real = await probeAll(pptpdTargets, 4, 10);
    flows = readCapture(await cap.stop(), new Set([1723]));
    print(...summary(`real pptpd: ${PPTPD_PROBES} probes, concurrency 4, one start every 10 ms, under capture`, real), ...accuracy(real.results, flows));

    // 5. Deadlines: silent peers (accept, never answer) all timing out together is the worst case for
    //    "no result later than its deadline + 50 ms": every deadline timer fires in the same loop turn.
    const silent: ProbeTarget[] = Array.from({ length: SILENT_TARGETS }, (_, i) => ({
      target: `silent-${i}`,
      host: '127.0.0.1',
      port: SILENT_BASE_PORT + i,
    }));
    for (const [label, interval2] of [['all at once', 0], ['paced 1 ms', 1]] as const) {
      const late: number[] = [];
      const deps = nodeProbeDeps();
      const t0 = performance.now();
      const results = await runPaced(
        silent,
        async (t) => {
          const started = performance.now();
          const r = await probePptp(t, { timeoutMs: SILENT_TIMEOUT_MS }, deps);
          late.push(performance.now() - started - SILENT_TIMEOUT_MS);
          return r;
        },
        { concurrency: SILENT_TARGETS, startIntervalMs: interval2 },
        nodeClock,
        nodeTimers,
      );
      late.sort((a, b) => a - b);
      const classes = new Set(results.map((r) => r.failure?.class));
      print(
        `deadlines (${label}): ${SILENT_TARGETS} silent peers, timeout ${SILENT_TIMEOUT_MS} ms, done in ${(performance.now() - t0).toFixed(0)} ms, classes ${[...classes].join(',')}`,
        `  result after deadline by: p50 ${percentile(late, 50).toFixed(2)} ms  p99 ${percentile(late, 99).toFixed(2)} ms  max ${late.at(-1)!.toFixed(2)} ms`,
      );
    }

    print(`peak RSS of the prober: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
    const outFile = args.get('out');
    if (outFile) writeFileSync(outFile, `${lines.join('\n')}\n`);
  } finally {
    responder.kill('SIGTERM');
    pptpd?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.has('inside')) {
  inside().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  outside();
}
