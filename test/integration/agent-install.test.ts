// The agent's install kit (deploy/agent/, scripts/build-agent.mjs) as an operator meets it: the systemd
// unit passes systemd-analyze and grants exactly what the probes need, the tarball runs on a host with
// Node and nothing else, and install.sh lays it out with the right owners and modes.
//
// Not tested: starting the unit. That needs systemd as PID 1, which the CI container does not have;
// `systemd-analyze verify` runs offline. The unit's capability set is exercised instead with setpriv,
// which gives an unprivileged process the same ambient CAP_NET_RAW under no_new_privs.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const UNIT_SOURCE = join(REPO, 'deploy/agent/pptp-monitor-agent.service');
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const PLATFORM = `${process.platform}-${process.arch}`;
const STAGE = `pptp-monitor-agent-${PACKAGE.version}`;
const IS_ROOT = process.getuid?.() === 0;
const HAS_SETPRIV = existsSync('/usr/bin/setpriv');

// Measured at 2,780 KiB (bundle) and 1,274 KiB (tarball, koffi 3.3.4 linux-x64) when written; the bounds
// leave room to grow, and catch a dependency tree or a second platform's binaries slipping in.
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
const MAX_TARBALL_BYTES = 2 * 1024 * 1024;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tempDirs: string[] = [];
function tempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A PATH and nothing else from this process: no NODE_PATH, no npm_* variables leading node to the repo. */
const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...extra });

// ---- the unit ----

