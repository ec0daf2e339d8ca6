// Keeps `npm run remove` from paging anyone. The home stack holds one "probes stopped reporting" alarm per
// probe shard of every region (alarms.ts), treating missing data as breaching; the regions' stacks go
// first (remove.ts), so once a region's probes are gone its alarm would fire about three minutes later and
// page until the home stack, removed last, takes it away. So before a region is removed, the actions of
// its alarms are switched off (the alarms stay, and still change state in the console), and switched back
// on if that region's removal fails, when its probes may still be running.
import { CloudWatchClient, DescribeAlarmsCommand, DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';

/** CloudWatch's limit of alarm names per DisableAlarmActions / EnableAlarmActions request. */
export const ALARM_NAMES_PER_REQUEST = 100;

/** The three CloudWatch calls the guard makes, so tests can pass a fake. */
export interface AlarmSwitch {
  /** Names of the metric alarms whose name starts with `namePrefix`, every page of them. */
  find(namePrefix: string): Promise<string[]>;
  disable(names: readonly string[]): Promise<void>;
  enable(names: readonly string[]): Promise<void>;
}

/**
 * The name of a region's probes-stopped alarm as alarms.ts writes it for a region with one shard; a region
 * with several has `<that>-shard-<n>` per shard.
 */
export function probesStoppedAlarmName(service: string, stage: string, region: string): string {
  return `${service}-${stage}-probes-stopped-${region}`;
}

/** Whether `name` is one of the alarms of the region whose single-shard name is `regionAlarm`. */
export function isRegionAlarm(name: string, regionAlarm: string): boolean {
  return name === regionAlarm || (name.startsWith(`${regionAlarm}-shard-`) && /^\d+$/.test(name.slice(regionAlarm.length + '-shard-'.length)));
}

/** The probes-stopped alarms of a region that exist in the account now (the deployed truth, not the config's). */
export async function regionAlarms(alarms: AlarmSwitch, regionAlarm: string): Promise<string[]> {
  return (await alarms.find(regionAlarm)).filter((name) => isRegionAlarm(name, regionAlarm));
}

function batches(names: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < names.length; i += ALARM_NAMES_PER_REQUEST) out.push(names.slice(i, i + ALARM_NAMES_PER_REQUEST));
  return out;
}

export function cloudWatchAlarmSwitch(client: CloudWatchClient): AlarmSwitch {
  return {
    async find(namePrefix) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: namePrefix, AlarmTypes: ['MetricAlarm'], ...(token ? { NextToken: token } : {}) }));
        for (const alarm of page.MetricAlarms ?? []) if (alarm.AlarmName !== undefined) names.push(alarm.AlarmName);
        token = page.NextToken;
      } while (token);
      return names;
    },
    async disable(names) {
      for (const batch of batches(names)) await client.send(new DisableAlarmActionsCommand({ AlarmNames: batch }));
    },
    async enable(names) {
      for (const batch of batches(names)) await client.send(new EnableAlarmActionsCommand({ AlarmNames: batch }));
    },
  };
}

/**
 * The client for the home region, with the credentials osls will use: osls reads AWS_<STAGE>_PROFILE
 * before AWS_PROFILE, the SDK's default chain does not, and both must act on the same account.
 */
export function homeRegionAlarmSwitch(homeRegion: string, stage: string): AlarmSwitch {
  const stageProfile = process.env[`AWS_${stage.toUpperCase()}_PROFILE`];
  return cloudWatchAlarmSwitch(new CloudWatchClient({ region: homeRegion, ...(stageProfile ? { profile: stageProfile } : {}) }));
}
