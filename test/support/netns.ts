// Network namespaces that a test creates and always deletes: the only places besides loopback that our
// tests send packets to. Each has its own loopback, so a daemon bound to 127.0.0.1:1723 in one cannot
// collide with anything on the host or in another test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
let counter = 0;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Netns {
  name: string;
  /** Runs a command inside the namespace and waits for it (never throws on a non-zero exit). */
  run(command: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<RunResult>;
  /** Starts a long-running command inside the namespace. */
  spawn(command: string, args: readonly string[]): ChildProcess;
  /** Kills everything still running inside, then deletes the namespace. */
  destroy(): Promise<void>;
}

/** Why namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `pmt-check-${process.pid}-${counter++}`;
  try {
    await execFileAsync('ip', ['netns', 'add', probe]);
    await execFileAsync('ip', ['netns', 'del', probe]);
    return undefined;
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message}`;
  }
}

export async function createNetns(label: string): Promise<Netns> {
  const name = `pmt-${label}-${process.pid}-${counter++}`;
  await execFileAsync('ip', ['netns', 'add', name]);
  await execFileAsync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    run(command, args, options = {}) {
      return new Promise((resolve) => {
        execFile(
          'ip',
          ['netns', 'exec', name, command, ...args],
          { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    spawn(command, args) {
      return spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    async destroy() {
      try {
        const { stdout } = await execFileAsync('ip', ['netns', 'pids', name]);
        for (const pid of stdout.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      } catch {
        // namespace already gone
      }
      await execFileAsync('ip', ['netns', 'del', name]).catch(() => undefined);
    },
  };
}

/**
 * Integration suites call this in beforeAll: outside CI a machine without root or namespaces skips them
 * with the reason; in CI (CI=true) that is a failure, because CI must always run them.
 */
export async function requireNetns(): Promise<string | undefined> {
  const reason = await netnsUnavailableReason();
  if (reason && process.env['CI'] === 'true') throw new Error(`CI must run the namespace tests, but ${reason}`);
  return reason;
}

/** Runs `command` in `netns`, its stdout, or an error naming the command, namespace and stderr. */
export async function mustRun(netns: Netns, command: string, args: readonly string[]): Promise<string> {
  const run = await netns.run(command, args);
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} in ${netns.name} failed (${run.code}): ${run.stderr.trim()}`);
  return run.stdout;
}
