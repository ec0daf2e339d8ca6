// `pptp-monitor run`: the local monitor, the embedded default that needs no AWS account. Wiring only:
// config, the data directory (locked: one monitor per store), local store and sent ledger, real sockets,
// console output and the on-call destinations (notify:, --webhook), an optional embedded simulator, and a
// clean stop on Ctrl-C (the cycle in progress finishes, so no result is half-written). Everything an
// operator can get wrong at start (a data path that is a file, a port in use, a destination's secret not
// in the environment) is checked before the first probe and ends in exit 2 with what to do; the exit line
// claims only what was written.
import { renderContextFor } from '../alerts/render-context.js';
import { renderAlert } from '../alerts/render.js';
import { createNotifier, deliveryLine, localDestinations } from '../alerts/destinations/index.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import { createLocalMonitor, LOCAL_LOOKBACK_MS, type LocalMonitor, type LocalMonitorDeps } from '../cycles/local-monitor.js';
import { LOCAL_REGION, localView } from '../cycles/local-view.js';
import { createProbeTally, recordResult } from '../status/prometheus.js';
import { isLoopbackHost, startStatusServer, type StatusServer } from '../status/status-server.js';
import { statusSources } from '../status/status-sources.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { formatHostPort, listenAdvice } from '../net/listen-failure.js';
import type { ProbeDeps, ProbeResult } from '../probe/index.js';
import { checkKindOf, PROBERS } from '../probers/index.js';
import type { Notification } from '../sla/notification.js';
import { StatusServerListenError } from '../status/errors.js';
import { expectedFailureClass, FAULT_EXPECTED_CLASS, type SimulatorFault } from '../simulator/faults.js';
import { SimulatorListenError, startPairSimulator, startSimulator, type PairEvent, type PairSimulator, type Simulator } from '../simulator/index.js';
import { pairEventLine, pairStatusLine, runPairCommand } from './simulate-command.js';
import { groupsOf, type ResolvedConfig, type ResolvedTarget } from '../config/types.js';
import { indistinguishableMembers } from '../sla/groups/identity-events.js';
import { describeIdentity } from '../sla/identity.js';
import { lockDataDir, type DataDirLock } from '../store/data-lock.js';
import { DataDirError, DataDirLockedError, fsProblem } from '../store/errors.js';
import { createLocalStore } from '../store/local-store.js';
import { createSentLedger } from '../store/sent-ledger.js';
import { createSlaStateFile } from '../store/sla-state-file.js';
import type { RunArgs } from './run-args.js';
import { DEFAULT_HTTP_ADDRESS, RUN_USAGE } from './run-args.js';
import { MAX_COMMAND_LINE_CHARS, readLines } from './read-lines.js';
import { parseFaultCommand } from './simulate-args.js';
import { MINUTE_MS } from '../common/time.js';
import { isLoginSetupError, loginSetupProblems } from './login-setup.js';
import { SetupError } from './setup-error.js';

