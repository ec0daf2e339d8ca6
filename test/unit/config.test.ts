import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../shared/cli/validate-command.js';
import { UsageError } from '../../shared/cli/usage-error.js';
import {
  formatConfigError,
  loadConfig,
  parseConfig,
  parseCron,
  targetsForRegion,
  DEFAULT_RUNBOOK_BASE_URL,
  type ConfigResult,
  type ResolvedConfig,
} from '../../shared/config/index.js';
import { probeTargetFor } from '../../shared/probe/index.js';
import { probeOptionsFor } from '../../shared/probers/index.js';
import { DEFAULT_PPTP_CONTROL_OPTIONS as DEFAULT_PROBE_OPTIONS } from '../../shared/probers/pptp/index.js';

const EXAMPLE = new URL('../../monitor.example.yml', import.meta.url);
const FIXTURES = new URL('./fixtures/config/', import.meta.url);
const fixture = (name: string): string => new URL(name, FIXTURES).pathname;

/** Strips the indentation common to all lines, so YAML can be written indented in the test. */
function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '');
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function resolved(text: string): ResolvedConfig {
  const result = parseConfig(text, 'monitor.yml');
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map(formatConfigError).join('\n')}`);
  return result.config;
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected errors, the config is valid');
  return result.errors.map(formatConfigError);
}

const errors = (text: string): string[] => errorsOf(parseConfig(text, 'monitor.yml'));

const NAME_RULE =
  'must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit (target names are CloudWatch dimension values)';
const WINDOW_FORMS =
  'must be a one-off window (start, end), a weekly window (weekly, timezone) or a cron window (cron, durationMinutes, timezone)';
const PERCENT_RULE = 'must be a percentage above 0 and below 100, e.g. 99.9';
const ISO_RULE = "must be an ISO 8601 date-time with a UTC offset, e.g. '2025-03-01T02:00:00Z'";

describe('monitor.example.yml', () => {
  it('validates and resolves every target with the defaults applied as documented', async () => {
    const result = await loadConfig(EXAMPLE.pathname);
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    const config = result.config;
    expect(config.namespace).toBe('PPTPMonitor');
    expect(config.homeRegion).toBe('eu-central-1');
    expect(config.alerts).toEqual({ page: 'arn:aws:sns:eu-central-1:123456789012:netops-page', ticket: 'netops-tickets' });
    expect(config.regions).toEqual(['eu-central-1', 'eu-west-1', 'eu-west-3', 'us-east-1']);
    expect(config.targets.map((t) => t.name)).toEqual(['hq-gw', 'branch-paris', 'dc-backup']);

    const global = {
      kind: 'once',
      start: '2025-11-08T22:00:00Z',
      end: '2025-11-09T04:00:00Z',
      startMs: Date.UTC(2025, 10, 8, 22),
      endMs: Date.UTC(2025, 10, 9, 4),
      countsAgainstSla: false,
      description: 'ISP fibre works at the Frankfurt site',
      scope: 'global',
    };
    const [hq, paris, backup] = config.targets;
    expect(hq).toEqual({
      name: 'hq-gw',
      host: 'vpn.hq.example.com',
      port: 1723,
      regions: ['eu-central-1', 'eu-west-1', 'us-east-1'],
      interval: '1m',
      intervalMinutes: 1,
      checks: { echo: true, call: true }, // call from the target, echo from defaults
      timeout: 5000,
      attempts: 2,
      tags: { team: 'netops', site: 'frankfurt' }, // merged key by key
      owner: 'netops-hq@example.com',
      runbookBaseUrl: 'https://wiki.example.com/network/pptp/runbooks/',
      slo: { availability: 99.95, window: '30d', windowDays: 30 },
      latency: { controlP95Ms: 250 },
      quorum: 2, // majority of 3
      down: { for: 3 },
      maintenance: [
        global,
        {
          kind: 'weekly',
          weekly: { day: 'sun', start: '02:00', durationMinutes: 60 },
          timezone: 'Europe/Berlin',
          countsAgainstSla: false,
          description: 'Sunday firmware window',
          scope: 'target',
        },
      ],
    });
    expect(paris).toMatchObject({
      host: '198.51.100.20',
      port: 1724,
      regions: ['eu-west-3', 'eu-central-1'], // a list replaces the defaults'
      interval: '5m',
      intervalMinutes: 5,
      timeout: 8000,
      attempts: 1,
      quorum: 2, // majority of 2
      down: { for: 2 },
      latency: undefined,
      owner: 'netops@example.com',
      tags: { team: 'netops' },
    });
    expect(paris?.maintenance[1]).toEqual({
      kind: 'cron',
      cron: '30 3 * * *',
      durationMinutes: 10,
      timezone: 'Europe/Paris',
      countsAgainstSla: false,
      description: 'nightly config backup restarts pptpd',
      scope: 'target',
    });
    expect(backup).toMatchObject({
      host: '2001:db8:20::10',
      quorum: 3,
      slo: { availability: 99.5, window: '7d', windowDays: 7 },
      latency: { controlP95Ms: 400, forMinutes: 30 },
    });
    expect(backup?.maintenance[1]).toMatchObject({ kind: 'cron', countsAgainstSla: true, timezone: 'America/New_York' });
  });
});

describe('built-in defaults', () => {
  it('fills every field a minimal config leaves out', async () => {
    const result = await loadConfig(fixture('minimal.yml'));
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    expect(result.config).toEqual({
      version: 1,
      namespace: 'PPTPMonitor',
      homeRegion: 'us-east-1',
      runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
      dashboardBaseUrl: undefined,
      maintenance: [],
      alerts: { page: undefined, ticket: undefined },
      regions: ['us-east-1'],
      targets: [
        {
          name: 'gw',
          host: 'gw.example.com',
          port: 1723,
          regions: ['us-east-1'],
          interval: '1m',
          intervalMinutes: 1,
          checks: { echo: true, call: false },
          timeout: 5000,
          attempts: 1,
          tags: {},
          owner: undefined,
          runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
          slo: { availability: 99.9, window: '30d', windowDays: 30 },
          latency: undefined,
          quorum: 1,
          down: { for: 3 },
          maintenance: [],
        },
      ],
    });
  });

  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('quorum defaults to a majority: %i regions -> %i', (count, quorum) => {
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1'].slice(0, count);
    const config = resolved(y`
      version: 1
      homeRegion: us-east-1
      targets:
        - { name: gw, host: gw.example.com, regions: [${regions.join(', ')}] }
    `);
    expect(config.targets[0]?.quorum).toBe(quorum);
  });

  it('merges mappings key by key, replaces lists, and lets a target override the runbook base', () => {
    const config = resolved(y`
      version: 1
      homeRegion: eu-west-1
      runbookBaseUrl: https://runbooks.example.com/pptp
      defaults:
        regions: [eu-west-1, eu-west-2]
        checks: { call: true }
        slo: { window: 28d }
        maintenance:
          - { cron: '0 4 * * 1', durationMinutes: 30, timezone: UTC }
      targets:
        - name: a
          host: a.example.com
          checks: { echo: false }
          slo: { availability: 99 }
        - name: b
          host: b.example.com
          regions: [us-east-1]
          runbookBaseUrl: https://b.example.com/rb/
          maintenance: []
    `);
    const [a, b] = config.targets;
    expect(config.runbookBaseUrl).toBe('https://runbooks.example.com/pptp/');
    expect(a?.checks).toEqual({ echo: false, call: true });
    expect(a?.slo).toEqual({ availability: 99, window: '28d', windowDays: 28 });
    expect(a?.regions).toEqual(['eu-west-1', 'eu-west-2']);
    expect(a?.maintenance).toEqual([
      { kind: 'cron', cron: '0 4 * * 1', durationMinutes: 30, timezone: 'UTC', countsAgainstSla: false, description: undefined, scope: 'target' },
    ]);
    expect(a?.runbookBaseUrl).toBe('https://runbooks.example.com/pptp/');
    expect(b?.regions).toEqual(['us-east-1']);
    expect(b?.quorum).toBe(1);
    expect(b?.maintenance).toEqual([]);
    expect(b?.runbookBaseUrl).toBe('https://b.example.com/rb/');
  });
});

describe('invalid configs: every error, in our words, in file order', () => {
  const cases: [string, string, string[]][] = [
    [
      'port out of range',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: a.example.com }
          - { name: b, host: b.example.com }
          - { name: c, host: c.example.com, port: 70000 }
      `,
      ['targets[2].port: must be 1-65535, got 70000'],
    ],
    [
      'unknown AWS region',
      y`
        version: 1
        homeRegion: eu-central-1
        targets:
          - { name: a, host: a.example.com, regions: [eu-central-1, eu-wets-1] }
      `,
      ["targets[0].regions[1]: unknown AWS region 'eu-wets-1'"],
    ],
    [
      'duplicate target name',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: hq-gw, host: a.example.com }
          - { name: hq-gw, host: b.example.com }
      `,
      ["targets[1].name: duplicate target name 'hq-gw'"],
    ],
    [
      'unknown keys at any level',
      y`
        version: 1
        homeRegion: eu-central-1
        timout: 100
        defaults:
          colour: red
          regions: [eu-central-1]
        targets:
          - name: a
            host: a.example.com
            prot: 1723
            checks: { echo: true, ping: true }
      `,
      ['timout: unknown key', 'defaults.colour: unknown key', 'targets[0].prot: unknown key', 'targets[0].checks.ping: unknown key'],
    ],
    [
      'names that break the dimension-value rule are rejected, not rewritten',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: HQ-GW, host: a.example.com }
          - { name: -gw, host: b.example.com }
          - { name: gw_1, host: c.example.com }
          - { name: ${'a'.repeat(64)}, host: d.example.com }
          - { name: '', host: e.example.com }
          - { name: 42, host: f.example.com }
      `,
      [
        `targets[0].name: ${NAME_RULE}, got 'HQ-GW'`,
        `targets[1].name: ${NAME_RULE}, got '-gw'`,
        `targets[2].name: ${NAME_RULE}, got 'gw_1'`,
        `targets[3].name: ${NAME_RULE}, got '${'a'.repeat(64)}'`,
        `targets[4].name: ${NAME_RULE}, got ''`,
        `targets[5].name: ${NAME_RULE}, got 42`,
      ],
    ],
    [
      'hosts checked by the probe target rules',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: 'gw.example.com:1724' }
          - { name: b, host: 'bad host' }
          - { name: c, host: '[2001:db8::1]' }
          - { name: d, host: '1::2::3' }
          - { name: e, host: '' }
          - { name: f, host: 2001:db8::1 }
          - { name: g, host: 203.0.113.9 }
      `,
      [
        "targets[0].host: must be a host name or IP address without brackets or a port (set port separately), got 'gw.example.com:1724'",
        "targets[1].host: must be a host name or IP address, got 'bad host'",
        "targets[2].host: must be a host name or IP address without brackets or a port (set port separately), got '[2001:db8::1]'",
        "targets[3].host: must be a host name or IP address, got '1::2::3'",
        'targets[4].host: must not be empty',
      ],
    ],
    [
      'hosts that are not the address they look like, or an address no gateway can have',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: 1.2.3 }
          - { name: b, host: 999.1.1.1 }
          - { name: c, host: 0x7f.1 }
          - { name: d, host: 010.0.0.1 }
          - { name: e, host: 0.0.0.0 }
          - { name: f, host: 255.255.255.255 }
          - { name: g, host: 224.0.0.251 }
          - { name: h, host: 240.0.0.1 }
          - { name: i, host: '::' }
          - { name: j, host: 'ff05::2' }
          - { name: k, host: 'http://gw.example.com' }
          - { name: l, host: 127.0.0.1 }
          - { name: m, host: '::1' }
      `,
      [
        "targets[0].host: '1.2.3' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 1.2.0.3)",
        "targets[1].host: '999.1.1.1' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected)",
        "targets[2].host: '0x7f.1' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 127.0.0.1)",
        "targets[3].host: '010.0.0.1' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 8.0.0.1)",
        'targets[4].host: \'0.0.0.0\' is a "this network" address (0.0.0.0/8), which no gateway can have',
        "targets[5].host: '255.255.255.255' is the broadcast address (255.255.255.255), which no gateway can have",
        "targets[6].host: '224.0.0.251' is a multicast address (224.0.0.0/4), which no gateway can have",
        "targets[7].host: '240.0.0.1' is a reserved address (240.0.0.0/4), which no gateway can have",
        "targets[8].host: '::' is the unspecified address (::), which no gateway can have",
        "targets[9].host: 'ff05::2' is an IPv6 multicast address (ff00::/8), which no gateway can have",
        "targets[10].host: must be a host name or IP address, not a URL, got 'http://gw.example.com'",
      ],
    ],
    [
      'two names for one gateway (host and port, in any spelling)',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1], port: 1724 }
        targets:
          - { name: hq, host: vpn.example.com }
          - { name: hq-backup, host: VPN.example.com. }
          - { name: hq-other-port, host: vpn.example.com, port: 1723 }
          - { name: v6, host: '2001:db8::1', regions: [eu-west-1] }
          - { name: v6-again, host: '2001:DB8:0:0::1', regions: [us-east-1] }
          - { name: mapped, host: 192.0.2.7 }
          - { name: mapped-again, host: '::ffff:192.0.2.7' }
          - { name: hq, host: vpn.example.com }
      `,
      [
        "targets[1].host: target 'hq-backup' probes the same host and port as target 'hq' (targets[0]): 'VPN.example.com.' port 1724 (written 'vpn.example.com' there)",
        "targets[4].host: target 'v6-again' probes the same host and port as target 'v6' (targets[3]): '2001:DB8:0:0::1' port 1724 (written '2001:db8::1' there)",
        "targets[6].host: target 'mapped-again' probes the same host and port as target 'mapped' (targets[5]): '::ffff:192.0.2.7' port 1724 (written '192.0.2.7' there)",
        "targets[7].name: duplicate target name 'hq'",
      ],
    ],
    [
      'regions: duplicate, empty, missing, not a list',
      y`
        version: 1
        homeRegion: eu-central-1
        targets:
          - { name: a, host: a.example.com, regions: [eu-west-1, eu-central-1, eu-west-1] }
          - { name: b, host: b.example.com, regions: [] }
          - { name: c, host: c.example.com }
          - { name: d, host: d.example.com, regions: eu-west-1 }
      `,
      [
        "targets[0].regions[2]: duplicate region 'eu-west-1'",
        'targets[1].regions: must list at least one AWS region or agent',
        'targets[2].regions: required (on the target or in defaults)',
        "targets[3].regions: must be a list of AWS region codes and agent names, got 'eu-west-1'",
      ],
    ],
    [
      'interval is a string with its unit',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: a.example.com, interval: 5 }
          - { name: b, host: b.example.com, interval: 10m }
      `,
      ["targets[0].interval: must be '1m' or '5m', got 5", "targets[1].interval: must be '1m' or '5m', got '10m'"],
    ],
    [
      'timeout and attempts ranges',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: a.example.com, timeout: 50, attempts: 6 }
          - { name: b, host: b.example.com, timeout: 5s, attempts: 1.5 }
          - { name: c, host: c.example.com, timeout: 70000, attempts: 0 }
      `,
      [
        'targets[0].timeout: must be 100-60000 ms, got 50',
        'targets[0].attempts: must be 1-5, got 6',
        "targets[1].timeout: must be a whole number 100-60000 ms, got '5s'",
        'targets[1].attempts: must be a whole number 1-5, got 1.5',
        'targets[2].timeout: must be 100-60000 ms, got 70000',
        'targets[2].attempts: must be 1-5, got 0',
      ],
    ],
    [
      'timeout must be below the interval',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - { name: a, host: a.example.com, timeout: 60000 }
          - { name: b, host: b.example.com, timeout: 60000, interval: 5m }
      `,
      ['targets[0].timeout: must be less than the interval (1m = 60000 ms), got 60000'],
    ],
    [
      'an inherited value that breaks a rule with the target own value says where it comes from',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults:
          regions: [eu-central-1, eu-west-1, us-east-1]
          quorum: 3
          timeout: 60000
          interval: 5m
        targets:
          - { name: a, host: a.example.com, regions: [eu-central-1, eu-west-1] }
          - { name: b, host: b.example.com, interval: 1m }
          - { name: c, host: c.example.com }
      `,
      [
        'targets[0].quorum: must be at most the number of regions (2), got 3 (from defaults)',
        'targets[1].timeout: must be less than the interval (1m = 60000 ms), got 60000 (from defaults)',
      ],
    ],
    [
      'a rule broken by the defaults alone is reported once, at the defaults',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults:
          regions: [eu-central-1]
          timeout: 60000
          quorum: 2
          latency: { controlP95Ms: 60000 }
        targets:
          - { name: a, host: a.example.com }
          - { name: b, host: b.example.com }
          - { name: c, host: c.example.com, timeout: 2000 }
      `,
      [
        'defaults.timeout: must be less than the interval (1m = 60000 ms), got 60000',
        'defaults.quorum: must be at most the number of regions (1), got 2',
        'defaults.latency.controlP95Ms: must be less than the timeout (60000 ms), got 60000',
        'targets[2].latency.controlP95Ms: must be less than the timeout (2000 ms), got 60000 (from defaults)',
      ],
    ],
    [
      'quorum',
      y`
        version: 1
        homeRegion: eu-central-1
        targets:
          - { name: a, host: a.example.com, regions: [eu-central-1, eu-west-1], quorum: 3 }
          - { name: b, host: b.example.com, regions: [eu-central-1], quorum: 0 }
          - { name: c, host: c.example.com, regions: [eu-central-1], quorum: majority }
      `,
      [
        'targets[0].quorum: must be at most the number of regions (2), got 3',
        'targets[1].quorum: must be at least 1, got 0',
        "targets[2].quorum: must be a whole number of regions, at least 1, got 'majority'",
      ],
    ],
    [
      'slo and latency',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - name: a
            host: a.example.com
            slo: { availability: 100, window: 1m }
          - name: b
            host: b.example.com
            slo: { availability: 99.9%, window: 91d }
            latency: { controlP95Ms: 5000 }
          - name: c
            host: c.example.com
            slo: { availability: 0 }
            latency: { controlP95Ms: -1 }
          - name: d
            host: d.example.com
            latency: {}
          - name: e
            host: e.example.com
            latency: { controlP95Ms: 250, for: 0 }
          - name: f
            host: f.example.com
            latency: { controlP95Ms: 250, for: 2.5 }
          - name: g
            host: g.example.com
            latency: { controlP95Ms: 250, for: 15m }
      `,
      [
        `targets[0].slo.availability: ${PERCENT_RULE}, got 100`,
        "targets[0].slo.window: must be a number of days from 1d to 90d, e.g. '30d', got '1m'",
        `targets[1].slo.availability: ${PERCENT_RULE}, got '99.9%'`,
        "targets[1].slo.window: must be a number of days from 1d to 90d, e.g. '30d', got '91d'",
        'targets[1].latency.controlP95Ms: must be less than the timeout (5000 ms), got 5000',
        `targets[2].slo.availability: ${PERCENT_RULE}, got 0`,
        'targets[2].latency.controlP95Ms: must be a positive number of ms, got -1',
        'targets[3].latency.controlP95Ms: required',
        'targets[4].latency.for: must be 1-1440 minutes, got 0',
        'targets[5].latency.for: must be a whole number 1-1440 minutes, got 2.5',
        "targets[6].latency.for: must be a whole number 1-1440 minutes, got '15m'",
      ],
    ],
    [
      'checks, down, owner and tags',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - name: a
            host: a.example.com
            checks: { echo: 'yes', call: 1 }
            down: { for: 0 }
            owner: ''
          - name: b
            host: b.example.com
            checks: [echo]
            down: 3
            tags: { env: 1, 'aws:created-by': me }
          - name: c
            host: c.example.com
            tags: { t1: a, t2: a, t3: a, t4: a, t5: a, t6: a, t7: a, t8: a, t9: a, t10: a, t11: a }
      `,
      [
        "targets[0].checks.echo: must be true or false, got 'yes'",
        'targets[0].checks.call: must be true or false, got 1',
        'targets[0].down.for: must be 1-60 intervals, got 0',
        'targets[0].owner: must not be empty',
        'targets[1].checks: must be a mapping with echo and call, got a list',
        'targets[1].down: must be a mapping with for, got 3',
        'targets[1].tags.env: must be a string, got 1',
        `targets[1].tags["aws:created-by"]: tag names starting with 'aws:' are reserved by AWS, got 'aws:created-by'`,
        'targets[2].tags: must have at most 10 tags, got 11',
      ],
    ],
    [
      'one-off windows: ISO date-times with an offset, end after start',
      y`
        version: 1
        homeRegion: eu-central-1
        maintenance:
          - { start: 2025-06-01T04:00:00Z, end: 2025-06-01T02:00:00Z }
          - { start: 2025-06-01 02:00, end: 2025-06-01T03:00:00+02:00 }
          - { start: 2025-02-30T00:00:00Z, end: 2025-03-01T00:00:00Z }
          - { start: 2025-06-01T02:00:00Z, end: 2025-06-01T02:00:00Z, timezone: UTC }
          - { start: 2025-06-01T02:00:00Z }
        targets:
          - { name: a, host: a.example.com, regions: [eu-central-1] }
      `,
      [
        "maintenance[0].end: must be after start (2025-06-01T04:00:00Z), got '2025-06-01T02:00:00Z'",
        `maintenance[1].start: ${ISO_RULE}, got '2025-06-01 02:00'`,
        `maintenance[2].start: ${ISO_RULE}, got '2025-02-30T00:00:00Z'`,
        "maintenance[3].end: must be after start (2025-06-01T02:00:00Z), got '2025-06-01T02:00:00Z'",
        'maintenance[3].timezone: unknown key',
        'maintenance[4].end: required',
      ],
    ],
    [
      'weekly windows',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - name: a
            host: a.example.com
            maintenance:
              - weekly: { day: sunday, start: '25:00', durationMinutes: 0 }
                timezone: Europe/Berln
              - weekly: { day: sun, start: '2:00', durationMinutes: 10081 }
                timezone: CEST
              - weekly: { day: sun, start: '02:00', durationMinutes: 60 }
                countsAgainstSla: 'no'
      `,
      [
        "targets[0].maintenance[0].weekly.day: must be one of mon, tue, wed, thu, fri, sat, sun, got 'sunday'",
        "targets[0].maintenance[0].weekly.start: must be a time of day 'HH:MM' from 00:00 to 23:59, got '25:00'",
        'targets[0].maintenance[0].weekly.durationMinutes: must be 1-10080 minutes, got 0',
        "targets[0].maintenance[0].timezone: unknown IANA time zone 'Europe/Berln'",
        "targets[0].maintenance[1].weekly.start: must be a time of day 'HH:MM' from 00:00 to 23:59, got '2:00'",
        'targets[0].maintenance[1].weekly.durationMinutes: must be 1-10080 minutes, got 10081',
        "targets[0].maintenance[1].timezone: unknown IANA time zone 'CEST'",
        'targets[0].maintenance[2].timezone: required',
        "targets[0].maintenance[2].countsAgainstSla: must be true or false, got 'no'",
      ],
    ],
    [
      'cron windows',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        targets:
          - name: a
            host: a.example.com
            maintenance:
              - { cron: '0 25 * * *', durationMinutes: 30, timezone: UTC }
              - { cron: '0 3 * *', durationMinutes: 30, timezone: UTC }
              - { cron: '0 3 * * funday', durationMinutes: 30, timezone: UTC }
              - { cron: '*/0 3 * * *', durationMinutes: 30, timezone: UTC }
              - { cron: '0 3 * * *', timezone: UTC }
      `,
      [
        "targets[0].maintenance[0].cron: hour '25' is out of range 0-23, got '0 25 * * *'",
        "targets[0].maintenance[1].cron: must be a 5-field cron expression (minute hour day-of-month month day-of-week), got '0 3 * *'",
        "targets[0].maintenance[2].cron: day-of-week 'funday' is not valid ('funday'), got '0 3 * * funday'",
        "targets[0].maintenance[3].cron: minute '*/0' has a step of 0, got '*/0 3 * * *'",
        'targets[0].maintenance[4].durationMinutes: required',
      ],
    ],
    [
      'cron windows that can never fire (a day that no allowed month has)',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults: { regions: [eu-central-1] }
        maintenance:
          - { cron: '0 3 30 2 *', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 31 apr,jun,sep,nov *', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 31 2,4 */2', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 30,31 2,4 *', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 29 2 *', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 30 2 mon', durationMinutes: 60, timezone: UTC }
          - { cron: '0 3 31 */2 *', durationMinutes: 60, timezone: UTC }
        targets:
          - { name: a, host: a.example.com }
      `,
      [
        "maintenance[0].cron: never fires: day-of-month '30' does not occur in month '2' (feb has at most 29 days), got '0 3 30 2 *'",
        "maintenance[1].cron: never fires: day-of-month '31' occurs in none of the months 'apr,jun,sep,nov' (apr, jun, sep and nov have 30 days), got '0 3 31 apr,jun,sep,nov *'",
        "maintenance[2].cron: never fires: day-of-month '31' occurs in none of the months '2,4' (feb has at most 29 days, apr has 30 days), got '0 3 31 2,4 */2'",
      ],
    ],
    [
      'a window must be exactly one of the three forms',
      y`
        version: 1
        homeRegion: eu-central-1
        maintenance:
          - {}
          - { from: 2025-06-01T02:00:00Z, to: 2025-06-01T03:00:00Z }
          - { weekly: { day: sun, start: '02:00', durationMinutes: 60 }, cron: '0 2 * * 0', timezone: UTC }
          - sunday
        targets:
          - { name: a, host: a.example.com, regions: [eu-central-1] }
      `,
      [
        `maintenance[0]: ${WINDOW_FORMS}, got an empty mapping`,
        `maintenance[1]: ${WINDOW_FORMS}, got a mapping with 'from', 'to'`,
        'maintenance[2]: has weekly and cron: a window is one-off (start, end), weekly or cron, not several',
        `maintenance[3]: ${WINDOW_FORMS}, got 'sunday'`,
      ],
    ],
    [
      'top-level settings',
      y`
        version: 2
        namespace: AWS/PPTP
        runbookBaseUrl: http://wiki.example.com/runbooks/
        dashboardBaseUrl: not a url
        alerts:
          page: arn:aws:sns:eu-central-1:123:page
          ticket: 'my topic'
          email: ops@example.com
        targets: []
      `,
      [
        'version: must be 1, got 2',
        'homeRegion: required',
        "namespace: must be 1-255 printable ASCII characters, not starting with 'AWS/', got 'AWS/PPTP'",
        "runbookBaseUrl: must be an https:// URL, got 'http://wiki.example.com/runbooks/'",
        "dashboardBaseUrl: must be an https:// URL, got 'not a url'",
        "alerts.page: must be an SNS topic name or ARN (arn:aws:sns:<region>:<account>:<name>), got 'arn:aws:sns:eu-central-1:123:page'",
        "alerts.ticket: must be an SNS topic name or ARN (arn:aws:sns:<region>:<account>:<name>), got 'my topic'",
        'alerts.email: unknown key',
        'targets: must list at least one target',
      ],
    ],
    [
      'required keys and wrong shapes',
      y`
        homeRegion: 1
        defaults: [regions]
        targets:
          - gw.example.com
          - { port: 1723 }
      `,
      [
        'version: required',
        'homeRegion: must be an AWS region code such as us-east-1, got 1',
        'defaults: must be a mapping of per-target settings, got a list',
        "targets[0]: must be a mapping with at least name and host, got 'gw.example.com'",
        'targets[1].name: required',
        'targets[1].host: required',
        'targets[1].regions: required (on the target or in defaults)',
      ],
    ],
    [
      'defaults cannot name a target',
      y`
        version: 1
        homeRegion: eu-central-1
        defaults:
          name: gw
          host: gw.example.com
          regions: [eu-central-1]
        targets:
          - { name: a, host: a.example.com }
      `,
      [
        'defaults.name: not allowed in defaults: every target sets its own name and host',
        'defaults.host: not allowed in defaults: every target sets its own name and host',
      ],
    ],
    [
      'the file as a whole',
      '- version: 1\n',
      ['monitor.yml: must be a mapping of settings (version, homeRegion, agents, targets, ...), got a list'],
    ],
    ['an empty file', '# nothing yet\n', ['monitor.yml: is empty: expected a mapping of settings (version, homeRegion, targets, ...)']],
  ];

  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (_title, text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it('never shows zod or yaml wording', () => {
    for (const [, text] of cases) {
      for (const line of errors(text)) expect(line).not.toMatch(/Invalid|[Ee]xpected [a-z]+, received|Unrecognized key/);
    }
  });
});

describe('all errors at once', () => {
  it('reports every problem of a file in one pass, in file order, with the position of each', async () => {
    const result = await loadConfig(fixture('many-errors.yml'));
    expect(errorsOf(result)).toEqual([
      'colour: unknown key',
      'defaults.timeout: must be 100-60000 ms, got 70000',
      'targets[0].port: must be 1-65535, got 70000',
      "targets[0].regions[1]: unknown AWS region 'eu-wets-1'",
      "targets[1].name: duplicate target name 'hq-gw'",
      "targets[1].host: must be a host name or IP address without brackets or a port (set port separately), got 'gw.example.com:1724'",
      'targets[1].quorum: must be at most the number of regions (2), got 3',
      `targets[1].slo.availability: ${PERCENT_RULE}, got 100`,
      `targets[2].name: ${NAME_RULE}, got 'Branch_1'`,
      "targets[2].interval: must be '1m' or '5m', got '10m'",
      "targets[2].maintenance[0].end: must be after start (2025-06-01T04:00:00Z), got '2025-06-01T02:00:00Z'",
      "targets[2].maintenance[1].weekly.day: must be one of mon, tue, wed, thu, fri, sat, sun, got 'sunday'",
      "targets[2].maintenance[1].timezone: unknown IANA time zone 'Europe/Berln'",
    ]);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([4, 7, 11, 12, 13, 14, 15, 17, 18, 20, 23, 24, 25]);
    expect(result.errors[3]).toEqual({ path: 'targets[0].regions[1]', problem: "unknown AWS region 'eu-wets-1'", line: 12, column: 29 });
  });
});

describe('YAML syntax errors', () => {
  it('are reported with the line and column, and nothing else is checked', async () => {
    const path = fixture('syntax-error.yml');
    const result = await loadConfig(path);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: `${path}:6:5`, problem: "YAML syntax error: duplicate key 'host'", line: 6, column: 5 }],
    });
  });

  it.each([
    ['version: 1\ntargets:\n  - name: "gw\n', 'monitor.yml:4:1: YAML syntax error: missing closing "quote'],
    ['version: 1\nfoo: [1, 2\nbar: x\n', 'monitor.yml:3:1: YAML syntax error: flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['version: 1\ntargets:\n\t- name: gw\n', 'monitor.yml:3:1: YAML syntax error: tabs are not allowed as indentation'],
    ['version: 1\n---\nversion: 1\n', 'monitor.yml:2:1: YAML syntax error: more than one YAML document (remove the second ---)'],
    ['version: 1\ntargets: *all\n', 'monitor.yml:2:10: YAML syntax error: alias *all has no &all anchor before it'],
  ])('%j', (text, expected) => {
    expect(errors(text)).toEqual([expected]);
  });
});

describe('YAML features', () => {
  it('allows anchors, aliases and << merge keys', () => {
    const config = resolved(y`
      version: 1
      homeRegion: eu-west-1
      defaults: &common
        regions: [eu-west-1, eu-west-2]
      targets:
        - { name: a, host: a.example.com, tags: &tags { team: netops } }
        - { name: b, host: b.example.com, tags: *tags, <<: *common }
    `);
    expect(config.targets[1]).toMatchObject({ tags: { team: 'netops' }, regions: ['eu-west-1', 'eu-west-2'] });
  });
});

describe('targetsForRegion', () => {
  it('lists the targets probed from a region, in config order', async () => {
    const result = await loadConfig(EXAMPLE.pathname);
    if (!result.ok) throw new Error('example invalid');
    const names = (region: string): string[] => targetsForRegion(result.config, region).map((t) => t.name);
    expect(names('eu-central-1')).toEqual(['hq-gw', 'branch-paris', 'dc-backup']);
    expect(names('eu-west-1')).toEqual(['hq-gw', 'dc-backup']);
    expect(names('eu-west-3')).toEqual(['branch-paris']);
    expect(names('ap-south-1')).toEqual([]);
  });
});

describe('probeOptionsFor', () => {
  it('maps timeout, attempts and checks onto ProbeOptions, the rest from the base', () => {
    const config = resolved(y`
      version: 1
      homeRegion: eu-central-1
      targets:
        - { name: a, host: a.example.com, port: 1724, regions: [eu-central-1], timeout: 8000, attempts: 3, checks: { echo: false, call: true } }
        - { name: b, host: b.example.com, regions: [eu-central-1] }
    `);
    const [a, b] = config.targets;
    expect(probeOptionsFor(a!)).toEqual({ ...DEFAULT_PROBE_OPTIONS, timeoutMs: 8000, attempts: 3, echo: false, call: true });
    expect(probeOptionsFor(b!)).toEqual(DEFAULT_PROBE_OPTIONS);
    const base = { ...DEFAULT_PROBE_OPTIONS, hostname: 'probe-eu', retryBackoffMs: 50 };
    expect(probeOptionsFor(a!, base)).toEqual({ ...base, timeoutMs: 8000, attempts: 3, echo: false, call: true });
    expect(probeTargetFor(a!)).toEqual({ target: 'a', host: 'a.example.com', port: 1724 });
  });
});

describe('parseCron', () => {
  it('expands fields, names, ranges and steps', () => {
    const result = parseCron('*/15 1-3,22 1 jan-mar/2 mon-fri,7');
    if (!result.ok) throw new Error(result.problem);
    const s = result.schedule;
    expect([...s.minutes]).toEqual([0, 15, 30, 45]);
    expect([...s.hours]).toEqual([1, 2, 3, 22]);
    expect([...s.daysOfMonth]).toEqual([1]);
    expect([...s.months]).toEqual([1, 3]);
    expect([...s.daysOfWeek].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.daysOfMonthRestricted).toBe(true);
    expect(s.daysOfWeekRestricted).toBe(true);
  });

  it.each([
    ['0 0 31-1 * *', "day-of-month '31-1' has a range that runs backwards ('31-1')"],
    ['60 * * * *', "minute '60' is out of range 0-59"],
    ['0 0 * 13 *', "month '13' is out of range 1-12"],
    ['0 0 * * 1,,2', "day-of-week '1,,2' is not valid (empty list item)"],
    ['@daily', 'must be a 5-field cron expression (minute hour day-of-month month day-of-week)'],
    ['0 3 30 2 *', "never fires: day-of-month '30' does not occur in month '2' (feb has at most 29 days)"],
    ['0 0 31 4-6/2 *', "never fires: day-of-month '31' occurs in none of the months '4-6/2' (apr and jun have 30 days)"],
  ])('rejects %j', (expression, problem) => {
    expect(parseCron(expression)).toEqual({ ok: false, problem });
  });

  it.each([
    ['0 3 29 feb *', 'Feb 29 comes in leap years'],
    ['0 3 30 2 1', 'with both day fields restricted cron fires on either: the Mondays of February'],
    ['0 3 31 1-2 *', 'January has a 31st'],
    ['0 3 */31 2 *', 'a day-of-month starting with * is not a restriction (day 1)'],
  ])('accepts %j (%s)', (expression) => {
    expect(parseCron(expression).ok).toBe(true);
  });
});

describe('pptp-monitor validate', () => {
  function io(load?: (path: string) => Promise<ConfigResult>) {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), ...(load ? { load } : {}) } };
  }

  it('prints OK with the counts and exits 0 for a valid file', async () => {
    const w = io();
    expect(await runValidate([EXAMPLE.pathname], w.io)).toBe(0);
    expect(w.out.join('')).toBe(`${EXAMPLE.pathname}: OK (3 targets in 4 regions)\n`);
    expect(w.err).toEqual([]);
  });

  it('reads ./monitor.yml when no file is given', async () => {
    const seen: string[] = [];
    const w = io(async (path) => {
      seen.push(path);
      return parseConfig(readFileSync(fixture('minimal.yml'), 'utf8'), path);
    });
    expect(await runValidate([], w.io)).toBe(0);
    expect(seen).toEqual(['monitor.yml']);
    expect(w.out.join('')).toBe('monitor.yml: OK (1 target in 1 region)\n');
  });

  it('prints every error, one per line, and exits 2', async () => {
    const w = io();
    expect(await runValidate([fixture('many-errors.yml')], w.io)).toBe(2);
    const lines = w.err.join('').split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'colour: unknown key',
      'defaults.timeout: must be 100-60000 ms, got 70000',
      'targets[0].port: must be 1-65535, got 70000',
    ]);
    expect(lines.slice(-2)).toEqual([`${fixture('many-errors.yml')}: 13 errors`, '']);
    expect(w.out).toEqual([]);
  });

  it('says clearly when the file is missing, and exits 2', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'pptp-config-')), 'monitor.yml');
    const w = io();
    expect(await runValidate([missing], w.io)).toBe(2);
    expect(w.err.join('')).toBe(`${missing}: file not found\n`);
  });

  it('says when the path is a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pptp-config-'));
    const w = io();
    expect(await runValidate([dir], w.io)).toBe(2);
    expect(w.err.join('')).toBe(`${dir}: is a directory, not a file\n`);
  });

  it('rejects unknown options and extra files as usage errors', async () => {
    await expect(runValidate(['--strict'], io().io)).rejects.toThrow(new UsageError("unknown option '--strict'"));
    await expect(runValidate(['a.yml', 'b.yml'], io().io)).rejects.toThrow(new UsageError('validate takes one file, got 2: a.yml b.yml'));
  });
});
