// node scripts/build.mjs && node dist/bench/agent-bench.js [--targets 100 --cycles 6 --time-scale 6]
//
// What a private-location agent costs its host: the built agent (bin/pptp-monitor.js → dist/cli.js) as
// a child process, probing N healthy in-process PPTP peers on loopback each schedule minute and
// publishing to the in-process CloudWatch wire fake, as in production but with the schedule run
// --time-scale times faster (6: a minute every 10 s; the probe budget stays far above what 100 healthy
// probes need). Reads the child's CPU time (utime + stime from /proc/<pid>/stat, clock ticks → ms) at
// each "agent cycle done" line, and its resident memory (VmRSS, and the peak VmHWM, /proc/<pid>/status).
// CPU per minute is the CPU between two cycle-done lines: one cycle (probes, spool write and fsyncs, the
// PutMetricData) plus the idle wait for the next minute. The first cycle (JIT warm-up, first
// connections, the SDK's first request) is reported apart. Linux only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cycleDoneInterval, startAgentChild, withoutSdkNodeWarning, type AgentLine } from '../test/support/agent-child.js';
import { startCloudWatchFake } from '../test/support/cloudwatch-fake.js';
import { healthy, startPeer, type Peer } from '../test/support/hostile-peers.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);

const TARGETS = num('targets', 100);
const CYCLES = num('cycles', 6);
const TIME_SCALE = num('time-scale', 6);
const LOCATION = 'bench-site';
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** User + system CPU time of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** VmRSS and VmHWM of a process, in KiB. */
function memoryKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mib = (kib: number): string => (kib / 1024).toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-bench-'));
  const peers: Peer[] = [];
  const fake = await startCloudWatchFake();
  try {
    for (let i = 0; i < TARGETS; i++) peers.push(await startPeer(healthy));
    const targets = peers.map((p, i) => `  - { name: gw-${String(i).padStart(3, '0')}, host: 127.0.0.1, port: ${p.port}, regions: [${LOCATION}], timeout: 2000 }`).join('\n');
    const configPath = join(dir, 'monitor.yml');
    writeFileSync(configPath, `version: 1\nhomeRegion: eu-central-1\nnamespace: PptpMonitorAgentBench\nagents:\n  - { name: ${LOCATION} }\ntargets:\n${targets}\n`);

    const samples: Array<{ line: AgentLine; cpu: number; rss: number; hwm: number }> = [];
    const sample = (line: AgentLine): void => {
      samples.push({ line, cpu: cpuMs(agent.pid), ...memoryKiB(agent.pid) });
    };
    let done = 0;
    const agent = startAgentChild({
      configPath,
      location: LOCATION,
      stateDir: join(dir, 'state'),
      timeScale: TIME_SCALE,
      endpoint: fake.endpoint,
      onLine: (line) => {
        if (line.message !== 'agent starting' && cycleDoneInterval(line) === undefined) return;
        sample(line);
        // Stopped with SIGTERM rather than --cycles, so that /proc is read while the process still runs.
        if (cycleDoneInterval(line) !== undefined && ++done === CYCLES) agent.kill('SIGTERM');
      },
    });
    const exit = await agent.exited;
    if (exit.code !== 0) throw new Error(`agent exited with ${JSON.stringify(exit)}: ${withoutSdkNodeWarning(agent.stderr())}`);

    const cycles = samples.filter((s) => s.line.message === 'agent cycle done');
    const notOk = cycles.filter((c) => c.line['ok'] !== TARGETS);
    if (notOk.length > 0) throw new Error(`cycles with failed probes: ${JSON.stringify(notOk.map((c) => c.line))}`);
    const perCycle = cycles.map((c, i) => c.cpu - (i === 0 ? samples[0]!.cpu : cycles[i - 1]!.cpu));
    const steady = perCycle.slice(1);
    const last = samples.at(-1)!;
    const perTarget = (ms: number): number => (ms * 100) / TARGETS;

    console.log(`agent bench: ${TARGETS} healthy targets on loopback, --time-scale ${TIME_SCALE} (a minute every ${60 / TIME_SCALE} s), ${cycles.length} cycles; ${fake.datums.length} points held by the fake (${fake.requests.length} PutMetricData)`);
    console.log(`  start-up CPU (to "agent starting"): ${samples[0]!.cpu.toFixed(0)} ms; first cycle: ${perCycle[0]!.toFixed(0)} ms`);
    console.log(`  CPU per later cycle, ms: ${steady.map((x) => x.toFixed(0)).join(', ')} (median ${median(steady).toFixed(0)}, max ${Math.max(...steady).toFixed(0)})`);
    console.log(`  RSS after each cycle, MiB: ${cycles.map((c) => mib(c.rss)).join(', ')}; peak (VmHWM) ${mib(last.hwm)}`);
    console.log(`agent CPU per 100 targets per minute: ${perTarget(median(steady)).toFixed(0)} ms; RSS: ${mib(last.hwm)} MiB`);
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
