// `pptp-monitor notify-test` and `run --cycles` as users run them (the built CLI in a child process, with
// secrets in its environment) against the loopback receivers of every service: each gets a valid request
// for its schema, a test firing and its resolve pair up by key, exit statuses say what happened, and no
// routing key, API key, webhook path or HMAC secret appears anywhere in the process's stdout or stderr.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanagerReceiver, startJsonReceiver, type WebhookReceiver } from '../support/receivers/alertmanager.js';
import { startOpsgenie, type OpsgenieReceiver } from '../support/receivers/opsgenie.js';
import { startPagerDuty, type PagerDutyReceiver } from '../support/receivers/pagerduty.js';
import type { Receiver } from '../support/receivers/server.js';
import { startSlack, type SlackReceiver } from '../support/receivers/slack.js';
import { startTeams, type TeamsReceiver } from '../support/receivers/teams.js';
import { CLI_BIN } from '../support/cli.js';

const ROUTING_KEY = 'PDcli0123456789abcdef0123456789Z';
const GENIE_KEY = 'genie-cli-key-7d1f22';
const SLACK_PATH = '/services/T0CLI/B0CLI/slackCLIsecret99';
const TEAMS_SIG = 'teamsCLIsignature55';
const AM_PATH = '/am/amCLItoken31';
const JSON_PATH = '/json/jsonCLItoken32';
const HMAC = 'hmac-cli-secret-64';
const SECRETS = [ROUTING_KEY, GENIE_KEY, SLACK_PATH, 'slackCLIsecret99', TEAMS_SIG, AM_PATH, 'amCLItoken31', JSON_PATH, 'jsonCLItoken32', HMAC];

