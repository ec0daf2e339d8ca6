// What the probe Lambda needs from a resolved config: the targets of its region and, per target, the
// options and target of shared/probe.
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions, type ProbeTarget } from '../probe/types.js';
import type { ResolvedTarget } from './types.js';

/** The targets probed from `region`, in config order. */
export function targetsForRegion<T extends Pick<ResolvedTarget, 'regions'>>(config: { targets: readonly T[] }, region: string): T[] {
  return config.targets.filter((target) => (target.regions as readonly string[]).includes(region));
}

/**
 * ProbeOptions for one target: timeout, attempts and checks from the config; everything the config does
 * not describe (backoff, settle and stop waits, announced host name and vendor) from `base`.
 */
export function probeOptionsFor(target: Pick<ResolvedTarget, 'timeout' | 'attempts' | 'checks'>, base: Readonly<ProbeOptions> = DEFAULT_PROBE_OPTIONS): ProbeOptions {
  return {
    ...base,
    timeoutMs: target.timeout,
    attempts: target.attempts,
    echo: target.checks.echo,
    call: target.checks.call,
  };
}

/** The ProbeTarget for one target; results report it under its name. */
export function probeTargetFor(target: Pick<ResolvedTarget, 'name' | 'host' | 'port'>): ProbeTarget {
  return { target: target.name, host: target.host, port: target.port };
}
