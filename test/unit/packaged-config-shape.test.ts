// The packaged config's shape check (shared/config/resolved-shape.ts), applied when packaging and at each
// Lambda's init: a field tampered with or missing in any section is refused with the field named, and
// every config the loader accepts passes it (else packaging would fail on a valid monitor.yml).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { packConfig, packProbeConfig, PackagedConfigError, unpackConfig, unpackProbeConfig } from '../../shared/config/packaged.js';
import { probeConfigOf, type ProbeConfig } from '../../shared/config/probe-config.js';

const RICH = `
version: 1
namespace: PPTPMonitor
homeRegion: eu-central-1
runbookBaseUrl: https://wiki.example.com/runbooks
dashboardBaseUrl: https://console.example.com/dashboards/
alerts: { page: netops-page, ticket: arn:aws:sns:eu-central-1:123456789012:netops-tickets }
maintenance:
  - { start: '2025-11-08T22:00:00Z', end: '2025-11-09T04:00:00Z', description: fibre works }
defaults: { regions: [eu-central-1, eu-west-1], attempts: 2, owner: netops@example.com, tags: { team: netops } }
targets:
  - name: hq-gw
    host: vpn.hq.example.com
    checks: { call: true }
    latency: { controlP95Ms: 250, for: 10 }
    slo: { availability: 99.95 }
    maintenance:
      - { weekly: { day: sun, start: '02:00', durationMinutes: 60 }, timezone: Europe/Berlin }
  - name: branch-paris
    host: 198.51.100.20
    port: 1724
    regions: [eu-west-3]
    interval: 5m
    timeout: 8000
    quorum: 1
    down: { for: 2 }
    maintenance:
      - { cron: '30 3 * * *', durationMinutes: 10, timezone: Europe/Paris }
`;

function resolved(text: string, source = 'rich.yml'): ResolvedConfig {
  const parsed = parseConfig(text, source);
  if (!parsed.ok) throw new Error(`fixture ${source}: ${parsed.errors.map((e) => `${e.path}: ${e.problem}`).join('; ')}`);
  return parsed.config;
}

/** A packaged file whose digest matches, so that only the shape check stands between it and the function. */
function forge(config: unknown, format = 'pptp-monitor/resolved-config@1'): string {
  const body = JSON.stringify(config);
  return `${JSON.stringify({ format, sha256: createHash('sha256').update(body).digest('hex') })}\n${body}\n`;
}

/** The config as a function reads it: what JSON keeps. */
const asRead = (config: unknown): unknown => JSON.parse(JSON.stringify(config));
const rich = (): unknown => asRead(resolved(RICH));

const DELETE = Symbol('delete');
/** A field by its path (`targets.0.checks.echo`) set to a value, or deleted. */
type Edit = [path: string, value: unknown];
type Tamper = [what: string, edits: Edit[], problem: string];

function edit(root: unknown, [path, value]: Edit): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node = root;
  for (const key of keys) node = (node as Record<string, unknown>)[key];
  const parent = node as Record<string, unknown>;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
}

function tampered(config: unknown, edits: readonly Edit[]): unknown {
  for (const e of edits) edit(config, e);
  return config;
}

