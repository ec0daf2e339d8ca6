// The sent ledger on real files: what a restart reads back, how it stays small, and what it says about a
// file it cannot use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boundLedger, createSentLedger, SENT_LEDGER_FILE, SENT_LEDGER_KEEP_MS, SENT_LEDGER_MAX_ENTRIES, sentIdentity } from '../../shared/store/sent-ledger.js';

const root = mkdtempSync(join(tmpdir(), 'pmt-ledger-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T = Date.parse('2026-11-24T10:00:00Z');

describe('sent ledger', () => {
  it('reads back what was saved: the watermark and every delivered notification', async () => {
    const ledger = createSentLedger(root);
    const state = { evaluatedUntil: T, sent: [{ dedupKey: 'gw/down/2026-11-24T09:50:00.000Z', status: 'firing' as const, at: T - 60_000 }] };
    await ledger.save(state);
    expect(await ledger.load()).toEqual({ state });
  });

  it('is empty without a file, and names the problem with an unreadable one', async () => {
    const dir = mkdtempSync(join(root, 'x-'));
    expect(await createSentLedger(dir).load()).toEqual({ state: { sent: [] } });
    writeFileSync(join(dir, SENT_LEDGER_FILE), '{"v":1,"sent":[{"dedupKey":"k","status":"firing","at":"2026-11-24T10:00:00Z"},{"status":"bogus"}]');
    expect((await createSentLedger(dir).load()).problem).toBe(`${join(dir, SENT_LEDGER_FILE)} is not JSON`);
    writeFileSync(join(dir, SENT_LEDGER_FILE), '{"v":1,"sent":[{"dedupKey":"k","status":"firing","at":"2026-11-24T10:00:00Z"},{"status":"bogus"}]}');
    const partly = await createSentLedger(dir).load();
    expect(partly.state.sent).toHaveLength(1);
    expect(partly.problem).toBe(`${join(dir, SENT_LEDGER_FILE)}: 1 unreadable entry ignored`);
  });

  it('stays bounded: entries older than the history kept go, then the oldest beyond the cap', () => {
    const sent = Array.from({ length: SENT_LEDGER_MAX_ENTRIES + 10 }, (_, i) => ({ dedupKey: `k${i}`, status: 'firing' as const, at: T - i * 1000 }));
    sent.push({ dedupKey: 'ancient', status: 'firing', at: T - SENT_LEDGER_KEEP_MS - 1 });
    const bounded = boundLedger({ evaluatedUntil: T, sent });
    expect(bounded.sent).toHaveLength(SENT_LEDGER_MAX_ENTRIES);
    expect(bounded.sent.some((e) => e.dedupKey === 'ancient' || e.dedupKey === `k${SENT_LEDGER_MAX_ENTRIES + 9}`)).toBe(false);
  });

  it('tells reminders of one incident apart by their instant, and firing from resolved by status', () => {
    const base = { dedupKey: 'gw/error_budget-ticket/2026-11-20T00:00:00.000Z', at: T };
    expect(sentIdentity({ ...base, status: 'reminder' })).not.toBe(sentIdentity({ ...base, status: 'reminder', at: T + 86_400_000 }));
    expect(sentIdentity({ ...base, status: 'firing' })).toBe(sentIdentity({ ...base, status: 'firing', at: T + 60_000 }));
    expect(sentIdentity({ ...base, status: 'firing' })).not.toBe(sentIdentity({ ...base, status: 'resolved' }));
  });
});
