// zod schemas for monitor.yml, field by field. Every schema and check carries our own text through
// `error` (built with `says`); containers without one fall back to format.ts, which words them from the
// issue code. Rules that need two fields (quorum against regions, timeout against interval, names unique
// across targets, one name per host and port) are in resolve.ts, which also applies the defaults.
import { z } from 'zod';
import { parseCron } from './cron.js';
import { GENERIC, says, show } from './format.js';
import { isAwsRegion, looksLikeAwsRegion, type AwsRegion } from './regions.js';
import {
  HTTPS_URL_RULE,
  hostProblem,
  isHttpsUrl,
  isNamespace,
  isPercent,
  isTimeZone,
  isTopic,
  ISO_RULE,
  LIMITS,
  NAME_RULE,
  NAMESPACE_RULE,
  parseIsoDateTime,
  PERCENT_RULE,
  SLO_WINDOW_RULE,
  sloWindowDays,
  TARGET_NAME,
  TIME_OF_DAY,
  TIME_OF_DAY_RULE,
  TOPIC_RULE,
  WEEKDAYS,
} from './rules.js';
import type { Weekday } from './types.js';
import { CHECK_KINDS, CHECK_SWITCHES, LOGIN_AUTH_METHODS, LOGIN_SWITCHES, type CheckKindName, type LoginAuthMethod } from '../probers/option-schemas.js';
import {
  ENV_NAME_RULE,
  isEnvName,
  isPasswordFilePath,
  isSsmParameterName,
  isUsername,
  NOT_IN_DEFAULTS,
  PASSWORD_FILE_RULE,
  PASSWORD_SOURCE_MISSING,
  passwordSourcesProblem,
  SSM_NAME_RULE,
  SSM_NEEDS_AGENT,
  USERNAME_RULE,
} from './login-rules.js';
import { notifySchema } from './notify-schema.js';
import { isRecord as isMapping } from '../common/is-record.js';

/** Options for every parse: our generic marker instead of zod's messages, and the input kept for `got`. */
export const PARSE_OPTIONS = { error: () => GENERIC, reportInput: true } as const;

// ---------------------------------------------------------------------------------------------- leaves

const str = (expectation: string) => z.string({ error: says(expectation) });

function wholeNumber(min: number, max: number, unit?: string) {
  const range = unit === undefined ? `${min}-${max}` : `${min}-${max} ${unit}`;
  const typeText = says(`must be a whole number ${range}`);
  const rangeText = says(`must be ${range}`);
  return z
    .number({ error: typeText })
    .int({ error: typeText })
    .min(min, { error: rangeText })
    .max(max, { error: rangeText });
}

const bool = z.boolean({ error: says('must be true or false') });

export const nameSchema = str(NAME_RULE).regex(TARGET_NAME, { error: says(NAME_RULE) });

