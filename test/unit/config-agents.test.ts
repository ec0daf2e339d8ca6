// Private locations in monitor.yml: `agents:` declares them, a target's `regions` lists them beside AWS
// regions. What they resolve to, every problem with its exact message, what the Lambda artifacts carry
// (agents stay out of the probe functions'), and the heartbeat plan that counts an agent as one shard.
import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig, type ConfigResult, type ResolvedConfig } from '../../shared/config/index.js';
import { packConfig, packProbeConfig, unpackConfig, unpackProbeConfig } from '../../shared/config/packaged.js';
import { probeConfigOf } from '../../shared/config/probe-config.js';
import { locationsOf } from '../../shared/config/types.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { runValidate } from '../../shared/cli/validate-command.js';

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected errors, the config is valid');
  return result.errors.map(formatConfigError);
}

function resolved(text: string): ResolvedConfig {
  const result = parseConfig(text, 'monitor.yml');
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map(formatConfigError).join('\n')}`);
  return result.config;
}

const CONFIG = `version: 1
homeRegion: eu-central-1
agents:
  - name: office-berlin
    description: rack 3, fixed address 203.0.113.7
  - name: branch-lyon
    checks: [pptp-login]
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1, office-berlin, us-east-1]
  - name: hq-login
    host: 198.51.100.10
    port: 1724
    regions: [office-berlin, branch-lyon]
    check: pptp-login
    login: { username: monitor, passwordEnv: HQ_PASSWORD }
`;

describe('agents in monitor.yml', () => {
  it('resolves agents beside AWS regions: regions keeps the AWS ones (deployments), the target keeps all, quorum counts all', () => {
    const config = resolved(CONFIG);
    expect(config.agents).toEqual([
      { name: 'office-berlin', description: 'rack 3, fixed address 203.0.113.7', checks: undefined },
      { name: 'branch-lyon', description: undefined, checks: ['pptp-login'] },
    ]);
    expect(config.regions).toEqual(['eu-central-1', 'us-east-1']);
    expect(config.targets[0]!.regions).toEqual(['eu-central-1', 'office-berlin', 'us-east-1']);
    expect(config.targets[0]!.quorum).toBe(2);
    expect(config.targets[1]!.quorum).toBe(2);
    expect(locationsOf(config)).toEqual(['eu-central-1', 'us-east-1', 'office-berlin', 'branch-lyon']);
  });

  it('accepts a login target for deployment when agents alone probe it', () => {
    expect(resolved(CONFIG).targets[1]!.check).toBe('pptp-login');
  });

  it('lets a login and a control target share a gateway, but not two of one kind', () => {
    const both = CONFIG.replace('    port: 1724\n', '');
    expect(resolved(both).targets.map((t) => [t.name, t.port])).toEqual([['hq', 1723], ['hq-login', 1723]]);
    const twice = `${CONFIG}  - name: hq-again\n    host: 198.51.100.10\n    regions: [office-berlin]\n`;
    expect(errorsOf(parseConfig(twice, 'monitor.yml'))).toEqual([
      "targets[2].host: target 'hq-again' probes the same host and port as target 'hq' (targets[0]): '198.51.100.10' port 1723",
    ]);
  });

  it('names every wrong location, agent and check kind, in file order', () => {
    const text = `version: 1
homeRegion: eu-central-1
agents:
  - name: office
  - name: eu-west-9
  - name: office
  - name: idle
  - name: login-only
    checks: [pptp-login]
targets:
  - name: a
    host: 198.51.100.1
    regions: [eu-centrl-1, offfice, office]
  - name: b
    host: 198.51.100.2
    regions: [login-only]
  - name: c
    host: 198.51.100.3
    regions: [eu-west-1, office]
    check: pptp-login
    login: { username: u, passwordEnv: P }
`;
    expect(errorsOf(parseConfig(text, 'monitor.yml'))).toEqual([
      "agents[1].name: must not be shaped like an AWS region code (a target's regions could not tell the two apart), got 'eu-west-9'",
      "agents[2].name: duplicate agent name 'office'",
      "agents[3].name: agent 'idle' probes no target: add it to a target's regions, or remove it",
      "targets[0].regions[0]: unknown AWS region 'eu-centrl-1'",
      "targets[0].regions[1]: unknown location 'offfice': neither an AWS region code nor an agent declared under agents (declared: office, idle, login-only)",
      "targets[1].regions[0]: agent 'login-only' may run pptp-login only (its checks), not pptp-control",
      expect.stringMatching(/^targets\[2\]\.check: 'pptp-login' cannot run in the AWS regions it lists \(eu-west-1\), where Lambda runs the probes: .*probe it from agents only/),
    ]);
  });

  it('judges an undeclared agent in defaults once, at defaults', () => {
    const text = `version: 1
homeRegion: eu-central-1
defaults:
  regions: [eu-west-1, nowhere]
targets:
  - name: a
    host: 198.51.100.1
  - name: b
    host: 198.51.100.2
`;
    expect(errorsOf(parseConfig(text, 'monitor.yml'))).toEqual([
      "defaults.regions[1]: unknown location 'nowhere': neither an AWS region code nor an agent declared under agents (no agent is declared)",
    ]);
  });

  it('keeps agents and agent-only targets out of the probe functions\' artifact, and round-trips the full one', () => {
    const config = resolved(CONFIG);
    const probe = unpackProbeConfig(packProbeConfig(probeConfigOf(config)), 'probe.json');
    expect(probe.targets.map((t) => [t.name, t.regions])).toEqual([['hq', ['eu-central-1', 'us-east-1']]]);
    expect(packProbeConfig(probeConfigOf(config))).not.toContain('office-berlin');
    expect(unpackConfig(packConfig(config), 'config.json')).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('refuses a packaged config whose target names an undeclared agent, or a login probed from Lambda', () => {
    const config = resolved(CONFIG);
    const undeclared = { ...config, agents: [config.agents![1]!] };
    expect(() => packConfig(undeclared)).toThrow(/config\.targets\[0\]\.regions: "office-berlin" is neither an AWS region nor a declared agent/);
    const lambdaLogin = { ...config, regions: ['eu-central-1' as const, 'us-east-1' as const], targets: [config.targets[0]!, { ...config.targets[1]!, regions: ['office-berlin', 'us-east-1'] }] };
    expect(() => packConfig(lambdaLogin)).toThrow(/config\.targets\[1\]\.check: a pptp-login check cannot run in AWS Lambda/);
  });

  it('plans one heartbeat shard per agent that probes something', () => {
    const shards = probeShardMap(resolved(CONFIG));
    expect(shards.shardCount('office-berlin')).toBe(1);
    expect(shards.shardOf('hq', 'office-berlin')).toBe(0);
    expect(shards.shardOf('hq-login', 'branch-lyon')).toBe(0);
    expect(shards.shardOf('hq-login', 'eu-central-1')).toBeUndefined();
    expect(shards.shardCount('eu-central-1')).toBe(1);
  });

  it('validate counts the agents beside the regions', async () => {
    let out = '';
    const code = await runValidate(['monitor.yml'], { out: (t) => void (out += t), err: () => undefined, load: async () => parseConfig(CONFIG, 'monitor.yml') });
    expect(code).toBe(0);
    expect(out).toBe('monitor.yml: OK (2 targets in 2 regions and 2 agents)\n');
  });
});
