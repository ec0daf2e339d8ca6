// Self-monitoring: one "probes stopped reporting" alarm per probe region, on the ProbesRun heartbeat that
// every probe invocation publishes to the home region. It is the alarm that catches what the SLA
// evaluation cannot: a region whose probes publish nothing looks the same as a region with nothing to say.
import { targetsForRegion } from '../shared/config/targets.js';
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

export function probesStoppedAlarmId(region: string): string {
  return `ProbesStopped${pascalRegion(region)}Alarm`;
}

/** The alarm period for a region: a heartbeat only arrives in minutes when some target there is due. */
export function probesStoppedPeriodS(config: ResolvedConfig, region: string): number {
  return targetsForRegion(config, region).some((t) => t.intervalMinutes === 1) ? PROBES_STOPPED_PERIOD_1M_S : PROBES_STOPPED_PERIOD_5M_S;
}

export interface AlarmInput {
  /** `<service>-<stage>`. */
  prefix: string;
  pageTopicArn: CfnString;
}

export function probesStoppedAlarms(config: ResolvedConfig, input: AlarmInput): Record<string, CloudWatchAlarm> {
  const alarms: Record<string, CloudWatchAlarm> = {};
  for (const region of config.regions) {
    const periodS = probesStoppedPeriodS(config, region);
    const silentMinutes = (PROBES_STOPPED_EVALUATION_PERIODS * periodS) / 60;
    const description =
      `No PPTP probe in ${region} has reported to ${config.homeRegion} for ${silentMinutes} minutes: ` +
      `the probe Lambda there is not running, is failing before it publishes, or cannot reach CloudWatch. ` +
      `Until it is fixed, targets are not monitored from ${region}. Runbook: ${config.runbookBaseUrl}${PROBES_STOPPED_RUNBOOK}`;
    if (description.length > ALARM_DESCRIPTION_MAX_CHARS) {
      throw new StackConfigError(
        `runbookBaseUrl is too long: the probes-stopped alarm description that links it would be ${description.length} characters, over CloudWatch's limit of ${ALARM_DESCRIPTION_MAX_CHARS}`,
      );
    }
    alarms[probesStoppedAlarmId(region)] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${input.prefix}-probes-stopped-${region}`,
        AlarmDescription: description,
        Namespace: config.namespace,
        MetricName: MetricName.ProbesRun,
        Dimensions: [{ Name: Dimension.ProbeRegion, Value: region }],
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
  return alarms;
}
