// The local monitor probes from one place, not from the config's AWS regions: each target is evaluated
// as if it had one region, 'local', with a quorum of 1. Policies, windows and maintenance stay as
// configured, so local mode and backtests page on the same rules as the deployed evaluator, minus the
// multi-region quorum that one vantage point cannot give.
import type { AwsRegion } from '../config/regions.js';
import type { ResolvedTarget } from '../config/types.js';
import type { ProbeRecord } from '../sla/probe-record.js';

/** The region name local results are recorded under. */
export const LOCAL_REGION = 'local';

export function localView(target: ResolvedTarget): ResolvedTarget {
  // 'local' is not an AWS region; the SLA core only compares region names, so the cast is safe here.
  return { ...target, regions: [LOCAL_REGION as AwsRegion], quorum: 1 };
}

/** Whether a history was recorded by the local monitor (every result from 'local'): it gets the local view. */
export function isLocalHistory(records: readonly Pick<ProbeRecord, 'region'>[]): boolean {
  return records.length > 0 && records.every((r) => r.region === LOCAL_REGION);
}
