// Applies defaults and checks the rules that involve more than one field. Works on the raw YAML value,
// checking each field on its own, so that these rules still run (and report) when other parts of the
// file are invalid: every error is reported at once.
//
// Merging: a target's own value wins over `defaults`, which wins over the built-in default. Mappings
// (checks, slo, latency, down, tags) merge key by key; lists (regions, maintenance) replace.
import { canonicalHost, ipLiteralFamily } from '../probe/target.js';
import { DEFAULT_LOGIN_AUTH, LOGIN_ATTEMPTS, LOGIN_DEFAULT_TIMEOUT_MS, LOGIN_SWITCHES, PPTP_CONTROL, PPTP_LOGIN, type LoginSettings } from '../probers/option-schemas.js';
import { show, type PathProblem } from './format.js';
import {
  CHECKS_ON_LOGIN,
  lambdaLoginProblem,
  LOGIN_REQUIRED,
  LOGIN_WITHOUT_CHECK,
  loginAttemptsProblem,
  loginHostProblem,
  type ConfigRunner,
} from './login-rules.js';
import { CONFIG_DEFAULTS, INTERVAL_MINUTES } from './rules.js';
import {
  checkSchema,
  hostSchema,
  nameSchema,
  PARSE_OPTIONS,
  TARGET_FIELDS,
  type ParsedConfig,
  type ParsedLogin,
  type RawWindow,
  type TargetFieldKey,
  type TargetFieldValues,
} from './schema.js';
import { isAgentName, isAwsRegion } from './regions.js';
import { notifyCrossProblems, resolveNotify } from './notify-resolve.js';
import type { AgentLocation, MaintenanceWindow, ResolvedConfig, ResolvedGroup, ResolvedTarget } from './types.js';
import { isRecord as isMapping } from '../common/is-record.js';

type Source = 'target' | 'defaults';
interface Picked<T> {
  value: T;
  from: Source;
}
const INVALID = Symbol('invalid');
type Field<K extends TargetFieldKey> = Picked<TargetFieldValues[K]> | undefined | typeof INVALID;
type Fields = { [K in TargetFieldKey]: Field<K> };

const MERGED_MAPPINGS: ReadonlySet<TargetFieldKey> = new Set(['checks', 'slo', 'latency', 'down', 'tags']);

function parseField<K extends TargetFieldKey>(key: K, raw: unknown): TargetFieldValues[K] | typeof INVALID {
  const result = TARGET_FIELDS[key].safeParse(raw, PARSE_OPTIONS);
  return result.success ? (result.data as TargetFieldValues[K]) : INVALID;
}

function pick<K extends TargetFieldKey>(key: K, own: Record<string, unknown> | undefined, defaults: Record<string, unknown> | undefined): Field<K> {
  const mine = own !== undefined && key in own ? parseField(key, own[key]) : undefined;
  if (mine === INVALID) return INVALID;
  // A list or scalar of the target's own replaces the defaults' whatever they hold.
  if (mine !== undefined && !MERGED_MAPPINGS.has(key)) return { value: mine, from: 'target' };
  const inherited = defaults !== undefined && key in defaults ? parseField(key, defaults[key]) : undefined;
  if (inherited === INVALID) return INVALID;
  if (mine !== undefined && inherited !== undefined) {
    return { value: { ...(inherited as object), ...(mine as object) } as TargetFieldValues[K], from: 'target' };
  }
  if (mine !== undefined) return { value: mine, from: 'target' };
  if (inherited !== undefined) return { value: inherited, from: 'defaults' };
  return undefined;
}

function collect(own: Record<string, unknown> | undefined, defaults: Record<string, unknown> | undefined): Fields {
  const fields: Partial<Record<TargetFieldKey, unknown>> = {};
  for (const key of Object.keys(TARGET_FIELDS) as TargetFieldKey[]) fields[key] = pick(key, own, defaults);
  return fields as Fields;
}

/** The value, the built-in default when unset, or undefined when the field is invalid. */
function valueOr<T>(field: Picked<T> | undefined | typeof INVALID, fallback: T): T | undefined {
  if (field === INVALID) return undefined;
  return field === undefined ? fallback : field.value;
}