const D = DELETE;
const TAMPERINGS: Tamper[] = [
  // top level
  ['version', [['version', 2]], 'config.version: must be 1, got 2'],
  ['namespace', [['namespace', 'AWS/EC2']], "config.namespace: must be 1-255 printable ASCII characters, not starting with 'AWS/', got 'AWS/EC2'"],
  ['homeRegion', [['homeRegion', 'mars-north-1']], "config.homeRegion: must be an AWS region code such as us-east-1, got 'mars-north-1'"],
  ['missing homeRegion', [['homeRegion', D]], 'config.homeRegion: required'],
  ['runbookBaseUrl', [['runbookBaseUrl', 'http://wiki.example.com/']], 'config.runbookBaseUrl: must be an https:// URL'],
  ['dashboardBaseUrl', [['dashboardBaseUrl', 42]], 'config.dashboardBaseUrl: must be an https:// URL, got 42'],
  ['regions', [['regions', ['eu-west-1']]], "config.regions: must be the targets' AWS regions, sorted (eu-central-1, eu-west-1, eu-west-3)"],
  ['unknown top-level field', [['colour', 'blue']], "config: unknown field 'colour'"],
  // alerts
  ['alerts.page', [['alerts.page', 'not a topic!']], "config.alerts.page: must be an SNS topic name or ARN (arn:aws:sns:<region>:<account>:<name>), got 'not a topic!'"],
  ['alerts extra key', [['alerts.sms', 'x']], "config.alerts: unknown field 'sms'"],
  ['missing alerts', [['alerts', D]], 'config.alerts: required'],
  // global maintenance
  ['global window scope', [['maintenance.0.scope', 'target']], "config.maintenance[0].scope: must be 'global', got target"],
  [
    'once window end before start',
    [
      ['maintenance.0.end', '2025-11-08T21:00:00Z'],
      ['maintenance.0.endMs', Date.parse('2025-11-08T21:00:00Z')],
    ],
    'config.maintenance[0].end: must be after start (2025-11-08T22:00:00Z), got 2025-11-08T21:00:00Z',
  ],
  ['once window startMs', [['maintenance.0.startMs', Date.parse('2025-11-08T22:00:01Z')]], 'config.maintenance[0].startMs: must be start (2025-11-08T22:00:00Z) in ms'],
  ['once window start', [['maintenance.0.start', 'Saturday']], "config.maintenance[0].start: must be an ISO 8601 date-time with a UTC offset, e.g. '2025-03-01T02:00:00Z', got 'Saturday'"],
  ['window kind', [['maintenance.0.kind', 'monthly']], "config.maintenance[0].kind: must be one of 'once', 'weekly', 'cron', got 'monthly'"],
  ['window not a mapping', [['maintenance.0', 'always']], "config.maintenance[0]: must be a mapping, got 'always'"],
  // targets
  ['no targets', [['targets', []]], 'config.targets: must be a non-empty list'],
  ['duplicate name', [['targets.1.name', 'hq-gw']], 'config.targets[1].name: duplicate target name "hq-gw"'],
  ['missing name', [['targets.0.name', D]], 'config.targets[0].name: required'],
  ['name', [['targets.0.name', 'HQ']], 'config.targets[0].name: must be 1-63 lowercase letters'],
  ['host', [['targets.0.host', 'http://vpn.example.com']], "config.targets[0].host: must be a host name or IP address, not a URL, got 'http://vpn.example.com'"],
  ['host address', [['targets.0.host', '1.2.3']], "config.targets[0].host: '1.2.3' looks like an IPv4 address but is not one"],
  ['port', [['targets.0.port', 0]], 'config.targets[0].port: must be a whole number 1-65535, got 0'],
  ['regions duplicate', [['targets.0.regions', ['eu-west-1', 'eu-west-1']]], "config.targets[0].regions[1]: duplicate 'eu-west-1'"],
  ['interval', [['targets.0.interval', '2m']], "config.targets[0].interval: must be '1m' or '5m', got '2m'"],
  ['intervalMinutes', [['targets.0.intervalMinutes', 5]], 'config.targets[0].intervalMinutes: must be 1 for interval 1m, got 5'],
  ['checks.echo', [['targets.0.checks.echo', 'yes']], "config.targets[0].checks.echo: must be true or false, got 'yes'"],
  ['checks extra switch', [['targets.0.checks.login', true]], "config.targets[0].checks: unknown field 'login'"],
  ['missing checks.call', [['targets.0.checks.call', D]], 'config.targets[0].checks.call: required'],
  ['timeout', [['targets.0.timeout', 99]], 'config.targets[0].timeout: must be a whole number 100-60000 ms, got 99'],
  ['timeout against interval', [['targets.0.timeout', 60_000]], 'config.targets[0].timeout: must be less than the interval (1m = 60000 ms), got 60000'],
  ['attempts', [['targets.0.attempts', 6]], 'config.targets[0].attempts: must be a whole number 1-5, got 6'],
  ['tag name', [['targets.0.tags.aws:team', 'x']], `config.targets[0].tags: tag names starting with 'aws:' are reserved by AWS, got "aws:team"`],
  ['tag value', [['targets.0.tags.team', 7]], 'config.targets[0].tags["team"]: must be a string of at most 256 characters, got 7'],
  ['owner', [['targets.0.owner', '']], "config.targets[0].owner: must be a string of 1-256 characters, got ''"],
  ['target runbookBaseUrl', [['targets.0.runbookBaseUrl', 'https://wiki.example.com/runbooks']], "config.targets[0].runbookBaseUrl: must be an https:// URL ending in '/'"],
  ['slo.availability', [['targets.0.slo.availability', 100]], 'config.targets[0].slo.availability: must be a percentage above 0 and below 100, e.g. 99.9, got 100'],
  ['slo.window', [['targets.0.slo.window', '91d']], "config.targets[0].slo.window: must be a number of days from 1d to 90d, e.g. '30d', got '91d'"],
  ['slo.windowDays', [['targets.0.slo.windowDays', 7]], 'config.targets[0].slo.windowDays: must be the days of window 30d, got 7'],
  ['missing slo', [['targets.0.slo', D]], 'config.targets[0].slo: required'],
  ['latency.controlP95Ms', [['targets.0.latency.controlP95Ms', -1]], 'config.targets[0].latency.controlP95Ms: must be a positive number of ms, got -1'],
  ['latency.forMinutes', [['targets.0.latency.forMinutes', 0]], 'config.targets[0].latency.forMinutes: must be a whole number 1-1440 minutes, got 0'],
  ['latency in the YAML spelling', [['targets.0.latency.for', 10]], "config.targets[0].latency: unknown field 'for'"],
  ['latency against timeout', [['targets.0.latency.controlP95Ms', 5000]], 'config.targets[0].latency.controlP95Ms: must be less than the timeout (5000 ms), got 5000'],
  ['quorum', [['targets.0.quorum', 3]], 'config.targets[0].quorum: must be at most the number of regions (2), got 3'],
  ['missing quorum', [['targets.0.quorum', D]], 'config.targets[0].quorum: required'],
  ['down.for', [['targets.1.down.for', 0]], 'config.targets[1].down.for: must be a whole number 1-60 intervals, got 0'],
  ['unknown target field', [['targets.0.colour', 'blue']], "config.targets[0]: unknown field 'colour'"],
  // target maintenance
  ['weekly day', [['targets.0.maintenance.1.weekly.day', 'funday']], "config.targets[0].maintenance[1].weekly.day: must be one of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', got 'funday'"],
  ['weekly start', [['targets.0.maintenance.1.weekly.start', '24:00']], "config.targets[0].maintenance[1].weekly.start: must be a time of day 'HH:MM' from 00:00 to 23:59, got '24:00'"],
  ['weekly timezone', [['targets.0.maintenance.1.timezone', 'Mars/Olympus']], "config.targets[0].maintenance[1].timezone: must be an IANA time zone name such as Europe/Berlin, got 'Mars/Olympus'"],
  ['cron that never fires', [['targets.1.maintenance.1.cron', '0 3 30 2 *']], 'config.targets[1].maintenance[1].cron: '],
  ['cron durationMinutes', [['targets.1.maintenance.1.durationMinutes', 0]], 'config.targets[1].maintenance[1].durationMinutes: must be a whole number 1-10080 minutes, got 0'],
  ['window countsAgainstSla', [['targets.1.maintenance.1.countsAgainstSla', D]], 'config.targets[1].maintenance[1].countsAgainstSla: required'],
];

