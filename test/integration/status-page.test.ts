// The status server on a real loopback socket: /metrics read by a Prometheus text-format parser, the
// HTTP edges (404, 405, HEAD, Host check, keep-alive on close), and the page rendered by headless
// Chromium. Without /usr/bin/chromium the browser tests are skipped with a message, except under
// CI=true, where a missing browser fails the run instead of passing it silently.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../../shared/config/types.js';
import { LOCAL_LOOKBACK_MS } from '../../shared/cycles/local-monitor.js';
import { LOCAL_REGION, localView } from '../../shared/cycles/local-view.js';
import type { ProbeResult, Timings } from '../../shared/probe/types.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { createProbeTally, recordResult } from '../../shared/status/prometheus.js';
import { STATUS_BUCKETS } from '../../shared/status/status-span.js';
import { startStatusServer, type StatusServer } from '../../shared/status/status-server.js';
import { statusSources } from '../../shared/status/status-sources.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { EU_CENTRAL, HOUR, MIN, NOW, NOW_MINUTE, failed, localHistory, makeConfig, makeLocalTarget } from '../support/sla-fixtures.js';

interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}
/** parse-prometheus-text-format is CommonJS without types: loaded through require, typed here. */
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

const SKIP_BROWSER = skipWithoutChromium('status-page');

const RUNBOOKS = 'https://runbooks.example/pptp/';
/** gw-down refuses connections for this long before NOW: enough for the down page (3 minutes). */
const OUTAGE_MS = 15 * MIN;

/** A one-region target on loopback, owned by netops, with a 250 ms control p95 objective. */
const makeTarget = (name: string): ResolvedTarget =>
  makeLocalTarget({ name, host: '127.0.0.1', timeout: 2000, owner: 'netops', runbookBaseUrl: RUNBOOKS, latency: { controlP95Ms: 250 } });

const config = makeConfig([makeTarget('gw-ok'), makeTarget('gw-down')], { homeRegion: EU_CENTRAL, runbookBaseUrl: RUNBOOKS });

/** 26 hours of local results: all ok, except gw-down refusing connections for the last OUTAGE_MS. */
function history(target: ResolvedTarget): ProbeRecord[] {
  return localHistory(target, NOW_MINUTE - 26 * HOUR, NOW_MINUTE, (start) =>
    target.name === 'gw-down' && start >= NOW_MINUTE - OUTAGE_MS ? failed('connect_refused') : { connectMs: 2 + (start / MIN) % 3, controlMs: 30 + (start / MIN) % 20 },
  );
}

const timings = (t: Partial<Timings>): Timings => ({ dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined, totalMs: 0, ...t });

