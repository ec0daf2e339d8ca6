// The local store's reader on real files: one result per target, region and interval, whatever the files
// hold; a day it cannot read is reported, not fatal; a history path may be the store's directory or a file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalStore, parseResultLines, readResultHistory } from '../../shared/store/local-store.js';

const root = mkdtempSync(join(tmpdir(), 'pmt-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const dir = join(root, `s${++n}`);
  mkdirSync(dir);
  return dir;
};
const line = (interval: string, ok: boolean, target = 'gw', region = 'local'): string =>
  JSON.stringify({ v: 1, interval, target, region, ok, attempts: 1, totalMs: 1, ...(ok ? { connectMs: 1, controlMs: 1 } : { failureClass: 'connection_reset' }) });

describe('createLocalStore().read', () => {
  it('drops a second result for the same target, region and interval, keeping the first written, and counts it', async () => {
    // Prepare: minute 10:01 twice (a restart within the minute under an older version), once failed first.
    const dir = freshDir();
    writeFileSync(
      join(dir, 'results-2026-11-24.jsonl'),
      [line('2026-11-24T10:00:00.000Z', true), line('2026-11-24T10:01:00.000Z', false), line('2026-11-24T10:01:00.000Z', true), line('2026-11-24T10:01:00.000Z', true, 'other'), line('2026-11-24T10:02:00.000Z', true)].join('\n') + '\n',
    );
    // Act
    const read = await createLocalStore(dir).read(0, Date.parse('2026-11-25T00:00:00Z'));
    // Assess
    expect(read.duplicates).toBe(1);
    expect(read.records.map((r) => [r.target, new Date(r.intervalStart).toISOString().slice(11, 16), r.ok])).toEqual([
      ['gw', '10:00', true],
      ['gw', '10:01', false],
      ['other', '10:01', true],
      ['gw', '10:02', true],
    ]);
  });

  it('reports a day file it cannot read (here a directory under that name) and still reads the other days', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'results-2026-11-23.jsonl'));
    writeFileSync(join(dir, 'results-2026-11-24.jsonl'), `${line('2026-11-24T10:00:00.000Z', true)}\n`);
    const read = await createLocalStore(dir).read(0, Date.parse('2026-11-25T00:00:00Z'));
    expect(read.records).toHaveLength(1);
    expect(read.skipped).toEqual([{ file: 'results-2026-11-23.jsonl', line: 0, problem: 'cannot read the file (EISDIR)' }]);
  });
});

describe('parseResultLines', () => {
  it('keeps several results of one region and interval in a history file (at-least-once delivery is the SLA core\'s to read)', () => {
    const text = [line('2026-11-24T10:00:00.000Z', false, 'gw', 'eu-west-1'), line('2026-11-24T10:00:00.000Z', true, 'gw', 'eu-west-1')].join('\n');
    expect(parseResultLines(text, 'h.jsonl').records).toHaveLength(2);
  });
});

describe('readResultHistory', () => {
  it('reads a store directory (every day file, sorted) and a single history file alike', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'results-2026-11-24.jsonl'), `${line('2026-11-24T00:00:00.000Z', true)}\n`);
    writeFileSync(join(dir, 'results-2026-11-23.jsonl'), `${line('2026-11-23T23:59:00.000Z', false)}\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a day file\n');
    const fromDir = await readResultHistory(dir);
    expect(fromDir.kind).toBe('store');
    expect(fromDir.records.map((r) => new Date(r.intervalStart).toISOString())).toEqual(['2026-11-23T23:59:00.000Z', '2026-11-24T00:00:00.000Z']);
    const fromFile = await readResultHistory(join(dir, 'results-2026-11-24.jsonl'));
    expect(fromFile.kind).toBe('file');
    expect(fromFile.records).toHaveLength(1);
    await expect(readResultHistory(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