/** Default quorum: a majority of the regions (1 of 1, 2 of 2, 2 of 3, 3 of 4, 3 of 5). */
export function defaultQuorum(regionCount: number): number {
  return Math.floor(regionCount / 2) + 1;
}

interface CrossRule {
  /** Fields the rule reads. */
  involves: readonly TargetFieldKey[];
  /** The field reported: the first segment is the field key. */
  subject: readonly [TargetFieldKey, ...string[]];
  /**
   * A problem, or undefined when the rule holds or cannot be judged (a value is missing or invalid).
   * `defaultTimeout` is the built-in timeout of the target's check kind (a login's is longer).
   */
  check(fields: Fields, defaultTimeout: number): string | undefined;
}

const CROSS_RULES: readonly CrossRule[] = [
  {
    involves: ['quorum', 'regions'],
    subject: ['quorum'],
    check: (f) => {
      if (f.quorum === undefined || f.quorum === INVALID || f.regions === undefined || f.regions === INVALID) return undefined;
      const regions = f.regions.value.length;
      if (f.quorum.value <= regions) return undefined;
      return `must be at most the number of regions (${regions}), got ${f.quorum.value}`;
    },
  },
  {
    involves: ['timeout', 'interval'],
    subject: ['timeout'],
    check: (f, defaultTimeout) => {
      const timeout = valueOr(f.timeout, defaultTimeout);
      const interval = valueOr(f.interval, CONFIG_DEFAULTS.interval);
      if (timeout === undefined || interval === undefined) return undefined;
      const intervalMs = INTERVAL_MINUTES[interval] * 60_000;
      if (timeout < intervalMs) return undefined;
      return `must be less than the interval (${interval} = ${intervalMs} ms), got ${timeout}`;
    },
  },
  {
    involves: ['latency', 'timeout'],
    subject: ['latency', 'controlP95Ms'],
    check: (f, defaultTimeout) => {
      const timeout = valueOr(f.timeout, defaultTimeout);
      if (f.latency === undefined || f.latency === INVALID || timeout === undefined) return undefined;
      const p95 = f.latency.value.controlP95Ms;
      if (p95 < timeout) return undefined;
      return `must be less than the timeout (${timeout} ms), got ${p95}`;
    },
  },
];

/**
 * One gateway under two names is probed twice as often, its history is split between two series, and one
 * outage pages twice; it is almost always a copy-paste slip. Judged on host and the resolved port, in one
 * spelling (gw.example.com. is gw.example.com); targets with the same name are already a duplicate name.
 */
function sameGatewayProblem(seen: Map<string, { index: number; name: unknown; host: string; where: string }>, entry: TargetEntry, fields: Fields): string | undefined {
  const { target, index } = entry;
  const port = valueOr(fields.port, CONFIG_DEFAULTS.port);
  if (typeof target.host !== 'string' || !hostSchema.safeParse(target.host).success || port === undefined) return undefined;
  // A login and a control check of one gateway are two targets on purpose (agents log in, regions probe control).
  const kind = isLoginTarget(target) ? PPTP_LOGIN : PPTP_CONTROL;
  const key = `${canonicalHost(target.host)} ${port} ${kind}`;
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, { index, name: target.name, host: target.host, where: entry.describe });
    return undefined;
  }
  if (first.name === target.name) return undefined;
  const spelled = first.host === target.host ? '' : ` (written ${show(first.host)} there)`;
  if (entry.member !== undefined || entry.group !== undefined) {
    // A group probes its members (and its virtual address) itself: the same gateway as a standalone target is probed twice.
    const what = entry.member !== undefined ? `member ${show(target.name)} of group ${show(entry.group)}` : `the virtual address of group ${show(entry.group)}`;
    return `${what} is the same host and port as ${first.where}: ${show(target.host)} port ${port}${spelled}; a gateway is either a standalone target or in a group, not both`;
  }
  return `target ${show(target.name)} probes the same host and port as target ${show(first.name)} (targets[${first.index}]): ${show(target.host)} port ${port}${spelled}`;
}

