// Argument parsing for `pptp-monitor check`. No library: the grammar is small, and every mistake must
// name the option and what is wrong with it.
import { ipLiteralFamily, parseTarget, TargetParseError, type ProbeTarget } from '../probe/index.js';
import { DEFAULT_LOGIN_AUTH, LOGIN_AUTH_METHODS, LOGIN_DEFAULT_TIMEOUT_MS, type LoginAuthMethod, type PasswordSource } from '../probers/option-schemas.js';
import { DEFAULT_PPTP_CONTROL_OPTIONS, type PptpControlOptions } from '../probers/pptp/index.js';
import { ENV_NAME_RULE, isEnvName, isUsername, USERNAME_RULE } from '../config/login-rules.js';
import { UsageError } from './usage-error.js';

/** `--login`: every target gets a login (check kind pptp-login) instead of the control probe. */
export interface LoginArgs {
  username: string;
  /** Where the password is read from; the command line never holds the password itself. */
  password: PasswordSource;
  /** --no-data turns the traffic stage off. */
  data: boolean;
  auth: LoginAuthMethod[];
}

export interface CheckArgs {
  targets: ProbeTarget[];
  /**
   * The flags common to both probes (timeout, host name, vendor) and the control probe's own: without
   * --login `check` probes the control connection.
   */
  probe: PptpControlOptions;
  /** Present with --login. */
  login?: LoginArgs;
  concurrency: number;
  json: boolean;
}

export const CHECK_USAGE = `usage: pptp-monitor check <target...> [options]
       pptp-monitor check <target...> --login <username> --password-env <VAR> | --password-file <path> [options]
  target              host, host:port, [ipv6]:port or ipv6 (default port 1723)
  --timeout <ms>      deadline for the whole probe, retries included (default 5000; 10000 with --login)
  --attempts <n>      connection attempts before a failure is reported (default 1; a login makes 1)
  --no-echo           skip the Echo-Request/Reply check
  --call              also place an outgoing call and clear it (Outgoing-Call-Request)
  --concurrency <n>   targets probed at once (default 10)
  --hostname <name>   host name announced in Start-Control-Connection-Request (default pptp-monitor)
  --vendor <name>     vendor string announced (default pptp-monitor)
  --json              print a JSON array, one object per target
 login (GRE, LCP, authentication, MPPE, IPCP, an echo through the tunnel; needs CAP_NET_RAW):
  --login <username>  log in as this account ("DOMAIN\\user" allowed) instead of probing the control connection
  --password-env <VAR>    read the password from this environment variable
  --password-file <path>  read the password from this file (one trailing newline is ignored)
  --no-data           skip the traffic stage (the ICMP echo through the tunnel)
  --auth <list>       authentication allowed, preferred first: mschapv2, chap-md5, pap (default mschapv2)`;

const LIMITS = {
  timeout: { min: 1, max: 600_000 },
  attempts: { min: 1, max: 10 },
  concurrency: { min: 1, max: 2000 },
} as const;

