// The responder's command line: its own options first (--scenario, --log), then whatever pptpd
// passes a pppd. pptpctrl 1.4.0 execs the `ppp` program as
//   <ppp> local file <option-file> <speed> [<localip>:<remoteip>] ipparam <client-ip> remotenumber <client-ip>
// (`file` only with an `option` line, the address pair only with localip/remoteip, ipparam unless
// noipparam, `plugin /usr/lib/pptpd/pptpd-logwtmp.so pptpd-original-ip <ip>` with logwtmp). The
// responder needs only the address pair; the rest is kept for the log and otherwise ignored.

/** pppd options that take one argument, as pptpctrl may pass them. */
const OPTIONS_WITH_ARGUMENT: ReadonlySet<string> = new Set(['file', 'ipparam', 'remotenumber', 'plugin', 'pptpd-original-ip', 'connect', 'name', 'remotename']);
const ADDRESS_PAIR = /^((?:\d{1,3}\.){3}\d{1,3})?:((?:\d{1,3}\.){3}\d{1,3})?$/;

export interface ResponderArgs {
  scenarioPath: string | undefined;
  logPath: string | undefined;
  /** The "local:remote" pair pptpd passes when pptpd.conf has localip/remoteip. */
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  /** The pppd option file pptpd names (`option` in pptpd.conf). */
  optionFile: string | undefined;
  /** The PPTP client's address, from `ipparam`. */
  clientAddress: string | undefined;
  /** pppd arguments the responder does not use, for the log. */
  ignored: string[];
}

export class ArgsError extends Error {
  override readonly name = 'ArgsError';
}

/** Scenario and log file may also come from the environment, which pptpd forwards. */
export const SCENARIO_ENV = 'PPP_RESPONDER_SCENARIO';
export const LOG_ENV = 'PPP_RESPONDER_LOG';

export function parseResponderArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ResponderArgs {
  const args: ResponderArgs = {
    scenarioPath: env[SCENARIO_ENV] || undefined,
    logPath: env[LOG_ENV] || undefined,
    localAddress: undefined,
    remoteAddress: undefined,
    optionFile: undefined,
    clientAddress: undefined,
    ignored: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new ArgsError(`${arg} needs a value`);
      return value;
    };
    if (arg === '--scenario') args.scenarioPath = next();
    else if (arg === '--log') args.logPath = next();
    else if (arg.startsWith('--')) throw new ArgsError(`unknown option ${arg}`);
    else if (ADDRESS_PAIR.test(arg)) {
      const [, local, remote] = ADDRESS_PAIR.exec(arg)!;
      args.localAddress = local;
      args.remoteAddress = remote;
    } else if (arg === 'file') args.optionFile = next();
    else if (arg === 'ipparam') args.clientAddress = next();
    else if (OPTIONS_WITH_ARGUMENT.has(arg)) args.ignored.push(arg, next());
    else args.ignored.push(arg); // "local", the speed, and anything a later pptpd adds
  }
  return args;
}
