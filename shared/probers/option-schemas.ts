// What shared/config reads of the probers: each one's settings in monitor.yml and the defaults a target
// inherits, as data. No prober code and no zod, so the config loader, the package step and each Lambda's
// init check import this without pulling a prober into their bundles.
import { DEFAULT_PPTP_CONTROL_OPTIONS, PPTP_CONTROL, PPTP_CONTROL_OPTION_SCHEMA } from './pptp/options.js';

/** The option schema of each check kind. */
export const PROBER_OPTION_SCHEMAS = { [PPTP_CONTROL]: PPTP_CONTROL_OPTION_SCHEMA } as const;

// monitor.yml has no `check` key yet: every target is a pptp-control probe, so its settings are the
// target's (shared/probers/index.ts, checkKindOf).

/** The switches of a target's `checks`, each with its default. */
export const CHECK_SWITCHES = PROBER_OPTION_SCHEMAS[PPTP_CONTROL].switches;

/** A target's deadline when monitor.yml sets none, in ms. */
export const DEFAULT_TARGET_TIMEOUT_MS = DEFAULT_PPTP_CONTROL_OPTIONS.timeoutMs;
/** A target's attempts when monitor.yml sets none. */
export const DEFAULT_TARGET_ATTEMPTS = DEFAULT_PPTP_CONTROL_OPTIONS.attempts;
