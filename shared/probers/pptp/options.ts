// The pptp-control prober's options: their defaults, and the settings a monitor.yml target gives it (the
// `checks` switches), published as data for shared/config. No zod and no probe code here: the config
// loader, the package step and each Lambda's init check import this file.
import type { FailureClass } from '../../probe/failure-classes.js';
import type { ConfiguredTarget, ProberOptionSchema } from '../../probe/prober.js';
import type { ProbeOptions } from '../../probe/types.js';

/** The check kind of a control-connection probe. */
export const PPTP_CONTROL = 'pptp-control';

export interface PptpControlOptions extends ProbeOptions {
  /** Echo-Request → Echo-Reply after SCCRP. */
  echo: boolean;
  /** Outgoing-Call-Request → Reply, a settle time, Call-Clear-Request. */
  call: boolean;
  /** How long an accepted call must survive before we clear it, in ms. */
  callSettleMs: number;
  /** How long to wait for Stop-Control-Connection-Reply (and Call-Disconnect-Notify) in ms. */
  stopWaitMs: number;
  /** Host name we announce in SCCRQ. */
  hostname: string;
  /** Vendor string we announce in SCCRQ. */
  vendor: string;
}

export const DEFAULT_PPTP_CONTROL_OPTIONS: Readonly<PptpControlOptions> = {
  timeoutMs: 5000,
  attempts: 1,
  retryBackoffMs: 100,
  echo: true,
  call: false,
  callSettleMs: 250,
  stopWaitMs: 500,
  hostname: 'pptp-monitor',
  vendor: 'pptp-monitor',
};

/** Every class a control probe can report: the taxonomy's first thirteen, up to the call. */
export const PPTP_CONTROL_FAILURE_CLASSES: readonly FailureClass[] = [
  'dns_failure',
  'network_unreachable',
  'connect_timeout',
  'connect_refused',
  'connection_reset',
  'connection_closed',
  'control_timeout',
  'protocol_error',
  'control_rejected',
  'echo_timeout',
  'echo_rejected',
  'call_rejected',
  'call_dropped',
];

/** The switches of a target's `checks` in monitor.yml. */
export type PptpControlSwitch = 'echo' | 'call';

export const PPTP_CONTROL_OPTION_SCHEMA: ProberOptionSchema<PptpControlSwitch> = {
  key: 'checks',
  switches: { echo: DEFAULT_PPTP_CONTROL_OPTIONS.echo, call: DEFAULT_PPTP_CONTROL_OPTIONS.call },
};

/** What the pptp-control prober reads of a configured target. */
export interface PptpControlTarget extends ConfiguredTarget {
  checks: Readonly<Record<PptpControlSwitch, boolean>>;
}

/**
 * The options for one configured target: timeout, attempts and checks from the config; everything the
 * config does not describe (backoff, settle and stop waits, announced host name and vendor) from `base`.
 */
export function pptpControlOptionsFor(
  target: Pick<PptpControlTarget, 'timeout' | 'attempts' | 'checks'>,
  base: Readonly<PptpControlOptions> = DEFAULT_PPTP_CONTROL_OPTIONS,
): PptpControlOptions {
  return {
    ...base,
    timeoutMs: target.timeout,
    attempts: target.attempts,
    echo: target.checks.echo,
    call: target.checks.call,
  };
}
