// Debian's Prometheus (the real server) scraping a running `pptp-monitor run --http`, answering PromQL
// over what it scraped, with deploy/prometheus/pptp-monitor.rules.yml loaded; promtool checking the rules,
// running their unit tests and linting /metrics; and the --http address: its usage errors, and a
// non-loopback bind (inside a network namespace the test creates) that warns and keeps the Host check.
//
// Skipped with the reason when prometheus is not installed, except under CI=true, where that fails
// (.ci/run installs it), as requireNetns does for namespaces.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../shared/cli/run-args.js';
import { CLI_BIN, runCli } from '../support/cli.js';
import { createNetns, requireNetns, type Netns } from '../support/netns.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const RULES = fileURLToPath(new URL('../../deploy/prometheus/pptp-monitor.rules.yml', import.meta.url));
const RULE_TESTS = fileURLToPath(new URL('../../deploy/prometheus/pptp-monitor.rules.test.yml', import.meta.url));

/** Every rule in the rules file, by group, in order (records before the alerts that read them): a rule renamed or lost shows here. */
const EXPECTED_RULES = {
  'pptp-monitor': [
    'target:pptp_down:bool',
    ...['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `target:pptp_down:avg_over_time${w}`),
    'target:pptp_allowed_error:ratio',
    ...['1h', '6h', '1d', '3d'].map((w) => `target:pptp_probe_failures:max_increase${w}`),
    'target_region:pptp_probe_control_seconds:quantile95_over_time5m',
    'PptpGatewayDown',
    'PptpErrorBudgetBurnPage',
    'PptpErrorBudgetBurnTicket',
    'PptpLatencyP95OverObjective',
  ],
};

async function requirePrometheus(): Promise<string | undefined> {
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    try {
      await access(bin, constants.X_OK);
    } catch {
      const reason = `${bin} is not installed (apt-get install prometheus)`;
      if (process.env['CI'] === 'true') throw new Error(`CI must run the Prometheus tests, but ${reason}`);
      return reason;
    }
  }
  return undefined;
}

