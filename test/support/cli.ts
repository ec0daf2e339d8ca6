// Runs the built CLI (dist/cli.js through bin/pptp-monitor.js), the way users run it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Netns, RunResult } from './netns.js';

export const CLI_BIN = fileURLToPath(new URL('../../bin/pptp-monitor.js', import.meta.url));

export function runCli(args: readonly string[], options: { netns?: Netns; timeoutMs?: number } = {}): Promise<RunResult> {
  if (options.netns) return options.netns.run(process.execPath, [CLI_BIN, ...args], { timeoutMs: options.timeoutMs ?? 30_000 });
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { timeout: options.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
