// The pptp-login check as data: its kind, the classes it reports, its defaults and what a monitor.yml
// target gives it (`check: pptp-login` and a `login:` mapping). No probe code, no koffi and no zod here:
// shared/config and the package step import this file through shared/probers/option-schemas.ts.
import type { FailureClass } from '../../probe/failure-classes.js';
import type { ConfiguredTarget, ProberOptionSchema } from '../../probe/prober.js';

/** The check kind of a login probe. */
export const PPTP_LOGIN = 'pptp-login';

/** Authentication a login check may allow. CHAP-MD5 and PAP send weaker proofs and give no MPPE keys: opt in. */
export const LOGIN_AUTH_METHODS = ['mschapv2', 'chap-md5', 'pap'] as const;
export type LoginAuthMethod = (typeof LOGIN_AUTH_METHODS)[number];

/**
 * Where the password is read from when a login runs; the password itself is never in a config, a
 * resolved config or an option object. `env`: an environment variable of the monitor's process;
 * `file`: a file holding the password (one trailing newline is not part of it).
 */
export type PasswordSource = { env: string } | { file: string };

/** A login target's settings, as the resolved config holds them. */
export interface LoginSettings {
  /** The account name; "DOMAIN\\user" allowed. */
  username: string;
  password: PasswordSource;
  /** Send an ICMP echo through the tunnel and wait for its reply. */
  data: boolean;
  /** Authentication the check allows, preferred first. */
  auth: readonly LoginAuthMethod[];
}

/** A login's whole deadline when neither the target nor `defaults` set a timeout, in ms: it has more round trips than a control probe. */
export const LOGIN_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Attempts of a login, always: a login runs at most once per interval per location and never retries,
 * because a retry after a refused password walks the monitoring account toward a lockout.
 */
export const LOGIN_ATTEMPTS = 1;

/** The switches of a target's `login` mapping. */
export type PptpLoginSwitch = 'data';

export const PPTP_LOGIN_OPTION_SCHEMA: ProberOptionSchema<PptpLoginSwitch> = { key: 'login', switches: { data: true } };

/** The default of `login.auth`. */
export const DEFAULT_LOGIN_AUTH: readonly LoginAuthMethod[] = ['mschapv2'];

/**
 * Every class a login can report, in taxonomy order: the control connection's up to the call (a login
 * sends no Echo-Request, so never the echo classes) and the nine of the stages after it.
 */
export const PPTP_LOGIN_FAILURE_CLASSES: readonly FailureClass[] = [
  'dns_failure',
  'network_unreachable',
  'connect_timeout',
  'connect_refused',
  'connection_reset',
  'connection_closed',
  'control_timeout',
  'protocol_error',
  'control_rejected',
  'call_rejected',
  'call_dropped',
  'gre_blocked',
  'gre_one_way',
  'lcp_failed',
  'auth_rejected',
  'auth_timeout',
  'auth_spoofed',
  'encryption_refused',
  'no_address',
  'no_traffic',
];

/** What the pptp-login prober reads of a configured target. */
export interface PptpLoginTarget extends ConfiguredTarget {
  check: typeof PPTP_LOGIN;
  login: LoginSettings;
}
