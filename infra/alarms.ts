// Self-monitoring: one "probes stopped reporting" alarm per probe shard (one per region unless a region
// has more than one shard), on the ProbesRun{ProbeRegion, Shard} heartbeat that every probe invocation
// publishes to the home region. Per shard, because one failing shard in a region whose other shards
// still report would otherwise go unnoticed here. It is the alarm that catches what the SLA
// evaluation cannot: a region whose probes publish nothing looks the same as a region with nothing to say.
import { targetsForRegion } from '../shared/config/targets.js';
import { regionShards } from '../shared/runners/lambda/probe-lambda-sizing.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';
import type { CfnString, CloudWatchAlarm } from './cfn.js';
import { StackConfigError } from './errors.js';
import { pascalRegion } from './names.js';

/** Consecutive silent periods before the alarm fires: one late or lost publish must not page anyone. */
export const PROBES_STOPPED_EVALUATION_PERIODS = 3;
/** Alarm period in seconds for a region with any 1-minute target. */
export const PROBES_STOPPED_PERIOD_1M_S = 60;
/** Alarm period in seconds for a region with only 5-minute targets: it publishes once every 5 minutes. */
export const PROBES_STOPPED_PERIOD_5M_S = 300;
/** CloudWatch's limit on AlarmDescription, in characters. */
export const ALARM_DESCRIPTION_MAX_CHARS = 1024;
/** The runbook file under runbookBaseUrl. */
export const PROBES_STOPPED_RUNBOOK = 'probes_stopped.md';

export function probesStoppedAlarmId(region: string, shard = 0): string {
  return `ProbesStopped${pascalRegion(region)}${shard === 0 ? '' : `Shard${shard}`}Alarm`;
}

/** The alarm period for a shard: a heartbeat only arrives in minutes when some target of it is due. */
export function probesStoppedPeriodS(config: ResolvedConfig, region: string, shard = 0): number {
  const targets = regionShards(config, region)[shard] ?? targetsForRegion(config, region);
  return targets.some((t) => t.intervalMinutes === 1) ? PROBES_STOPPED_PERIOD_1M_S : PROBES_STOPPED_PERIOD_5M_S;
}

export interface AlarmInput {
  /** `<service>-<stage>`. */
  prefix: string;
  pageTopicArn: CfnString;
}

export function probesStoppedAlarms(config: ResolvedConfig, input: AlarmInput): Record<string, CloudWatchAlarm> {
  const alarms: Record<string, CloudWatchAlarm> = {};
  for (const region of config.regions) {
    const shards = regionShards(config, region).length;
    for (let shard = 0; shard < shards; shard++) {
      const periodS = probesStoppedPeriodS(config, region, shard);
      const silentMinutes = (PROBES_STOPPED_EVALUATION_PERIODS * periodS) / 60;
      const which = shards === 1 ? `No PPTP probe in ${region}` : `Probe shard ${shard + 1} of ${shards} in ${region}`;
      const description =
        `${which} has reported to ${config.homeRegion} for ${silentMinutes} minutes: ` +
        `the probe Lambda there is not running, is failing before it publishes, or cannot reach CloudWatch. ` +
        `Until it is fixed, targets are not monitored from ${region}. Runbook: ${config.runbookBaseUrl}${PROBES_STOPPED_RUNBOOK}`;
      if (description.length > ALARM_DESCRIPTION_MAX_CHARS) {
        throw new StackConfigError(
          'too_long',
          `runbookBaseUrl is too long: the probes-stopped alarm description that links it would be ${description.length} characters, over CloudWatch's limit of ${ALARM_DESCRIPTION_MAX_CHARS}`,
        );
      }
      alarms[probesStoppedAlarmId(region, shard)] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `${input.prefix}-probes-stopped-${region}${shards === 1 ? '' : `-shard-${shard}`}`,
          AlarmDescription: description,
          Namespace: config.namespace,
          MetricName: MetricName.ProbesRun,
          Dimensions: [
            { Name: Dimension.ProbeRegion, Value: region },
            { Name: Dimension.Shard, Value: String(shard) },
          ],
          // SampleCount counts invocations that reported, even those that completed no probe (value 0):
          // the alarm is about the probe Lambda running, not about the gateways answering.
          Statistic: 'SampleCount',
          Period: periodS,
          EvaluationPeriods: PROBES_STOPPED_EVALUATION_PERIODS,
          DatapointsToAlarm: PROBES_STOPPED_EVALUATION_PERIODS,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          // A stopped region sends nothing at all, so missing data is exactly what this alarm is for.
          TreatMissingData: 'breaching',
          AlarmActions: [input.pageTopicArn],
          OKActions: [input.pageTopicArn],
        },
      };
    }
  }
  return alarms;
}
