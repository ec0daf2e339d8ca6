// `pptp-monitor run` and `backtest` as users run them: the bundled CLI in a child process, a simulator on
// loopback, real files.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../shared/simulator/index.js';
import { CLI_BIN, runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pmt-cli-local-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('pptp-monitor run', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await simulator.close();
  });

  it('probes, stores one JSON line per result, and exits 0 after the cycles asked for', async () => {
    const config = write('run.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`);
    const data = join(dir, 'data');
    const run = await runCli(['run', '--config', config, '--data', data, '--cycles', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sim-gw {2}UP {4}connect \d/);
    const [file] = readdirSync(data);
    const lines = readFileSync(join(data, file ?? ''), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ v: 1, target: 'sim-gw', region: 'local', ok: true, server: { hostname: 'pptp-simulator' } });
  });

  it('refuses an invalid config with exit 2, naming the field, and probes nothing', async () => {
    const config = write('bad.yml', 'version: 1\nhomeRegion: eu-central-1\ntargets:\n  - { name: x, host: 127.0.0.1, port: 0, regions: [eu-west-1] }\n');
    const run = await runCli(['run', '--config', config, '--data', join(dir, 'bad-data'), '--cycles', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('targets[0].port: must be 1-65535, got 0');
    expect(() => readdirSync(join(dir, 'bad-data'))).toThrow();
  });

  it('serves the status page and /metrics while running, and stops cleanly on Ctrl-C with every result on disk', async () => {
    // Prepare
    const config = write('http.yml', `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulator.port} }\n`);
    const data = join(dir, 'http-data');
    const child = spawn(process.execPath, [CLI_BIN, 'run', '--config', config, '--data', data, '--http', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no status page line in: ${out}`)), 10_000);
      child.stdout.on('data', () => {
        const m = /status page on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m?.[1] && /sim-gw {2}UP/.test(out)) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    // Act
    const metrics = await (await fetch(`${url}metrics`)).text();
    const page = await fetch(url);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    // Assess
    expect(metrics).toContain('pptp_probe_success{target="sim-gw",region="local"} 1');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-target="sim-gw"');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped after 1 cycle(s)');
    expect(readFileSync(join(data, readdirSync(data)[0] ?? ''), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('names a bad option', async () => {
    const run = await runCli(['run', '--simulate', '99999']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--simulate: must be a port 1-65535, got '99999'");
  });
});

describe('pptp-monitor backtest', () => {
  const T0 = Date.parse('2026-11-01T08:00:00Z');
  const line = (k: number, region: string, ok: boolean, cls = 'connect_timeout'): string =>
    JSON.stringify({ v: 1, interval: new Date(T0 + k * 60_000).toISOString(), target: 'hq-gw', region, ok, attempts: 1, totalMs: ok ? 3 : 5000, ...(ok ? { connectMs: 1, controlMs: 2 } : { failureClass: cls }) });

  it('replays a local history: one page when the outage lasts, its runbook, the resolved notice, and nothing for a blip', async () => {
    // Prepare: 80 healthy minutes with one isolated failure at minute 5, then 5 failing, then 15 healthy.
    const lines: string[] = [];
    for (let k = 0; k < 100; k++) lines.push(line(k, 'local', !(k === 5 || (k >= 80 && k < 85))));
    lines.push('{"v":1,"interval":"2026-11-01T09:40:00Z","target":"hq-gw"'); // cut short by a crash
    const history = write('history.jsonl', `${lines.join('\n')}\n`);
    const config = write('bt.yml', 'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n');
    // Act
    const run = await runCli(['backtest', '--config', config, '--history', history, '--json']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('history.jsonl:101: skipped: ');
    const sent = JSON.parse(run.stdout) as Array<{ at: string; status: string; policy: string; severity: string; runbookUrl: string; dedupKey: string }>;
    expect(sent.map((n) => [n.at, n.status, n.severity, n.policy, n.runbookUrl])).toEqual([
      ['2026-11-01T09:23:00.000Z', 'firing', 'page', 'down', 'docs/runbooks/connect_timeout.md'],
      ['2026-11-01T09:28:00.000Z', 'resolved', 'page', 'down', 'docs/runbooks/connect_timeout.md'],
    ]);
    expect(new Set(sent.map((n) => n.dedupKey))).toEqual(new Set(['hq-gw/down/2026-11-01T09:20:00.000Z']));
  });

  it('applies the quorum to a multi-region history: one region failing alone sends nothing', async () => {
    const lines: string[] = [];
    for (let k = 0; k < 60; k++) for (const region of ['eu-central-1', 'eu-west-1', 'us-east-1']) lines.push(line(k, region, !(region === 'us-east-1' && k >= 20 && k < 40)));
    const history = write('regional.jsonl', `${lines.join('\n')}\n`);
    const config = write('bt3.yml', 'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1, us-east-1] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n');
    const run = await runCli(['backtest', '--config', config, '--history', history]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 notification(s)');
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pptp-monitor report', () => {
  const T0 = Date.parse('2026-10-31T23:00:00Z');
  it('reports quorum and raw per-region availability from a history file, as JSON and as a self-contained HTML file', async () => {
    // Prepare: two hours across the month boundary, 3 regions; us-east-1 alone fails 30 minutes (no quorum),
    // then all three fail 10 minutes just after midnight.
    const lines: string[] = [];
    for (let k = 0; k < 120; k++) {
      for (const region of ['eu-central-1', 'eu-west-1', 'us-east-1']) {
        const down = (region === 'us-east-1' && k >= 10 && k < 40) || (k >= 60 && k < 70);
        lines.push(JSON.stringify({ v: 1, interval: new Date(T0 + k * 60_000).toISOString(), target: 'hq-gw', region, ok: !down, attempts: 1, totalMs: 3, ...(down ? { failureClass: 'connect_timeout' } : { connectMs: 1, controlMs: 2 }) }));
      }
    }
    const history = write('month.jsonl', `${lines.join('\n')}\n`);
    const config = write('report.yml', 'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1, us-east-1] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n');
    // Act: November only (the outage is in it; the lone-region failures are in October).
    const run = await runCli(['report', '--config', config, '--history', history, '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-01T01:00:00Z', '--format', 'json']);
    const html = join(dir, 'report.html');
    const htmlRun = await runCli(['report', '--config', config, '--history', history, '--from', '2026-10-31T23:00:00Z', '--to', '2026-11-01T01:00:00Z', '--format', 'html', '--out', html]);
    // Assess: 60 minutes in range, 10 down: 50/60 = 83.333%; the budget is the 30-day SLO window's allowance
    // (0.001 × 43,200 = 43.2 min; the range's share, 0.06 min, is shown beside it), consumed 10.
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { targets: Array<{ availability: number; downtimeMinutes: number; incidents: number; errorBudgetRemaining: number; regions: Array<{ region: string; availability: number }> }> };
    expect(report.targets[0]).toMatchObject({ availability: 83.333, downtimeMinutes: 10, incidents: 1, errorBudgetRemaining: expect.closeTo(1 - 10 / 43.2, 4) });
    expect(htmlRun.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script|https?:\/\//);
  });

  it('names a bad format', async () => {
    const run = await runCli(['report', '--format', 'pdf']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--format: must be one of md, csv, html, json, got 'pdf'");
  });
});
