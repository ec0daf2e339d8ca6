// `pptp-monitor run` as users start it, the bundled CLI in a child process: what it says and which exit
// status it gives when a port is taken, the data directory is unusable or held by another monitor, or the
// simulator is not what the config probes; and that a restart within a probed minute stores nothing twice.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../shared/simulator/index.js';
import { CLI_BIN, runCli } from '../support/cli.js';
import type { RunResult } from '../support/netns.js';

const dir = mkdtempSync(join(tmpdir(), 'pmt-cli-start-'));
// The unwritable-directory case runs the CLI as nobody: everything it reads must be readable to others.
chmodSync(dir, 0o755);
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A port something else holds, and what holds it. */
async function takenPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (s: Server): number => (s.address() as AddressInfo).port;

/** Runs the CLI as another user (root only), the way execFile runs it otherwise. */
function runCliAs(uid: number, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts `run` in the background and resolves once its start line is out. */
async function startRun(args: readonly string[]): Promise<{ child: ChildProcessWithoutNullStreams; out: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI_BIN, 'run', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line in: ${out}`)), 10_000);
    const check = (): void => {
      if (/ UP {4}connect/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    out: () => out,
    stop: () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}

/** Waits, if need be, until the wall clock is at least `marginMs` away from the next minute. */
async function awayFromMinuteEnd(marginMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe('pptp-monitor run: start-up checks', () => {
  let simulator: Simulator;
  let config: string;
  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    config = write('run.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`);
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with the port and what to do when --simulate finds its port taken (a second npm start), without a stack trace', async () => {
    // Prepare
    const holder = await takenPort();
    const port = portOf(holder);
    const simConfig = write('sim.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1] }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${port} }\n`);
    // Act
    const run = await runCli(['run', '--config', simConfig, '--data', join(dir, 'sim-data'), '--simulate', String(port), '--cycles', '1']);
    holder.close();
    // Assess
    expect(run.stderr).toBe(
      `pptp-monitor run: --simulate: cannot listen on 127.0.0.1:${port}: EADDRINUSE: the port is in use (is an earlier pptp-monitor, e.g. another \`npm start\`, still running?); stop what holds it, or pass --simulate <another port>\n`,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).not.toMatch(/UP|DOWN/);
  });

  it('exits 2 with the port and what to do when --http finds its port taken', async () => {
    const holder = await takenPort();
    const port = portOf(holder);
    const run = await runCli(['run', '--config', config, '--data', join(dir, 'http-data'), '--http', String(port), '--cycles', '1']);
    holder.close();
    expect(run.stderr).toBe(
      `pptp-monitor run: --http: status server cannot listen on 127.0.0.1:${port}: EADDRINUSE: the port is in use (is an earlier pptp-monitor, e.g. another \`npm start\`, still running?); stop what holds it, or pass --http <another port> (--http 0 picks a free one)\n`,
    );
    expect(run.code).toBe(2);
  });

  it('refuses a second monitor on the same data directory, naming the PID that holds it', async () => {
    // Prepare: a first monitor, running.
    const data = join(dir, 'shared-data');
    const first = await startRun(['--config', config, '--data', data]);
    // Act
    const second = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    const firstExit = await first.stop();
    // Assess
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(`^pptp-monitor run: ${data} is in use by another pptp-monitor run \\(PID ${first.child.pid} on this host, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); stop that monitor first, or pass --data <another directory>\\n$`),
    );
    expect(second.stdout).toBe('');
    expect(firstExit).toBe(0);
    expect(existsSync(join(data, 'monitor.lock'))).toBe(false);
  }, 30_000);

  it('takes over the lock of a monitor that died, and says so', async () => {
    // Prepare: a lock left by a process that has exited.
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid ?? 0;
    await new Promise((resolve) => gone.on('close', resolve));
    const data = join(dir, 'stale-data');
    mkdirSync(data);
    writeFileSync(join(data, 'monitor.lock'), `${JSON.stringify({ pid, host: (await import('node:os')).hostname(), since: '2026-11-01T00:00:00.000Z' })}\n`);
    // Act
    const run = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    // Assess
    expect(run.stderr).toBe(`pptp-monitor run: took over ${join(data, 'monitor.lock')}: PID ${pid}, which held it, is no longer running\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sim-gw {2}UP/);
  });

  it('does not probe or store a minute again when restarted within it', async () => {
    await awayFromMinuteEnd(8_000);
    const data = join(dir, 'restart-data');
    const first = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    const second = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout).toMatch(/\d\d:\d\d {2}1 target\(s\) already probed in this minute by the last run: not probed again\n/);
    expect(second.stdout).not.toMatch(/sim-gw {2}UP/);
    expect(second.stdout).toContain('stopped after 1 cycle(s); no new result to store\n');
    const lines = readdirSync(data)
      .filter((f) => f.startsWith('results-'))
      .flatMap((f) => readFileSync(join(data, f), 'utf8').trim().split('\n'));
    expect(lines).toHaveLength(1);
  }, 30_000);

  it('prints a page once: a restarted monitor does not print it again', async () => {
    // Prepare: a gateway down for the two minutes before this one, so this minute's failure pages.
    await awayFromMinuteEnd(10_000);
    const closed = await takenPort();
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const downConfig = write('down.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: down-gw, host: 127.0.0.1, port: ${port} }\n`);
    const data = join(dir, 'page-once');
    mkdirSync(data);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const failed = (k: number): string => JSON.stringify({ v: 1, interval: new Date(now - k * 60_000).toISOString(), target: 'down-gw', region: 'local', ok: false, failureClass: 'connect_refused', attempts: 1, totalMs: 1 });
    for (const k of [2, 1]) writeFileSync(join(data, `results-${new Date(now - k * 60_000).toISOString().slice(0, 10)}.jsonl`), `${failed(k)}\n`, { flag: 'a' });
    // Act
    const first = await runCli(['run', '--config', downConfig, '--data', data, '--cycles', '1']);
    const second = await runCli(['run', '--config', downConfig, '--data', data, '--cycles', '1']);
    // Assess
    expect(first.stdout).toContain('=== [PAGE] down-gw DOWN');
    expect(second.stdout).not.toContain('===');
    expect(JSON.parse(readFileSync(join(data, 'sent-notifications.json'), 'utf8'))).toMatchObject({ v: 1, sent: [{ dedupKey: `down-gw/down/${new Date(now - 120_000).toISOString()}`, status: 'firing' }] });
  }, 30_000);

  it('refuses a --data path that is a file at once (exit 2, the path and the problem) and probes nothing', async () => {
    const file = write('not-a-dir', 'x\n');
    const run = await runCli(['run', '--config', config, '--data', file, '--cycles', '1']);
    expect(run.stderr).toBe(`pptp-monitor run: cannot keep results in --data ${file}: ${file} is not a directory (a file is in the way); pass --data <a directory you can write to>\n`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });

  it.skipIf(process.getuid?.() !== 0 && process.getuid !== undefined)('refuses a --data directory it cannot write at once (exit 2), as a user without the right', async () => {
    const data = join(dir, 'read-only');
    mkdirSync(data, { mode: 0o755 });
    const run = await runCliAs(65534, ['run', '--config', config, '--data', data, '--cycles', '1']);
    expect(run.stderr).toBe(`pptp-monitor run: cannot keep results in --data ${data}: cannot write in ${data} (EACCES); pass --data <a directory you can write to>\n`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('does not claim the results are in the store when they could not be written there', async () => {
    // Prepare: the day files the cycle will write to are directories, so each append fails.
    await awayFromMinuteEnd(8_000);
    const data = join(dir, 'unwritable-day');
    const today = new Date().toISOString().slice(0, 10);
    mkdirSync(join(data, `results-${today}.jsonl`), { recursive: true });
    // Act
    const run = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`cannot write results to ${data}/ (EISDIR: illegal operation on a directory`);
    expect(run.stdout).not.toContain('every result is in');
    expect(run.stdout).toContain(`stopped after 1 cycle(s); no result could be written to ${data}/ (all 1 were printed to stderr above, one JSON line each)\n`);
  });

  it('warns when no target probes the simulator it starts, naming the port and the targets', async () => {
    const holder = await takenPort();
    const port = portOf(holder);
    holder.close();
    const run = await runCli(['run', '--config', config, '--data', join(dir, 'mismatch-data'), '--simulate', String(port), '--cycles', '1'], { timeoutMs: 15_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `pptp-monitor run: warning: no target in ${config} probes the simulator at 127.0.0.1:${port} (targets: sim-gw at 127.0.0.1:${simulator.port}), so the faults you set will not show; point a target at host 127.0.0.1, port ${port}, or pass --simulate with its port\n`,
    );
  });

  it("says when a fault typed at the embedded simulator needs a check no target has (drop-calls without checks.call)", async () => {
    // Prepare: a free port for the simulator, and a target on it with the call check off (the default).
    const holder = await takenPort();
    const port = portOf(holder);
    await new Promise((resolve) => holder.close(resolve));
    const noCall = write('no-call.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${port} }\n`);
    const running = await startRun(['--config', noCall, '--data', join(dir, 'no-call-data'), '--simulate', String(port)]);
    // Act
    running.child.stdin.write('fault drop-calls\n');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no note in: ${running.out()}`)), 5_000);
      const poll = setInterval(() => {
        if (running.out().includes('will not show')) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const code = await running.stop();
    // Assess
    expect(running.out()).toContain('simulator: fault is now drop-calls\n');
    expect(running.out()).toContain("simulator: no target probing it has checks.call on, so 'drop-calls' will not show; set checks: { call: true } in the config\n");
    expect(code).toBe(0);
  }, 20_000);
});