function integerOption(name: keyof typeof LIMITS, value: string | undefined): number {
  const { min, max } = LIMITS[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} needs a value (a whole number from ${min} to ${max})`);
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

function stringOption(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
  if (!/^[\x20-\x7e]{1,63}$/.test(value)) throw new UsageError(`--${name} must be 1 to 63 printable ASCII characters`);
  return value;
}

const isAuthMethod = (name: string): name is LoginAuthMethod => (LOGIN_AUTH_METHODS as readonly string[]).includes(name);

/** `--auth mschapv2,pap`: known methods, none twice. */
function authOption(value: string | undefined): LoginAuthMethod[] {
  const rule = `a comma-separated list of ${LOGIN_AUTH_METHODS.join(', ')}`;
  if (value === undefined || value === '') throw new UsageError(`--auth needs a value (${rule})`);
  const methods: LoginAuthMethod[] = [];
  for (const name of value.split(',')) {
    if (!isAuthMethod(name)) throw new UsageError(`--auth must be ${rule}, got '${value}'`);
    if (methods.includes(name)) throw new UsageError(`--auth lists '${name}' twice`);
    methods.push(name);
  }
  return methods;
}

/** The flags of a login, collected as given and judged together once every argument is read. */
interface LoginFlags {
  username?: string;
  passwordEnv?: string;
  passwordFile?: string;
  noData: boolean;
  auth?: LoginAuthMethod[];
  /** Control-probe flags seen, by name, to refuse them with --login. */
  controlFlags: string[];
  attempts?: number;
  timeoutSet: boolean;
}

const ATTEMPTS_WITH_LOGIN =
  'a login makes 1 attempt (a retried login after a refused password walks the account toward a lockout)';

function loginArgsOf(flags: LoginFlags, targets: readonly ProbeTarget[]): LoginArgs | undefined {
  if (flags.username === undefined) {
    const loginOnly = [
      flags.passwordEnv !== undefined ? '--password-env' : undefined,
      flags.passwordFile !== undefined ? '--password-file' : undefined,
      flags.noData ? '--no-data' : undefined,
      flags.auth !== undefined ? '--auth' : undefined,
    ].find((f) => f !== undefined);
    if (loginOnly !== undefined) throw new UsageError(`${loginOnly} needs --login <username>`);
    return undefined;
  }
  if (flags.passwordEnv !== undefined && flags.passwordFile !== undefined) throw new UsageError('--password-env and --password-file both given: use one password source');
  if (flags.passwordEnv === undefined && flags.passwordFile === undefined) {
    throw new UsageError('--login needs a password source: --password-env <VAR> or --password-file <path> (never the password itself on the command line)');
  }
  const control = flags.controlFlags[0];
  if (control === '--call') throw new UsageError('--call is for the control probe; a login always places a call');
  if (control === '--no-echo') throw new UsageError('--no-echo is for the control probe; a login sends no Echo-Request');
  if (flags.attempts !== undefined && flags.attempts !== 1) throw new UsageError(`--attempts: ${ATTEMPTS_WITH_LOGIN}, got ${flags.attempts}`);
  for (const target of targets) {
    if (ipLiteralFamily(target.host) === 6) throw new UsageError(`--login needs an IPv4 gateway or a host name with an IPv4 address (GRE runs over IPv4), got '${target.target}'`);
  }
  return {
    username: flags.username,
    password: flags.passwordEnv !== undefined ? { env: flags.passwordEnv } : { file: flags.passwordFile! },
    data: !flags.noData,
    auth: flags.auth ?? [...DEFAULT_LOGIN_AUTH],
  };
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const probe: PptpControlOptions = { ...DEFAULT_PPTP_CONTROL_OPTIONS };
  let concurrency = 10;
  let json = false;
  const targets: ProbeTarget[] = [];
  const login: LoginFlags = { noData: false, controlFlags: [], timeoutSet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      try {
        targets.push(parseTarget(arg));
      } catch (err) {
        if (err instanceof TargetParseError) throw new UsageError(err.message);
        throw err;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string | undefined => inline ?? argv[++i];
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
    };
    switch (name) {
      case 'timeout':
        probe.timeoutMs = integerOption('timeout', takeValue());
        login.timeoutSet = true;
        break;
      case 'attempts':
        probe.attempts = integerOption('attempts', takeValue());
        login.attempts = probe.attempts;
        break;
      case 'concurrency':
        concurrency = integerOption('concurrency', takeValue());
        break;
      case 'hostname':
        probe.hostname = stringOption('hostname', takeValue());
        break;
      case 'vendor':
        probe.vendor = stringOption('vendor', takeValue());
        break;
      case 'no-echo':
        noValue();
        probe.echo = false;
        login.controlFlags.push(arg);
        break;
      case 'call':
        noValue();
        probe.call = true;
        login.controlFlags.push(arg);
        break;
      case 'login': {
        const value = takeValue();
        if (value === undefined || value === '') throw new UsageError('--login needs a user name');
        if (!isUsername(value)) throw new UsageError(`--login ${USERNAME_RULE}`);
        login.username = value;
        break;
      }
      case 'password-env': {
        const value = takeValue();
        if (value === undefined || value === '') throw new UsageError('--password-env needs the name of an environment variable');
        if (!isEnvName(value)) throw new UsageError(`--password-env ${ENV_NAME_RULE}, got '${value}'`);
        login.passwordEnv = value;
        break;
      }
      case 'password-file': {
        const value = takeValue();
        if (value === undefined || value === '') throw new UsageError('--password-file needs a path');
        login.passwordFile = value;
        break;
      }
      case 'password':
      case 'pass':
        throw new UsageError(
          `--${name} is not accepted: a password on the command line is visible to every user of this machine (ps, /proc) and stays in the shell history; use --password-env <VAR> or --password-file <path>`,
        );
      case 'no-data':
        noValue();
        login.noData = true;
        break;
      case 'auth':
        login.auth = authOption(takeValue());
        break;
      case 'json':
        noValue();
        json = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (targets.length === 0) throw new UsageError('check needs at least one target');
  const loginArgs = loginArgsOf(login, targets);
  if (loginArgs === undefined) return { targets, probe, concurrency, json };
  if (!login.timeoutSet) probe.timeoutMs = LOGIN_DEFAULT_TIMEOUT_MS;
  probe.attempts = 1;
  return { targets, probe, login: loginArgs, concurrency, json };
}
