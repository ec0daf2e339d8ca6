// `pptp-monitor check`: probes each target once with the control-connection prober, or with --login the
// login prober, both found in the registry like every runner's, and prints the results in argument
// order (or as JSON). A login reads its password and opens the raw GRE socket before the first probe,
// so a machine that cannot run it says why (exit 2) before anything is sent.
import { nodeClock, nodeProbeDeps, nodeTimers } from '../probe/node-deps.js';
import { runPaced, type ProbeOptions, type ProbeResult } from '../probe/index.js';
import { PROBERS } from '../probers/index.js';
import { PPTP_CONTROL } from '../probers/pptp/index.js';
import { PPTP_LOGIN } from '../probers/option-schemas.js';
import { GreTransportError } from '../probers/pptp-login/gre-transport.js';
import { sharedRawGreTransport } from '../probers/pptp-login/gre-transport-raw.js';
import type { PptpLoginOptions } from '../probers/pptp-login/login-prober.js';
import { PasswordUnavailableError, readPassword } from '../probers/pptp-login/password-source.js';
import type { CheckArgs, LoginArgs } from './check-args.js';
import { ANSI, PLAIN, formatResult } from './format-human.js';
import { toResultJson } from './result-json.js';
import { SetupError } from './setup-error.js';
import { UsageError } from './usage-error.js';

/** Spacing between probe starts: keeps replies from queuing behind each other in the event loop. */
export const CHECK_START_INTERVAL_MS = 2;

export interface CheckIo {
  write(text: string): void;
  isTty: boolean;
  signal?: AbortSignal;
  /** The environment --password-env reads (process.env unless a test injects one). */
  env?: NodeJS.ProcessEnv;
  /** Opens the raw GRE socket a login needs, to find out before any probe whether it can (the process's shared one unless a test injects another). */
  openGre?: () => unknown;
}

/** The flag a password source came from, for messages that point at the command line. */
const flagOf = (login: LoginArgs): string => ('env' in login.password ? `--password-env ${login.password.env}` : `--password-file ${login.password.file}`);

/**
 * The login prober's options for --login: the password read once, now (a source that cannot be read is
 * a usage error naming the flag), and the raw GRE socket opened now (no CAP_NET_RAW is a setup error
 * saying how to grant it). The password stays in this closure: it is in no option that gets printed.
 */
async function loginOptions(args: CheckArgs, login: LoginArgs, io: CheckIo): Promise<Partial<PptpLoginOptions>> {
  let password: string;
  try {
    password = await readPassword(login.password, io.env);
  } catch (err) {
    if (err instanceof PasswordUnavailableError) throw new UsageError(`${flagOf(login)}: ${err.problem}`);
    throw err;
  }
  try {
    (io.openGre ?? sharedRawGreTransport)();
  } catch (err) {
    if (err instanceof GreTransportError) throw new SetupError(err.message, { cause: err });
    throw err;
  }
  return {
    timeoutMs: args.probe.timeoutMs,
    hostname: args.probe.hostname,
    vendor: args.probe.vendor,
    username: login.username,
    password: () => Promise.resolve(password),
    data: login.data,
    auth: login.auth,
  };
}

/** Runs `check`; returns the exit status (0 all healthy, 1 any failed). Throws UsageError or SetupError (exit 2). */
export async function runCheck(args: CheckArgs, io: CheckIo): Promise<number> {
  const deps = nodeProbeDeps(io.signal);
  // Every target gets the same check: the control-connection probe, or with --login a login.
  const prober = PROBERS.proberFor(args.login ? PPTP_LOGIN : PPTP_CONTROL);
  const options: Partial<ProbeOptions> = args.login ? await loginOptions(args, args.login, io) : args.probe;
  const palette = io.isTty && !process.env['NO_COLOR'] ? ANSI : PLAIN;
  // Rows are printed in argument order, as soon as every target before them has its result: a user
  // reading `check a b c` (or diffing two runs) expects row n to be target n, while a refused port
  // answers long before a slow gateway does.
  const done: (ProbeResult | undefined)[] = new Array<ProbeResult | undefined>(args.targets.length);
  let printed = 0;
  const probeOne = async (target: CheckArgs['targets'][number], index: number): Promise<ProbeResult> => {
    let result: ProbeResult;
    try {
      result = await prober.probe(target, options, deps);
    } catch (err) {
      // The machine, not the gateway: the socket or the binding went away after the first check.
      if (err instanceof GreTransportError || err instanceof PasswordUnavailableError) throw new SetupError(err.message, { cause: err });
      throw err;
    }
    done[index] = result;
    for (let next = done[printed]; next !== undefined; next = done[printed]) {
      if (!args.json) io.write(`${formatResult(next, palette)}\n`);
      printed++;
    }
    return result;
  };
  const results: ProbeResult[] = await runPaced(args.targets, probeOne, { concurrency: args.concurrency, startIntervalMs: CHECK_START_INTERVAL_MS }, nodeClock, nodeTimers);
  if (args.json) io.write(`${JSON.stringify(results.map(toResultJson), null, 2)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
