// The shape of the resolved config, checked field by field with the loader's own rules (rules.ts): what
// `npm run package` writes into an artifact is checked before it is written, and what a Lambda reads is
// checked again at init, so a resolver bug or a hand-made artifact stops there instead of probing or
// alerting from a config nobody validated. Every field is checked: types, ranges, enums, the three kinds
// of maintenance window, and the rules that tie fields together (quorum within the regions, the interval
// and its minutes, the SLO window and its days). Zod-free: this runs in every cold start.
import { MINUTE_MS } from '../common/time.js';
import { CHECK_KINDS, CHECK_SWITCHES, LOGIN_AUTH_METHODS, PPTP_LOGIN } from '../probers/option-schemas.js';
import { parseCron } from './cron.js';
import { isEnvName, isPasswordFilePath, isUsername, PACKAGED_LOGIN_PROBLEM, PASSWORD_FILE_RULE, ENV_NAME_RULE, USERNAME_RULE } from './login-rules.js';
import { PROBE_TARGET_FIELDS, type ProbeConfig } from './probe-config.js';
import { isAgentName, isAwsRegion } from './regions.js';
import { notifyCheck } from './notify-shape.js';
import {
  DEFAULT_RUNBOOK_BASE_URL,
  hostProblem,
  HTTPS_URL_RULE,
  INTERVAL_MINUTES,
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
import { bool, int, isRecord, list, num, oneOf, record, shape, str, strWith, type Check } from './shape-checks.js';
import type { ResolvedConfig, ResolvedTarget } from './types.js';

// ------------------------------------------------------------------------------------------- leaves

const region = str(isAwsRegion, 'must be an AWS region code such as us-east-1');
// Empty when agents probe every target: no probe function is deployed then.
const regions = list(region, { unique: true });
const AGENT_NAME_TEXT = 'must be an agent name (the target name rule, not shaped like an AWS region code)';
/** A target's locations: AWS regions and agent names (the config rule checks the agents are declared). */
const locations = list(str((r) => isAwsRegion(r) || isAgentName(r), 'must be an AWS region code or an agent name'), { min: 1, unique: true });
const agents = list(shape({ name: str(isAgentName, AGENT_NAME_TEXT) }, { description: str((d) => d.length <= 256, 'must be at most 256 characters'), checks: list(oneOf(CHECK_KINDS), { min: 1, unique: true }) }));
const interval = oneOf(Object.keys(INTERVAL_MINUTES));
const isoDateTime = str((t) => parseIsoDateTime(t) !== undefined, ISO_RULE);
const timeZone = str(isTimeZone, 'must be an IANA time zone name such as Europe/Berlin');
const durationMinutes = int(LIMITS.durationMinutes.min, LIMITS.durationMinutes.max, 'minutes');
// Remembered by text: a config repeats a few expressions across many targets, and parsing one costs
// several microseconds of a cold start.
const cronProblems = new Map<string, string | undefined>();
const cron = strWith((text) => {
  if (!cronProblems.has(text)) {
    const parsed = parseCron(text);
    cronProblems.set(text, parsed.ok ? undefined : parsed.problem);
  }
  return cronProblems.get(text);
});
/** A runbook base as resolved: the repo-relative default, or an https URL; either way ending in '/'. */
const runbookBase = str((u) => (u === DEFAULT_RUNBOOK_BASE_URL || isHttpsUrl(u)) && u.endsWith('/'), `${HTTPS_URL_RULE} ending in '/' (or ${DEFAULT_RUNBOOK_BASE_URL})`);
const topic = str(isTopic, TOPIC_RULE);

// ---------------------------------------------------------------------------------- maintenance

const windowCommon = { countsAgainstSla: bool, scope: oneOf(['global', 'target']) };
const windowOptional = { description: str() };

const WINDOW_KINDS: Readonly<Record<string, Check>> = {
  once: shape({ kind: oneOf(['once']), start: isoDateTime, end: isoDateTime, startMs: num(Number.isInteger, 'must be ms since the epoch'), endMs: num(Number.isInteger, 'must be ms since the epoch'), ...windowCommon }, windowOptional, (w) => {
    const found: Array<[string, string]> = [];
    if (parseIsoDateTime(String(w['start'])) !== w['startMs']) found.push(['startMs', `must be start (${String(w['start'])}) in ms, got ${String(w['startMs'])}`]);
    if (parseIsoDateTime(String(w['end'])) !== w['endMs']) found.push(['endMs', `must be end (${String(w['end'])}) in ms, got ${String(w['endMs'])}`]);
    if (Number(w['endMs']) <= Number(w['startMs'])) found.push(['end', `must be after start (${String(w['start'])}), got ${String(w['end'])}`]);
    return found;
  }),
  weekly: shape(
    {
      kind: oneOf(['weekly']),
      weekly: shape({ day: oneOf(WEEKDAYS), start: str((t) => TIME_OF_DAY.test(t), TIME_OF_DAY_RULE), durationMinutes }),
      timezone: timeZone,
      ...windowCommon,
    },
    windowOptional,
  ),
  cron: shape({ kind: oneOf(['cron']), cron, durationMinutes, timezone: timeZone, ...windowCommon }, windowOptional),
};

/** A window of one of the three kinds, told apart by `kind` and then checked as that kind alone. */
const windowKind = oneOf(Object.keys(WINDOW_KINDS));
const maintenanceWindow: Check = (value, path, problems) => {
  if (!isRecord(value)) return void shape({})(value, path, problems);
  const kind = value['kind'];
  const check = typeof kind === 'string' ? WINDOW_KINDS[kind] : undefined;
  if (check === undefined) windowKind(kind, `${path}.kind`, problems);
  else check(value, path, problems);
};

/** Windows of one scope: the config's own are global. */
const windowsOf = (scope: 'global' | 'target' | 'any'): Check =>
  list((value, path, problems) => {
    maintenanceWindow(value, path, problems);
    if (scope !== 'any' && isRecord(value) && value['scope'] !== undefined && value['scope'] !== scope) problems.push(`${path}.scope: must be '${scope}', got ${String(value['scope'])}`);
  });

// -------------------------------------------------------------------------------------- targets

const PERCENT = num(isPercent, PERCENT_RULE);

/**
 * A login target's settings. Only agents probe it (the config rule below): the evaluator and report
 * functions carry it to judge its results; the password's source is named, never the password.
 */
const loginSettings = shape({
  username: str(isUsername, USERNAME_RULE),
  password: shape({}, { env: str(isEnvName, ENV_NAME_RULE), file: str(isPasswordFilePath, PASSWORD_FILE_RULE) }, (p) => (Object.keys(p).length === 1 ? [] : [['env', 'must give exactly one password source (env or file)']])),
  data: bool,
  auth: list(oneOf(LOGIN_AUTH_METHODS), { min: 1, unique: true }),
});

/** Every field of a resolved target, in the order the resolver writes them. */
const TARGET_FIELDS: { readonly [K in keyof ResolvedTarget]-?: Check } = {
  name: str((n) => TARGET_NAME.test(n), NAME_RULE),
  host: strWith(hostProblem),
  port: int(1, 65535),
  regions: locations,
  interval,
  intervalMinutes: oneOf(Object.values(INTERVAL_MINUTES)),
  checks: shape(Object.fromEntries(Object.keys(CHECK_SWITCHES).map((name) => [name, bool]))),
  check: oneOf([PPTP_LOGIN]),
  login: loginSettings,
  timeout: int(LIMITS.timeout.min, LIMITS.timeout.max, 'ms'),
  attempts: int(LIMITS.attempts.min, LIMITS.attempts.max),
  tags: record(
    str((v) => v.length <= LIMITS.tagValueChars, `must be a string of at most ${LIMITS.tagValueChars} characters`),
    (k) => (k === '' || k.length > LIMITS.tagKeyChars ? `tag name must be 1-${LIMITS.tagKeyChars} characters, got ${JSON.stringify(k)}` : k.toLowerCase().startsWith('aws:') ? `tag names starting with 'aws:' are reserved by AWS, got ${JSON.stringify(k)}` : undefined),
    LIMITS.tags,
  ),
  owner: str((o) => o.length >= 1 && o.length <= LIMITS.ownerChars, `must be a string of 1-${LIMITS.ownerChars} characters`),
  runbookBaseUrl: runbookBase,
  slo: shape({ availability: PERCENT, window: str((w) => sloWindowDays(w) !== undefined, SLO_WINDOW_RULE), windowDays: int(LIMITS.sloWindowDays.min, LIMITS.sloWindowDays.max, 'days') }, {}, (slo) =>
    sloWindowDays(String(slo['window'])) === slo['windowDays'] ? [] : [['windowDays', `must be the days of window ${String(slo['window'])}, got ${String(slo['windowDays'])}`]],
  ),
  latency: shape({ controlP95Ms: num((n) => n > 0, 'must be a positive number of ms') }, { forMinutes: int(LIMITS.latencyForMinutes.min, LIMITS.latencyForMinutes.max, 'minutes') }),
  quorum: num((n) => Number.isInteger(n) && n >= 1, 'must be a whole number of regions, at least 1'),
  down: shape({ for: int(LIMITS.downFor.min, LIMITS.downFor.max, 'intervals') }),
  maintenance: windowsOf('any'),
};

/** Fields a resolved target may lack (JSON drops the undefined ones). */
const OPTIONAL_TARGET_FIELDS: ReadonlySet<keyof ResolvedTarget> = new Set(['owner', 'latency', 'check', 'login']);

/** The rules that tie a target's fields together; `t` passed every field check. */
function targetRules(t: Record<string, unknown>): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const minutes = Object.entries(INTERVAL_MINUTES).find(([name]) => name === t['interval'])?.[1] ?? 0;
  if ((t['check'] === undefined) !== (t['login'] === undefined)) found.push([t['check'] === undefined ? 'login' : 'check', `check ${PPTP_LOGIN} and login go together`]);
  if (t['intervalMinutes'] !== minutes) found.push(['intervalMinutes', `must be ${minutes} for interval ${String(t['interval'])}, got ${String(t['intervalMinutes'])}`]);
  const regionCount = Array.isArray(t['regions']) ? t['regions'].length : 0;
  if (t['quorum'] !== undefined && Number(t['quorum']) > regionCount) found.push(['quorum', `must be at most the number of regions (${regionCount}), got ${String(t['quorum'])}`]);
  const intervalMs = minutes * MINUTE_MS;
  if (Number(t['timeout']) >= intervalMs) found.push(['timeout', `must be less than the interval (${String(t['interval'])} = ${intervalMs} ms), got ${String(t['timeout'])}`]);
  const latency = t['latency'];
  if (isRecord(latency) && Number(latency['controlP95Ms']) >= Number(t['timeout'])) found.push(['latency.controlP95Ms', `must be less than the timeout (${String(t['timeout'])} ms), got ${String(latency['controlP95Ms'])}`]);
  return found;
}

