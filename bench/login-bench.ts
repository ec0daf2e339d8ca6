// npm run bench:login — the login probe against the real pptpd and the test PPP responder, each in a
// namespace this benchmark creates (test/support/login-topology.ts: a client and a gateway on one
// veth link). Prints:
//   1. one full login, stage by stage: wall time of each stage and the probe process's CPU per login,
//      p50/p95 over --sequential logins one after another (after --warmup discarded ones; the first,
//      cold one is shown apart);
//   2. the deadline bound: --silent logins (--silent-concurrency at a time) against a peer that
//      accepts the call and never sends GRE (test/support/hostile-gre-peer.ts): how far past its
//      deadline each result came, p50/p99/max (the session promises deadline + 50 ms).
//   3. --concurrent logins from one process through its one raw GRE socket, every result checked
//      (MS-CHAPv2 verified, MPPE-128, the gateway's address, a pool address no other login holds at
//      the same time, echo answered), --rounds times started all at once ("burst") and --rounds
//      times started --spacing-ms apart ("ramp", still all in flight together). What failed is split:
//        - before the call was up (connect, control, call): pptpd listens with a backlog of 3 and its
//          manager waits for each connection's first packet before forking the next pptpctrl, so a
//          burst overflows its listen queue (the gateway namespace's ListenOverflows counter is
//          shown). Such a login is run once more (here only: the probe never retries a login);
//        - after the call was up: ours to explain. With tshark present each round is captured on
//          the client's interface and every such failure is matched to what we did on the wire;
//
//   npm run bench:login [-- --sequential 20 --concurrent 100 --rounds 2 --spacing-ms 30 --silent 250]
//
// Needs root (namespaces, raw sockets) and pptpd; tshark for the attribution. Logins run in a worker
// started inside the client namespace (its TCP and raw sockets must live there): this file again,
// with --worker; the silent peer likewise with --peer inside a second topology's gateway namespace.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoginResult, LoginTimings } from '../shared/probers/pptp-login/login-types.js';
import { startHostileGrePeer } from '../test/support/hostile-gre-peer.js';
import { runLoginBatch, type LoginBatchEntry, type LoginBatchInput, type LoginBatchOutput } from '../test/support/login-batch.js';
import { createLoginTopology, type LoginTopology } from '../test/support/login-topology.js';
import { PPTPD_BINARY } from '../test/support/pptpd.js';
import { GATEWAY_LOCAL_IP, RESPONDER_BUNDLE } from '../test/support/pptpd-login.js';
import { startPptpdGateway, type PptpdGateway } from '../test/support/pptpd-gateway.js';
import { fieldRows, requireTshark, startCapture } from '../test/support/tshark.js';

