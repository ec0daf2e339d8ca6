// What shared/config reads of the probers: each one's settings in monitor.yml, the defaults a target
// inherits and the failure classes each kind reports, as data. No prober code and no zod, so the config
// loader, the package step and each Lambda's init check import this without pulling a prober into their
// bundles.
import type { FailureClass } from '../probe/failure-classes.js';
import { DEFAULT_PPTP_CONTROL_OPTIONS, PPTP_CONTROL, PPTP_CONTROL_FAILURE_CLASSES, PPTP_CONTROL_OPTION_SCHEMA } from './pptp/options.js';
import { PPTP_LOGIN, PPTP_LOGIN_FAILURE_CLASSES, PPTP_LOGIN_OPTION_SCHEMA } from './pptp-login/login-check-options.js';

export {
  DEFAULT_LOGIN_AUTH,
  LOGIN_ATTEMPTS,
  LOGIN_AUTH_METHODS,
  LOGIN_DEFAULT_TIMEOUT_MS,
  PPTP_LOGIN,
  type LoginAuthMethod,
  type LoginSettings,
  type PasswordSource,
} from './pptp-login/login-check-options.js';
export { PPTP_CONTROL } from './pptp/options.js';

/** The check kinds, in the registry's order (shared/probers/index.ts registers exactly these). */
export const CHECK_KINDS = [PPTP_CONTROL, PPTP_LOGIN] as const;
export type CheckKindName = (typeof CHECK_KINDS)[number];

/** The option schema of each check kind. */
export const PROBER_OPTION_SCHEMAS = { [PPTP_CONTROL]: PPTP_CONTROL_OPTION_SCHEMA, [PPTP_LOGIN]: PPTP_LOGIN_OPTION_SCHEMA } as const;

/** The failure classes each check kind can report (each prober's `failureClasses`). */
export const FAILURE_CLASSES_OF_CHECK: Readonly<Record<CheckKindName, readonly FailureClass[]>> = {
  [PPTP_CONTROL]: PPTP_CONTROL_FAILURE_CLASSES,
  [PPTP_LOGIN]: PPTP_LOGIN_FAILURE_CLASSES,
};

/** The failure classes a configured target's check can report (a target without `check` is a control probe). */
export function failureClassesOfCheck(check: CheckKindName | undefined): readonly FailureClass[] {
  return FAILURE_CLASSES_OF_CHECK[check ?? PPTP_CONTROL];
}

/** The switches of a control target's `checks`, each with its default. */
export const CHECK_SWITCHES = PROBER_OPTION_SCHEMAS[PPTP_CONTROL].switches;

/** The switches of a login target's `login` mapping, each with its default. */
export const LOGIN_SWITCHES = PROBER_OPTION_SCHEMAS[PPTP_LOGIN].switches;

/** A target's deadline when monitor.yml sets none, in ms (a login target's is LOGIN_DEFAULT_TIMEOUT_MS). */
export const DEFAULT_TARGET_TIMEOUT_MS = DEFAULT_PPTP_CONTROL_OPTIONS.timeoutMs;
/** A target's attempts when monitor.yml sets none (a login target always makes LOGIN_ATTEMPTS). */
export const DEFAULT_TARGET_ATTEMPTS = DEFAULT_PPTP_CONTROL_OPTIONS.attempts;