function targetCheck(fields: readonly (keyof ResolvedTarget)[]): Check {
  const required: Record<string, Check> = {};
  const optional: Record<string, Check> = {};
  for (const field of fields) (OPTIONAL_TARGET_FIELDS.has(field) ? optional : required)[field] = TARGET_FIELDS[field];
  return shape(required, optional, targetRules);
}

/** A list of targets, no two with one name. */
function targetsOf(target: Check): Check {
  const names = list(target, { min: 1 });
  return (value, path, problems) => {
    names(value, path, problems);
    if (!Array.isArray(value)) return;
    const seen = new Set<unknown>();
    value.forEach((t, i) => {
      const name = isRecord(t) ? t['name'] : undefined;
      if (name !== undefined && seen.has(name)) problems.push(`${path}[${i}].name: duplicate target name ${JSON.stringify(name)}`);
      seen.add(name);
    });
  };
}

/**
 * `regions` of a config: every AWS region some target is probed from, sorted; every other location of a
 * target is a declared agent; a login target is probed from agents only (Lambda has no raw sockets).
 */
function regionsRule(config: Record<string, unknown>): Array<[string, string]> {
  const targets = Array.isArray(config['targets']) ? config['targets'].filter(isRecord) : [];
  const found: Array<[string, string]> = [];
  const expected = [...new Set(targets.flatMap((t) => (Array.isArray(t['regions']) ? t['regions'] : [])))].filter((r): r is string => typeof r === 'string' && isAwsRegion(r)).sort();
  const actual = config['regions'];
  if (JSON.stringify(actual) !== JSON.stringify(expected)) found.push(['regions', `must be the targets' AWS regions, sorted (${expected.join(', ')}), got ${JSON.stringify(actual)}`]);
  const declared = new Set((Array.isArray(config['agents']) ? config['agents'] : []).map((a: unknown) => (isRecord(a) ? a['name'] : undefined)));
  const seen = new Set<unknown>();
  for (const a of Array.isArray(config['agents']) ? config['agents'] : []) {
    const name = isRecord(a) ? a['name'] : undefined;
    if (seen.has(name)) found.push(['agents', `duplicate agent name ${JSON.stringify(name)}`]);
    seen.add(name);
  }
  targets.forEach((t, i) => {
    const where = Array.isArray(t['regions']) ? t['regions'].filter((r): r is string => typeof r === 'string') : [];
    for (const r of where) if (!isAwsRegion(r) && !declared.has(r)) found.push([`targets[${i}].regions`, `${JSON.stringify(r)} is neither an AWS region nor a declared agent`]);
    if (t['check'] !== undefined && where.some((r) => isAwsRegion(r))) found.push([`targets[${i}].check`, PACKAGED_LOGIN_PROBLEM]);
  });
  return found;
}