const execFileAsync = promisify(execFile);
const self = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, not ${argv[at + 1]}`);
  return value;
};

const SEQUENTIAL = option('sequential', 20);
const WARMUP = option('warmup', 2);
const CONCURRENT = option('concurrent', 100);
const ROUNDS = option('rounds', 2);
/** Pause between two login starts in the ramped rounds, in ms. */
const SPACING_MS = option('spacing-ms', 30);
const SILENT = option('silent', 250);
const SILENT_CONCURRENCY = option('silent-concurrency', 25);
/** Deadline of a sequential login, and of each of the concurrent ones, in ms. */
const LOGIN_TIMEOUT_MS = 10_000;
const CONCURRENT_TIMEOUT_MS = option('concurrent-timeout-ms', 20_000);
const SILENT_TIMEOUT_MS = 1000;
const USER = 'monitor';
const PASSWORD = 'Bench-login-pptpd!1';
/** pptpd's pool (10.77.0.10 upwards) and connection limit: above the concurrent logins plus their retries. */
const POOL_SIZE = 200;
const STAGES = ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs', 'totalMs'] as const satisfies ReadonlyArray<keyof LoginTimings>;
const CONTROL_PHASE_STAGES: ReadonlySet<string> = new Set(['connect', 'control', 'call']);

// ---------- small helpers ----------

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const ms = (value: number): string => (Number.isNaN(value) ? '     -' : value.toFixed(1).padStart(6));
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const print = (line = ''): void => void process.stdout.write(`${line}\n`);

async function inWorker(topology: LoginTopology, input: LoginBatchInput, limitMs: number): Promise<LoginBatchOutput> {
  const { stdout } = await execFileAsync('ip', ['netns', 'exec', topology.client.name, process.execPath, self, '--worker', JSON.stringify(input)], {
    timeout: limitMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim()) as LoginBatchOutput;
}

const target = (topology: LoginTopology): LoginBatchInput['target'] => ({ address: topology.gatewayAddress, port: 1723 });
const credentials = { username: USER, password: PASSWORD };
const SCENARIO = { scenario: 'success', user: USER, password: PASSWORD } as const;

/** What is wrong with a login that should have succeeded, or undefined. */
function wrongness(result: LoginResult): string | undefined {
  if (!result.ok) return `${result.failure?.class ?? 'failed'} at ${result.failure?.stage ?? '?'}: ${result.failure?.message ?? ''}`;
  if (result.authProtocol !== 'mschapv2') return `auth ${String(result.authProtocol)}`;
  if (result.mppe !== 'mppe-128-stateless') return `mppe ${String(result.mppe)}`;
  if (result.gatewayTunnelAddress !== GATEWAY_LOCAL_IP) return `gateway tunnel address ${String(result.gatewayTunnelAddress)}`;
  const last = Number(result.assignedAddress?.split('.')[3]);
  if (!result.assignedAddress?.startsWith('10.77.0.') || last < 10 || last >= 10 + POOL_SIZE) return `address ${String(result.assignedAddress)}`;
  if (result.timings.dataMs === undefined) return 'no echo reply';
  return undefined;
}

// ---------- 1. one login, stage by stage ----------

async function sequential(topology: LoginTopology): Promise<void> {
  const output = await inWorker(topology, { target: target(topology), credentials, options: { timeoutMs: LOGIN_TIMEOUT_MS }, count: WARMUP + SEQUENTIAL, concurrency: 1 }, (WARMUP + SEQUENTIAL) * LOGIN_TIMEOUT_MS);
  const wrong = output.entries.map((e) => wrongness(e.result)).filter((w) => w !== undefined);
  const measured = output.entries.slice(WARMUP);
  print(`1. One full login, ${measured.length} in a row after ${WARMUP} warm-up (probe process: Node ${process.version}; gateway: pptpd + the Node test responder, one per call)`);
  print(`   results wrong: ${wrong.length}${wrong.length > 0 ? ` (${wrong.slice(0, 3).join('; ')})` : ''}`);
  print('   stage        p50 ms  p95 ms   cold ms');
  const cold = output.entries[0]!.result.timings;
  for (const stage of STAGES) {
    const values = measured.map((e) => e.result.timings[stage]).filter((v): v is number => v !== undefined);
    print(`   ${stage.replace('Ms', '').padEnd(10)} ${ms(quantile(values, 0.5))}  ${ms(quantile(values, 0.95))}   ${ms(cold[stage] ?? NaN)}`);
  }
  const walls = measured.map((e) => e.wallMs);
  const cpus = measured.map((e) => e.cpuMs);
  print(`   wall       ${ms(quantile(walls, 0.5))}  ${ms(quantile(walls, 0.95))}   ${ms(output.entries[0]!.wallMs)}`);
  print(`   probe CPU  ${ms(quantile(cpus, 0.5))}  ${ms(quantile(cpus, 0.95))}   ${ms(output.entries[0]!.cpuMs)}   (user+system of the probe process during the login, all its threads)`);
  print(`   probe RSS ${mib(output.rss.before)} before, peak ${mib(output.rss.peak)}`);
  print(JSON.stringify({ bench: 'login-sequential', count: measured.length, wrong: wrong.length, p50: Object.fromEntries(STAGES.map((s) => [s, quantile(measured.map((e) => e.result.timings[s] ?? NaN).filter((v) => !Number.isNaN(v)), 0.5)])), cpuP50Ms: quantile(cpus, 0.5) }));
}

// ---------- 3. concurrent logins through one raw socket ----------

/** Jiffies of all CPUs from /proc/stat: busy (everything but idle and iowait) and total. */
function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** The gateway namespace's TCP listen-queue counters (/proc/net/netstat is per namespace): where pptpd's drops show. */
async function listenCounters(topology: LoginTopology): Promise<{ overflows: number; drops: number }> {
  const { stdout } = await topology.gateway.run('cat', ['/proc/net/netstat']);
  const lines = stdout.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const read = (name: string): number => Number(values[names.indexOf(name)] ?? NaN);
  return { overflows: read('ListenOverflows'), drops: read('ListenDrops') };
}

interface RoundTotals {
  logins: number;
  wrong: number;
  failedBeforeCall: number;
  failedLater: number;
  laterClasses: Map<string, number>;
  beforeCallKinds: Map<string, number>;
}

const emptyTotals = (): RoundTotals => ({ logins: 0, wrong: 0, failedBeforeCall: 0, failedLater: 0, laterClasses: new Map(), beforeCallKinds: new Map() });
const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** When a login held its pool address: from IPCP opening to the echo's reply, in ms from the batch's start. */
function addressLease(entry: LoginBatchEntry): [number, number] | undefined {
  const t = entry.result.timings;
  if (!entry.result.ok || t.ipcpMs === undefined) return undefined;
  const opened = entry.startedMs + (t.connectMs ?? 0) + (t.controlMs ?? 0) + (t.callMs ?? 0) + (t.lcpMs ?? 0) + (t.authMs ?? 0) + (t.ccpMs ?? 0) + t.ipcpMs;
  return [opened, opened + (t.dataMs ?? 0)];
}

/** Most logins in flight at one moment. */
function maxInFlight(entries: readonly LoginBatchEntry[]): number {
  const edges = entries.flatMap((e) => [[e.startedMs, 1] as const, [e.endedMs, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (current += delta));
  return most;
}

/**
 * Calls (by our Call ID) in which the gateway acknowledged the same LCP Configure-Request twice (our
 * request and its retransmission, both still queued in pptpd when its PPP started) and we then sent
 * a Configure-Request with a new Identifier: we restarted LCP on a duplicate Configure-Ack. Read
 * from the capture of the client's interface by tshark.
 */
async function restartsOnDuplicateAck(path: string, clientAddress: string): Promise<Set<number>> {
  const calls = await fieldRows(path, 'pptp.control_message_type == 8', ['pptp.call_id', 'pptp.peer_call_id'] as const);
  const ourCallIdByGatewayKey = new Map(calls.map((r) => [Number(r['pptp.call_id'][0]), Number(r['pptp.peer_call_id'][0])]));
  const lcp = await fieldRows(path, 'ppp.protocol == 0xc021', ['ip.src', 'gre.key.call_id', 'ppp.code', 'ppp.identifier'] as const);
  const state = new Map<number, { acks: Map<number, number>; duplicateSeen: boolean; firstRequestId: number | undefined }>();
  const found = new Set<number>();
  for (const row of lcp) {
    const fromUs = row['ip.src'][0] === clientAddress;
    const key = Number(row['gre.key.call_id'][0]);
    const ourCallId = fromUs ? ourCallIdByGatewayKey.get(key) : key;
    if (ourCallId === undefined) continue;
    const code = Number(row['ppp.code'][0]);
    const identifier = Number(row['ppp.identifier'][0]);
    const call = state.get(ourCallId) ?? { acks: new Map(), duplicateSeen: false, firstRequestId: undefined };
    state.set(ourCallId, call);
    if (fromUs && code === 1) {
      if (call.firstRequestId === undefined) call.firstRequestId = identifier;
      else if (identifier !== call.firstRequestId && call.duplicateSeen) found.add(ourCallId);
    }
    if (!fromUs && code === 2) {
      const seen = (call.acks.get(identifier) ?? 0) + 1;
      call.acks.set(identifier, seen);
      if (seen > 1 && identifier === call.firstRequestId) call.duplicateSeen = true;
    }
  }
  return found;
}

async function concurrentRound(topology: LoginTopology, gateway: PptpdGateway, label: string, spacingMs: number, totals: RoundTotals, captureFile: string | undefined): Promise<void> {
  gateway.clearResponderLog();
  const before = await listenCounters(topology);
  const cpuBefore = machineCpu();
  const capture = captureFile ? await startCapture(topology.client, topology.clientInterface, captureFile) : undefined;
  let output: LoginBatchOutput;
  try {
    output = await inWorker(
      topology,
      { target: target(topology), credentials, options: { timeoutMs: CONCURRENT_TIMEOUT_MS }, count: CONCURRENT, concurrency: CONCURRENT, retryControlPhase: true, startSpacingMs: spacingMs },
      CONCURRENT_TIMEOUT_MS * 3 + CONCURRENT * spacingMs,
    );
  } finally {
    await capture?.stop();
  }
  const cpuAfter = machineCpu();
  const after = await listenCounters(topology);
  const log = gateway.responderLog();
  const retried = output.entries.filter((e) => e.firstAttempt !== undefined);
  for (const entry of retried) {
    const failure = entry.firstAttempt!.failure;
    bump(totals.beforeCallKinds, `${failure?.class ?? '?'} (${failure?.stage ?? '?'}): ${(failure?.message ?? '').replace(/[\d.]+ ms/g, 'N ms').slice(0, 70)}`);
  }
  const stillBeforeCall = output.entries.filter((e) => !e.result.ok && CONTROL_PHASE_STAGES.has(e.result.failure?.stage ?? ''));
  // A login that failed after its call was up is ours to explain, not pptpd's: it was not retried.
  const failedLater = output.entries.filter((e) => !e.result.ok && !CONTROL_PHASE_STAGES.has(e.result.failure?.stage ?? ''));
  const restarted = capture ? await restartsOnDuplicateAck(capture.path, topology.clientAddress) : undefined;
  for (const e of failedLater) {
    const cause = restarted === undefined ? '' : restarted.has(e.result.callId ?? -1) ? ', after we restarted LCP on a duplicate Configure-Ack' : ', no LCP restart of ours on the wire';
    bump(totals.laterClasses, `${e.result.failure?.class ?? '?'} (${e.result.failure?.code ?? e.result.failure?.stage ?? '?'})${cause}`);
  }
  const wrong = output.entries.map((e) => wrongness(e.result)).filter((w) => w !== undefined);
  // A pool address is held by one call at a time: two logins holding the same one at once is wrong.
  const leases = output.entries.map((e) => ({ address: e.result.assignedAddress, lease: addressLease(e) })).filter((l) => l.lease !== undefined);
  let sharedAddresses = 0;
  for (let i = 0; i < leases.length; i++) {
    for (let j = i + 1; j < leases.length; j++) {
      const [a, b] = [leases[i]!, leases[j]!];
      if (a.address === b.address && a.lease![0] < b.lease![1] && b.lease![0] < a.lease![1]) sharedAddresses++;
    }
  }
  totals.logins += output.entries.length;
  totals.failedBeforeCall += retried.length;
  totals.failedLater += failedLater.length;
  totals.wrong += wrong.length + sharedAddresses;
  const ok = output.entries.filter((e) => e.result.ok);
  const walls = output.entries.map((e) => e.wallMs);
  const gre = output.entries.map((e) => e.result.timings.greMs ?? NaN).filter((v) => !Number.isNaN(v));
  const connect = output.entries.map((e) => e.result.timings.connectMs ?? NaN).filter((v) => !Number.isNaN(v));
  const busy = (100 * (cpuAfter.busy - cpuBefore.busy)) / Math.max(1, cpuAfter.total - cpuBefore.total);
  print(`   ${label}: ${ok.length}/${output.entries.length} right, at most ${maxInFlight(output.entries)} in flight; logins holding one pool address at once: ${sharedAddresses}`);
  print(`     failed before the call was up: ${retried.length} first attempts (retried once; ${stillBeforeCall.length} failed again); failed after it: ${failedLater.length}`);
  print(`     machine CPU ${busy.toFixed(0)}% busy (${cpus().length} cores); gateway listen-queue overflows ${after.overflows - before.overflows}; responders started ${log.filter((e) => e.event === 'start').length}`);
  print(
    `     connect p50/p95 ${quantile(connect, 0.5).toFixed(0)}/${quantile(connect, 0.95).toFixed(0)} ms; call to the gateway's first GRE p50/p95 ${quantile(gre, 0.5).toFixed(0)}/${quantile(gre, 0.95).toFixed(0)} ms` +
      `; login p50/p95/max ${quantile(walls, 0.5).toFixed(0)}/${quantile(walls, 0.95).toFixed(0)}/${Math.max(...walls).toFixed(0)} ms; batch ${output.wallMs.toFixed(0)} ms`,
  );
  print(
    `     probe CPU ${(output.cpu.userMs + output.cpu.systemMs).toFixed(0)} ms (${((output.cpu.userMs + output.cpu.systemMs) / output.entries.length).toFixed(1)} ms per login, retries included); RSS ${mib(output.rss.before)} -> peak ${mib(output.rss.peak)}` +
      (restarted ? `; calls where we restarted LCP on a duplicate Configure-Ack: ${restarted.size}` : ''),
  );
}

