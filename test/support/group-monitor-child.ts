// The test's side of group-monitor-main.ts: bundle it once, start it inside a namespace, and run the
// local monitor's cycles one synthetic minute at a time, reading back what each cycle probed, delivered
// and knows of the identities answering.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { IdentityState } from '../../shared/sla/groups/identity-events.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { Netns } from './netns.js';

export const GROUP_MONITOR = resolve('dist/test-support/group-monitor.mjs');

/** One cycle's account, one JSON line of the child's stdout. */
export interface GroupMonitorCycle {
  intervalStart: number;
  probed: number;
  /** Each target's probe result in this cycle, by target name. */
  results: Array<{ target: string; ok: boolean; failureClass?: string; server?: { hostname: string; vendor: string; firmwareRevision: number } }>;
  /** What the cycle delivered. */
  notifications: Notification[];
  identities: IdentityState | null;
  /** Per group, its members that answer with one identity (indistinguishableMembers). */
  indistinguishable: Record<string, string[][]>;
}

export interface GroupMonitorChild {
  /** Runs the cycle of the minute starting at `intervalStart` (the child's wall clock at its end). */
  cycle(intervalStart: number): Promise<GroupMonitorCycle>;
  stderr(): string;
  /** Ends stdin and waits for the child to exit (kills it after a second). */
  close(): Promise<void>;
}

/** Bundles group-monitor-main.ts, written beside and renamed into place so a child never starts a half-written file. */
export async function buildGroupMonitor(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(dirname(GROUP_MONITOR), { recursive: true });
  const result = await build({
    entryPoints: [resolve('test/support/group-monitor-main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    outfile: GROUP_MONITOR,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const bundle = result.outputFiles.find((f) => f.path === GROUP_MONITOR);
  if (!bundle) throw new Error(`esbuild produced no ${GROUP_MONITOR}`);
  const staging = `${GROUP_MONITOR}.${process.pid}.tmp`;
  writeFileSync(staging, bundle.contents);
  renameSync(staging, GROUP_MONITOR);
}

/** Starts the monitor inside `netns` with the config file and data directory; resolves once it has loaded its store. */
export async function startGroupMonitorIn(netns: Netns, configPath: string, dataDir: string, timeoutMs = 10_000): Promise<GroupMonitorChild> {
  const child: ChildProcessWithoutNullStreams = spawn('ip', ['netns', 'exec', netns.name, process.execPath, GROUP_MONITOR, configPath, dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let partial = '';
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let exited: number | null | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const split = (partial + d.toString()).split('\n');
    partial = split.pop() ?? '';
    lines.push(...split.filter((l) => l.trim() !== ''));
    for (const w of waiters.splice(0)) w();
  });
  child.once('exit', (code) => {
    exited = code;
    for (const w of waiters.splice(0)) w();
  });
  /** The next stdout line, within timeoutMs. */
  const nextLine = async (limitMs: number): Promise<string> => {
    const until = Date.now() + limitMs;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return line;
      if (exited !== undefined) throw new Error(`the group monitor exited (${String(exited)}): ${stderr.slice(0, 2000)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no line from the group monitor within ${limitMs} ms; stderr: ${stderr.slice(0, 2000)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  };
  try {
    const ready = JSON.parse(await nextLine(timeoutMs)) as { ready?: unknown };
    if (ready.ready === undefined) throw new Error(`the group monitor started with ${JSON.stringify(ready)}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    async cycle(intervalStart) {
      child.stdin.write(`cycle ${intervalStart}\n`);
      return JSON.parse(await nextLine(timeoutMs)) as GroupMonitorCycle;
    },
    stderr: () => stderr,
    async close() {
      if (exited !== undefined) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await gone;
      clearTimeout(timer);
    },
  };
}
