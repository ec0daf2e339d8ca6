// The pptp-login prober (check kind `pptp-login`): one login session (login-session.ts) behind the
// prober contract, on the generic deadline and DNS of run-attempts.ts. It adds what the contract
// does not know: the password, read from its source when the login starts; the GRE transport, held
// through a lease (one raw socket per process, opened by the first login, closed when idle); and
// the login's stages, carried into ProbeResult.login.
//
// One attempt, always. A login probe runs at most once per interval per location and never
// retries: a retry after a refused password walks the monitoring account toward a lockout, and a
// gateway that failed a login once this minute is what the policies' `down.for` is for.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { ProbeDeps, ResolvedAddress } from '../../probe/deps.js';
import type { AttemptOutcome } from '../../probe/attempt-lifecycle.js';
import type { Prober } from '../../probe/prober.js';
import { runAttempts } from '../../probe/run-attempts.js';
import type { LoginDetail, ProbeFailure, ProbeOptions, ProbeResult, ProbeTarget } from '../../probe/types.js';
import { sharedRawGreTransport } from './gre-transport-raw.js';
import { createGreTransportLease, type GreTransportLease } from './gre-transport-lease.js';
import {
  LOGIN_ATTEMPTS,
  LOGIN_DEFAULT_TIMEOUT_MS,
  PPTP_LOGIN,
  PPTP_LOGIN_FAILURE_CLASSES,
  PPTP_LOGIN_OPTION_SCHEMA,
  type LoginAuthMethod,
  type PptpLoginTarget,
} from './login-check-options.js';
import { runLoginSession } from './login-session.js';
import { DEFAULT_LOGIN_OPTIONS, type LoginOptions, type LoginResult } from './login-types.js';
import type { AuthMethod } from './options.js';
import { NO_PASSWORD, passwordProvider, type PasswordProvider } from './password-source.js';

// The config's list of methods and the session's must stay the same set.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const AUTH_METHODS_AGREE: SameSet<LoginAuthMethod, AuthMethod> = true;
void AUTH_METHODS_AGREE;

export interface PptpLoginOptions extends ProbeOptions, Omit<LoginOptions, 'timeoutMs'> {
  /** The account; "DOMAIN\\user" allowed. */
  username: string;
  /** Called once per login for the password; never stored in the options, a result or a message. */
  password: PasswordProvider;
}

export const DEFAULT_PPTP_LOGIN_OPTIONS: Readonly<PptpLoginOptions> = {
  ...DEFAULT_LOGIN_OPTIONS,
  timeoutMs: LOGIN_DEFAULT_TIMEOUT_MS,
  // Ignored: a login makes one attempt, whatever a caller asks (see the top of this file).
  attempts: LOGIN_ATTEMPTS,
  retryBackoffMs: 0,
  username: '',
  password: NO_PASSWORD,
};

/** What the prober takes from the world besides ProbeDeps: the GRE transport and cryptographic random bytes. */
export interface LoginProberWorld {
  transport: GreTransportLease;
  randomBytes: (count: number) => Uint8Array;
}

function productionWorld(): LoginProberWorld {
  return { transport: createGreTransportLease(sharedRawGreTransport), randomBytes: (count) => cryptoRandomBytes(count) };
}

function detailOf(result: LoginResult): LoginDetail {
  const t = result.timings;
  const detail: LoginDetail = {
    timings: { greMs: t.greMs, lcpMs: t.lcpMs, authMs: t.authMs, ccpMs: t.ccpMs, ipcpMs: t.ipcpMs, dataMs: t.dataMs },
  };
  if (result.assignedAddress !== undefined) detail.assignedAddress = result.assignedAddress;
  if (result.gatewayTunnelAddress !== undefined) detail.gatewayTunnelAddress = result.gatewayTunnelAddress;
  if (result.authProtocol !== undefined) detail.authProtocol = result.authProtocol;
  if (result.peerName !== undefined) detail.peerName = result.peerName;
  if (result.mppe !== undefined) detail.mppe = result.mppe;
  return detail;
}

/** A login result as the outcome of one attempt: the control connection's timings, the failure, the login's stages. */
export function outcomeOfLogin(result: LoginResult): AttemptOutcome {
  const outcome: AttemptOutcome = { ok: result.ok, notes: [...result.notes], login: detailOf(result) };
  const t = result.timings;
  if (t.connectMs !== undefined) outcome.connectMs = t.connectMs;
  if (t.controlMs !== undefined) outcome.controlMs = t.controlMs;
  if (t.callMs !== undefined) outcome.callMs = t.callMs;
  if (result.server) outcome.server = result.server;
  if (result.localPort !== undefined) outcome.localPort = result.localPort;
  const f = result.failure;
  if (f) {
    const failure: ProbeFailure = { class: f.class, message: f.message, phase: f.stage, elapsedMs: f.elapsedMs };
    if (f.code !== undefined) failure.code = f.code;
    if (f.resultCode !== undefined) failure.resultCode = f.resultCode;
    if (f.errorCode !== undefined) failure.errorCode = f.errorCode;
    if (f.causeCode !== undefined) failure.causeCode = f.causeCode;
    if (f.authErrorCode !== undefined) failure.authErrorCode = f.authErrorCode;
    if (f.authMessage !== undefined) failure.authMessage = f.authMessage;
    if (f.rejected !== undefined) failure.rejected = [...f.rejected];
    outcome.failure = failure;
  }
  return outcome;
}