/** [Service] (or any section) as key → every value it is given, in order; comments and blanks dropped. */
function unitSection(text: string, section: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // A continued line would hide part of a value from these checks; the unit has none.
    if (line.endsWith('\\')) throw new Error(`continuation lines are not parsed here: ${line}`);
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current !== section) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a key=value line: ${line}`);
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

/**
 * `systemd-analyze verify` on a copy of the unit. It checks that ExecStart's binary exists, and the unit
 * runs /usr/bin/node: where node lives elsewhere (a CI image with /usr/local/bin/node), the copy runs
 * this process's node instead, as install.sh would rewrite it.
 */
function verify(unitText: string, name = 'pptp-monitor-agent.service'): Run {
  const dir = tempDir('agent-unit-');
  const text = existsSync('/usr/bin/node') ? unitText : unitText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
  writeFileSync(join(dir, name), text);
  return run('systemd-analyze', ['verify', join(dir, name)]);
}

describe('pptp-monitor-agent.service', () => {
  const unit = readFileSync(UNIT_SOURCE, 'utf8');

  it('passes systemd-analyze verify without a single warning', () => {
    const result = verify(unit);
    // verify exits 0 on unknown keys and unparsable values (it only warns), so silence is the check.
    expect(result.stderr + result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('makes systemd-analyze report a misspelled directive, a bad value and a missing program', () => {
    const misspelled = verify(unit.replace('\nProtectSystem=strict\n', '\nProtectSytem=strict\n'));
    const badValue = verify(unit.replace(/\nRestrictAddressFamilies=.*\n/, '\nRestrictAddressFamilies=AF_INET AF_BOGUS\n'));
    const noProgram = verify(unit.replace('ExecStart=/usr/bin/node ', 'ExecStart=/usr/bin/no-such-node '));
    expect(misspelled.stderr).toMatch(/Unknown key 'ProtectSytem' in section \[Service\]/);
    expect(badValue.stderr).toMatch(/Failed to parse address family.*AF_BOGUS/);
    expect(noProgram.code).not.toBe(0);
    expect(noProgram.stderr).toContain('/usr/bin/no-such-node');
  });

  it('grants CAP_NET_RAW and nothing else, to a dynamic user, under a read-only system', () => {
    const service = unitSection(unit, 'Service');
    // Every security-relevant key set once: a second line would silently widen or reset the first.
    const exactly: Record<string, string> = {
      DynamicUser: 'yes',
      AmbientCapabilities: 'CAP_NET_RAW',
      CapabilityBoundingSet: 'CAP_NET_RAW',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      StateDirectory: 'pptp-monitor-agent',
      StateDirectoryMode: '0700',
      ConfigurationDirectory: 'pptp-monitor',
      EnvironmentFile: '-/etc/pptp-monitor/agent.env',
      Restart: 'on-failure',
      RestartSec: '5',
      SystemCallFilter: '@system-service',
      SystemCallErrorNumber: 'EPERM',
      LockPersonality: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX AF_NETLINK',
      ExecStart:
        '/usr/bin/node /opt/pptp-monitor/pptp-monitor.mjs agent --config /etc/pptp-monitor/monitor.yml ' +
        '--location ${PPTP_MONITOR_LOCATION} --state-dir ${STATE_DIRECTORY}',
    };
    for (const [key, value] of Object.entries(exactly)) expect({ key, values: service.get(key) }).toEqual({ key, values: [value] });
    // A fixed user would own the spool across reinstalls; W^X breaks V8's JIT; a user namespace voids CAP_NET_RAW.
    for (const absent of ['User', 'Group', 'MemoryDenyWriteExecute', 'PrivateUsers', 'PrivateNetwork']) expect(service.has(absent), absent).toBe(false);
    const unitPart = unitSection(unit, 'Unit');
    expect(unitPart.get('Wants')).toEqual(['network-online.target']);
    expect(unitPart.get('After')).toEqual(['network-online.target']);
    expect(unitSection(unit, 'Install').get('WantedBy')).toEqual(['multi-user.target']);
  });
});

// ---- the tarball ----

describe('the agent tarball', () => {
  let outDir: string;
  let tarball: string;
  /** The unpacked tarball's top folder, under the system temp dir: no node_modules above it. */
  let kit: string;

  beforeAll(() => {
    outDir = tempDir('agent-build-');
    execFileSync(process.execPath, [join(REPO, 'scripts/build-agent.mjs'), '--out-dir', outDir], { cwd: REPO, stdio: 'pipe' });
    tarball = join(outDir, `${STAGE}-${PLATFORM}.tar.gz`);
    const unpacked = tempDir('agent-kit-');
    // Readable by the unprivileged user of the capability test (mkdtemp makes 0700 folders).
    chmodSync(unpacked, 0o755);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    kit = join(unpacked, STAGE);
  }, 180_000);

  it('holds the bundle, the unit, install.sh, INSTALL.md and koffi, and no config, secret or dependency tree', () => {
    const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '' && !line.endsWith('/'))
      .map((line) => line.slice(`${STAGE}/`.length));
    const outsideKoffi = entries.filter((e) => !e.startsWith('node_modules/koffi/') && !e.startsWith(`node_modules/@koromix/koffi-${PLATFORM}/`));
    expect(outsideKoffi.sort()).toEqual(['INSTALL.md', 'VERSION', 'install.sh', 'pptp-monitor-agent.service', 'pptp-monitor.mjs']);
    expect(entries.filter((e) => /(^|\/)(monitor[^/]*\.ya?ml|[^/]*\.env|\.npmrc|credentials)$/.test(e))).toEqual([]);
    // koffi's loader and its one binary package; not its sources, docs or other platforms.
    expect(entries.filter((e) => e.startsWith('node_modules/koffi/')).sort()).toEqual(
      ['LICENSE.txt', 'index.cjs', 'package.json', 'src/koffi/index.cjs', 'src/koffi/src/static.cjs'].map((f) => `node_modules/koffi/${f}`),
    );
    expect(entries.some((e) => e.endsWith('/koffi.node'))).toBe(true);
    expect(readFileSync(join(kit, 'pptp-monitor-agent.service'), 'utf8')).toBe(readFileSync(UNIT_SOURCE, 'utf8'));
    expect(statSync(join(kit, 'install.sh')).mode & 0o777).toBe(0o755);
  });

  it(`keeps the bundle under ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB and the tarball under ${MAX_TARBALL_BYTES / 1024 / 1024} MiB`, () => {
    expect(statSync(join(outDir, 'pptp-monitor.mjs')).size).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(statSync(tarball).size).toBeLessThan(MAX_TARBALL_BYTES);
  });

  it('answers --help, --version and validate from a copy with no node_modules around it', () => {
    for (let dir = dirname(kit); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    const cli = join(kit, 'pptp-monitor.mjs');
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const valid = join(dirname(kit), 'monitor.yml');
    writeFileSync(
      valid,
      `version: 1
homeRegion: eu-central-1
agents:
  - name: office-berlin
targets:
  - name: hq
    host: 198.51.100.10
    regions: [office-berlin]
  - name: hq-login
    host: 198.51.100.10
    check: pptp-login
    login:
      username: monitor
      passwordEnv: HQ_GW_LOGIN_PASSWORD
    regions: [office-berlin]