export const hostSchema = str('must be a host name or IP address').superRefine((host, ctx) => {
  const problem = hostProblem(host);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const regionSchema = z
  .string({ error: says('must be an AWS region code such as us-east-1') })
  .refine((r) => isAwsRegion(r), { error: (iss) => `unknown AWS region ${show(iss.input)}` })
  .transform((r) => r as AwsRegion);

/**
 * One entry of a target's `regions`: an AWS region code, or the name of an agent (private location).
 * Whether an agent of that name is declared is resolve.ts's rule (it needs the whole file).
 */
export const locationSchema = z
  .string({ error: says('must be an AWS region code such as us-east-1 or the name of an agent declared under agents') })
  .superRefine((name, ctx) => {
    if (isAwsRegion(name)) return;
    if (looksLikeAwsRegion(name)) ctx.addIssue({ code: 'custom', message: `unknown AWS region ${show(name)}` });
    else if (!TARGET_NAME.test(name)) ctx.addIssue({ code: 'custom', message: `must be an AWS region code such as us-east-1 or an agent name (${AGENT_NAME_RULE}), got ${show(name)}` });
  });

export const regionsSchema = z
  .array(locationSchema, { error: says('must be a list of AWS region codes and agent names') })
  .min(1, { error: 'must list at least one AWS region or agent' })
  .superRefine(
    (regions: readonly unknown[], ctx) => {
      const seen = new Set<unknown>();
      regions.forEach((region, i) => {
        if (typeof region !== 'string') return;
        if (seen.has(region)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate region ${show(region)}` });
        seen.add(region);
      });
    },
    // Also when some entries are invalid, so that every problem is reported at once.
    { when: (payload) => Array.isArray(payload.value) },
  );

export const AGENT_NAME_RULE = '1-63 lowercase letters, digits or hyphens, starting with a letter or digit, not shaped like an AWS region code';

const agentNameSchema = str(`must be ${AGENT_NAME_RULE}`).superRefine((name, ctx) => {
  if (!TARGET_NAME.test(name)) ctx.addIssue({ code: 'custom', message: `must be ${AGENT_NAME_RULE}, got ${show(name)}` });
  else if (isAwsRegion(name) || looksLikeAwsRegion(name)) ctx.addIssue({ code: 'custom', message: `must not be shaped like an AWS region code (a target's regions could not tell the two apart), got ${show(name)}` });
});

const agentSchema = z.strictObject(
  {
    name: agentNameSchema,
    description: str('must be a string').max(256, { error: says('must be at most 256 characters') }).optional(),
    checks: z
      .array(z.enum(CHECK_KINDS, { error: says(`must be one of ${CHECK_KINDS.join(', ')}`) }), { error: says(`must be a list of check kinds (${CHECK_KINDS.join(', ')})`) })
      .min(1, { error: 'must list at least one check kind (or leave checks out: any)' })
      .optional(),
  },
  { error: says('must be a mapping with name, and optionally description and checks') },
);

/** `agents:` the private locations, each run by `pptp-monitor agent --location <name>`. */
export const agentsSchema = z.array(agentSchema, { error: says('must be a list of agents (name, description, checks)') }).superRefine(
  (agents: readonly unknown[], ctx) => {
    const seen = new Set<unknown>();
    agents.forEach((agent, i) => {
      const name = isMapping(agent) ? agent.name : undefined;
      if (typeof name !== 'string') return;
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate agent name ${show(name)}` });
      seen.add(name);
    });
  },
  { when: (payload) => Array.isArray(payload.value) },
);

const httpsUrlSchema = str(HTTPS_URL_RULE).refine(isHttpsUrl, { error: says(HTTPS_URL_RULE) });

const timeZoneSchema = str('must be an IANA time zone name such as Europe/Berlin').refine(isTimeZone, {
  error: (iss) => `unknown IANA time zone ${show(iss.input)}`,
});

export const isoDateTimeSchema = str(ISO_RULE).refine((t) => parseIsoDateTime(t) !== undefined, { error: says(ISO_RULE) });

const timeOfDaySchema = str(TIME_OF_DAY_RULE).regex(TIME_OF_DAY, { error: says(TIME_OF_DAY_RULE) });

const cronSchema = str('must be a 5-field cron expression (minute hour day-of-month month day-of-week)').superRefine((text, ctx) => {
  const result = parseCron(text);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: `${result.problem}, got ${show(text)}` });
});

const durationMinutesSchema = wholeNumber(LIMITS.durationMinutes.min, LIMITS.durationMinutes.max, 'minutes');

// ------------------------------------------------------------------------------------ maintenance windows

const commonWindowShape = {
  countsAgainstSla: bool.optional(),
  description: str('must be a string').optional(),
};

const oneOffWindowSchema = z.strictObject({ start: isoDateTimeSchema, end: isoDateTimeSchema, ...commonWindowShape });

const weeklyWindowSchema = z.strictObject({
  weekly: z.strictObject({
    day: z.enum(WEEKDAYS as [Weekday, ...Weekday[]], { error: says(`must be one of ${WEEKDAYS.join(', ')}`) }),
    start: timeOfDaySchema,
    durationMinutes: durationMinutesSchema,
  }),
  timezone: timeZoneSchema,
  ...commonWindowShape,
});

const cronWindowSchema = z.strictObject({
  cron: cronSchema,
  durationMinutes: durationMinutesSchema,
  timezone: timeZoneSchema,
  ...commonWindowShape,
});

export type RawWindow =
  | ({ kind: 'once'; startMs: number; endMs: number } & z.output<typeof oneOffWindowSchema>)
  | ({ kind: 'weekly' } & z.output<typeof weeklyWindowSchema>)
  | ({ kind: 'cron' } & z.output<typeof cronWindowSchema>);

const WINDOW_FORMS =
  'must be a one-off window (start, end), a weekly window (weekly, timezone) or a cron window (cron, durationMinutes, timezone)';

/**
 * A window is told apart by its keys (start/end, weekly or cron), then checked as that form alone, so the
 * errors are about the form the user meant rather than about every form of a union.
 */
export const windowSchema = z.unknown().transform((value, ctx): RawWindow => {
  if (!isMapping(value)) {
    ctx.addIssue({ code: 'custom', message: `${WINDOW_FORMS}, got ${show(value)}` });
    return z.NEVER;
  }
  const forms = [
    'start' in value || 'end' in value ? 'start/end' : undefined,
    'weekly' in value ? 'weekly' : undefined,
    'cron' in value ? 'cron' : undefined,
  ].filter((f): f is string => f !== undefined);
  if (forms.length === 0) {
    const keys = Object.keys(value);
    const got = keys.length === 0 ? 'an empty mapping' : `a mapping with ${keys.map((k) => show(k)).join(', ')}`;
    ctx.addIssue({ code: 'custom', message: `${WINDOW_FORMS}, got ${got}` });
    return z.NEVER;
  }
  if (forms.length > 1) {
    ctx.addIssue({ code: 'custom', message: `has ${forms.join(' and ')}: a window is one-off (start, end), weekly or cron, not several` });
    return z.NEVER;
  }
  const forward = (issues: readonly z.core.$ZodIssue[]): void => {
    for (const issue of issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  };
  if (forms[0] === 'weekly') {
    const r = weeklyWindowSchema.safeParse(value, PARSE_OPTIONS);
    if (!r.success) return forward(r.error.issues), z.NEVER;
    return { kind: 'weekly', ...r.data };
  }
  if (forms[0] === 'cron') {
    const r = cronWindowSchema.safeParse(value, PARSE_OPTIONS);
    if (!r.success) return forward(r.error.issues), z.NEVER;
    return { kind: 'cron', ...r.data };
  }
  const r = oneOffWindowSchema.safeParse(value, PARSE_OPTIONS);
  if (!r.success) forward(r.error.issues);
  const startMs = typeof value.start === 'string' ? parseIsoDateTime(value.start) : undefined;
  const endMs = typeof value.end === 'string' ? parseIsoDateTime(value.end) : undefined;
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${String(value.start)}), got ${show(value.end)}` });
    return z.NEVER;
  }
  if (!r.success || startMs === undefined || endMs === undefined) return z.NEVER;
  return { kind: 'once', ...r.data, startMs, endMs };
});

export const maintenanceSchema = z.array(windowSchema, { error: says('must be a list of maintenance windows') });

// ---------------------------------------------------------------------------------- per-target fields

const topicSchema = str(TOPIC_RULE).refine(isTopic, { error: says(TOPIC_RULE) });

const tagsSchema = z
  .record(z.string(), str('must be a string').max(LIMITS.tagValueChars, { error: says(`must be at most ${LIMITS.tagValueChars} characters`) }), {
    error: says('must be a mapping of tag names to strings'),
  })
  .superRefine(
    (tags: Record<string, unknown>, ctx) => {
    const keys = Object.keys(tags);
    if (keys.length > LIMITS.tags) ctx.addIssue({ code: 'custom', message: `must have at most ${LIMITS.tags} tags, got ${keys.length}` });
    for (const key of keys) {
      if (key === '' || key.length > LIMITS.tagKeyChars) {
        ctx.addIssue({ code: 'custom', path: [key], message: `tag name must be 1-${LIMITS.tagKeyChars} characters, got ${show(key)}` });
      } else if (key.toLowerCase().startsWith('aws:')) {
        ctx.addIssue({ code: 'custom', path: [key], message: `tag names starting with 'aws:' are reserved by AWS, got ${show(key)}` });
      }
    }
    },
    { when: (payload) => isMapping(payload.value) },
  );

const sloSchema = z.strictObject(
  {
    availability: z.number({ error: says(PERCENT_RULE) }).refine(isPercent, { error: says(PERCENT_RULE) }).optional(),
    window: str(SLO_WINDOW_RULE)
      .refine((w) => sloWindowDays(w) !== undefined, { error: says(SLO_WINDOW_RULE) })
      .optional(),
  },
  { error: says('must be a mapping with availability and window') },
);

const latencySchema = z.strictObject(
  {
    controlP95Ms: z
      .number({ error: says('must be a positive number of ms') })
      .refine((n) => n > 0, { error: says('must be a positive number of ms') }),
    // Minutes the p95 must stay above before the ticket opens (default 15, see shared/sla/policies.ts).
    for: wholeNumber(LIMITS.latencyForMinutes.min, LIMITS.latencyForMinutes.max, 'minutes').optional(),
  },
  { error: says('must be a mapping with controlP95Ms and for') },
);

/** The prober's switches (shared/probers/option-schemas.ts), each an optional boolean. */
function switchesSchema<Switch extends string>(switches: Readonly<Record<Switch, boolean>>) {
  const names = Object.keys(switches);
  // Object.fromEntries cannot carry the key type; the keys are exactly `switches`' own.
  const shape = Object.fromEntries(names.map((name) => [name, bool.optional()])) as Record<Switch, z.ZodOptional<typeof bool>>;
  const listed = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
  return z.strictObject(shape, { error: says(`must be a mapping with ${listed}`) });
}

const checksSchema = switchesSchema(CHECK_SWITCHES);
const downSchema = z.strictObject(
  { for: wholeNumber(LIMITS.downFor.min, LIMITS.downFor.max, 'intervals').optional() },
  { error: says('must be a mapping with for') },
);

/** The fields a target may set, and defaults may set for every target. */
export const TARGET_FIELDS = {
  port: wholeNumber(1, 65535),
  regions: regionsSchema,
  interval: z.enum(['1m', '5m'], { error: says("must be '1m' or '5m'") }),
  checks: checksSchema,
  timeout: wholeNumber(LIMITS.timeout.min, LIMITS.timeout.max, 'ms'),
  attempts: wholeNumber(LIMITS.attempts.min, LIMITS.attempts.max),
  tags: tagsSchema,
  owner: str('must be a non-empty string').min(1, { error: 'must not be empty' }).max(LIMITS.ownerChars, { error: says(`must be at most ${LIMITS.ownerChars} characters`) }),
  runbookBaseUrl: httpsUrlSchema,
  slo: sloSchema,
  latency: latencySchema,
  quorum: z
    .number({ error: says('must be a whole number of regions, at least 1') })
    .int({ error: says('must be a whole number of regions, at least 1') })
    .min(1, { error: says('must be at least 1') })
    .max(LIMITS.locations, { error: says(`must be at most ${LIMITS.locations}`) }),
  down: downSchema,
  maintenance: maintenanceSchema,
};

export type TargetFieldKey = keyof typeof TARGET_FIELDS;
export type TargetFieldValues = { [K in TargetFieldKey]: z.output<(typeof TARGET_FIELDS)[K]> };

const optionalTargetFields = {
  port: TARGET_FIELDS.port.optional(),
  regions: TARGET_FIELDS.regions.optional(),
  interval: TARGET_FIELDS.interval.optional(),
  checks: TARGET_FIELDS.checks.optional(),
  timeout: TARGET_FIELDS.timeout.optional(),
  attempts: TARGET_FIELDS.attempts.optional(),
  tags: TARGET_FIELDS.tags.optional(),
  owner: TARGET_FIELDS.owner.optional(),
  runbookBaseUrl: TARGET_FIELDS.runbookBaseUrl.optional(),
  slo: TARGET_FIELDS.slo.optional(),
  latency: TARGET_FIELDS.latency.optional(),
  quorum: TARGET_FIELDS.quorum.optional(),
  down: TARGET_FIELDS.down.optional(),
  maintenance: TARGET_FIELDS.maintenance.optional(),
} satisfies Record<TargetFieldKey, z.ZodType>;

// ------------------------------------------------------------------------------- a login's settings

const listed = (names: readonly string[]): string => names.join(', ');

export const checkSchema = z.enum(CHECK_KINDS as unknown as [CheckKindName, ...CheckKindName[]], { error: says(`must be one of ${listed(CHECK_KINDS)}`) });

const PASSWORD_SOURCES = ['passwordEnv', 'passwordFile', 'passwordSsm'] as const;

/**
 * `login:` of a pptp-login target. Exactly one password source; the password itself never appears in a
 * config. passwordSsm is checked as a name and then refused: only an agent could read it.
 */
export const loginSchema = z
  .strictObject(
    {
      username: str(USERNAME_RULE).refine(isUsername, { error: says(USERNAME_RULE) }),
      passwordEnv: str(ENV_NAME_RULE).refine(isEnvName, { error: says(ENV_NAME_RULE) }).optional(),
      passwordFile: str(PASSWORD_FILE_RULE).refine(isPasswordFilePath, { error: says(PASSWORD_FILE_RULE) }).optional(),
      passwordSsm: str(SSM_NAME_RULE)
        .refine(isSsmParameterName, { error: says(SSM_NAME_RULE), abort: true })
        .refine(() => false, { error: SSM_NEEDS_AGENT })
        .optional(),
      ...Object.fromEntries(Object.keys(LOGIN_SWITCHES).map((name) => [name, bool.optional()])),
      auth: z
        .array(z.enum(LOGIN_AUTH_METHODS as unknown as [LoginAuthMethod, ...LoginAuthMethod[]], { error: says(`must be one of ${listed(LOGIN_AUTH_METHODS)}`) }), {
          error: says(`must be a list of ${listed(LOGIN_AUTH_METHODS)}, preferred first`),
        })
        .min(1, { error: 'must list at least one authentication method' })
        .refine((methods) => new Set(methods).size === methods.length, { error: 'must not list a method twice' })
        .optional(),
    },
    { error: says('must be a mapping with username and passwordEnv or passwordFile') },
  )
  .superRefine(
    (login: Record<string, unknown>, ctx) => {
      const given = PASSWORD_SOURCES.filter((key) => login[key] !== undefined);
      if (given.length === 0) ctx.addIssue({ code: 'custom', message: PASSWORD_SOURCE_MISSING });
      else if (given.length > 1) ctx.addIssue({ code: 'custom', message: passwordSourcesProblem(given) });
    },
    { when: (payload) => isMapping(payload.value) },
  );

export type ParsedLogin = {
  username: string;
  passwordEnv?: string;
  passwordFile?: string;
  passwordSsm?: string;
  data?: boolean;
  auth?: LoginAuthMethod[];
};

const notInDefaults = z.never({ error: 'not allowed in defaults: every target sets its own name and host' }).optional();
const loginNotInDefaults = z.never({ error: NOT_IN_DEFAULTS }).optional();

export const defaultsSchema = z.strictObject(
  { name: notInDefaults, host: notInDefaults, check: loginNotInDefaults, login: loginNotInDefaults, ...optionalTargetFields },
  { error: says('must be a mapping of per-target settings') },
);

export const targetSchema = z.strictObject(
  { name: nameSchema, host: hostSchema, check: checkSchema.optional(), login: loginSchema.optional(), ...optionalTargetFields },
  { error: says('must be a mapping with at least name and host') },
);

const memberSchema = z.strictObject(
  { name: nameSchema, host: hostSchema, port: TARGET_FIELDS.port.optional() },
  { error: says('must be a mapping with name and host (and optionally port)') },
);

/**
 * `groups:` redundant gateways. A group is its virtual address (the address users connect to, probed as a
 * target named like the group) and its member nodes, each probed on its own address; the per-target
 * settings apply to all of them. Control checks only: a login group would log in on every member too.
 */
export const groupSchema = z.strictObject(
  {
    name: nameSchema,
    host: hostSchema,
    members: z
      .array(memberSchema, { error: says('must be a list of member nodes (name, host)') })
      .min(2, { error: 'must list at least two members: a group of one has no redundancy to watch' }),
    ...optionalTargetFields,
  },
  { error: says('must be a mapping with name, host (the virtual address) and members') },
);

export const configSchema = z.strictObject(
  {
    version: z.literal(1, { error: says('must be 1') }),
    namespace: str(NAMESPACE_RULE).refine(isNamespace, { error: says(NAMESPACE_RULE) }).optional(),
    homeRegion: regionSchema,
    runbookBaseUrl: httpsUrlSchema.optional(),
    dashboardBaseUrl: httpsUrlSchema.optional(),
    defaults: defaultsSchema.optional(),
    agents: agentsSchema.optional(),
    // At least one target, or a group: resolve.ts's rule (it needs both lists).
    targets: z.array(targetSchema, { error: says('must be a list of targets') }),
    groups: z.array(groupSchema, { error: says('must be a list of gateway groups (name, host, members)') }).optional(),
    maintenance: maintenanceSchema.optional(),
    alerts: z
      .strictObject({ page: topicSchema.optional(), ticket: topicSchema.optional() }, { error: says('must be a mapping with page and ticket') })
      .optional(),
    notify: notifySchema.optional(),
  },
  { error: says('must be a mapping of settings (version, homeRegion, agents, targets, ...)') },
);

export type ParsedConfig = z.output<typeof configSchema>;
