// `report` and `backtest` in the local workflow, as users run them from the project directory after
// `npm start`: no flags, the shipped monitor.local.yml and the store under ./data (a directory of daily
// files); and what they say when there is nothing to read.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import type { RunResult } from '../support/netns.js';

const SHIPPED = fileURLToPath(new URL('../../monitor.local.yml', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'pmt-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI started in `cwd`, as from a shell in that directory. */
function runIn(cwd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Two hours before now, on a minute: inside the last 30 days, where `report` looks by default locally. */
function recentStart(): number {
  return Math.floor(Date.now() / 60_000) * 60_000 - 121 * 60_000;
}

/**
 * A project directory after a local run: monitor.local.yml and a store under ./data with the last two
 * hours of minutes for the simulated gateway (in one or two daily files), down for 10 minutes.
 */
function localProject(name: string): { dir: string; outageStart: string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  copyFileSync(SHIPPED, join(dir, 'monitor.local.yml'));
  const start = recentStart();
  const byDay = new Map<string, string[]>();
  for (let k = 0; k < 120; k++) {
    const at = new Date(start + k * 60_000).toISOString();
    const down = k >= 70 && k < 80;
    const line = JSON.stringify({ v: 1, interval: at, target: 'simulated-gw', region: 'local', ok: !down, attempts: 1, totalMs: 2, ...(down ? { failureClass: 'call_dropped' } : { connectMs: 0.2, controlMs: 0.9 }) });
    byDay.set(at.slice(0, 10), [...(byDay.get(at.slice(0, 10)) ?? []), line]);
  }
  for (const [day, lines] of byDay) writeFileSync(join(dir, 'data', `results-${day}.jsonl`), `${lines.join('\n')}\n`);
  return { dir, outageStart: new Date(start + 70 * 60_000).toISOString() };
}

describe('report and backtest from the local store', () => {
  let project: { dir: string; outageStart: string };
  beforeAll(() => {
    project = localProject('after-npm-start');
  });

  it('report with no arguments reads ./data with monitor.local.yml and says which config it used', async () => {
    const run = await runIn(project.dir, ['report', '--format', 'json']);
    expect(run.stderr).toBe('report: using --config monitor.local.yml (no monitor.yml here)\n');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { targets: Array<{ target: string; downtimeMinutes: number; incidents: number }> };
    expect(report.targets).toMatchObject([{ target: 'simulated-gw', downtimeMinutes: 10, incidents: 1 }]);
    const md = await runIn(project.dir, ['report']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('simulated-gw');
  });

  it('report accepts the store directory as --history', async () => {
    const run = await runIn(project.dir, ['report', '--history', 'data', '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { targets: Array<{ downtimeMinutes: number }> }).targets[0]?.downtimeMinutes).toBe(10);
  });

  it('backtest reads the store directory, given as --history or by default, across its daily files', async () => {
    for (const args of [['backtest', '--history', 'data', '--json'], ['backtest', '--json']]) {
      const run = await runIn(project.dir, args);
      expect(run.stderr).toBe('backtest: using --config monitor.local.yml (no monitor.yml here)\n');
      expect(run.code).toBe(0);
      const sent = JSON.parse(run.stdout) as Array<{ status: string; policy: string; dedupKey: string; runbookUrl: string }>;
      expect(sent.filter((n) => n.policy === 'down').map((n) => [n.status, n.dedupKey, n.runbookUrl])).toEqual([
        ['firing', `simulated-gw/down/${project.outageStart}`, 'docs/runbooks/call_dropped.md'],
        ['resolved', `simulated-gw/down/${project.outageStart}`, 'docs/runbooks/call_dropped.md'],
      ]);
    }
  });

  it('prefers monitor.yml when both configs are there', async () => {
    const both = localProject('both-configs');
    writeFileSync(join(both.dir, 'monitor.yml'), 'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1] }\ntargets:\n  - { name: simulated-gw, host: 127.0.0.1, port: 17230, slo: { availability: 90 } }\n');
    const run = await runIn(both.dir, ['report', '--format', 'json']);
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as { targets: Array<{ slo: number }> }).targets[0]?.slo).toBe(90);
  });

  it('names the files it tried and the flag to pass when there is no config', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const command of ['report', 'backtest']) {
      const run = await runIn(empty, [command]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`${command}: no config: tried monitor.yml and monitor.local.yml in ${empty}; pass --config <file>\n`);
    }
  });

  it('names the missing store and the flags to pass instead of reporting on nothing', async () => {
    const noData = join(root, 'no-data');
    mkdirSync(noData);
    copyFileSync(SHIPPED, join(noData, 'monitor.local.yml'));
    const report = await runIn(noData, ['report']);
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(
      'report: no results at --data data: no such file or directory; pass --data <the store directory that `pptp-monitor run` writes>, --history <a results file or store directory>, or --source cloudwatch\n',
    );
    const backtest = await runIn(noData, ['backtest']);
    expect(backtest.code).toBe(2);
    expect(backtest.stderr).toContain("backtest: cannot read data: no such file or directory (the local monitor's store, the default); pass --history <a results file or store directory>\n");
  });
});