/**
 * One gateway to probe as the raw YAML gives it: a target, or a group's virtual address or member spelt
 * as a target (the group's settings with the member's name, host and port), with where each field is
 * written, so that every rule runs on groups as on targets and names the place in the file.
 */
interface TargetEntry {
  target: Record<string, unknown>;
  /** Index in `targets`, or of the group in `groups`. */
  index: number;
  pathOf(key: string): PathProblem['path'];
  /** How problems elsewhere refer to it, e.g. `target "gw" (targets[2])`. */
  describe: string;
  group?: string;
  member?: number;
}

/** The targets, then each group's virtual address and members (a member inherits everything but name, host and port from its group). */
function targetEntries(raw: Record<string, unknown>): TargetEntry[] {
  const entries: TargetEntry[] = [];
  if (Array.isArray(raw.targets)) {
    raw.targets.forEach((target: unknown, i) => {
      if (isMapping(target)) entries.push({ target, index: i, pathOf: (key) => ['targets', i, key], describe: `target ${show(target.name)} (targets[${i}])` });
    });
  }
  if (!Array.isArray(raw.groups)) return entries;
  raw.groups.forEach((group: unknown, g) => {
    if (!isMapping(group)) return;
    const { members, ...settings } = group;
    const groupName = typeof group.name === 'string' ? group.name : `groups[${g}]`;
    entries.push({ target: settings, index: g, pathOf: (key) => ['groups', g, key], describe: `the virtual address of group ${show(groupName)} (groups[${g}])`, group: groupName });
    if (!Array.isArray(members)) return;
    members.forEach((member: unknown, j) => {
      if (!isMapping(member)) return;
      const target = { ...settings, name: member.name, host: member.host, ...('port' in member ? { port: member.port } : {}) };
      const own = new Set(Object.keys(member));
      entries.push({
        target,
        index: g,
        pathOf: (key) => (own.has(key) || key === 'name' || key === 'host' ? ['groups', g, 'members', j, key] : ['groups', g, key]),
        describe: `member ${show(member.name)} of group ${show(groupName)} (groups[${g}].members[${j}])`,
        group: groupName,
        member: j,
      });
    });
  });
  return entries;
}

function setIn(field: Field<TargetFieldKey>, scope: Source): boolean {
  return field !== undefined && field !== INVALID && field.from === scope;
}

/** Whether a target asks for a login check (its own `check`; defaults may not set one). */
function isLoginTarget(target: Record<string, unknown>): boolean {
  return target.check === PPTP_LOGIN;
}

/**
 * The rules of check kinds: `login` goes with `check: pptp-login` and only with it; a login target has
 * no `checks` switches, one attempt and an IPv4 gateway; and the Lambda functions cannot run it.
 */
function checkKindProblems(target: Record<string, unknown>, fields: Fields, runner: ConfigRunner): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const checkValid = target.check === undefined || checkSchema.safeParse(target.check).success;
  if (!isLoginTarget(target)) {
    if ('login' in target && checkValid) problems.push(['login', LOGIN_WITHOUT_CHECK]);
    return problems;
  }
  if (!('login' in target)) problems.push(['login', LOGIN_REQUIRED]);
  if ('checks' in target) problems.push(['checks', CHECKS_ON_LOGIN]);
  const attempts = fields.attempts;
  if (attempts !== undefined && attempts !== INVALID && attempts.from === 'target' && attempts.value !== LOGIN_ATTEMPTS) problems.push(['attempts', loginAttemptsProblem(attempts.value)]);
  if (typeof target.host === 'string' && ipLiteralFamily(target.host) === 6) problems.push(['host', loginHostProblem(target.host)]);
  if (runner === 'lambda') {
    // A login needs raw sockets: an agent runs it, a Lambda region cannot.
    const regions = fields.regions === undefined || fields.regions === INVALID ? undefined : fields.regions.value;
    const lambdaRegions = regions?.filter((r) => isAwsRegion(r));
    if (lambdaRegions === undefined || lambdaRegions.length > 0) problems.push(['check', lambdaLoginProblem(target.host, lambdaRegions)]);
  }
  return problems;
}

/**
 * The problems found by the rules that span fields or targets. `raw` is the parsed YAML document;
 * `runner` says where the config will run (login checks cannot run in Lambda).
 */