function sessionOptions(options: PptpLoginOptions, timeoutMs: number): LoginOptions {
  return {
    timeoutMs,
    auth: options.auth,
    requireMppe: options.requireMppe,
    data: options.data,
    restartMs: options.restartMs,
    dataRetryMs: options.dataRetryMs,
    teardownWaitMs: options.teardownWaitMs,
    greAckDelayMs: options.greAckDelayMs,
    hostname: options.hostname,
    vendor: options.vendor,
  };
}

/**
 * The pptp-login prober over `world` (tests pass an in-memory GRE network; the registry's uses the
 * process's raw socket). Rejects, before any packet is sent, with PasswordUnavailableError when the
 * password cannot be read and GreTransportError when GRE cannot work here (no CAP_NET_RAW, no koffi):
 * both are this machine's problems, never the gateway's.
 */
export function createPptpLoginProber(world: LoginProberWorld = productionWorld()): Prober<PptpLoginOptions, PptpLoginTarget> & { readonly kind: typeof PPTP_LOGIN } {
  const probe = async (target: ProbeTarget, options: Partial<PptpLoginOptions>, deps: ProbeDeps): Promise<ProbeResult> => {
    const opts: PptpLoginOptions = { ...DEFAULT_PPTP_LOGIN_OPTIONS, ...options, attempts: LOGIN_ATTEMPTS };
    if (opts.username === '') throw new TypeError('a pptp-login probe needs a username');
    const password = await opts.password();
    const gre = world.transport.acquire();
    try {
      // GRE runs over IPv4 here: a host name is resolved to its IPv4 address.
      const ipv4Deps: ProbeDeps = { ...deps, resolve: (host, signal) => deps.resolve(host, signal, 4) };
      return await runAttempts(target, opts, ipv4Deps, (resolved: ResolvedAddress, deadlineAt: number) => {
        if (resolved.family !== 4) {
          const message = `the login probe runs GRE over IPv4 only, and ${resolved.address} is an IPv6 address`;
          return Promise.resolve({ ok: false, notes: [], failure: { class: 'network_unreachable', message, phase: 'connect', elapsedMs: 0, code: 'ipv6_unsupported' } });
        }
        const timeoutMs = Math.max(0, deadlineAt - deps.clock.now());
        const loginDeps = { clock: deps.clock, timers: deps.timers, connect: deps.connect, gre, randomBytes: world.randomBytes, ...(deps.signal ? { signal: deps.signal } : {}) };
        return new Promise<AttemptOutcome>((resolve) => {
          runLoginSession({ address: resolved.address, port: target.port }, { username: opts.username, password }, sessionOptions(opts, timeoutMs), loginDeps, (result) => resolve(outcomeOfLogin(result)));
        });
      });
    } finally {
      world.transport.release();
    }
  };
  return {
    kind: PPTP_LOGIN,
    defaults: DEFAULT_PPTP_LOGIN_OPTIONS,
    optionSchema: PPTP_LOGIN_OPTION_SCHEMA,
    failureClasses: PPTP_LOGIN_FAILURE_CLASSES,
    probe,
    optionsFor: pptpLoginOptionsFor,
  };
}

/**
 * The options of one configured login target: its deadline and login settings from the config, the
 * password read from its source at each login; everything else from `base`.
 */
export function pptpLoginOptionsFor(target: Pick<PptpLoginTarget, 'timeout' | 'login'>, base: Readonly<PptpLoginOptions> = DEFAULT_PPTP_LOGIN_OPTIONS): PptpLoginOptions {
  // The registry hands a prober only targets of its own kind, but this is read from a config at run time.
  if (typeof target.login !== 'object' || target.login === null) throw new TypeError('a pptp-login target needs its login settings');
  return {
    ...base,
    timeoutMs: target.timeout,
    attempts: LOGIN_ATTEMPTS,
    username: target.login.username,
    password: passwordProvider(target.login.password),
    data: target.login.data,
    auth: [...target.login.auth],
  };
}

/** The registry's login prober: the process's raw GRE socket, opened by the first login. */
export const pptpLoginProber = createPptpLoginProber();
