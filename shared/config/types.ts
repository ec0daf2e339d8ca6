// The resolved form of monitor.yml: what the probe Lambdas and the evaluator read. Every default is
// applied, so no consumer needs to know a default. Field names follow the YAML keys.
import type { AwsRegion, LocationName } from './regions.js';
import type { CheckKindName, LoginSettings } from '../probers/option-schemas.js';

export type Interval = '1m' | '5m';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

interface WindowCommon {
  /** Whether probe failures inside the window count against the SLO (default false). */
  countsAgainstSla: boolean;
  description: string | undefined;
  /** 'global' for a window from the top-level `maintenance`, 'target' for the target's own (or defaults'). */
  scope: 'global' | 'target';
}

export interface OneOffWindow extends WindowCommon {
  kind: 'once';
  /** ISO 8601 date-time with a UTC offset, as written. */
  start: string;
  end: string;
  /** start and end in ms since the epoch. */
  startMs: number;
  endMs: number;
}

export interface WeeklyWindow extends WindowCommon {
  kind: 'weekly';
  weekly: { day: Weekday; /** 'HH:MM', local time in `timezone` */ start: string; durationMinutes: number };
  /** IANA time zone name, e.g. Europe/Berlin. */
  timezone: string;
}

export interface CronWindow extends WindowCommon {
  kind: 'cron';
  /** 5-field cron expression giving the start times, local time in `timezone` (see cron.ts). */
  cron: string;
  durationMinutes: number;
  timezone: string;
}

export type MaintenanceWindow = OneOffWindow | WeeklyWindow | CronWindow;

export interface ResolvedTarget {
  /** Unique, `^[a-z0-9][a-z0-9-]{0,62}$`: used as the CloudWatch dimension value. */
  name: string;
  host: string;
  port: number;
  /**
   * Where the target is probed from, unique, in the order written: AWS regions (Lambda) and agent names
   * (private locations) alike. Every consumer downstream (dimensions, quorum, no_data, reports) treats
   * a location the same whichever runner probes it.
   */
  regions: LocationName[];
  interval: Interval;
  intervalMinutes: 1 | 5;
  checks: { echo: boolean; call: boolean };
  /**
   * The check kind when it is not 'pptp-control'; absent for a control probe, so that a config without
   * login checks resolves (and packages) exactly as it did before check kinds existed.
   */
  check?: 'pptp-login';
  /** A pptp-login target's account, password source (never the password), traffic stage and allowed authentication. */
  login?: LoginSettings;
  /** Deadline of one probe, retries included, in ms. */
  timeout: number;
  attempts: number;
  tags: Record<string, string>;
  owner: string | undefined;
  /** https URL of the directory holding the runbooks; always ends with '/'. */
  runbookBaseUrl: string;
  slo: { /** percent, 0 < x < 100 */ availability: number; window: string; windowDays: number };
  /**
   * The latency objective: the rolling 5-minute p95 of control time must stay above `controlP95Ms` for
   * `forMinutes` (the `for` of monitor.yml, default 15) before the ticket opens. `forMinutes` is absent
   * only in hand-built targets (tests), which then get the default.
   */
  latency: { controlP95Ms: number; forMinutes?: number } | undefined;
  /** Regions that must see the target down before it counts as down. */
  quorum: number;
  down: { /** consecutive failed intervals before a region reports the target down */ for: number };
  /** Global windows first, then the target's own (or the defaults'). */
  maintenance: MaintenanceWindow[];
}