function run(command: string, args: readonly string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

/** A port free on 127.0.0.1 now (Prometheus takes its listen address as a flag, not port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects with all output after `ms`. */
function waitForOutput(child: ChildProcess, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms in:\n${out}`)), ms);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
  });
}

/** Polls `probe` until it returns a value (not undefined), or throws what it last saw after `ms`. */
async function eventually<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last error: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus scraping pptp-monitor run --http', () => {
  let skipReason: string | undefined;
  let dir = '';
  let monitor: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let metricsUrl = '';
  let api = '';

  /** PromQL through Prometheus's HTTP API: the instant vector's samples. */
  async function query(expr: string): Promise<Sample[]> {
    const reply = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await reply.json()) as { status: string; data: { resultType: string; result: Sample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? reply.status}`);
    return body.data.result;
  }
  /** The samples of `expr` once it has any (a scrape or a rule evaluation may still be on its way). */
  const samplesOf = (expr: string): Promise<Sample[]> => eventually(expr, 20_000, async () => ((await query(expr)).length > 0 ? query(expr) : undefined));

  beforeAll(async () => {
    skipReason = await requirePrometheus();
    if (skipReason) return;
    dir = await mkdtemp(join(tmpdir(), 'pmt-prometheus-'));
    const simulatePort = await freePort();
    const config = join(dir, 'monitor.yml');
    await writeFile(
      config,
      `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\n` +
        `targets:\n  - { name: sim-gw, host: 127.0.0.1, port: ${simulatePort}, latency: { controlP95Ms: 500 } }\n`,
    );
    monitor = spawn(process.execPath, [CLI_BIN, 'run', '--config', config, '--data', join(dir, 'data'), '--simulate', String(simulatePort), '--http', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [, url] = await waitForOutput(monitor, /status page on (http:\/\/127\.0\.0\.1:\d+\/)[\s\S]*sim-gw {2}UP/, 15_000);
    metricsUrl = `${url}metrics`;

    const promPort = await freePort();
    api = `http://127.0.0.1:${promPort}`;
    const promConfig = join(dir, 'prometheus.yml');
    // 1 s scrapes and rule evaluations so the test sees series within seconds.
    await writeFile(
      promConfig,
      `global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }\n` +
        `rule_files: [${JSON.stringify(RULES)}]\n` +
        `scrape_configs:\n  - job_name: pptp-monitor\n    static_configs: [{ targets: ['${new URL(url!).host}'] }]\n`,
    );
    prometheus = spawn(PROMETHEUS, [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stderr?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    await eventually(`Prometheus ready (log: ${prometheusLog})`, 20_000, async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined));
  }, 45_000);

  afterAll(async () => {
    await stop(prometheus, 'SIGTERM');
    await stop(monitor, 'SIGINT');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers PromQL over the scraped monitor: probe success 1, phase histogram counted, last probe under 2 minutes old', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);

    const success = await samplesOf('pptp_probe_success{target="sim-gw"}');
    const controlCount = await query('pptp_probe_phase_duration_seconds_count{target="sim-gw",phase="control"}');
    const age = await query('time() - pptp_last_probe_timestamp_seconds{target="sim-gw"}');
    // Prometheus must read our `le` labels as bucket bounds: the quantile lands inside a real bucket.
    const p95 = await query('histogram_quantile(0.95, pptp_probe_phase_duration_seconds_bucket{target="sim-gw",phase="control"})');
    const up = await query('up{job="pptp-monitor"}');

    expect(success).toHaveLength(1);
    expect(success[0]!.metric).toMatchObject({ job: 'pptp-monitor', instance: new URL(metricsUrl).host, region: 'local' });
    expect(success[0]!.value[1]).toBe('1');
    expect(Number(controlCount[0]?.value[1])).toBeGreaterThanOrEqual(1);
    expect(Number(age[0]?.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(age[0]?.value[1])).toBeLessThan(120);
    expect(Number(p95[0]?.value[1])).toBeGreaterThan(0);
    expect(Number(p95[0]?.value[1])).toBeLessThanOrEqual(1);
    expect(up.map((s) => s.value[1])).toEqual(['1']);
  });

  it('loads the rules file: every rule healthy, and the records computed from the scraped series', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);

    type RuleGroup = { name: string; rules: Array<{ name: string; health: string; lastError?: string; type: string }> };
    // A rule is 'unknown' until its first evaluation; then 'ok', or 'err' with lastError.
    const groups = await eventually('every rule evaluated', 20_000, async () => {
      const reply = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: RuleGroup[] } };
      const all = reply.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? reply.data.groups : undefined;
    });
    const down = await samplesOf('target:pptp_down:bool{target="sim-gw"}');
    const ratio5m = await samplesOf('target:pptp_down:avg_over_time5m{target="sim-gw"}');
    const allowed = await samplesOf('target:pptp_allowed_error:ratio{target="sim-gw"}');
    const p95 = await samplesOf('target_region:pptp_probe_control_seconds:quantile95_over_time5m{target="sim-gw"}');
    const objective = await query('pptp_target_control_p95_objective_seconds{target="sim-gw"}');
    const alerts = (await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: unknown[] } };

    expect(Object.fromEntries(groups.map((g) => [g.name, g.rules.map((r) => r.name)]))).toEqual(EXPECTED_RULES);
    expect(groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok')).toEqual([]);
    expect(down[0]!.value[1]).toBe('0');
    expect(ratio5m[0]!.value[1]).toBe('0');
    expect(Number(allowed[0]!.value[1])).toBeCloseTo(0.001, 9);
    expect(Number(p95[0]!.value[1])).toBeGreaterThan(0);
    expect(objective[0]?.value[1]).toBe('0.5');
    // A healthy gateway: nothing pending or firing.
    expect(alerts.data.alerts).toEqual([]);
  });

  it('passes promtool: the rules check, their unit tests (each alert fires), and the /metrics lint', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const metrics = await (await fetch(metricsUrl)).text();

    const check = await run(PROMTOOL, ['check', 'rules', RULES]);
    const tests = await run(PROMTOOL, ['test', 'rules', RULE_TESTS]);
    // `check metrics` applies Prometheus's naming lint (units, _total on counters, HELP present).
    const lint = await run(PROMTOOL, ['check', 'metrics'], metrics);

    expect(check).toMatchObject({ code: 0 });
    expect(check.stdout).toContain(`SUCCESS: ${Object.values(EXPECTED_RULES).flat().length} rules found`);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toContain('SUCCESS');
    expect(lint, metrics).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(metrics).toContain('pptp_probe_phase_duration_seconds_bucket{target="sim-gw",region="local",phase="control",le="+Inf"}');
  });
});