const groups = list(shape({ name: str((n) => TARGET_NAME.test(n), NAME_RULE), members: list(str((n) => TARGET_NAME.test(n), NAME_RULE), { min: 2, unique: true }) }, {}), { min: 1 });

/** Every group's virtual address and members are targets, and no target is in two groups. */
function groupsRule(config: Record<string, unknown>): Array<[string, string]> {
  if (!Array.isArray(config['groups'])) return [];
  const names = new Set((Array.isArray(config['targets']) ? config['targets'] : []).map((t: unknown) => (isRecord(t) ? t['name'] : undefined)));
  const found: Array<[string, string]> = [];
  const grouped = new Set<unknown>();
  config['groups'].forEach((g: unknown, i) => {
    if (!isRecord(g) || !Array.isArray(g['members'])) return;
    for (const name of [g['name'], ...g['members']]) {
      if (!names.has(name)) found.push([`groups[${i}]`, `${JSON.stringify(name)} is not a target`]);
      if (grouped.has(name)) found.push([`groups[${i}]`, `${JSON.stringify(name)} is in two groups`]);
      grouped.add(name);
    }
  });
  return found;
}

const common = {
  version: oneOf([1]),
  namespace: str(isNamespace, NAMESPACE_RULE),
  homeRegion: region,
  runbookBaseUrl: runbookBase,
  regions,
};

const resolvedConfigCheck = shape(
  {
    ...common,
    targets: targetsOf(targetCheck(Object.keys(TARGET_FIELDS) as (keyof ResolvedTarget)[])),
    maintenance: windowsOf('global'),
    alerts: shape({}, { page: topic, ticket: topic }),
  },
  { dashboardBaseUrl: str(isHttpsUrl, HTTPS_URL_RULE), agents, notify: notifyCheck, groups },
  (config) => [...regionsRule(config), ...groupsRule(config)],
);

const probeConfigCheck = shape({ ...common, targets: targetsOf(targetCheck(PROBE_TARGET_FIELDS)) }, {}, regionsRule);

/** Whether `value` is a resolved config; every problem, one `config.<path>: <problem>` line each, in `problems`. */
export function isResolvedConfig(value: unknown, problems: string[]): value is ResolvedConfig {
  resolvedConfigCheck(value, 'config', problems);
  return problems.length === 0;
}

/** Whether `value` is the probe function's projection of a resolved config (probe-config.ts). */
export function isProbeConfig(value: unknown, problems: string[]): value is ProbeConfig {
  probeConfigCheck(value, 'config', problems);
  return problems.length === 0;
}