export interface ResolvedConfig {
  version: 1;
  namespace: string;
  homeRegion: AwsRegion;
  runbookBaseUrl: string;
  dashboardBaseUrl: string | undefined;
  targets: ResolvedTarget[];
  /** The global windows (also included in every target's `maintenance`). */
  maintenance: MaintenanceWindow[];
  alerts: { page: string | undefined; ticket: string | undefined };
  /** Every AWS region some target is probed from, sorted: where the probe functions are deployed. */
  regions: AwsRegion[];
  /**
   * The private locations (agents) declared under `agents`, in the order written. Absent only in
   * configs built by hand (tests) and packaged before agents existed: read it with `agentsOf`.
   */
  agents?: AgentLocation[];
  /**
   * The on-call destinations under `notify`, in the order written, with their defaults applied. Absent when
   * the file has none, so a config without them resolves (and packages) exactly as it did before them.
   */
  notify?: NotifyDestination[];
  /**
   * Redundant gateways under `groups`, in the order written. Each group's virtual address and members are
   * targets in `targets` (the virtual address named like the group). Absent when the file has none.
   */
  groups?: ResolvedGroup[];
}

/** A gateway group: the virtual address users connect to (the target named `name`) and its member nodes. */
export interface ResolvedGroup {
  /** The group's name, which is also its virtual address's target name. */
  name: string;
  /** Member target names, in the order written (at least two). */
  members: string[];
}

/** A config's groups (none in configs written before groups existed). */
export function groupsOf(config: Pick<ResolvedConfig, 'groups'>): readonly ResolvedGroup[] {
  return config.groups ?? [];
}

/**
 * A secret named, never written: an AWS SSM SecureString parameter (read by the Lambda functions) or an
 * environment variable (read by the local monitor).
 */
export type SecretRef = { ssm: string } | { env: string };
export type NotifySeverity = 'page' | 'ticket' | 'info';
export type NotifyType = 'pagerduty' | 'opsgenie' | 'slack' | 'teams' | 'alertmanager' | 'json' | 'chatbot';

interface NotifyCommon {
  /** Unique among the destinations; the only thing about a destination that logs show (with its URL's host). */
  name: string;
  /** The severities it receives (default both). */
  severities: NotifySeverity[];
}

/** One destination of `notify:`. Endpoints are resolved (the service's own unless overridden). */
export type NotifyDestination =
  | (NotifyCommon & { type: 'pagerduty'; routingKey: SecretRef; /** Events API v2 enqueue URL */ endpoint: string })
  | (NotifyCommon & { type: 'opsgenie'; apiKey: SecretRef; /** API base URL (the region's, or the override) */ endpoint: string })
  | (NotifyCommon & { type: 'slack'; webhookUrl: SecretRef })
  | (NotifyCommon & { type: 'teams'; webhookUrl: SecretRef })
  | (NotifyCommon & { type: 'alertmanager'; url: SecretRef; hmacSecret?: SecretRef })
  | (NotifyCommon & { type: 'json'; url: SecretRef; hmacSecret?: SecretRef })
  /** Amazon Q Developer in chat applications: the notifier publishes its custom format to this SNS topic (no secret). */
  | (NotifyCommon & { type: 'chatbot'; topic: string });

/** A private location: a `pptp-monitor agent --location <name>` process on a host of the user's. */
export interface AgentLocation {
  /** Unique, the TARGET_NAME rule, never shaped like an AWS region: the ProbeRegion dimension value. */
  name: string;
  description: string | undefined;
  /** The check kinds it may run; undefined when any. */
  checks: CheckKindName[] | undefined;
}

/** A config's agents (none in configs written before agents existed). */
export function agentsOf(config: Pick<ResolvedConfig, 'agents'>): readonly AgentLocation[] {
  return config.agents ?? [];
}

/** Every location some target is probed from: the AWS regions, then the agents in the order declared. */
export function locationsOf(config: Pick<ResolvedConfig, 'regions' | 'agents'>): string[] {
  return [...config.regions, ...agentsOf(config).map((a) => a.name)];
}

/**
 * One problem in a config file. `path` is where it is (`targets[2].port`, `defaults.colour`; the source
 * name for the file as a whole; `<source>:<line>:<column>` for a YAML syntax error); `problem` says what
 * is wrong in our words, with the offending value. Printed as `<path>: <problem>`.
 */
export interface ConfigError {
  path: string;
  problem: string;
  /** 1-based position in the source, when known. */
  line?: number;
  column?: number;
}

export type ConfigResult = { ok: true; config: ResolvedConfig } | { ok: false; errors: ConfigError[] };