export function crossCheck(raw: unknown, runner: ConfigRunner = 'lambda'): PathProblem[] {
  const problems: PathProblem[] = [];
  if (!isMapping(raw)) return problems;
  const defaults = isMapping(raw.defaults) ? raw.defaults : undefined;

  // Rules judged once on the defaults alone (with the built-in defaults), when defaults set a field they read.
  const problemInDefaults = new Map<CrossRule, string>();
  if (defaults !== undefined) {
    const fields = collect(undefined, defaults);
    for (const rule of CROSS_RULES) {
      if (!rule.involves.some((key) => setIn(fields[key], 'defaults'))) continue;
      const problem = rule.check(fields, CONFIG_DEFAULTS.timeout);
      if (problem === undefined) continue;
      problemInDefaults.set(rule, problem);
      problems.push({ path: ['defaults', ...rule.subject], problem });
    }
  }

  problems.push(...notifyCrossProblems(raw.notify, runner));
  const agents = declaredAgents(raw.agents);
  if (Array.isArray(defaults?.regions)) problems.push(...locationProblems(defaults.regions, agents, undefined, ['defaults', 'regions']));

  if (Array.isArray(raw.targets) && raw.targets.length === 0 && !(Array.isArray(raw.groups) && raw.groups.length > 0)) problems.push({ path: ['targets'], problem: 'must list at least one target' });
  const used = new Set<string>();
  const names = new Map<string, string>();
  const gateways = new Map<string, { index: number; name: unknown; host: string; where: string }>();
  for (const entry of targetEntries(raw)) {
    const { target, pathOf } = entry;
    if (nameSchema.safeParse(target.name).success) {
      const name = target.name as string;
      const first = names.get(name);
      if (first !== undefined) problems.push({ path: pathOf('name'), problem: entry.group === undefined && first.startsWith('target ') ? `duplicate target name ${show(name)}` : `duplicate name ${show(name)}: already ${first}` });
      else names.set(name, entry.describe);
    }
    const fields = collect(target, defaults);
    const problem = sameGatewayProblem(gateways, entry, fields);
    if (problem !== undefined) problems.push({ path: pathOf('host'), problem });
    if (fields.regions === undefined) problems.push({ path: pathOf('regions'), problem: 'required (on the target or in defaults)' });
    // Judged on the list as written, also when some entries are invalid (the schema names those).
    const own = Array.isArray(target.regions);
    const written = own ? (target.regions as unknown[]) : Array.isArray(defaults?.regions) ? (defaults.regions as unknown[]) : [];
    for (const r of written) if (typeof r === 'string') used.add(r);
    // A member's regions are its group's: judged once, at the group.
    if (entry.member === undefined) {
      // Inherited regions were judged at defaults, except for what only this target's check kind makes wrong.
      problems.push(...locationProblems(written, agents, isLoginTarget(target) ? PPTP_LOGIN : PPTP_CONTROL, pathOf('regions'), own));
      for (const [key, problem] of checkKindProblems(target, fields, runner)) problems.push({ path: pathOf(key), problem });
    }
    const defaultTimeout = isLoginTarget(target) ? LOGIN_DEFAULT_TIMEOUT_MS : CONFIG_DEFAULTS.timeout;
    for (const rule of CROSS_RULES) {
      if (entry.member !== undefined) break;
      // A rule on inherited values only was judged on the defaults; judge it here when the target sets
      // one of its fields, unless that gives the very problem already reported at the defaults.
      if (!rule.involves.some((key) => setIn(fields[key], 'target'))) continue;
      const problem = rule.check(fields, defaultTimeout);
      if (problem === undefined) continue;
      const inherited = setIn(fields[rule.subject[0]], 'defaults');
      if (inherited && problem === problemInDefaults.get(rule)) continue;
      const [key, ...rest] = rule.subject;
      problems.push({ path: [...pathOf(key!), ...rest], problem: inherited ? `${problem} (from defaults)` : problem });
    }
  }
  for (const [name, agent] of agents) {
    if (!used.has(name)) problems.push({ path: ['agents', agent.index, 'name'], problem: `agent ${show(name)} probes no target: add it to a target's regions, or remove it` });
  }
  return problems;
}