const dir = mkdtempSync(join(tmpdir(), 'pmt-notify-cli-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function cli(args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
function noSecretIn(run: Run): void {
  for (const secret of SECRETS) {
    expect(run.stdout, `stdout holds ${secret.slice(0, 6)}...`).not.toContain(secret);
    expect(run.stderr, `stderr holds ${secret.slice(0, 6)}...`).not.toContain(secret);
  }
}

let pd: PagerDutyReceiver;
let og: OpsgenieReceiver;
let slack: SlackReceiver;
let teams: TeamsReceiver;
let am: WebhookReceiver;
let hook: WebhookReceiver;
let env: Record<string, string>;
const NOTIFY = `notify:
  - { name: oncall, type: pagerduty, routingKey: { env: PD_ROUTING_KEY }, endpoint: "PD_ENDPOINT" }
  - { name: genie, type: opsgenie, apiKey: { env: OG_KEY }, endpoint: "OG_ENDPOINT" }
  - { name: ops-chat, type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }
  - { name: teams, type: teams, webhookUrl: { env: TEAMS_URL } }
  - { name: am, type: alertmanager, url: { env: AM_WEBHOOK_URL }, hmacSecret: { env: AM_HMAC_SECRET } }
  - { name: hook, type: json, url: { env: JSON_URL }, hmacSecret: { env: AM_HMAC_SECRET }, severities: [page] }
`;
const notifyBlock = (): string => NOTIFY.replace('PD_ENDPOINT', `${pd.base}/v2/enqueue`).replace('OG_ENDPOINT', og.base);
const HEAD = 'version: 1\nhomeRegion: eu-central-1\nrunbookBaseUrl: https://runbooks.example.com/pptp/\n';

beforeAll(async () => {
  pd = await startPagerDuty(ROUTING_KEY);
  og = await startOpsgenie(GENIE_KEY);
  slack = await startSlack(SLACK_PATH);
  teams = await startTeams('/workflows/cli/invoke', TEAMS_SIG);
  am = await startAlertmanagerReceiver(AM_PATH, HMAC);
  hook = await startJsonReceiver(JSON_PATH, HMAC);
  env = { PD_ROUTING_KEY: ROUTING_KEY, OG_KEY: GENIE_KEY, SLACK_WEBHOOK_URL: slack.url, TEAMS_URL: teams.url, AM_WEBHOOK_URL: am.url, AM_HMAC_SECRET: HMAC, JSON_URL: hook.url };
});
afterAll(async () => {
  await Promise.all([pd, og, slack, teams, am, hook].map((r) => r.close()));
});
const all = (): Receiver[] => [pd, og, slack, teams, am, hook];
const counts = (): number[] => all().map((r) => r.requests.length);

describe('pptp-monitor notify-test', () => {
  it('sends every destination a TEST firing and its resolve, paired by key, and exits 0', async () => {
    // Prepare
    const config = write('all.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\n${notifyBlock()}`);
    const before = counts();
    // Act
    const run = await cli(['notify-test', '--config', config], env);
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const key = /test dedup key (pptp-monitor-test\/down\/\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(key).toMatch(/^pptp-monitor-test\/down\/\d{4}-\d\d-\d\dT/);
    expect(run.stdout).toContain(`firing   oncall (pagerduty, ${new URL(pd.base).host}): sent, HTTP 202, 1 attempt\n`);
    expect(run.stdout).toContain(`resolved ops-chat (slack, ${new URL(slack.url).host}): sent, HTTP 200, 1 attempt\n`);
    expect(run.stdout).toContain('notify-test: 12 of 12 deliveries sent\n');
    expect(counts().map((n, i) => n - (before[i] ?? 0))).toEqual([2, 2, 2, 2, 2, 2]);
    for (const r of all()) expect(r.requests.flatMap((q) => q.problems)).toEqual([]);
    expect(pd.incidents.events.get(key)).toEqual(['trigger', 'resolve']);
    expect(og.incidents.events.get(key)).toEqual(['create', 'close']);
    expect(slack.incidents.events.get(key)).toEqual(['firing', 'resolved']);
    expect(teams.incidents.events.get(key)).toEqual(['firing', 'resolved']);
    expect(hook.incidents.events.get(key)).toEqual(['firing', 'resolved']);
    // Marked TEST where a person reads it, and a page (each destination takes pages).
    const trigger = pd.accepted.at(-2) as { payload: { summary: string; severity: string; custom_details: { test: boolean } } };
    expect(trigger.payload).toMatchObject({ summary: '[TEST] [PAGE] pptp-monitor-test DOWN in 1/1 regions', severity: 'critical', custom_details: { test: true } });
    expect(slack.messages.at(-2)?.text).toMatch(/^\[TEST\] \[PAGE\] pptp-monitor-test DOWN/);
    expect((am.accepted.at(-1) as { alerts: Array<{ labels: Record<string, string> }> }).alerts[0]?.labels['test']).toBe('true');
    noSecretIn(run);
  });

  it('tests one destination with --destination, retries a 503 and says so; exit 1 when one is refused', async () => {
    const config = write('two.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\n${notifyBlock()}`);
    slack.failNext({ status: 503 });
    const before = counts();
    const one = await cli(['notify-test', '--config', config, '--destination', 'ops-chat'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`firing   ops-chat (slack, ${new URL(slack.url).host}): sent, HTTP 200, 2 attempts\n`);
    expect(counts().map((n, i) => n - (before[i] ?? 0))).toEqual([0, 0, 3, 0, 0, 0]);
    // Refused: a 400 is not retried, the firing line goes to stderr, and the resolve is still sent.
    pd.failNext({ status: 400, headers: { 'content-type': 'application/json' }, body: `{"status":"invalid event","message":"Event object is invalid","errors":["bad key ${ROUTING_KEY}"]}` });
    const refused = await cli(['notify-test', '--config', config, '--destination', 'oncall'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`firing   oncall (pagerduty, ${new URL(pd.base).host}): failed, 1 attempt: HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["bad key <redacted>"]}\n`);
    expect(refused.stdout).toContain('notify-test: 1 of 2 deliveries sent, 1 failed\n');
    noSecretIn(one);
    noSecretIn(refused);
  });

  it('exits 2 on config and secret problems, naming the field and never the value', async () => {
    const config = write('bad.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\n${notifyBlock()}`);
    const unset = await cli(['notify-test', '--config', config], { ...env, OG_KEY: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toBe("pptp-monitor notify-test: notify destination 'genie' (opsgenie): apiKey is { env: OG_KEY }: the environment variable OG_KEY is not set (or empty); export the secret in it\n");
    const unknown = await cli(['notify-test', '--config', config, '--destination', 'pager'], env);
    expect(unknown.stderr).toBe(`pptp-monitor notify-test: no destination named 'pager' in ${config} (its destinations: oncall, genie, ops-chat, teams, am, hook)\n`);
    expect(unknown.code).toBe(2);
    const ssm = write('ssm.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\nnotify:\n  - { name: oncall, type: pagerduty, routingKey: { ssm: /pptp-monitor/pagerduty-routing-key } }\n`);
    const fromSsm = await cli(['notify-test', '--config', ssm], env);
    expect(fromSsm.code).toBe(2);
    expect(fromSsm.stderr).toContain("routingKey is { ssm: '/pptp-monitor/pagerduty-routing-key' }: pptp-monitor does not read AWS SSM Parameter Store on this machine; write { env: <VARIABLE> }");
    const literal = write('literal.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\nnotify:\n  - { name: chat, type: slack, webhookUrl: "${slack.url}" }\n`);
    const inClear = await cli(['notify-test', '--config', literal], env);
    expect(inClear.code).toBe(2);
    expect(inClear.stderr).toMatch(/^notify\[0\]\.webhookUrl: must name the secret, not hold it \(a Slack webhook URL lets anyone who reads it post to the channel\)/);
    const none = await cli(['notify-test', '--config', write('none.yml', `${HEAD}targets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\n`)], env);
    expect(none.code).toBe(2);
    for (const run of [unset, unknown, fromSsm, inClear, none]) noSecretIn(run);
  });
});

/** A loopback port nothing listens on: the gateway that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until at least `ms` remain in the current minute, so one `--cycles 1` run stays in it. */
async function awayFromMinuteEnd(ms: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < ms) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('pptp-monitor run --cycles with notify: and --webhook', () => {
  it('delivers the page to every destination and to --webhook in the format asked for, with no secret in its output', async () => {
    // Prepare: a gateway down for the two minutes before this one, so this minute's failure pages.
    await awayFromMinuteEnd(15_000);
    const port = await closedPort();
    const config = write('run.yml', `${HEAD}defaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: down-gw, host: 127.0.0.1, port: ${port} }\n${notifyBlock()}`);
    const data = join(dir, 'run-data');
    mkdirSync(data);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const failed = (k: number): string => JSON.stringify({ v: 1, interval: new Date(now - k * 60_000).toISOString(), target: 'down-gw', region: 'local', ok: false, failureClass: 'connect_refused', attempts: 1, totalMs: 1 });
    for (const k of [2, 1]) writeFileSync(join(data, `results-${new Date(now - k * 60_000).toISOString().slice(0, 10)}.jsonl`), `${failed(k)}\n`, { flag: 'a' });
    const before = counts();
    // Act: --webhook in PagerDuty's format, its routing key from another variable.
    const run = await cli(['run', '--config', config, '--data', data, '--cycles', '1', '--webhook', `${pd.base}/v2/enqueue`, '--webhook-format', 'pagerduty', '--webhook-key-env', 'WEBHOOK_PD_KEY'], { ...env, WEBHOOK_PD_KEY: ROUTING_KEY });
    // Assess: stderr says only that the SLA state was built from the seeded results (a fresh data directory).
    expect(run.stderr).toBe(`pptp-monitor run: SLA state of 1 target(s) (down-gw) rebuilt from the stored results: no ${join(data, 'sla-state.json')}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('=== [PAGE] down-gw DOWN');
    const key = `down-gw/down/${new Date(now - 120_000).toISOString()}`;
    expect(counts().map((n, i) => n - (before[i] ?? 0))).toEqual([2, 1, 1, 1, 1, 1]);
    for (const r of all()) expect(r.requests.flatMap((q) => q.problems)).toEqual([]);
    expect(pd.incidents.events.get(key)).toEqual(['trigger', 'trigger']);
    expect(og.incidents.events.get(key)).toEqual(['create']);
    expect(slack.incidents.events.get(key)).toEqual(['firing']);
    expect(hook.incidents.events.get(key)).toEqual(['firing']);
    expect(run.stdout).toContain(`notify: --webhook (pagerduty, ${new URL(pd.base).host}): sent, HTTP 202, 1 attempt\n`);
    expect(run.stdout).toContain(`notify: am (alertmanager, ${new URL(am.url).host}): sent, HTTP 200, 1 attempt\n`);
    noSecretIn(run);
  }, 40_000);

  it('prints a delivery that failed for good with its body, secrets redacted, and keeps monitoring', async () => {
    await awayFromMinuteEnd(15_000);
    const port = await closedPort();
    const config = write('run-fail.yml', `${HEAD}defaults: { regions: [eu-central-1], timeout: 1000 }\ntargets:\n  - { name: down-gw2, host: 127.0.0.1, port: ${port} }\nnotify:\n  - { name: oncall, type: pagerduty, routingKey: { env: PD_ROUTING_KEY }, endpoint: "${pd.base}/v2/enqueue" }\n`);
    const data = join(dir, 'run-fail-data');
    mkdirSync(data);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const failed = (k: number): string => JSON.stringify({ v: 1, interval: new Date(now - k * 60_000).toISOString(), target: 'down-gw2', region: 'local', ok: false, failureClass: 'connect_refused', attempts: 1, totalMs: 1 });
    for (const k of [2, 1]) writeFileSync(join(data, `results-${new Date(now - k * 60_000).toISOString().slice(0, 10)}.jsonl`), `${failed(k)}\n`, { flag: 'a' });
    pd.failNext({ status: 403, body: 'forbidden' });
    const run = await cli(['run', '--config', config, '--data', data, '--cycles', '1'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`notify: oncall (pagerduty, ${new URL(pd.base).host}): failed, 1 attempt: HTTP 403: forbidden; the pagerduty request body follows, secrets redacted:\n{"routing_key":"<redacted>","event_action":"trigger"`);
    expect(run.stdout).toContain('stopped after 1 cycle(s)');
    noSecretIn(run);
  }, 40_000);

  it('refuses to start (exit 2, nothing probed) when a destination\'s secret is not in the environment', async () => {
    const config = write('run-unset.yml', `${HEAD}defaults: { regions: [eu-central-1] }\ntargets:\n  - { name: gw, host: 127.0.0.1, port: 1 }\n${notifyBlock()}`);
    const run = await cli(['run', '--config', config, '--data', join(dir, 'unset-data'), '--cycles', '1'], { ...env, SLACK_WEBHOOK_URL: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("pptp-monitor run: notify destination 'ops-chat' (slack): webhookUrl is { env: SLACK_WEBHOOK_URL }: the environment variable SLACK_WEBHOOK_URL is not set (or empty); export the secret in it\n");
    expect(run.stdout).toBe('');
  });

  it('names a --webhook-format that needs a key without one', async () => {
    const run = await cli(['run', '--webhook', 'https://events.pagerduty.com/v2/enqueue', '--webhook-format', 'pagerduty'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pptp-monitor: --webhook-format pagerduty: needs --webhook-key-env <VAR>, the environment variable holding the PagerDuty routing key\n');
  });
});
