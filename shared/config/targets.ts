// Which targets the probe Lambda of a region probes.
import type { ResolvedTarget } from './types.js';

/** The targets probed from `region`, in config order. */
export function targetsForRegion<T extends Pick<ResolvedTarget, 'regions'>>(config: { targets: readonly T[] }, region: string): T[] {
  return config.targets.filter((target) => (target.regions as readonly string[]).includes(region));
}
