// Self-monitoring: one "probes stopped reporting" alarm per probe shard (one per region unless a region
// has more than one shard), on the ProbesRun{ProbeRegion, Shard} heartbeat that every probe invocation
// publishes to the home region. Per shard, because one failing shard in a region whose other shards
// still report would otherwise go unnoticed here. It is the alarm that catches what the SLA
// evaluation cannot: a region whose probes publish nothing looks the same as a region with nothing to say.
//
// A private-location agent publishes the same heartbeat as one shard (Shard 0) of a location named after
// it, so it gets the same alarm from the same code, worded for an agent. The heartbeats watched are the
// ones probeShardMap plans, the plan the evaluator reads them by: a dead shard pages once here, and the
// evaluator leaves its targets' no_data to this alarm.
import { agentsOf, locationsOf, type AgentLocation, type ResolvedConfig, type ResolvedTarget } from '../shared/config/types.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';
import type { CfnString, CloudWatchAlarm } from './cfn.js';
import { StackConfigError } from './errors.js';
import { pascalName, pascalRegion } from './names.js';

/** Consecutive silent periods before the alarm fires: one late or lost publish must not page anyone. */
export const PROBES_STOPPED_EVALUATION_PERIODS = 3;
/** Alarm period in seconds for a shard with any 1-minute target. */
export const PROBES_STOPPED_PERIOD_1M_S = 60;
/** Alarm period in seconds for a shard with only 5-minute targets: it publishes once every 5 minutes. */
export const PROBES_STOPPED_PERIOD_5M_S = 300;
/** CloudWatch's limit on AlarmDescription, in characters. */
export const ALARM_DESCRIPTION_MAX_CHARS = 1024;
/** The runbook file under runbookBaseUrl. */
export const PROBES_STOPPED_RUNBOOK = 'probes_stopped.md';

/** Logical id of the alarm on an AWS region's probe shard. */
export function probesStoppedAlarmId(region: string, shard = 0): string {
  return `ProbesStopped${pascalRegion(region)}${shard === 0 ? '' : `Shard${shard}`}Alarm`;
}

/** Logical id of the alarm on an agent's heartbeat (`Agent` keeps it apart from every region's). */
export function agentStoppedAlarmId(agent: string): string {
  return `ProbesStoppedAgent${pascalName(agent)}Alarm`;
}

/** One heartbeat to watch: a probe Lambda shard of an AWS region, or an agent (its only shard, 0). */
export interface Heartbeat {
  location: string;
  shard: number;
  /** Shards of the location: 1 for an agent. */
  shards: number;
  /** The targets the shard probes, in config order. */
  targets: ResolvedTarget[];
  /** Set when the location is a private-location agent. */
  agent?: AgentLocation;
}

/** Every heartbeat of the config, AWS regions first (sorted), then agents in the order declared. */
export function heartbeats(config: ResolvedConfig): Heartbeat[] {
  const plan = probeShardMap(config);
  const agents = new Map(agentsOf(config).map((a) => [a.name, a]));
  const out: Heartbeat[] = [];
  for (const location of locationsOf(config)) {
    const shards = plan.shardCount(location);
    const byShard: ResolvedTarget[][] = Array.from({ length: shards }, () => []);
    for (const t of config.targets) {
      const shard = plan.shardOf(t.name, location);
      if (shard !== undefined) byShard[shard]?.push(t);
    }
    const agent = agents.get(location);
    byShard.forEach((targets, shard) => out.push({ location, shard, shards, targets, ...(agent ? { agent } : {}) }));
  }
  return out;
}

/** The alarm period of a heartbeat: it only arrives in minutes when some target of its shard is due. */
export function probesStoppedPeriodS(heartbeat: Pick<Heartbeat, 'targets'>): number {
  return heartbeat.targets.some((t) => t.intervalMinutes === 1) ? PROBES_STOPPED_PERIOD_1M_S : PROBES_STOPPED_PERIOD_5M_S;
}

export interface AlarmInput {
  /** `<service>-<stage>`. */
  prefix: string;
  pageTopicArn: CfnString;
}

/** Logical id, name and description of a heartbeat's alarm: the only parts that say region or agent. */
function wording(config: ResolvedConfig, input: AlarmInput, h: Heartbeat, silentMinutes: number): { id: string; name: string; description: string } {
  const runbook = `Runbook: ${config.runbookBaseUrl}${PROBES_STOPPED_RUNBOOK}`;
  if (h.agent) {
    const about = h.agent.description === undefined ? '' : ` (${h.agent.description})`;
    return {
      id: agentStoppedAlarmId(h.location),
      name: `${input.prefix}-probes-stopped-agent-${h.location}`,
      description:
        `No PPTP probe from private-location agent ${h.location}${about} has reported to ${config.homeRegion} for ${silentMinutes} minutes: ` +
        `'pptp-monitor agent --location ${h.location}' is not running on its host, is failing before it publishes, or cannot reach CloudWatch ` +
        `(credentials, the agent policy, outbound HTTPS). Until it is fixed, targets are not monitored from ${h.location}. ${runbook}`,
    };
  }
  const which = h.shards === 1 ? `No PPTP probe in ${h.location}` : `Probe shard ${h.shard + 1} of ${h.shards} in ${h.location}`;
  return {
    id: probesStoppedAlarmId(h.location, h.shard),
    name: `${input.prefix}-probes-stopped-${h.location}${h.shards === 1 ? '' : `-shard-${h.shard}`}`,
    description:
      `${which} has reported to ${config.homeRegion} for ${silentMinutes} minutes: ` +
      `the probe Lambda there is not running, is failing before it publishes, or cannot reach CloudWatch. ` +
      `Until it is fixed, targets are not monitored from ${h.location}. ${runbook}`,
  };
}

export function probesStoppedAlarms(config: ResolvedConfig, input: AlarmInput): Record<string, CloudWatchAlarm> {
  const alarms: Record<string, CloudWatchAlarm> = {};
  for (const h of heartbeats(config)) {
    const periodS = probesStoppedPeriodS(h);
    const { id, name, description } = wording(config, input, h, (PROBES_STOPPED_EVALUATION_PERIODS * periodS) / 60);
    if (description.length > ALARM_DESCRIPTION_MAX_CHARS) {
      throw new StackConfigError(
        'too_long',
        `runbookBaseUrl${h.agent?.description === undefined ? '' : ` or the description of agent ${h.location}`} is too long: the probes-stopped alarm description of ${h.location} that links it would be ${description.length} characters, over CloudWatch's limit of ${ALARM_DESCRIPTION_MAX_CHARS}`,
      );
    }
    // Guards pascalName, not the config: a second alarm under one id would silently replace the first.
    if (id in alarms) throw new Error(`two probes-stopped alarms would share the logical id ${id}`);
    alarms[id] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: name,
        AlarmDescription: description,
        Namespace: config.namespace,
        MetricName: MetricName.ProbesRun,
        Dimensions: [
          { Name: Dimension.ProbeRegion, Value: h.location },
          { Name: Dimension.Shard, Value: String(h.shard) },
        ],
        // SampleCount counts invocations that reported, even those that completed no probe (value 0):
        // the alarm is about the probe Lambda (or agent) running, not about the gateways answering.
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