interface DeclaredAgent {
  index: number;
  /** Check kinds it may run; undefined when any. */
  checks: readonly string[] | undefined;
}

/** The agents under `agents` whose names are valid (the schema reports the rest). */
function declaredAgents(raw: unknown): Map<string, DeclaredAgent> {
  const agents = new Map<string, DeclaredAgent>();
  if (!Array.isArray(raw)) return agents;
  raw.forEach((agent: unknown, index) => {
    if (!isMapping(agent) || typeof agent.name !== 'string' || agents.has(agent.name) || !isAgentName(agent.name)) return;
    const checks = Array.isArray(agent.checks) && agent.checks.every((c) => typeof c === 'string') ? (agent.checks as string[]) : undefined;
    agents.set(agent.name, { index, checks });
  });
  return agents;
}

/**
 * Every entry of a `regions` list must be an AWS region or a declared agent, and an agent must allow the
 * target's check kind. `namesToo` false: the names were judged where the list was written (defaults).
 */
function locationProblems(regions: readonly unknown[], agents: ReadonlyMap<string, DeclaredAgent>, kind: string | undefined, path: PathProblem['path'], namesToo = true): PathProblem[] {
  const problems: PathProblem[] = [];
  regions.forEach((region, j) => {
    if (typeof region !== 'string' || isAwsRegion(region)) return;
    const agent = agents.get(region);
    if (agent === undefined) {
      if (!namesToo) return;
      const declared = agents.size === 0 ? 'no agent is declared' : `declared: ${[...agents.keys()].join(', ')}`;
      problems.push({ path: [...path, j], problem: `unknown location ${show(region)}: neither an AWS region code nor an agent declared under agents (${declared})` });
    } else if (kind !== undefined && agent.checks !== undefined && !agent.checks.includes(kind)) {
      problems.push({ path: [...path, j], problem: `agent ${show(region)} may run ${agent.checks.join(', ')} only (its checks), not ${kind}` });
    }
  });
  return problems;
}

