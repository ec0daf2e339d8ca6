// `groups:` in monitor.yml: what it resolves to, every rule validate applies to it (with the path into
// the file), and `validate --probe-groups` saying whether members can be told apart.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.js';
import { runValidate } from '../../shared/cli/validate-command.js';
import { evaluatorShards } from '../../shared/runners/lambda/evaluator-shards.js';
import { reportShards } from '../../shared/runners/lambda/report-shards.js';
import type { ResolvedTarget } from '../../shared/config/types.js';

const BASE = `version: 1
homeRegion: eu-central-1
defaults:
  regions: [eu-central-1, eu-west-1]
`;

const GROUP = `groups:
  - name: office-vpn
    host: 192.0.2.10
    quorum: 1
    members:
      - { name: office-vpn-a, host: 192.0.2.11 }
      - { name: office-vpn-b, host: 192.0.2.12, port: 1724 }
`;

const errors = (text: string): string[] => {
  const r = parseConfig(text, 'monitor.yml');
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.problem}`);
};

describe('groups in monitor.yml', () => {
  it('resolves a group into its virtual address and member targets, with the group settings and a member port of its own', () => {
    const r = parseConfig(`${BASE}targets: []\n${GROUP}`, 'monitor.yml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.groups).toEqual([{ name: 'office-vpn', members: ['office-vpn-a', 'office-vpn-b'] }]);
    expect(r.config.targets.map((t) => [t.name, t.host, t.port, t.quorum, t.regions.join(',')])).toEqual([
      ['office-vpn', '192.0.2.10', 1723, 1, 'eu-central-1,eu-west-1'],
      ['office-vpn-a', '192.0.2.11', 1723, 1, 'eu-central-1,eu-west-1'],
      ['office-vpn-b', '192.0.2.12', 1724, 1, 'eu-central-1,eu-west-1'],
    ]);
  });

  it('a config without groups resolves exactly as before (no groups key)', () => {
    const r = parseConfig(`${BASE}targets:\n  - { name: gw, host: 192.0.2.1 }\n`, 'monitor.yml');
    expect(r.ok && 'groups' in r.config).toBe(false);
  });

  it.each([
    [
      'a member that is also a standalone target',
      `${BASE}targets:\n  - { name: old-b, host: 192.0.2.12, port: 1724 }\n${GROUP}`,
      ["groups[0].members[1].host: member 'office-vpn-b' of group 'office-vpn' is the same host and port as target 'old-b' (targets[0]): '192.0.2.12' port 1724; a gateway is either a standalone target or in a group, not both"],
    ],
    [
      'a group of one',
      `${BASE}targets: []\ngroups:\n  - name: solo\n    host: 192.0.2.20\n    members:\n      - { name: solo-a, host: 192.0.2.21 }\n`,
      ['groups[0].members: must list at least two members: a group of one has no redundancy to watch'],
    ],
    [
      'a member named like a target',
      `${BASE}targets:\n  - { name: office-vpn-a, host: 192.0.2.50 }\n${GROUP}`,
      ["groups[0].members[0].name: duplicate name 'office-vpn-a': already target 'office-vpn-a' (targets[0])"],
    ],
    [
      'a group named like a target',
      `${BASE}targets:\n  - { name: office-vpn, host: 192.0.2.50 }\n${GROUP}`,
      ["groups[0].name: duplicate name 'office-vpn': already target 'office-vpn' (targets[0])"],
    ],
    [
      'two members on one address',
      `${BASE}targets: []\ngroups:\n  - name: g\n    host: 192.0.2.30\n    members:\n      - { name: g-a, host: 192.0.2.31 }\n      - { name: g-b, host: 192.0.2.31 }\n`,
      ["groups[0].members[1].host: member 'g-b' of group 'g' is the same host and port as member 'g-a' of group 'g' (groups[0].members[0]): '192.0.2.31' port 1723; a gateway is either a standalone target or in a group, not both"],
    ],
    [
      'a rule on the group settings, named at the group',
      `${BASE}targets: []\ngroups:\n  - name: g\n    host: 192.0.2.30\n    quorum: 3\n    members:\n      - { name: g-a, host: 192.0.2.31 }\n      - { name: g-b, host: 192.0.2.32 }\n`,
      expect.arrayContaining([expect.stringMatching(/^groups\[0\]\.quorum: /)]),
    ],
    ['neither targets nor groups', `${BASE}targets: []\n`, ['targets: must list at least one target']],
  ])('rejects %s', (_title, text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it('keeps a group in one evaluator shard', () => {
    const targets = Array.from({ length: 150 }, (_, i) => ({ name: `t${i}` }) as ResolvedTarget);
    // A group whose targets straddle the 75/75 split.
    const groups = [{ name: 't74', members: ['t75', 't76'] }];
    const shards = evaluatorShards({ targets, groups });
    // 74 single targets leave the first shard one short of its share of 75: the group of 3 joins it whole.
    expect(shards.map((s) => s.length)).toEqual([77, 73]);
    expect(shards[0]!.slice(-3).map((t) => t.name)).toEqual(['t74', 't75', 't76']);
    expect(shards.flat().map((t) => t.name)).toEqual(targets.map((t) => t.name));
  });

  it('keeps a group in one report shard (its redundancy-lost time needs every member)', () => {
    const targets = Array.from({ length: 1402 }, (_, i) => ({ name: `t${i}` }) as ResolvedTarget);
    // 1,402 targets make 3 shards of ~468; a group at 466-468 crosses the first boundary.
    const shards = reportShards({ targets, groups: [{ name: 't466', members: ['t467', 't468'] }] });
    expect(shards.map((s) => s.length)).toEqual([469, 468, 465]);
    expect(shards[0]!.slice(-3).map((t) => t.name)).toEqual(['t466', 't467', 't468']);
    expect(reportShards({ targets }).map((s) => s.length)).toEqual([468, 467, 467]);
  });
});

describe('validate --probe-groups', () => {
  const text = `${BASE}targets: []\n${GROUP}`;
  const run = async (identities: Record<string, { hostname: string; vendor: string; firmwareRevision: number } | undefined>) => {
    let out = '';
    const contacted: string[] = [];
    const code = await runValidate(['--probe-groups', 'monitor.yml'], {
      out: (t) => void (out += t),
      err: () => undefined,
      load: async () => parseConfig(text, 'monitor.yml'),
      probe: async (target) => {
        contacted.push(`${target.host}:${target.port}`);
        const server = identities[target.name];
        return server === undefined ? { ok: false, failure: { class: 'connect_refused', message: 'refused', phase: 'connect' } as never } : { ok: true, server: { ...server, protocolVersion: 0x100, framingCapabilities: 0, bearerCapabilities: 0, maxChannels: 0 } as never };
      },
    });
    return { code, out, contacted };
  };

  it('says when members announce the same identity (Poptop), so a failover cannot be seen', async () => {
    const poptop = { hostname: 'local', vendor: 'linux', firmwareRevision: 1 };
    const { code, out, contacted } = await run({ 'office-vpn': poptop, 'office-vpn-a': poptop, 'office-vpn-b': poptop });
    expect(code).toBe(0);
    expect(contacted.sort()).toEqual(['192.0.2.10:1723', '192.0.2.11:1723', '192.0.2.12:1724']);
    expect(out).toContain('monitor.yml: OK (3 targets in 2 regions) (1 gateway group among them)');
    expect(out).toContain("group office-vpn: warning: office-vpn-a and office-vpn-b announce the same identity, so a failover between them cannot be seen");
  });

  it('says members can be told apart, and names one that did not answer', async () => {
    const { out } = await run({ 'office-vpn': { hostname: 'gw-a', vendor: 'v', firmwareRevision: 2 }, 'office-vpn-a': { hostname: 'gw-a', vendor: 'v', firmwareRevision: 2 }, 'office-vpn-b': { hostname: 'gw-b', vendor: 'v', firmwareRevision: 2 } });
    expect(out).toContain('group office-vpn: members can be told apart: failovers will be seen');
    const partial = await run({ 'office-vpn': { hostname: 'gw-a', vendor: 'v', firmwareRevision: 2 }, 'office-vpn-a': { hostname: 'gw-a', vendor: 'v', firmwareRevision: 2 } });
    expect(partial.out).toContain('group office-vpn: member office-vpn-b did not answer (connect_refused: refused)');
  });
});
