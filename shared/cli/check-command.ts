import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { probePptp, runPaced, type ProbeResult } from '../probe/index.js';
import type { CheckArgs } from './check-args.js';
import { ANSI, PLAIN, formatResult } from './format-human.js';
import { toResultJson } from './result-json.js';

/** Spacing between probe starts: keeps replies from queuing behind each other in the event loop. */
export const CHECK_START_INTERVAL_MS = 2;

export interface CheckIo {
  write(text: string): void;
  isTty: boolean;
  signal?: AbortSignal;
}

/** Runs `check`; returns the exit status (0 all healthy, 1 any failed). */
export async function runCheck(args: CheckArgs, io: CheckIo): Promise<number> {
  const deps = nodeProbeDeps(io.signal);
  const palette = io.isTty && !process.env['NO_COLOR'] ? ANSI : PLAIN;
  const results: ProbeResult[] = await runPaced(
    args.targets,
    async (target) => {
      const result = await probePptp(target, args.probe, deps);
      if (!args.json) io.write(`${formatResult(result, palette)}\n`);
      return result;
    },
    { concurrency: args.concurrency, startIntervalMs: CHECK_START_INTERVAL_MS },
    nodeClock,
    nodeTimers,
  );
  if (args.json) io.write(`${JSON.stringify(results.map(toResultJson), null, 2)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