function printTotals(name: string, totals: RoundTotals): void {
  print(`   ${name}: ${totals.logins} logins, wrong ${totals.wrong}; first attempts failed before the call was up ${totals.failedBeforeCall} (${((100 * totals.failedBeforeCall) / Math.max(1, totals.logins)).toFixed(1)}%); failed after it ${totals.failedLater}`);
  for (const [kind, count] of totals.beforeCallKinds) print(`     before the call x${count}: ${kind}`);
  for (const [kind, count] of totals.laterClasses) print(`     after the call x${count}: ${kind}`);
  print(JSON.stringify({ bench: 'login-concurrent', run: name, logins: totals.logins, wrong: totals.wrong, failedBeforeCall: totals.failedBeforeCall, failedLater: totals.failedLater }));
}

async function concurrent(topology: LoginTopology, gateway: PptpdGateway, dir: string): Promise<void> {
  const withCapture = requireTshark() === undefined;
  print();
  print(`3. ${CONCURRENT} concurrent logins from one process through one raw GRE socket to one pptpd (deadline ${CONCURRENT_TIMEOUT_MS} ms each)${withCapture ? '' : ' [no tshark: no wire attribution]'}`);
  // All at once: pptpd's listen backlog (3) and its serial accept loop meet a hundred SYNs in one ms.
  const burst = emptyTotals();
  for (let round = 1; round <= ROUNDS; round++) await concurrentRound(topology, gateway, `burst ${round} (all started at once)`, 0, burst, withCapture ? join(dir, `burst-${round}.pcap`) : undefined);
  printTotals('burst', burst);
  // Started SPACING_MS apart: still all in flight together (a login takes seconds under this load).
  const ramped = emptyTotals();
  for (let round = 1; round <= ROUNDS; round++) await concurrentRound(topology, gateway, `ramp ${round} (started ${SPACING_MS} ms apart)`, SPACING_MS, ramped, withCapture ? join(dir, `ramp-${round}.pcap`) : undefined);
  printTotals('ramp', ramped);
}