function resolveWindow(window: RawWindow, scope: 'global' | 'target'): MaintenanceWindow {
  const common = {
    countsAgainstSla: window.countsAgainstSla ?? CONFIG_DEFAULTS.countsAgainstSla,
    description: window.description,
    scope,
  };
  switch (window.kind) {
    case 'once':
      return { kind: 'once', start: window.start, end: window.end, startMs: window.startMs, endMs: window.endMs, ...common };
    case 'weekly':
      return { kind: 'weekly', weekly: { ...window.weekly }, timezone: window.timezone, ...common };
    case 'cron':
      return { kind: 'cron', cron: window.cron, durationMinutes: window.durationMinutes, timezone: window.timezone, ...common };
  }
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

function value<K extends TargetFieldKey>(field: Field<K>): TargetFieldValues[K] | undefined {
  if (field === INVALID) throw new Error('resolveConfig called on an invalid config');
  return field?.value;
}

/** A login's settings as resolved: one password source (the schema and crossCheck refused the rest), switches and auth defaulted. */
function resolveLogin(login: ParsedLogin): LoginSettings {
  let password: LoginSettings['password'];
  if (login.passwordEnv !== undefined) password = { env: login.passwordEnv };
  else if (login.passwordFile !== undefined) password = { file: login.passwordFile };
  else throw new Error('resolveConfig called on an invalid config');
  return { username: login.username, password, data: login.data ?? LOGIN_SWITCHES.data, auth: [...(login.auth ?? DEFAULT_LOGIN_AUTH)] };
}

/** The resolved config, from a document that passed the schema and crossCheck without a problem. */
export function resolveConfig(raw: Record<string, unknown>, parsed: ParsedConfig): ResolvedConfig {
  const defaults = isMapping(raw.defaults) ? raw.defaults : undefined;
  const runbookBaseUrl = withSlash(parsed.runbookBaseUrl ?? CONFIG_DEFAULTS.runbookBaseUrl);
  const globalWindows = (parsed.maintenance ?? []).map((w) => resolveWindow(w, 'global'));
  const resolveTarget = (target: Pick<ParsedConfig['targets'][number], 'name' | 'host' | 'check' | 'login'>, own: unknown): ResolvedTarget => {
    const f = collect(isMapping(own) ? own : undefined, defaults);
    const regions = value(f.regions);
    if (regions === undefined) throw new Error('resolveConfig called on an invalid config');
    const interval = value(f.interval) ?? CONFIG_DEFAULTS.interval;
    const slo = { ...CONFIG_DEFAULTS.slo, ...value(f.slo) };
    const latency = value(f.latency);
    // A login target writes its kind and settings; a control target writes neither (see ResolvedTarget.check).
    const login = target.check === PPTP_LOGIN && target.login !== undefined ? { check: PPTP_LOGIN as typeof PPTP_LOGIN, login: resolveLogin(target.login) } : undefined;
    return {
      name: target.name,
      host: target.host,
      port: value(f.port) ?? CONFIG_DEFAULTS.port,
      regions: [...regions],
      interval,
      intervalMinutes: INTERVAL_MINUTES[interval],
      checks: { ...CONFIG_DEFAULTS.checks, ...value(f.checks) },
      ...login,
      timeout: value(f.timeout) ?? (login ? LOGIN_DEFAULT_TIMEOUT_MS : CONFIG_DEFAULTS.timeout),
      // A login never retries (see LOGIN_ATTEMPTS): an attempts in defaults is for the control probes.
      attempts: login ? LOGIN_ATTEMPTS : (value(f.attempts) ?? CONFIG_DEFAULTS.attempts),
      tags: { ...value(f.tags) },
      owner: value(f.owner),
      runbookBaseUrl: withSlash(value(f.runbookBaseUrl) ?? runbookBaseUrl),
      slo: { availability: slo.availability, window: slo.window, windowDays: Number(slo.window.slice(0, -1)) },
      latency: latency === undefined ? undefined : { controlP95Ms: latency.controlP95Ms, ...(latency.for !== undefined ? { forMinutes: latency.for } : {}) },
      quorum: value(f.quorum) ?? defaultQuorum(regions.length),
      down: { ...CONFIG_DEFAULTS.down, ...value(f.down) },
      maintenance: [...globalWindows, ...(value(f.maintenance) ?? []).map((w) => resolveWindow(w, 'target'))],
    };
  };
  const targets = parsed.targets.map((target, i) => resolveTarget(target, (raw.targets as unknown[])[i]));
  // A group is its virtual address and its members, each a target with the group's settings (a member's own port wins).
  const groups: ResolvedGroup[] = [];
  (parsed.groups ?? []).forEach((group, g) => {
    const own = (raw.groups as unknown[])[g];
    const settings = isMapping(own) ? Object.fromEntries(Object.entries(own).filter(([key]) => key !== 'members')) : {};
    targets.push(resolveTarget(group, settings));
    for (const member of group.members) targets.push(resolveTarget(member, { ...settings, ...(member.port !== undefined ? { port: member.port } : {}) }));
    groups.push({ name: group.name, members: group.members.map((m) => m.name) });
  });
  const regions = [...new Set(targets.flatMap((t) => t.regions))].filter(isAwsRegion).sort();
  const agents = (parsed.agents ?? []).map((a): AgentLocation => ({ name: a.name, description: a.description, checks: a.checks === undefined ? undefined : [...a.checks] }));
  return {
    version: 1,
    namespace: parsed.namespace ?? CONFIG_DEFAULTS.namespace,
    homeRegion: parsed.homeRegion,
    runbookBaseUrl,
    dashboardBaseUrl: parsed.dashboardBaseUrl,
    targets,
    maintenance: globalWindows,
    alerts: { page: parsed.alerts?.page, ticket: parsed.alerts?.ticket },
    regions,
    // Written only when declared, so a config without agents resolves (and packages) as it did before them.
    ...(agents.length > 0 ? { agents } : {}),
    // Likewise only when written: a config without notify packages byte for byte as before.
    ...(parsed.notify !== undefined ? { notify: resolveNotify(parsed.notify) } : {}),
    ...(groups.length > 0 ? { groups } : {}),
  };
}