function refusal(config: unknown, unpack: (text: string, source: string) => unknown = unpackConfig, format?: string): PackagedConfigError {
  try {
    unpack(forge(config, format), 'c.json');
  } catch (err) {
    if (err instanceof PackagedConfigError) return err;
    throw err;
  }
  throw new Error('the tampered config was accepted');
}

describe('the packaged config shape', () => {
  it('accepts the rich config it was made from, field for field', () => {
    // Prepare / Act
    const config = resolved(RICH);
    // Assess
    expect(unpackConfig(packConfig(config), 'c.json')).toEqual(config);
    expect(unpackProbeConfig(packProbeConfig(probeConfigOf(config)), 'p.json')).toEqual(probeConfigOf(config));
  });

  it.each(TAMPERINGS)('refuses a tampered %s, naming the field', (_what, edits, problem) => {
    // Prepare
    const config = tampered(rich(), edits);
    // Act
    const error = refusal(config);
    // Assess
    expect(error.code).toBe('invalid_shape');
    expect(error.message.split('\n')).toContainEqual(expect.stringContaining(`c.json: ${problem}`));
  });

  it('lists every problem at once, one line each, and says how many more past twenty', () => {
    const config = tampered(rich(), [
      ['targets.0.port', 0],
      ['targets.1.attempts', 0],
    ]);
    expect(refusal(config).message).toBe(
      'c.json: config.targets[0].port: must be a whole number 1-65535, got 0\nc.json: config.targets[1].attempts: must be a whole number 1-5, got 0',
    );
    const lines = refusal(tampered(config, [['targets', Array.from({ length: 25 }, () => ({}))]])).message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatch(/^c\.json: \.\.\. and \d+ more$/);
  });

  it('checks the probe projection against the same target fields, and refuses fields it does not carry', () => {
    // Prepare
    const cases: Tamper[] = [
      ['checks.call', [['targets.0.checks.call', 'no']], "config.targets[0].checks.call: must be true or false, got 'no'"],
      ['missing attempts', [['targets.1.attempts', D]], 'config.targets[1].attempts: required'],
      ['a field of the full config', [['targets.0.owner', 'netops@example.com']], "config.targets[0]: unknown field 'owner'"],
      ['intervalMinutes', [['targets.1.intervalMinutes', 1]], 'config.targets[1].intervalMinutes: must be 5 for interval 5m, got 1'],
    ];
    for (const [, edits, problem] of cases) {
      const config = tampered(asRead(probeConfigOf(resolved(RICH))), edits);
      // Act / Assess
      expect(refusal(config, unpackProbeConfig, 'pptp-monitor/probe-config@1').message).toContain(`c.json: ${problem}`);
    }
  });

  it('refuses to package a config that is not of the shape, before anything is written', () => {
    // Prepare: a resolver bug, as the package step would see it.
    const config = resolved(RICH);
    const broken: ResolvedConfig = { ...config, targets: config.targets.map((t, i) => (i === 0 ? { ...t, intervalMinutes: 5 } : t)) };
    const brokenProbe: ProbeConfig = { ...probeConfigOf(config), regions: ['eu-west-1'] };
    // Act / Assess
    expect(() => packConfig(broken)).toThrow('config to package: config.targets[0].intervalMinutes: must be 1 for interval 1m, got 5');
    expect(() => packProbeConfig(brokenProbe)).toThrow("config to package: config.regions: must be the targets' AWS regions, sorted");
  });

  it.each(['monitor.example.yml', 'monitor.local.yml', 'test/unit/fixtures/config/minimal.yml'])('packs %s, which the loader accepts', (path) => {
    const config = resolved(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), path);
    expect(unpackConfig(packConfig(config), 'c.json')).toEqual(config);
    expect(unpackProbeConfig(packProbeConfig(probeConfigOf(config)), 'p.json')).toEqual(probeConfigOf(config));
  });
});