export interface RunIo {
  out(line: string): void;
  err(line: string): void;
  stdin?: NodeJS.ReadableStream;
  signal: AbortSignal;
  now?: () => number;
  /** Where notify: and --webhook-key-env secrets are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);

export function probeLine(result: ProbeResult, intervalStart: number): string {
  const at = new Date(intervalStart).toISOString().slice(11, 16);
  if (result.ok) return `${at}  ${result.target}  UP    connect ${fmt(result.timings.connectMs)}  control ${fmt(result.timings.controlMs)}  total ${fmt(result.timings.totalMs)}`;
  return `${at}  ${result.target}  DOWN  ${result.failure?.class ?? 'unknown'}: ${result.failure?.message ?? ''}`;
}

/**
 * The local monitor's probe: the prober of each target's check kind, from the registry. The monitor names
 * a target by its config name (probeTargetFor), which is how its kind is found again. A login that cannot
 * run here any more (its password file removed, the socket gone) stops the monitor with the reason, exit
 * 2: recording it would page for an outage of this machine, not of the gateway.
 */
function probeConfigured(targets: readonly ResolvedTarget[], deps: ProbeDeps): LocalMonitorDeps['probe'] {
  const kinds = new Map(targets.map((t) => [t.name, checkKindOf(t)]));
  return async (target, options) => {
    const kind = kinds.get(target.target);
    if (kind === undefined) throw new TypeError(`the local monitor probed '${target.target}', which is no target of its config`);
    try {
      return await PROBERS.proberFor(kind).probe(target, options, deps);
    } catch (err) {
      if (isLoginSetupError(err)) throw new SetupError(`run: target ${target.target}: ${err.message}`, { cause: err });
      throw err;
    }
  };
}

/**
 * Once per group and run: members announcing one identity (Poptop pptpd's 'local'/'linux'), so failovers
 * between them cannot be seen. Said rather than guessed; the status page says it too.
 */
function indistinguishableNotes(config: ResolvedConfig, monitor: LocalMonitor, told: Set<string>): string[] {
  const ids = monitor.identities();
  if (ids === undefined) return [];
  const lines: string[] = [];
  for (const group of groupsOf(config)) {
    for (const same of indistinguishableMembers(group, ids)) {
      const key = `${group.name} ${same.join(' ')}`;
      if (told.has(key)) continue;
      told.add(key);
      const id = ids.ids[same[0]!];
      lines.push(`group ${group.name}: ${same.join(' and ')} answer with the same identity${id ? ` (${describeIdentity(id.fp, id.server)})` : ''}: a failover between them cannot be seen; redundancy lost and wrong membership are still judged on each member's own address`);
    }
  }
  return lines;
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

/** The targets that probe the embedded simulator: 127.0.0.1 or localhost, at its port. */
function simulatorTargets(targets: readonly ResolvedTarget[], port: number): ResolvedTarget[] {
  return targets.filter((t) => (t.host === '127.0.0.1' || t.host.toLowerCase() === 'localhost') && t.port === port);
}

/** Says so when no target probing the simulator has the check a fault needs (drop-calls without checks.call). */
function unseenFaultNote(fault: SimulatorFault, probing: readonly ResolvedTarget[]): string | undefined {
  if (FAULT_EXPECTED_CLASS[fault] === undefined || probing.length === 0) return undefined;
  if (probing.some((t) => expectedFailureClass(fault, t.checks) !== undefined)) return undefined;
  const check = fault === 'echo-silent' ? 'echo' : 'call';
  return `simulator: no target probing it has checks.${check} on, so '${fault}' will not show; set checks: { ${check}: true } in the config`;
}

/** Reads 'fault <name> [n]' and 'status' lines for the embedded simulator. */
function controlSimulator(simulator: Simulator, probing: readonly ResolvedTarget[], stdin: NodeJS.ReadableStream, io: RunIo): () => void {
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
        () => {
          io.out(`simulator: fault is now ${fault}`);
          const note = unseenFaultNote(fault, probing);
          if (note !== undefined) io.err(note);
        },
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
  // The local monitor runs login checks (the Lambda functions cannot).
  const loaded = await loadConfig(args.config, { runner: 'local' });
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  const { config } = loaded;
  const loginProblems = await loginSetupProblems(config.targets);
  if (loginProblems.length > 0) {
    for (const problem of loginProblems) io.err(`pptp-monitor run: ${problem}`);
    return 2;
  }
  // Every destination's secrets are read now: a missing one stops the monitor before it probes, not at the first page.
  const webhook = args.webhook === undefined ? undefined : { url: args.webhook, format: args.webhookFormat ?? 'json', ...(args.webhookKeyEnv !== undefined ? { keyEnv: args.webhookKeyEnv } : {}) };
  const destinations = await localDestinations(config, webhook, io.env ?? process.env);
  if (destinations.problems.length > 0) {
    for (const problem of destinations.problems) io.err(`pptp-monitor run: ${problem}`);
    return 2;
  }
  const notifier = createNotifier({ destinations: destinations.ready });
  const now = io.now ?? Date.now;
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(args.data);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      io.err(`pptp-monitor run: ${err.message}; stop that monitor first, or pass --data <another directory>`);
      return 2;
    }
    if (err instanceof DataDirError) {
      io.err(`pptp-monitor run: cannot keep results in --data ${args.data}: ${err.message}; pass --data <a directory you can write to>`);
      return 2;
    }
    throw err;
  }
  let simulator: Simulator | undefined;
  let stopControl: (() => void) | undefined;
  let closePair: (() => Promise<void>) | undefined;
  let http: StatusServer | undefined;
  try {
    if (lock.tookOver) {
      const holder = lock.tookOver.holder;
      io.err(`pptp-monitor run: took over ${lock.path}: ${holder ? `PID ${holder.pid}, which held it, is no longer running` : 'it was unreadable'}`);
    }
    const store = createLocalStore(args.data);
    const ledger = createSentLedger(args.data);
    const slaState = createSlaStateFile(args.data);
    const deps = nodeProbeDeps();
    const byName = new Map(config.targets.map((t) => [t.name, t]));
    const deliver = async (n: Notification): Promise<void> => {
      const rendered = renderAlert(n, renderContextFor(config, byName.get(n.target)));
      const bodies = JSON.parse(rendered.message) as { default: string; https: string };
      io.out(`\n=== ${rendered.subject} ===\n${bodies.default}\n`);
      for (const d of await notifier.notify(n, renderContextFor(config, byName.get(n.target)))) {
        // Nothing is lost: a delivery that failed for good is printed whole (secrets redacted), to be replayed by hand.
        if (d.ok) io.out(`notify: ${deliveryLine(d)}`);
        else io.err(`notify: ${deliveryLine(d)}; the ${d.type} request body follows, secrets redacted:\n${d.redactedBody ?? '(not formatted)'}`);
      }
    };
    const tally = createProbeTally();
    let ledgerTrouble: string | undefined;
    let slaStateTrouble: string | undefined;
    const monitor: LocalMonitor = createLocalMonitor(config, {
      probe: probeConfigured(config.targets, deps),
      store,
      ledger,
      clock: nodeClock,
      timers: nodeTimers,
      onResult: (result, target, intervalStart) => {
        io.out(probeLine(result, intervalStart));
        recordResult(tally, result, { target: target.name, region: LOCAL_REGION, atMs: now() });
      },
      deliver,
      onStoreError: (lines, err) => {
        io.err(`cannot write results to ${store.dir}/ (${(err as Error).message}); they follow, one JSON line each:`);
        for (const line of lines) io.err(JSON.stringify(line));
      },
      onLedgerError: (err) => {
        // Once per kind of trouble, not every minute.
        const problem = fsProblem(err);
        if (problem === ledgerTrouble) return;
        ledgerTrouble = problem;
        io.err(`cannot write ${ledger.path} (${problem}): a restart may print notifications again`);
      },
      slaState,
      onSlaStateError: (err) => {
        const problem = fsProblem(err);
        if (problem === slaStateTrouble) return;
        slaStateTrouble = problem;
        io.err(`cannot write ${slaState.path} (${problem}): a restart rebuilds the SLA state from the stored results`);
      },
    });
    const loadedHistory = await monitor.load(now());
    if (loadedHistory.ledgerProblem !== undefined) io.err(`pptp-monitor run: ${loadedHistory.ledgerProblem}; notifications of the last run may be printed again`);
    for (const line of rebuildLines(loadedHistory.rebuilt ?? [])) io.err(`pptp-monitor run: ${line}`);

    if (args.simulatePort !== undefined) {
      const probing = simulatorTargets(config.targets, args.simulatePort);
      if (probing.length === 0) {
        const listed = config.targets.slice(0, 3).map((t) => `${t.name} at ${formatHostPort(t.host, t.port)}`).join(', ');
        io.err(
          `pptp-monitor run: warning: no target in ${args.config} probes the simulator at 127.0.0.1:${args.simulatePort} ` +
            `(targets: ${listed}${config.targets.length > 3 ? ', ...' : ''}), so the faults you set will not show; ` +
            `point a target at host 127.0.0.1, port ${args.simulatePort}, or pass --simulate with its port`,
        );
      }
      try {
        simulator = await startSimulator({ host: '127.0.0.1', port: args.simulatePort });
      } catch (err) {
        if (!(err instanceof SimulatorListenError)) throw err;
        io.err(`pptp-monitor run: --simulate: ${err.message}: ${listenAdvice(err.code, '--simulate')}`);
        return 2;
      }
      io.out(`simulated PPTP gateway on 127.0.0.1:${simulator.port} (healthy); type 'fault silent', 'fault reset', 'fault reject 4', 'fault drop-calls', 'fault none' + Enter to change it`);
      if (io.stdin) stopControl = controlSimulator(simulator, probing, io.stdin, io);
    }
    if (args.simulatePairPort !== undefined) {
      if (args.simulatePort !== undefined) {
        io.err('pptp-monitor run: --simulate and --simulate-pair cannot be combined: one simulator per run');
        return 2;
      }
      let pair: PairSimulator | undefined;
      const onEvent = (event: PairEvent): void => {
        if (event.kind === 'unchanged') io.err(`simulator: unchanged: ${event.why}`);
        else if (pair) io.out(`simulator: ${pairEventLine(pair, event)}`);
      };
      try {
        pair = await startPairSimulator({ host: '127.0.0.1', port: args.simulatePairPort, onEvent });
      } catch (err) {
        if (!(err instanceof SimulatorListenError)) throw err;
        io.err(`pptp-monitor run: --simulate-pair: ${err.message}: ${listenAdvice(err.code, '--simulate-pair')}`);
        return 2;
      }
      const running = pair;
      closePair = () => running.close();
      io.out(`simulated keepalived pair: ${pairStatusLine(running)}; type 'failover', 'member a down', 'member a up', 'firmware b 2' or 'status' + Enter`);
      if (io.stdin) stopControl = readLines(io.stdin, (line) => void runPairCommand(running, line, { out: (t) => io.out(`simulator: ${t}`), err: (t) => io.err(`simulator: ${t}`) }), () => io.err(`simulator: command longer than ${MAX_COMMAND_LINE_CHARS} characters ignored`));
    }
    let evaluatedThrough = 0;
    if (args.httpPort !== undefined) {
      const httpAddress = args.httpAddress ?? DEFAULT_HTTP_ADDRESS;
      // Asked for on the command line, so allowed; said out loud, because the page is reconnaissance material.
      const exposed = !isLoopbackHost(httpAddress);
      if (exposed) {
        io.err(
          `pptp-monitor run: warning: --http ${formatHostPort(httpAddress, args.httpPort)} serves the status page and /metrics beyond this machine, ` +
            `without authentication: they name every gateway, its address and its failures. Let only your Prometheus server reach the port (firewall)`,
        );
      }
      try {
        // The same view and lookback as the evaluator above, so the page never disagrees with the alerts.
        http = await startStatusServer({
          host: httpAddress,
          port: args.httpPort,
          allowNonLoopback: exposed,
          allowedHosts: args.httpAllowedHosts,
          // Evaluated where the alerts were: through the end of the last probed interval, whose results are
          // final once its cycle ran (otherwise the page lags a minute, and shows NO DATA after a restart).
          ...statusSources({ config, tally, now: () => Math.max(now(), evaluatedThrough), history: (t) => monitor.history(t.name), model: { view: localView, evaluate: { lookbackMs: LOCAL_LOOKBACK_MS } } }),
        });
      } catch (err) {
        if (!(err instanceof StatusServerListenError)) throw err;
        io.err(`pptp-monitor run: --http: ${err.message}: ${listenAdvice(err.code, '--http')} (--http 0 picks a free one)`);
        return 2;
      }
      io.out(`status page on ${http.url} (Prometheus metrics at ${http.url}metrics)`);
    }
    let minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
    const resumes = loadedHistory.evaluatedUntil !== undefined && loadedHistory.evaluatedUntil < minute;
    io.out(
      `pptp-monitor run: ${config.targets.length} target(s) from ${args.config}, results in ${store.dir}/ (${loadedHistory.records} earlier result(s) loaded` +
        `${loadedHistory.skipped > 0 ? `, ${loadedHistory.skipped} unreadable line(s) skipped` : ''}` +
        `${loadedHistory.duplicates > 0 ? `, ${loadedHistory.duplicates} duplicate result(s) ignored` : ''}` +
        `${resumes ? `; alerts evaluated from ${new Date(loadedHistory.evaluatedUntil ?? minute).toISOString()}, where the last run stopped` : ''}); Ctrl-C stops`,
    );
    let cycles = 0;
    const told = new Set<string>();
    const totals = { stored: 0, notStored: 0 };
    while (!io.signal.aborted) {
      const cycle = await monitor.cycle(minute);
      for (const line of indistinguishableNotes(config, monitor, told)) io.out(line);
      totals.stored += cycle.stored;
      totals.notStored += cycle.probed - cycle.stored;
      if (cycle.alreadyStored > 0) io.out(`${new Date(minute).toISOString().slice(11, 16)}  ${cycle.alreadyStored} target(s) already probed in this minute by the last run: not probed again`);
      evaluatedThrough = minute + MINUTE_MS;
      cycles++;
      if (args.cycles !== undefined && cycles >= args.cycles) break;
      minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      await sleepUntil(minute, io.signal);
    }
    io.out(`stopped after ${cycles} cycle(s); ${whereResultsAre(totals, store.dir)}`);
    return 0;
  } finally {
    await http?.close();
    stopControl?.();
    await simulator?.close();
    await closePair?.();
    await lock.release();
  }
}

/** The exit line's account of the results: it says they are in the store only if they were written there. */
/** One line per reason a target's SLA state is rebuilt from the stored results (none when all were usable). */
export function rebuildLines(rebuilt: ReadonlyArray<{ target: string; reason: string }>): string[] {
  const byReason = new Map<string, string[]>();
  for (const { target, reason } of rebuilt) byReason.set(reason, [...(byReason.get(reason) ?? []), target]);
  return [...byReason].map(([reason, targets]) => {
    const named = targets.length > 5 ? `${targets.slice(0, 5).join(', ')}, ...` : targets.join(', ');
    return `SLA state of ${targets.length} target(s) (${named}) rebuilt from the stored results: ${reason}`;
  });
}

function whereResultsAre(totals: { stored: number; notStored: number }, dir: string): string {
  const { stored, notStored } = totals;
  if (notStored === 0) return stored === 0 ? 'no new result to store' : `every result is in ${dir}/`;
  const onStderr = 'printed to stderr above, one JSON line each';
  if (stored === 0) return `no result could be written to ${dir}/ (all ${notStored} were ${onStderr})`;
  return `${stored} result(s) are in ${dir}/; ${notStored} could not be written there and were ${onStderr}`;
}
