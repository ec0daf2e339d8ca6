// The built agent (bin/pptp-monitor.js → dist/cli.js) as a plain child process on the host loopback, as
// systemd runs it, with its JSON log lines handed to the test as they arrive: a fault test reacts to
// "agent cycle done" (cut CloudWatch, inject throttles) while the agent keeps running.
//
// Restarts and the drill clock. `--time-scale n` runs the schedule n× faster from the process's own
// start, so a restarted drill would start its schedule over and probe minutes the killed process had
// already probed, which no restart at real speed ever does. `drillClock` makes a restarted process
// continue one campaign-wide clock instead: a preload shifts Date.now by (n - 1) × (time since the
// campaign's origin), so the agent's scaled clock starts where the campaign's is (a few schedule seconds
// behind it: n - 1 times the time between the preload and the agent reading its clock). Nothing else in
// the agent changes.
import { spawn } from 'node:child_process';
import { CLI_BIN } from './cli.js';

/** One JSON line of the agent's stdout. */
export type AgentLine = Readonly<Record<string, unknown>> & { message: string; timestamp: string };

export interface AgentChildOptions {
  configPath: string;
  location: string;
  stateDir: string;
  timeScale: number;
  /** CloudWatch endpoint (the fake, or a proxy in front of it). */
  endpoint: string;
  cycles?: number;
  /** Continue the campaign clock that started at `originMs` (real ms) instead of starting the schedule over. */
  drillClock?: { originMs: number };
  /** Called with each line as it arrives, before any waitFor sees it. */
  onLine?(line: AgentLine): void;
}

export interface AgentChild {
  readonly pid: number;
  /** Every JSON line so far, in order. */
  readonly lines: readonly AgentLine[];
  /** stdout lines that were not JSON (there should be none). */
  readonly garbage: readonly string[];
  stderr(): string;
  /** The first line, seen or to come, that matches; rejects after timeoutMs or when the process exits first. */
  waitFor(match: (line: AgentLine) => boolean, timeoutMs: number): Promise<AgentLine>;
  /** Settles once the process has exited and its output is read to the end. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** The AWS SDK warns on Node 20 that its 2027 releases need Node 22: the SDK's, not ours. */
export function withoutSdkNodeWarning(stderr: string): string {
  return stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?to show where the warning was created\)\n/, '');
}

function drillClockPreload(originMs: number, scale: number): string {
  const code = `const realNow = Date.now; const offset = ${scale - 1} * (realNow() - ${originMs}); Date.now = () => realNow() + offset;`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

export function startAgentChild(options: AgentChildOptions): AgentChild {
  const args = ['agent', '--config', options.configPath, '--location', options.location, '--state-dir', options.stateDir, '--time-scale', String(options.timeScale)];
  if (options.cycles !== undefined) args.push('--cycles', String(options.cycles));
  const preload = options.drillClock ? ['--import', drillClockPreload(options.drillClock.originMs, options.timeScale)] : [];
  const child = spawn(process.execPath, [...preload, CLI_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', AWS_ACCESS_KEY_ID: 'AKIDAGENTFAULTS', AWS_SECRET_ACCESS_KEY: 'agent-faults-secret', AWS_ENDPOINT_URL_CLOUDWATCH: options.endpoint },
  });
  if (child.pid === undefined) throw new Error('agent child did not start');
  const lines: AgentLine[] = [];
  const garbage: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<{ match: (line: AgentLine) => boolean; resolve: (line: AgentLine) => void }>();

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (text === '') continue;
      let line: AgentLine;
      try {
        line = JSON.parse(text) as AgentLine;
      } catch {
        garbage.push(text);
        continue;
      }
      lines.push(line);
      options.onLine?.(line);
      for (const w of waiters) if (w.match(line)) w.resolve(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => {
    done = true;
  });

  return {
    pid: child.pid,
    lines,
    garbage,
    stderr: () => stderr,
    exited,
    kill: (signal) => void child.kill(signal),
    waitFor(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (line: AgentLine) => settle(() => resolve(line)) };
        const timer = setTimeout(() => settle(() => reject(new Error(`agent ${child.pid}: no matching line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`))), timeoutMs);
        const onExit = (): void => settle(() => reject(new Error(`agent ${child.pid} exited before a matching line; stderr: ${stderr.slice(-2000)}`)));
        function settle(fn: () => void): void {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          fn();
        }
        waiters.add(waiter);
        if (done) onExit();
        else void exited.then(onExit);
      });
    },
  };
}

/** The interval (ms) of an "agent cycle done" line, or undefined for any other line. */
export function cycleDoneInterval(line: AgentLine): number | undefined {
  return line.message === 'agent cycle done' ? Date.parse(String(line['interval'])) : undefined;
}
