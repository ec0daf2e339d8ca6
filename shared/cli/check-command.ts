// `pptp-monitor check`: probes each target once with the control-connection prober, found in the
// registry like every runner's, and prints the results in argument order (or as JSON).
import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { runPaced, type ProbeResult } from '../probe/index.js';
import { PROBERS } from '../probers/index.js';
import { PPTP_CONTROL } from '../probers/pptp/index.js';
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
  // Every target of `check` gets the control-connection probe: its options are that prober's flags.
  const prober = PROBERS.proberFor(PPTP_CONTROL);
  const palette = io.isTty && !process.env['NO_COLOR'] ? ANSI : PLAIN;
  // Rows are printed in argument order, as soon as every target before them has its result: a user
  // reading `check a b c` (or diffing two runs) expects row n to be target n, while a refused port
  // answers long before a slow gateway does.
  const done: (ProbeResult | undefined)[] = new Array<ProbeResult | undefined>(args.targets.length);
  let printed = 0;
  const results: ProbeResult[] = await runPaced(
    args.targets,
    async (target, index) => {
      const result = await prober.probe(target, args.probe, deps);
      done[index] = result;
      for (let next = done[printed]; next !== undefined; next = done[printed]) {
        if (!args.json) io.write(`${formatResult(next, palette)}\n`);
        printed++;
      }
      return result;
    },
    { concurrency: args.concurrency, startIntervalMs: CHECK_START_INTERVAL_MS },
    nodeClock,
    nodeTimers,
  );
  if (args.json) io.write(`${JSON.stringify(results.map(toResultJson), null, 2)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