// ---------- 2. the deadline bound against a silent GRE peer ----------

async function silent(topology: LoginTopology): Promise<void> {
  const output = await inWorker(
    topology,
    { target: target(topology), credentials, options: { timeoutMs: SILENT_TIMEOUT_MS }, count: SILENT, concurrency: SILENT_CONCURRENCY },
    (SILENT / Math.max(1, SILENT_CONCURRENCY) + 2) * SILENT_TIMEOUT_MS * 3,
  );
  const late = output.entries.map((e) => e.wallMs - SILENT_TIMEOUT_MS);
  const reported = output.entries.map((e) => e.result.timings.totalMs - SILENT_TIMEOUT_MS);
  const classes = new Map<string, number>();
  for (const e of output.entries) classes.set(e.result.failure?.class ?? 'ok', (classes.get(e.result.failure?.class ?? 'ok') ?? 0) + 1);
  print();
  print(`2. Deadline bound: ${SILENT} logins against a silent GRE peer, ${SILENT_CONCURRENCY} at a time, deadline ${SILENT_TIMEOUT_MS} ms`);
  print(`   classes: ${[...classes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  print(`   result time - deadline (probe process clock): p50 ${quantile(late, 0.5).toFixed(2)} ms, p99 ${quantile(late, 0.99).toFixed(2)} ms, max ${Math.max(...late).toFixed(2)} ms (bound: 50 ms)`);
  print(`   timings.totalMs - deadline (as reported):     p50 ${quantile(reported, 0.5).toFixed(2)} ms, p99 ${quantile(reported, 0.99).toFixed(2)} ms, max ${Math.max(...reported).toFixed(2)} ms`);
  print(`   over the bound: ${late.filter((l) => l > 50).length}`);
  print(JSON.stringify({ bench: 'login-deadline', logins: SILENT, p99LateMs: quantile(late, 0.99), maxLateMs: Math.max(...late) }));
}

// ---------- roles ----------

async function orchestrate(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:login needs root (network namespaces, raw GRE sockets)');
  if (!existsSync(PPTPD_BINARY)) throw new Error(`${PPTPD_BINARY} is missing: apt-get install -y pptpd`);
  if (!existsSync(RESPONDER_BUNDLE)) throw new Error(`${RESPONDER_BUNDLE} is missing: npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'login-bench-'));
  let topology: LoginTopology | undefined;
  let silentTopology: LoginTopology | undefined;
  let gateway: PptpdGateway | undefined;
  let peer: ChildProcess | undefined;
  try {
    topology = await createLoginTopology('bench', { nat: false });
    gateway = await startPptpdGateway(topology.gateway, { listen: topology.gatewayAddress, poolSize: POOL_SIZE, scenario: SCENARIO });
    if (SEQUENTIAL > 0) await sequential(topology);
    // The deadline bound before the concurrent rounds: those leave the machine busy for a while.
    if (SILENT > 0) {
      silentTopology = await createLoginTopology('bsil', { nat: false });
      writeFileSync(join(dir, 'behaviour'), 'silent');
      const peerProcess = spawn('ip', ['netns', 'exec', silentTopology.gateway.name, process.execPath, self, '--peer', silentTopology.gatewayAddress, join(dir, 'behaviour')], { stdio: ['ignore', 'pipe', 'inherit'] });
      peer = peerProcess;
      await new Promise<void>((resolve, reject) => {
        peerProcess.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
        peerProcess.once('exit', (code) => reject(new Error(`silent peer exited ${String(code)}`)));
      });
      await silent(silentTopology);
    }
    if (CONCURRENT > 0 && ROUNDS > 0) await concurrent(topology, gateway, dir);
  } finally {
    peer?.kill('SIGTERM');
    await gateway?.stop();
    await topology?.destroy();
    await silentTopology?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = argv[0];
if (role === '--worker') {
  const output = await runLoginBatch(JSON.parse(argv[1] ?? '{}') as LoginBatchInput);
  process.stdout.write(`${JSON.stringify(output)}\n`);
} else if (role === '--peer') {
  await startHostileGrePeer(argv[1] ?? '', argv[2] ?? '');
  process.stdout.write('listening\n');
} else {
  await orchestrate();
}
