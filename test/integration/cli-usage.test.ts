// The CLI as a user meets it: exit statuses and messages for mistakes, help and version. No network
// is touched except local sockets this file opens.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const COMMANDS = ['check', 'validate', 'run', 'simulate', 'backtest', 'report', 'agent', 'notify-test'] as const;

describe('pptp-monitor CLI usage', () => {
  it('exits 2 and says what is wrong for a bad port', async () => {
    const run = await runCli(['check', 'gw.example:70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pptp-monitor: invalid target 'gw.example:70000': port 70000 is not from 1 to 65535");
    expect(run.stdout).toBe('');
  });

  it('exits 2 for an unknown command and for a missing target', async () => {
    const unknown = await runCli(['chek', 'gw']);
    const missing = await runCli(['check']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'chek'");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('check needs at least one target');
  });

  it('prints help with exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: pptp-monitor check <target...> [options]');
  });
});

describe('usage errors print the one useful line, the command usage and a hint', () => {
  it('shows only the usage line of the command that was called', async () => {
    const run = await runCli(['check', 'gw', '--tiemout', '5']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      "pptp-monitor: unknown option '--tiemout'\n" +
        'usage: pptp-monitor check <target...> [options]\n' +
        "run 'pptp-monitor check --help' for the options\n",
    );
  });

  it('names every command for an unknown or missing command', async () => {
    for (const argv of [['chek', 'gw'], []]) {
      const run = await runCli(argv);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n').slice(1)).toEqual([
        'usage: pptp-monitor <command> [options]',
        `commands: ${COMMANDS.join(', ')}`,
        "run 'pptp-monitor --help' for every command and option",
        '',
      ]);
    }
  });

  it.each([
    ['validate', ['validate', '--strict']],
    ['run', ['run', '--bogus']],
    ['simulate', ['simulate', 'extra']],
    ['report', ['report', '--bogus']],
    ['backtest', ['backtest', '--bogus']],
  ])('keeps exit 2 and points at %s --help', async (command, argv) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`run 'pptp-monitor ${command} --help' for the options`);
    expect(run.stderr.split('\n').length).toBeLessThanOrEqual(5);
  });
});

describe('help and version', () => {
  it.each(COMMANDS.flatMap((command) => [[command, '--help'], [command, '-h']]))('%s %s prints that command only, exit 0', async (command, flag) => {
    const run = await runCli([command, flag]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^usage: pptp-monitor ${command}\\b`));
    for (const other of COMMANDS.filter((c) => c !== command)) expect(run.stdout).not.toContain(`usage: pptp-monitor ${other}`);
  });

  it('finds --help after other arguments, even ones that are wrong', async () => {
    const run = await runCli(['check', 'http://127.0.0.1', '--timeout', '5s', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: pptp-monitor check <target\.\.\.> \[options\]\n/);
  });

  it.each([['--help'], ['-h'], ['help']])('%s lists every command and its options, exit 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^usage: pptp-monitor ${command}\\b`, 'm'));
  });

  it('help <command> prints that command', async () => {
    const run = await runCli(['help', 'report']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: pptp-monitor report \[options\]\n/);
    const unknown = await runCli(['help', 'chek']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("pptp-monitor: unknown command 'chek'");
  });

  it.each([['--version'], ['-V']])('%s prints the package version, exit 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });
});

describe('check targets on the command line', () => {
  it('says that a URL is not a target and shows the forms expected', async () => {
    const run = await runCli(['check', 'http://127.0.0.1']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      "pptp-monitor: invalid target 'http://127.0.0.1': a URL is not a target; give host, host:port or [ipv6]:port",
    );
  });

  it('refuses hosts that the resolver would read as another address, and addresses nobody can be', async () => {
    const legacy = await runCli(['check', '1.2.3']);
    expect(legacy.code).toBe(2);
    expect(legacy.stderr.split('\n')[0]).toBe(
      "pptp-monitor: invalid target '1.2.3': '1.2.3' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 1.2.0.3)",
    );
    const zero = await runCli(['check', '0.0.0.0:1723']);
    expect(zero.code).toBe(2);
    expect(zero.stderr.split('\n')[0]).toBe(
      "pptp-monitor: invalid target '0.0.0.0:1723': '0.0.0.0' is a \"this network\" address (0.0.0.0/8), which no gateway can have",
    );
  });
});

describe('validate', () => {
  it('names both targets that probe one gateway, and a cron window that never fires; exit 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pptp-validate-')), 'monitor.yml');
    writeFileSync(
      file,
      [
        'version: 1',
        'homeRegion: eu-central-1',
        'defaults: { regions: [eu-central-1] }',
        "maintenance: [{ cron: '0 3 30 2 *', durationMinutes: 60, timezone: UTC }]",
        'targets:',
        '  - { name: hq, host: vpn.example.com }',
        '  - { name: hq-copy, host: vpn.example.com, port: 1723 }',
        '  - { name: typo, host: 10.1.1 }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      [
        "maintenance[0].cron: never fires: day-of-month '30' does not occur in month '2' (feb has at most 29 days), got '0 3 30 2 *'",
        "targets[1].host: target 'hq-copy' probes the same host and port as target 'hq' (targets[0]): 'vpn.example.com' port 1723",
        "targets[2].host: '10.1.1' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 10.1.0.1)",
        `${file}: 3 errors`,
        '',
      ].join('\n'),
    );
  });
});

/** A TCP server that accepts and never says a word: a PPTP probe against it waits for its deadline. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released): connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('check output order', () => {
  it('prints results in the order of the arguments, not the order they finished in', async () => {
    const slow = await silentServer();
    try {
      const refused = await closedPort();
      const targets = [`127.0.0.1:${slow.port}`, `127.0.0.1:${refused}`, `127.0.0.1:${slow.port}`];
      const human = await runCli(['check', ...targets, '--timeout', '600']);
      expect(human.code).toBe(1);
      const rows = human.stdout.split('\n').filter((line) => /^(UP|DOWN)/.test(line));
      expect(rows.map((row) => row.split(/\s+/)[1])).toEqual(targets);
      expect(rows[0]).toContain('control_timeout');
      expect(rows[1]).toContain('connect_refused');
      const json = await runCli(['check', ...targets, '--timeout', '600', '--json']);
      expect((JSON.parse(json.stdout) as { target: string }[]).map((r) => r.target)).toEqual(targets);
    } finally {
      await slow.close();
    }
  });
});
