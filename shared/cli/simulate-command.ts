// `pptp-monitor simulate`: runs a local PPTP gateway with a chosen fault, switchable by typing commands,
// until the signal aborts (Ctrl-C). Prints one line per change, so a session reads as a log of what the
// gateway did when.
import { formatHostPort } from '../net/listen-failure.js';
import { MAX_COMMAND_LINE_CHARS, readLines } from './read-lines.js';
import {
  MAX_OPEN_CONNECTIONS,
  SIMULATOR_FAULTS,
  SimulatorListenError,
  describeExpectation,
  describeFault,
  PAIR_MEMBERS,
  startPairSimulator,
  startSimulator,
  type FaultSettings,
  type PairEvent,
  type PairMemberName,
  type PairSimulator,
  type Simulator,
  type SimulatorStats,
} from '../simulator/index.js';
import { parseFaultCommand, parsePairCommand, SIMULATE_USAGE, type SimulateArgs } from './simulate-args.js';
import { UsageError } from './usage-error.js';

/** Longest command line kept, in characters: stdin is a person typing, anything longer is a paste gone wrong. */

export const SIMULATE_COMMANDS_HELP = `commands: fault <name> [result-code|delay-ms], status, help; faults: ${SIMULATOR_FAULTS.join(', ')}`;

export const SIMULATE_PAIR_COMMANDS_HELP = `commands: failover, member <a|b> <down|up>, firmware <a|b> <revision>, status, help`;

export interface SimulateIo {
  /** One line of normal output, without its newline. */
  out(line: string): void;
  /** One line about a mistake or a failure, without its newline. */
  err(line: string): void;
  /** Commands, one per line. Its end is not a stop: the simulator runs on until the signal aborts. */
  stdin: NodeJS.ReadableStream;
  /** Aborting stops the simulator (Ctrl-C). */
  signal: AbortSignal;
}