`,
    );
    const invalid = join(dirname(kit), 'invalid.yml');
    writeFileSync(invalid, 'version: 1\nhomeRegion: eu-central-1\ntargets: []\nagentz: []\n');

    const help = run(process.execPath, [cli, '--help'], { cwd: kit, env: cleanEnv() });
    const version = run(process.execPath, [cli, '--version'], { cwd: kit, env: cleanEnv() });
    const ok = run(process.execPath, [cli, 'validate', valid], { cwd: kit, env: cleanEnv() });
    const bad = run(process.execPath, [cli, 'validate', invalid], { cwd: kit, env: cleanEnv() });

    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('usage: pptp-monitor <command> [options]');
    expect(version).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
    expect(ok).toEqual({ code: 0, stdout: `${valid}: OK (2 targets in 0 regions and 1 agent)\n`, stderr: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('agentz');
  });

  it.skipIf(!IS_ROOT || !HAS_SETPRIV)('opens the raw GRE socket as an unprivileged user only when given CAP_NET_RAW as the unit gives it', async () => {
    // A port that was just closed: the login fails at its TCP connect, after the raw socket opened.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const check = [join(kit, 'pptp-monitor.mjs'), 'check', `127.0.0.1:${port}`, '--login', 'monitor', '--password-env', 'PASSWORD', '--timeout', '3000'];
    const env = cleanEnv({ PASSWORD: 'not-used' });
    const nobody = ['--reuid', '65534', '--regid', '65534', '--clear-groups'];
    // AmbientCapabilities=CAP_NET_RAW, CapabilityBoundingSet=CAP_NET_RAW, NoNewPrivileges=yes.
    const unitCaps = ['--bounding-set', '-all,+net_raw', '--inh-caps', '-all,+net_raw', '--ambient-caps', '-all,+net_raw', '--no-new-privs'];

    const without = run('setpriv', [...nobody, '--no-new-privs', process.execPath, ...check], { cwd: kit, env });
    const granted = run('setpriv', [...nobody, ...unitCaps, process.execPath, ...check], { cwd: kit, env });
    // The same bundle without the tarball's node_modules: the reason it ships koffi.
    const bare = tempDir('agent-bare-');
    execFileSync('cp', [join(kit, 'pptp-monitor.mjs'), bare]);
    const noKoffi = run(process.execPath, [join(bare, 'pptp-monitor.mjs'), ...check.slice(1)], { cwd: bare, env });

    expect(without.code).toBe(2);
    expect(without.stderr).toContain('CAP_NET_RAW missing');
    expect(granted.stderr).toBe('');
    expect(granted.code).toBe(1);
    expect(granted.stdout).toContain('connect_refused');
    expect(noKoffi.code).toBe(2);
    expect(noKoffi.stderr).toContain('cannot load koffi');
  });

  // ---- install.sh ----

  const mode = (path: string): number => statSync(path).mode & 0o777;
  /** What install.sh resolves node to with this PATH, and so what ExecStart becomes. */
  const nodeOnPath = (env: NodeJS.ProcessEnv): string => execFileSync('sh', ['-c', 'command -v node'], { env, encoding: 'utf8' }).trim();

  it('lays the files out under --root with the owners and modes the unit needs, and leaves systemd alone', () => {
    const root = tempDir('agent-root-');
    const result = run('sh', [join(kit, 'install.sh'), '--root', root], { env: cleanEnv() });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`skipped systemctl daemon-reload (--root ${root})`);
    for (const step of ['/etc/pptp-monitor/monitor.yml', 'systemctl enable --now pptp-monitor-agent', 'journalctl -u pptp-monitor-agent -f']) expect(result.stdout).toContain(step);
    const opt = join(root, 'opt/pptp-monitor');
    expect(mode(opt)).toBe(0o755);
    expect(mode(join(opt, 'pptp-monitor.mjs'))).toBe(0o755);
    // Buffer.equals, not toEqual: a deep compare of 2.8 MB walks it byte by byte (17 s).
    expect(readFileSync(join(opt, 'pptp-monitor.mjs')).equals(readFileSync(join(kit, 'pptp-monitor.mjs')))).toBe(true);
    const koffiNative = execFileSync('find', [join(opt, 'node_modules'), '-name', 'koffi.node'], { encoding: 'utf8' }).trim().split('\n');
    expect(koffiNative.length).toBeGreaterThan(0);
    for (const file of koffiNative) expect(mode(file)).toBe(0o644);
    const unitPath = join(root, 'etc/systemd/system/pptp-monitor-agent.service');
    expect(mode(unitPath)).toBe(0o644);
    expect(readFileSync(unitPath, 'utf8')).toBe(readFileSync(UNIT_SOURCE, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${nodeOnPath(cleanEnv())} `));
    expect(mode(join(root, 'etc/pptp-monitor'))).toBe(0o755);
    const agentEnv = join(root, 'etc/pptp-monitor/agent.env');
    expect(mode(agentEnv)).toBe(0o600);
    expect(readFileSync(agentEnv, 'utf8')).toMatch(/^PPTP_MONITOR_LOCATION=$/m);
    expect(existsSync(join(root, 'etc/pptp-monitor/monitor.yml'))).toBe(false);
    if (IS_ROOT) for (const path of [opt, join(opt, 'pptp-monitor.mjs'), unitPath, agentEnv]) expect(statSync(path).uid, path).toBe(0);
  });

  it('keeps an edited agent.env and swaps in a new program file on a second run (DESTDIR)', () => {
    const root = tempDir('agent-root-');
    const first = run('sh', [join(kit, 'install.sh')], { env: cleanEnv({ DESTDIR: root }) });
    const agentEnv = join(root, 'etc/pptp-monitor/agent.env');
    writeFileSync(agentEnv, 'PPTP_MONITOR_LOCATION=office-berlin\n');
    const program = join(root, 'opt/pptp-monitor/pptp-monitor.mjs');
    const inodeBefore = statSync(program).ino;
    const second = run('sh', [join(kit, 'install.sh')], { env: cleanEnv({ DESTDIR: root }) });

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('kept the existing');
    expect(readFileSync(agentEnv, 'utf8')).toBe('PPTP_MONITOR_LOCATION=office-berlin\n');
    expect(mode(agentEnv)).toBe(0o600);
    // A new inode: a running agent keeps its mapped koffi.node and loaded files until it restarts.
    expect(statSync(program).ino).not.toBe(inodeBefore);
    expect(execFileSync('ls', ['-A', join(root, 'opt')], { encoding: 'utf8' })).toBe('pptp-monitor\n');
  });

  /** A `node` that reports `version` when asked and otherwise runs the real one. */
  function fakeNode(parent: string, version?: string): string {
    const dir = tempDir('agent-node-', parent);
    const realNode = realpathSync(process.execPath);
    const answer = version === undefined ? '' : `if [ "$2" = process.versions.node ]; then echo ${version}; exit 0; fi\n`;
    writeFileSync(join(dir, 'node'), `#!/bin/sh\n${answer}exec ${realNode} "$@"\n`, { mode: 0o755 });
    return dir;
  }
  const installWithNodeIn = (dir: string, root = tempDir('agent-root-')): Run =>
    run('sh', [join(kit, 'install.sh'), '--root', root], { env: cleanEnv({ PATH: `${dir}:${process.env.PATH}` }) });

  it('refuses a node older than package.json engines, or one the hardened unit cannot see', () => {
    expect(PACKAGE.engines.node).toBe('>=20.19');
    expect(readFileSync(join(kit, 'install.sh'), 'utf8')).toMatch(/^MIN_NODE_MAJOR=20\nMIN_NODE_MINOR=19$/m);

    const tooOld = installWithNodeIn(fakeNode(tmpdir(), '20.18.3'));
    const garbled = installWithNodeIn(fakeNode(tmpdir(), 'v20'));
    // A current node under /tmp, as PrivateTmp= would hide it (as ProtectHome= hides nvm's).
    const hiddenDir = fakeNode(tmpdir());
    const hidden = installWithNodeIn(hiddenDir);

    expect(tooOld.code).toBe(1);
    expect(tooOld.stderr).toMatch(/node 20\.18\.3 at .* is too old: the agent needs >= 20\.19/);
    expect(garbled.code).toBe(1);
    expect(garbled.stderr).toContain("cannot read the version of");
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`node is ${join(realpathSync(hiddenDir), 'node')}, which the service cannot see (ProtectHome/PrivateTmp)`);
  });

  /**
   * A folder for a fake node that the unit could see and that may hold programs: the repository's
   * git-ignored dist/ unless the checkout itself lives under /home, /root or /tmp, else /dev/shm when
   * it is not mounted noexec.
   */
  function visibleExecutableFolder(): string | undefined {
    const hidden = /^\/(home|root|tmp|var\/tmp)\//;
    for (const candidate of [join(REPO, 'dist'), '/dev/shm']) {
      if (hidden.test(`${realpathSync(dirname(candidate))}/`)) continue;
      try {
        mkdirSync(candidate, { recursive: true });
        const dir = fakeNode(candidate, '20.19.0');
        if (run(join(dir, 'node'), ['-p', 'process.versions.node']).stdout.trim() === '20.19.0') return dir;
      } catch {
        // Not writable, or noexec: try the next one.
      }
    }
    return undefined;
  }

  it('runs a node found elsewhere on PATH, rewriting ExecStart to it', (context) => {
    const dir = visibleExecutableFolder();
    if (dir === undefined) context.skip('no writable, executable folder outside /home, /root and /tmp for a fake node');
    const root = tempDir('agent-root-');
    const result = installWithNodeIn(dir!, root);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`node is ${join(dir!, 'node')}, not /usr/bin/node: ExecStart uses it`);
    const installedUnit = readFileSync(join(root, 'etc/systemd/system/pptp-monitor-agent.service'), 'utf8');
    expect(unitSection(installedUnit, 'Service').get('ExecStart')).toEqual([
      readFileSync(UNIT_SOURCE, 'utf8').match(/^ExecStart=(.*)$/m)![1]!.replace('/usr/bin/node ', `${join(dir!, 'node')} `),
    ]);
  });
});
