// The times in alerts, as a user meets them in `pptp-monitor backtest` (the bundled CLI in a child process,
// real files): the issue's own histories for the latency ticket and the length of a resolved outage.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pmt-backtest-timing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-11-01T10:00:00Z');
const MIN = 60_000;
const CONFIG = 'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1] }\ntargets:\n  - { name: gw, host: 127.0.0.1, latency: { controlP95Ms: 250 } }\n';

/** A local history of `minutes` one-minute results; `shape(k)` gives minute k's control time or a failure. */
function writeHistory(name: string, minutes: number, shape: (k: number) => number | 'fail'): string {
  const lines: string[] = [];
  for (let k = 0; k < minutes; k++) {
    const s = shape(k);
    const fields = s === 'fail' ? { ok: false, totalMs: 2000, failureClass: 'connect_timeout' } : { ok: true, totalMs: s + 2, connectMs: 0.2, controlMs: s };
    lines.push(JSON.stringify({ v: 1, interval: new Date(T0 + k * MIN).toISOString(), target: 'gw', region: 'local', attempts: 1, ...fields }));
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

interface Sent {
  at: string;
  status: string;
  severity: string;
  policy: string;
  subject: string;
  dedupKey: string;
  startsAt: string;
  endsAt?: string;
}

async function backtest(history: string): Promise<Sent[]> {
  const config = join(dir, 'monitor.yml');
  writeFileSync(config, CONFIG);
  const run = await runCli(['backtest', '--config', config, '--history', history, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Sent[];
}

const iso = (k: number): string => new Date(T0 + k * MIN).toISOString();

describe('backtest: the latency ticket means sustained slowness', () => {
  it('sends nothing for two slow probes after 30 healthy minutes (before: a ticket at 10:32 dated 10:17)', async () => {
    // Prepare: 40 ms for 30 minutes, 400 ms at minutes 30 and 31, 40 ms for 30 more.
    const history = writeHistory('two-slow.jsonl', 62, (k) => (k === 30 || k === 31 ? 400 : 40));
    // Act
    const sent = await backtest(history);
    // Assess
    expect(sent).toEqual([]);
  });

  it('opens the ticket after 15 slow minutes, dated at the first slow one, and resolves it with the last slow probe as its end', async () => {
    // Prepare: 40 ms for 30 minutes, 400 ms for the next 30, 40 ms for 40 more.
    const history = writeHistory('slow-half-hour.jsonl', 100, (k) => (k >= 30 && k < 60 ? 400 : 40));
    // Act
    const sent = await backtest(history);
    // Assess: minutes 30-44 are 15 slow minutes, complete at 10:45; the last slow probe's interval ends at
    // 11:00; the 5-minute p95 is below from 11:04 and stays below 15 minutes (11:19).
    expect(sent.map((n) => [n.at, n.status, n.severity, n.policy, n.startsAt, n.endsAt])).toEqual([
      [iso(45), 'firing', 'ticket', 'latency', iso(30), undefined],
      [iso(79), 'resolved', 'ticket', 'latency', iso(30), iso(60)],
    ]);
    expect(sent[0]?.dedupKey).toBe(`gw/latency/${iso(30)}`);
    expect(sent[0]?.subject).toBe('[TICKET] gw SLOW: p95 control 400 ms > 250 ms in 1/1 regions');
    expect(sent[1]?.subject).toBe('[RESOLVED] gw SLOW (lasted 30m)');
  });
});

describe('backtest: a resolved outage lasts as long as it was down', () => {
  it('resolves a 3-minute outage as lasting 3 minutes (before: 6m, counting the healthy intervals that confirmed it)', async () => {
    // Prepare: down at minutes 37, 38 and 39 (the 18:37-18:39), healthy around it.
    const history = writeHistory('three-minutes.jsonl', 60, (k) => (k >= 37 && k < 40 ? 'fail' : 40));
    // Act
    const sent = await backtest(history);
    // Assess
    expect(sent.map((n) => [n.at, n.status, n.startsAt, n.endsAt, n.subject])).toEqual([
      [iso(40), 'firing', iso(37), undefined, '[PAGE] gw DOWN in 1/1 regions: connect_timeout'],
      [iso(43), 'resolved', iso(37), iso(40), '[RESOLVED] gw DOWN (lasted 3m)'],
    ]);
  });
});

describe('backtest: no time printed lies in the future', () => {
  it('ends its range at the moment it runs when the history reaches into the current minute', async () => {
    // Prepare: 10 healthy minutes, the last one the current minute (as right after `npm start` recorded it).
    const nowMinute = Math.floor(Date.now() / MIN) * MIN;
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ v: 1, interval: new Date(nowMinute - (9 - i) * MIN).toISOString(), target: 'gw', region: 'local', ok: true, attempts: 1, totalMs: 3, connectMs: 0.2, controlMs: 40 }),
    );
    const history = join(dir, 'current-minute.jsonl');
    writeFileSync(history, `${lines.join('\n')}\n`);
    const config = join(dir, 'monitor.yml');
    writeFileSync(config, CONFIG);
    // Act
    const run = await runCli(['backtest', '--config', config, '--history', history]);
    const after = Date.now();
    // Assess: before, the header named the end of the current minute, up to a minute ahead.
    expect(run.code).toBe(0);
    const to = /to (\S+): /.exec(run.stdout)?.[1];
    expect(to).toBeDefined();
    expect(Date.parse(to!)).toBeLessThanOrEqual(after);
  });
});