describe('run --http <address>:<port>', () => {
  it('takes a port alone (loopback), an IPv4 address or a bracketed IPv6 address with the port', () => {
    expect(parseRunArgs(['--http', '9464'])).toMatchObject({ httpPort: 9464, httpAddress: '127.0.0.1' });
    expect(parseRunArgs(['--http', '0.0.0.0:9464', '--http-allow-host', 'Monitor.LAN'])).toMatchObject({ httpPort: 9464, httpAddress: '0.0.0.0', httpAllowedHosts: ['Monitor.LAN'] });
    expect(parseRunArgs(['--http', '[::1]:0'])).toMatchObject({ httpPort: 0, httpAddress: '::1' });
    const none = parseRunArgs([]);
    expect([none.httpPort, none.httpAllowedHosts]).toEqual([undefined, []]);
  });

  it.each([
    ['0.0.0.0', "--http: must be <port> (0-65535), <IPv4 address>:<port> or [<IPv6 address>]:<port>, e.g. 9464, 0.0.0.0:9464 or [::1]:9464; got '0.0.0.0'"],
    ['::1:9464', "--http: an IPv6 address goes in brackets, the port after them (e.g. [::1]:9464); got '::1:9464'"],
    ['[::1]', "--http: a port must follow the address, as in [::1]:9464; got '[::1]'"],
    ['[127.0.0.1]:9464', "--http: '127.0.0.1' in brackets is not an IPv6 address;"],
    ['monitor.lan:9464', "--http: 'monitor.lan' is not an IPv4 address (IP addresses only, not host names);"],
    ['300.1.1.1:9464', "--http: '300.1.1.1' is not an IPv4 address"],
    ['127.0.0.1:65536', "--http: the port must be 0-65535, got '65536' in '127.0.0.1:65536'"],
    ['127.0.0.1:', "--http: the port must be 0-65535, got '' in '127.0.0.1:'"],
  ])('refuses --http %s with a usage error naming the flag', (value, message) => {
    expect(() => parseRunArgs(['--http', value])).toThrow(message);
  });

  it('refuses --http-allow-host without --http, or with a URL instead of a name', () => {
    expect(() => parseRunArgs(['--http-allow-host', 'monitor.lan'])).toThrow('--http-allow-host: only with --http');
    expect(() => parseRunArgs(['--http', '9464', '--http-allow-host', 'http://monitor.lan'])).toThrow("--http-allow-host: must be a host name without port or scheme (e.g. monitor.lan), got 'http://monitor.lan'");
  });

  it('exits 2 from the CLI with the message and the usage hint', async () => {
    const result = await runCli(['run', '--http', 'localhost:9464']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("pptp-monitor: --http: 'localhost' is not an IPv4 address (IP addresses only, not host names)");
    expect(result.stderr).toContain("run 'pptp-monitor run --help' for the options");
  });
});

describe('run --http on a non-loopback address', () => {
  let skipReason: string | undefined;
  let netns: Netns | undefined;
  let dir = '';

  beforeAll(async () => {
    skipReason = await requireNetns();
    if (skipReason) return;
    netns = await createNetns('http-bind');
    dir = await mkdtemp(join(tmpdir(), 'pmt-http-bind-'));
  });

  afterAll(async () => {
    await netns?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('warns, and answers Host as an IP address or an allowed name but not a foreign name (DNS rebinding), with the CSP kept', async (ctx) => {
    if (!netns) return ctx.skip(skipReason);
    // Inside its own namespace the monitor's 0.0.0.0 reaches nothing but the namespace: a LAN address on lo.
    expect(await netns.run('ip', ['addr', 'add', '10.77.0.1/32', 'dev', 'lo'])).toMatchObject({ code: 0 });
    const config = join(dir, 'monitor.yml');
    await writeFile(config, `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: sim-gw, host: 127.0.0.1, port: 1723 }\n`);
    const monitor = netns.spawn(process.execPath, [CLI_BIN, 'run', '--config', config, '--data', join(dir, 'data'), '--simulate', '1723', '--http', '0.0.0.0:9464', '--http-allow-host', 'monitor.lan']);
    let stderr = '';
    monitor.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForOutput(monitor, /status page on http:\/\/0\.0\.0\.0:9464\/[\s\S]*sim-gw {2}UP/, 15_000);
      // Requests from inside the namespace, to its non-loopback address, with the Host a client would send.
      const script = `
        const http = require('node:http');
        const get = (path, host) => new Promise((resolve) => http.get({ host: '10.77.0.1', port: 9464, path, headers: { Host: host } }, (res) => {
          res.resume(); res.on('end', () => resolve([host, path, res.statusCode, res.headers['content-security-policy'] ?? null]));
        }));
        Promise.all([get('/metrics', '10.77.0.1:9464'), get('/metrics', 'monitor.lan:9464'), get('/metrics', 'evil.example:9464'), get('/', '10.77.0.1:9464')])
          .then((r) => console.log(JSON.stringify(r)));`;
      const replies = await netns.run(process.execPath, ['-e', script]);

      expect(stderr).toContain('pptp-monitor run: warning: --http 0.0.0.0:9464 serves the status page and /metrics beyond this machine, without authentication');
      const [byAddress, byName, foreign, page] = JSON.parse(replies.stdout) as Array<[string, string, number, string | null]>;
      expect(byAddress?.[2]).toBe(200);
      expect(byName?.[2]).toBe(200);
      expect(foreign?.[2]).toBe(403);
      expect(page?.[2]).toBe(200);
      expect(page?.[3]).toContain("default-src 'none'");
    } finally {
      await stop(monitor, 'SIGINT');
    }
  });
});