/** The fault as the command that sets it: 'none', 'reject 4', 'slow 500'. */
function faultLabel(settings: FaultSettings): string {
  if ('resultCode' in settings) return `${settings.fault} ${settings.resultCode}`;
  if ('delayMs' in settings) return `${settings.fault} ${settings.delayMs}`;
  return settings.fault;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function perFault(stats: SimulatorStats): string {
  return SIMULATOR_FAULTS.filter((f) => stats.byFault[f] > 0)
    .map((f) => `${f} ${stats.byFault[f]}`)
    .join(', ');
}

function statusLine(simulator: Simulator): string {
  const stats = simulator.stats();
  const where = `${formatHostPort(simulator.host, simulator.port)}, ${stats.listening ? 'listening' : 'not listening'}`;
  const served = stats.connections === 0 ? 'no connections yet' : `${plural(stats.connections, 'connection')} (${stats.open} open): ${perFault(stats)}`;
  const dropped = stats.dropped > 0 ? `; ${stats.dropped} dropped at the ${MAX_OPEN_CONNECTIONS}-connection cap` : '';
  return `fault ${faultLabel(simulator.settings)} on ${where}; ${served}${dropped}`;
}

function summaryLine(stats: SimulatorStats): string {
  const dropped = stats.dropped > 0 ? `, ${stats.dropped} dropped` : '';
  return stats.connections === 0 ? `stopped: no connections${dropped}` : `stopped: ${plural(stats.connections, 'connection')} (${perFault(stats)})${dropped}`;
}

async function switchFault(simulator: Simulator, words: readonly string[], io: SimulateIo): Promise<void> {
  const { fault, options } = parseFaultCommand(words);
  const was = faultLabel(simulator.settings);
  const open = simulator.stats().open;
  try {
    await simulator.setFault(fault, options);
  } catch (err) {
    if (!(err instanceof SimulatorListenError)) throw err;
    io.err(`${err.message}; fault stays ${faultLabel(simulator.settings)}`);
    return;
  }
  const keep = open > 0 ? `; ${plural(open, 'open connection')} keep${open === 1 ? 's' : ''} ${was}` : '';
  io.out(`fault: ${faultLabel(simulator.settings)} (was ${was}): ${describeFault(simulator.settings)}; probes report ${describeExpectation(fault)}${keep}`);
}

/** One line typed at the simulator: a usage mistake is said and the session goes on. */
async function runSimulatorCommand(simulator: Simulator, line: string, io: SimulateIo): Promise<void> {
  const [command, ...words] = line.trim().split(/\s+/).filter((w) => w !== '');
  try {
    switch (command) {
      case undefined:
        return;
      case 'fault':
        await switchFault(simulator, words, io);
        return;
      case 'status':
        io.out(statusLine(simulator));
        return;
      case 'help':
        io.out(SIMULATE_COMMANDS_HELP);
        return;
      default:
        io.err(`unknown command '${command}'; ${SIMULATE_COMMANDS_HELP}`);
    }
  } catch (err) {
    if (err instanceof UsageError) io.err(err.message);
    else throw err;
  }
}

/** Runs `simulate`; returns the exit status: 0 after a clean stop, 1 if the port could not be bound. */
export async function runSimulate(args: SimulateArgs, io: SimulateIo): Promise<number> {
  if (args.help) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  if (args.pair) return runPairSimulate(args, io);
  let simulator: Simulator;
  try {
    simulator = await startSimulator({
      host: args.host,
      port: args.port,
      fault: args.fault,
      ...(args.resultCode !== undefined && { resultCode: args.resultCode }),
      ...(args.delayMs !== undefined && { delayMs: args.delayMs }),
    });
  } catch (err) {
    if (err instanceof SimulatorListenError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
  io.out(
    `simulating a PPTP gateway on ${formatHostPort(simulator.host, simulator.port)} (fault: ${faultLabel(simulator.settings)}); ` +
      `type 'fault <name>' to change it, 'status', or Ctrl-C to stop`,
  );

  await runCommandLoop(io, (line) => runSimulatorCommand(simulator, line, io), SIMULATE_COMMANDS_HELP, async () => {
    await simulator.close();
    io.out(summaryLine(simulator.stats()));
  });
  return 0;
}

/**
 * Reads commands until the signal aborts, then runs `finish`. Commands run one at a time, in the order
 * typed: a re-listen must finish before the next switch. A command that throws something other than a
 * usage mistake is a bug: stop, finish, and rethrow for main to report.
 */
async function runCommandLoop(io: SimulateIo, runCommand: (line: string) => Promise<void>, help: string, finish: () => Promise<void>): Promise<void> {
  let commands: Promise<void> = Promise.resolve();
  let failure: unknown;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const enqueue = (run: () => Promise<void> | void): void => {
    commands = commands.then(run).catch((err: unknown) => {
      failure ??= err;
      stop();
    });
  };
  const stopReading = readLines(
    io.stdin,
    (line) => enqueue(() => runCommand(line)),
    () => enqueue(() => io.err(`command longer than ${MAX_COMMAND_LINE_CHARS} characters ignored; ${help}`)),
  );
  if (io.signal.aborted) stop();
  else io.signal.addEventListener('abort', stop, { once: true });

  await stopped;
  io.signal.removeEventListener('abort', stop);
  stopReading();
  await commands;
  await finish();
  if (failure !== undefined) throw failure;
}

// --- --pair: a keepalived pair behind a virtual address ---

/** Every line about a state change starts with the wall-clock time it was printed, so a session reads as a log. */
const stamp = (line: string): string => `${new Date().toISOString()} ${line}`;

function memberLabel(pair: PairSimulator, member: PairMemberName): string {
  const { identity } = pair.state().members[member];
  return `${member} (${identity.hostname}, firmware ${identity.firmwareRevision})`;
}

export function pairEventLine(pair: PairSimulator, event: Exclude<PairEvent, { kind: 'unchanged' }>): string {
  const virtual = formatHostPort(pair.host, pair.virtualPort);
  switch (event.kind) {
    case 'master':
      return `MASTER ${memberLabel(pair, event.master)} answers on ${virtual} (was ${event.was ?? 'none'}; ${event.reason})`;
    case 'virtual-down':
      return `virtual ${virtual} down: MASTER ${event.was} is down`;
    case 'takeover-scheduled':
      return `${event.member} takes over ${virtual} in ${Math.round(event.takeoverAt - event.at)} ms`;
    case 'takeover-cancelled':
      return `${event.member} no longer taking over: it is down`;
    case 'member':
      return `member ${event.member} ${event.up ? 'up: answers' : 'down: refuses connections'} on ${formatHostPort(pair.host, pair.memberPorts[event.member])}`;
    case 'firmware':
      return `member ${event.member} firmware ${event.firmwareRevision} (was ${event.was})`;
  }
}

export function pairStatusLine(pair: PairSimulator): string {
  const state = pair.state();
  const virtual = `virtual ${formatHostPort(pair.host, pair.virtualPort)} ${state.master !== undefined ? `MASTER ${state.master}` : 'down'}`;
  const pending = state.pendingTakeover ? ` (${state.pendingTakeover.member} taking over)` : '';
  const members = PAIR_MEMBERS.map(
    (m) => `member ${memberLabel(pair, m)} on ${formatHostPort(pair.host, pair.memberPorts[m])} ${state.members[m].up ? 'up' : 'down'}`,
  );
  return `${virtual}${pending}; ${members.join('; ')}`;
}

export async function runPairCommand(pair: PairSimulator, line: string, io: Pick<SimulateIo, 'out' | 'err'>): Promise<void> {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  try {
    if (words.length === 0) return;
    const parsed = parsePairCommand(words);
    if (parsed === undefined) {
      if (words[0] === 'status') io.out(pairStatusLine(pair));
      else if (words[0] === 'help') io.out(SIMULATE_PAIR_COMMANDS_HELP);
      else io.err(`unknown command '${words[0]}'; ${SIMULATE_PAIR_COMMANDS_HELP}`);
      return;
    }
    // The events are printed by onEvent, which also sees takeovers that happen between commands.
    if (parsed.command === 'failover') await pair.failover();
    else if (parsed.command === 'member') await pair.setMemberUp(parsed.member, parsed.up);
    else await pair.setFirmware(parsed.member, parsed.firmwareRevision);
  } catch (err) {
    if (err instanceof UsageError) io.err(err.message);
    else throw err;
  }
}

async function runPairSimulate(args: SimulateArgs, io: SimulateIo): Promise<number> {
  let pair: PairSimulator | undefined;
  const onEvent = (event: PairEvent): void => {
    if (event.kind === 'unchanged') io.err(stamp(`unchanged: ${event.why}`));
    else if (pair) io.out(stamp(pairEventLine(pair, event)));
  };
  try {
    pair = await startPairSimulator({
      host: args.host,
      port: args.port,
      onEvent,
      ...(args.takeoverDelayMs !== undefined && { takeoverDelayMs: args.takeoverDelayMs }),
    });
  } catch (err) {
    if (err instanceof SimulatorListenError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
  const running = pair;
  io.out(
    stamp(`simulating a keepalived pair, takeover after ${running.takeoverDelayMs} ms: ${pairStatusLine(running)}; `) +
      `type 'failover', 'member <a|b> <down|up>', 'firmware <a|b> <n>', 'status', or Ctrl-C to stop`,
  );
  await runCommandLoop(io, (line) => runPairCommand(running, line, io), SIMULATE_PAIR_COMMANDS_HELP, async () => {
    await running.close();
    io.out(stamp('stopped'));
  });
  return 0;
}
