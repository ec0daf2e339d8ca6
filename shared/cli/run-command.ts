// `pptp-monitor run`: the local monitor, the embedded default that needs no AWS account. Wiring only:
// config, local store, real sockets, console and webhook output, an optional embedded simulator, and a
// clean stop on Ctrl-C (the cycle in progress finishes, so no result is half-written).
import { renderContextFor } from '../alerts/render-context.js';
import { renderAlert } from '../alerts/render.js';
import { postWebhook } from '../alerts/webhook.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import { createLocalMonitor, LOCAL_LOOKBACK_MS, type LocalMonitor } from '../monitor/local-monitor.js';
import { LOCAL_REGION, localView } from '../monitor/local-view.js';
import { createProbeTally, recordResult } from '../status/prometheus.js';
import { startStatusServer, type StatusServer } from '../status/status-server.js';
import { statusSources } from '../status/status-sources.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { probePptp, type ProbeResult } from '../probe/index.js';
import type { Notification } from '../sla/notification.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { createLocalStore } from '../store/local-store.js';
import type { RunArgs } from './run-args.js';
import { RUN_USAGE } from './run-args.js';
import { MAX_COMMAND_LINE_CHARS, readLines } from './read-lines.js';
import { parseFaultCommand } from './simulate-args.js';

export interface RunIo {
  out(line: string): void;
  err(line: string): void;
  stdin?: NodeJS.ReadableStream;
  signal: AbortSignal;
  now?: () => number;
}

const MINUTE_MS = 60_000;
const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);

export function probeLine(result: ProbeResult, intervalStart: number): string {
  const at = new Date(intervalStart).toISOString().slice(11, 16);
  if (result.ok) return `${at}  ${result.target}  UP    connect ${fmt(result.timings.connectMs)}  control ${fmt(result.timings.controlMs)}  total ${fmt(result.timings.totalMs)}`;
  return `${at}  ${result.target}  DOWN  ${result.failure?.class ?? 'unknown'}: ${result.failure?.message ?? ''}`;
}

function sleepUntil(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms - Date.now()));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Reads 'fault <name> [n]' and 'status' lines for the embedded simulator. */
function controlSimulator(simulator: Simulator, stdin: NodeJS.ReadableStream, io: RunIo): () => void {
  const onLine = (line: string): void => {
    const [command, ...words] = line.trim().split(/\s+/).filter(Boolean);
    if (command === undefined) return;
    if (command === 'status') {
      io.out(`simulator: fault ${simulator.fault} on 127.0.0.1:${simulator.port}`);
      return;
    }
    if (command !== 'fault') {
      io.err(`simulator: unknown command '${command}' (fault <name> [result-code|delay-ms], status)`);
      return;
    }
    try {
      const { fault, options } = parseFaultCommand(words);
      simulator.setFault(fault, options).then(
        () => io.out(`simulator: fault is now ${fault}`),
        (err: unknown) => io.err(`simulator: ${(err as Error).message}`),
      );
    } catch (err) {
      io.err(`simulator: ${(err as Error).message}`);
    }
  };
  return readLines(stdin, onLine, () => io.err(`simulator: command longer than ${MAX_COMMAND_LINE_CHARS} characters ignored`));
}

export async function runMonitor(args: RunArgs, io: RunIo): Promise<number> {
  if (args.help) {
    io.out(RUN_USAGE);
    return 0;
  }
  const loaded = await loadConfig(args.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  const { config } = loaded;
  const now = io.now ?? Date.now;
  const store = createLocalStore(args.data);
  let simulator: Simulator | undefined;
  let stopControl: (() => void) | undefined;
  if (args.simulatePort !== undefined) {
    simulator = await startSimulator({ host: '127.0.0.1', port: args.simulatePort });
    io.out(`simulated PPTP gateway on 127.0.0.1:${simulator.port} (healthy); type 'fault silent', 'fault reset', 'fault reject 4', 'fault none' + Enter to change it`);
    if (io.stdin) stopControl = controlSimulator(simulator, io.stdin, io);
  }
  const deps = nodeProbeDeps();
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const deliver = async (notifications: Notification[]): Promise<void> => {
    for (const n of notifications) {
      const rendered = renderAlert(n, renderContextFor(config, byName.get(n.target)));
      const bodies = JSON.parse(rendered.message) as { default: string; https: string };
      io.out(`\n=== ${rendered.subject} ===\n${bodies.default}\n`);
      if (args.webhook) {
        const outcome = await postWebhook(args.webhook, bodies.https);
        // Nothing is lost: a delivery that failed for good is printed whole, to be replayed by hand.
        if (!outcome.ok) io.err(`webhook delivery failed (${outcome.error}); body follows:\n${bodies.https}`);
      }
    }
  };
  const tally = createProbeTally();
  const monitor: LocalMonitor = createLocalMonitor(config, {
    probe: (target, options) => probePptp(target, options, deps),
    store,
    clock: nodeClock,
    timers: nodeTimers,
    onResult: (result, target, intervalStart) => {
      io.out(probeLine(result, intervalStart));
      recordResult(tally, result, { target: target.name, region: LOCAL_REGION });
    },
    onNotifications: deliver,
    onStoreError: (lines, err) => {
      io.err(`cannot write results to ${store.dir}/ (${(err as Error).message}); they follow, one JSON line each:`);
      for (const line of lines) io.err(JSON.stringify(line));
    },
  });
  let http: StatusServer | undefined;
  let evaluatedThrough = 0;
  try {
    const loadedHistory = await monitor.load(now());
    if (args.httpPort !== undefined) {
      // The same view and lookback as the evaluator above, so the page never disagrees with the alerts.
      http = await startStatusServer({
        port: args.httpPort,
        // Evaluated where the alerts were: through the end of the last probed interval, whose results are
        // final once its cycle ran (otherwise the page lags a minute, and shows NO DATA after a restart).
        ...statusSources({ config, tally, now: () => Math.max(now(), evaluatedThrough), history: (t) => monitor.history(t.name), model: { view: localView, evaluate: { lookbackMs: LOCAL_LOOKBACK_MS } } }),
      });
      io.out(`status page on ${http.url} (Prometheus metrics at ${http.url}metrics)`);
    }
    io.out(
      `pptp-monitor run: ${config.targets.length} target(s) from ${args.config}, results in ${store.dir}/ (${loadedHistory.records} earlier result(s) loaded` +
        `${loadedHistory.skipped > 0 ? `, ${loadedHistory.skipped} unreadable line(s) skipped` : ''}); Ctrl-C stops`,
    );
    let cycles = 0;
    let minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
    while (!io.signal.aborted) {
      await monitor.cycle(minute);
      evaluatedThrough = minute + MINUTE_MS;
      cycles++;
      if (args.cycles !== undefined && cycles >= args.cycles) break;
      minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      await sleepUntil(minute, io.signal);
    }
    io.out(`stopped after ${cycles} cycle(s); every result is in ${store.dir}/`);
    return 0;
  } finally {
    await http?.close();
    stopControl?.();
    await simulator?.close();
  }
}