/** What this process "probed" since it started: 15 refusals for gw-down, one good probe of gw-ok. */
function tallyOfThisProcess(): ReturnType<typeof createProbeTally> {
  const tally = createProbeTally();
  const refused: Pick<ProbeResult, 'ok' | 'timings' | 'failure'> = {
    ok: false,
    timings: timings({ totalMs: 1.5 }),
    failure: { class: 'connect_refused', message: 'connect ECONNREFUSED 127.0.0.1:1723', phase: 'connect', elapsedMs: 1.2, code: 'ECONNREFUSED' },
  };
  for (let i = 0; i < OUTAGE_MS / MIN; i++) recordResult(tally, refused, { target: 'gw-down', region: LOCAL_REGION });
  recordResult(tally, { ok: true, timings: timings({ connectMs: 2, controlMs: 35, echoMs: 1, totalMs: 40 }) }, { target: 'gw-ok', region: LOCAL_REGION });
  return tally;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** node:http rather than fetch: the tests need to set Host and send bodies with any method. */
function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('status server', () => {
  let server: StatusServer;
  const errors: unknown[] = [];

  beforeAll(async () => {
    const sources = statusSources({ config, history, tally: tallyOfThisProcess(), now: () => NOW, model: { view: localView, evaluate: { lookbackMs: LOCAL_LOOKBACK_MS } } });
    server = await startStatusServer({ host: '127.0.0.1', port: 0, ...sources, onError: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await server?.close();
    expect(errors).toEqual([]);
  });

  it('listens on loopback at the port it picked', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves /metrics in the Prometheus text format with the expected families and values', async () => {
    const reply = await call(`${server.url}metrics`);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = new Map(parsePrometheus(reply.body).map((f) => [f.name, f]));
    expect([...families.keys()]).toEqual(['pptp_probe_success', 'pptp_probe_duration_seconds', 'pptp_probe_phase_duration_seconds', 'pptp_probes_total', 'pptp_probe_failures_total', 'pptp_probe_consecutive_failures', 'pptp_last_probe_timestamp_seconds', 'pptp_target_up', 'pptp_error_budget_remaining_ratio', 'pptp_target_availability_objective_ratio', 'pptp_target_control_p95_objective_seconds']);
    expect([...families.values()].map((f) => f.type)).toEqual(['GAUGE', 'GAUGE', 'HISTOGRAM', 'COUNTER', 'COUNTER', 'GAUGE', 'GAUGE', 'GAUGE', 'GAUGE', 'GAUGE', 'GAUGE']);
    expect([...families.values()].every((f) => f.help.length > 0)).toBe(true);
    const value = (family: string, labels: Record<string, string>): number | undefined => {
      const sample = families.get(family)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
      return sample === undefined ? undefined : Number(sample.value);
    };

    expect(value('pptp_probe_success', { target: 'gw-ok', region: 'local' })).toBe(1);
    expect(value('pptp_probe_success', { target: 'gw-down', region: 'local' })).toBe(0);
    expect(value('pptp_probe_duration_seconds', { target: 'gw-ok', phase: 'control' })).toBe(0.035);
    expect(value('pptp_probe_duration_seconds', { target: 'gw-ok', phase: 'total' })).toBe(0.04);
    // A refused connection never completed connect: only its total is reported.
    expect(value('pptp_probe_duration_seconds', { target: 'gw-down', phase: 'connect' })).toBeUndefined();
    expect(value('pptp_probe_duration_seconds', { target: 'gw-down', phase: 'total' })).toBe(0.0015);
    expect(value('pptp_probe_failures_total', { target: 'gw-down', class: 'connect_refused' })).toBe(15);
    expect(value('pptp_probe_failures_total', { target: 'gw-down', class: 'connect_timeout' })).toBe(0);
    expect(value('pptp_probe_failures_total', { target: 'gw-ok', class: 'connect_refused' })).toBe(0);
    expect(value('pptp_target_up', { target: 'gw-ok' })).toBe(1);
    expect(value('pptp_target_up', { target: 'gw-down' })).toBe(0);
    expect(value('pptp_error_budget_remaining_ratio', { target: 'gw-ok' })).toBe(1);
    expect(value('pptp_error_budget_remaining_ratio', { target: 'gw-down' })).toBeLessThan(1);
  });

  it('serves the page as HTML with a restrictive CSP, /healthz, and 404 for anything else', async () => {
    const page = await call(server.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('data-target="gw-down"');

    expect(await call(`${server.url}healthz`)).toMatchObject({ status: 200, body: 'ok' });
    expect(await call(`${server.url}nope`)).toMatchObject({ status: 404 });
    expect(await call(`${server.url}metrics/`)).toMatchObject({ status: 404 });
    // A query string does not change the route.
    expect(await call(`${server.url}metrics?debug=1`)).toMatchObject({ status: 200 });
  });

  it('answers HEAD like GET without a body, and any other method with 405, closing instead of reading the body', async () => {
    const head = await call(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);

    const post = await call(`${server.url}metrics`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(100_000) });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.headers.connection).toBe('close');
    expect(await call(server.url, { method: 'DELETE' })).toMatchObject({ status: 405 });
  });

  it('refuses a request naming a non-loopback Host (DNS rebinding), and accepts localhost', async () => {
    const rebound = await call(server.url, { headers: { Host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    expect(await call(server.url, { headers: { Host: `localhost:${server.port}` } })).toMatchObject({ status: 200 });
  });

  it('refuses a non-loopback host unless allowed, and unknown options', async () => {
    const sources = { model: () => ({ generatedAt: 0, evaluatedAt: 0, bucketMs: 1, spanStart: 0, targets: [] }), metrics: () => '' };
    await expect(startStatusServer({ host: '0.0.0.0', port: 0, ...sources })).rejects.toThrow(
      "startStatusServer: refusing to serve the status page on non-loopback host '0.0.0.0': it lists every gateway and its failures. Use 127.0.0.1 (the default) or ::1, or pass allowNonLoopback: true to expose it on purpose.",
    );
    await expect(startStatusServer({ host: '192.0.2.1', port: 0, ...sources })).rejects.toThrow(/non-loopback host '192\.0\.2\.1'/);
    await expect(startStatusServer({ port: 0, ...sources, allowNonLopback: true } as never)).rejects.toThrow("startStatusServer: unknown option 'allowNonLopback'");
    await expect(startStatusServer({ port: 70_000, ...sources })).rejects.toThrow('port must be an integer from 0 to 65535, got 70000');
    // The default is loopback.
    const defaulted = await startStatusServer({ port: 0, ...sources });
    expect(defaulted.host).toBe('127.0.0.1');
    await defaulted.close();
  });

  it('answers 500 without details when the model throws, and tells onError', async () => {
    const seen: unknown[] = [];
    const broken = await startStatusServer({
      port: 0,
      model: () => {
        throw new Error('secret path /etc/x');
      },
      metrics: () => '',
      onError: (e) => seen.push(e),
    });
    try {
      expect(await call(broken.url)).toMatchObject({ status: 500, body: 'internal error\n' });
      expect(seen).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });

  it('closes keep-alive connections on close() instead of waiting for the client', async () => {
    const other = await startStatusServer({ port: 0, model: () => ({ generatedAt: 0, evaluatedAt: 0, bucketMs: 1, spanStart: 0, targets: [] }), metrics: () => '' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await call(`${other.url}healthz`, { agent })).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
      const started = performance.now();
      await other.close();
      // Well under the keep-alive timeout (5 s) a browser would otherwise hold the server open for.
      expect(performance.now() - started).toBeLessThan(1000);
      await expect(call(`${other.url}healthz`)).rejects.toThrow(/ECONNREFUSED/);
      // close() is idempotent.
      await other.close();
    } finally {
      agent.destroy();
    }
  });

  describe.skipIf(SKIP_BROWSER)('the page in headless Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium('the status page tests must not be skipped in CI');
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('shows each target state, the open incident with its runbook, the 24 h strip and the latency chart, with no console errors', async () => {
      // Prepare
      const page = await browser.newPage();
      const problems: string[] = [];
      const requested: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
      page.on('response', (res) => {
        if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
      });
      page.on('request', (req) => requested.push(req.url()));

      // Act
      const response = await page.goto(server.url, { waitUntil: 'load' });

      // Assess
      expect(response?.status()).toBe(200);
      // Issue 14: the tab says the worst state and how many targets are in it.
      expect(await page.title()).toBe('DOWN (1) - pptp-monitor');
      const ok = page.locator('section[data-target="gw-ok"]');
      const down = page.locator('section[data-target="gw-down"]');
      expect(await ok.getAttribute('data-state')).toBe('up');
      expect(await down.getAttribute('data-state')).toBe('down');
      expect(await ok.locator('h2 .badge').textContent()).toBe('UP');
      expect(await down.locator('h2 .badge').textContent()).toBe('DOWN');
      expect(await down.locator('.reason').textContent()).toBe('down since 2025-01-15 11:45Z (connect_refused)');

      expect(await down.locator('tr[data-region="local"]').getAttribute('data-status')).toBe('fail');
      expect(await down.locator('tr[data-region="local"]').textContent()).toContain('connect_refused');
      expect(await ok.locator('tr[data-region="local"]').getAttribute('data-status')).toBe('ok');

      const incident = down.locator('li[data-incident="down"]');
      expect(await incident.count()).toBe(1);
      expect(await incident.getAttribute('data-severity')).toBe('page');
      const runbook = incident.locator('a[data-runbook]');
      expect(await runbook.getAttribute('href')).toBe(`${RUNBOOKS}connect_refused.md`);
      expect(await runbook.isVisible()).toBe(true);
      expect(await ok.locator('li[data-incident]').count()).toBe(0);
      expect(await ok.locator('[data-no-incidents]').isVisible()).toBe(true);

      for (const section of [ok, down]) {
        expect(await section.locator('svg[data-strip] rect[data-cell]').count()).toBe(STATUS_BUCKETS);
      }
      // The current (incomplete) cell has no verdict; the one before it is gw-down's outage.
      expect(await down.locator('svg[data-strip] rect[data-cell]').nth(STATUS_BUCKETS - 2).getAttribute('data-cell-state')).toBe('down');
      expect(await ok.locator('svg[data-strip] rect[data-cell][data-cell-state="up"]').count()).toBe(STATUS_BUCKETS - 1);

      const control = ok.locator('svg[data-chart="latency"] polyline[data-series="control"]');
      expect(await control.count()).toBe(1);
      const box = await control.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect((await control.getAttribute('points'))?.trim().split(/\s+/)).toHaveLength(STATUS_BUCKETS - 1);
      // Issue 14: the y axis follows the data (control 30-49 ms: up to 50 ms, not the 250 ms objective), in
      // ms; the x axis has UTC hours; every label is drawn inside the chart.
      const chart = ok.locator('svg[data-chart="latency"]');
      expect(await chart.getAttribute('data-y-max')).toBe('50');
      expect(await chart.locator('text[data-axis="y"]').allTextContents()).toEqual(['0 ms', '10 ms', '20 ms', '30 ms', '40 ms', '50 ms']);
      expect(await chart.locator('text[data-axis="x"]').allTextContents()).toEqual(['16:00', '20:00', '00:00', '04:00', '08:00', '12:00']);
      const chartBox = (await chart.boundingBox())!;
      for (const label of await chart.locator('text[data-axis]').all()) {
        const box = (await label.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(chartBox.x - 0.5);
        expect(box.x + box.width).toBeLessThanOrEqual(chartBox.x + chartBox.width + 0.5);
        expect(box.y + box.height).toBeLessThanOrEqual(chartBox.y + chartBox.height + 0.5);
      }

      // Self-contained: the only request is the page itself (the favicon is inline).
      expect(requested).toEqual([server.url]);
      expect(problems).toEqual([]);
      await page.close();
    }, 30_000);
  });
});
