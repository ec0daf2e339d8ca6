// deliver's deadline: the caller's signal stops it between tries, and the outcome names the try it kept
// from starting (the retry loop is the shared withRetries; this pins what deliver adds on top of it).
import { describe, expect, it } from 'vitest';
import { deliver } from '../../shared/alerts/destinations/deliver.js';

const request = { url: 'https://hooks.example.test/x', method: 'POST' as const, headers: {}, body: '{}' };

function failingFetch(calls: string[]): typeof fetch {
  return async (input) => {
    calls.push(String(input));
    return new Response('busy', { status: 503 });
  };
}

describe('deliver under a deadline', () => {
  it('stops between tries when the signal fires during the wait', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const waits: number[] = [];
    const outcome = await deliver('hook', request, {
      fetch: failingFetch(calls),
      random: () => 0.5,
      signal: controller.signal,
      sleep: async (ms) => {
        waits.push(ms);
        controller.abort();
      },
    });
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([500]);
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 503, error: 'aborted before try 2; last: HTTP 503: busy' });
  });

  it('starts no try when the signal has already fired', async () => {
    const calls: string[] = [];
    const outcome = await deliver('hook', request, { fetch: failingFetch(calls), signal: AbortSignal.abort() });
    expect(calls).toHaveLength(0);
    expect(outcome).toMatchObject({ ok: false, attempts: 0, error: 'aborted before try 1; last: not attempted' });
  });

  it('uses every try without a deadline, backing off in whole milliseconds', async () => {
    const calls: string[] = [];
    const waits: number[] = [];
    const outcome = await deliver('hook', request, { fetch: failingFetch(calls), random: () => 0.3333, sleep: async (ms) => void waits.push(ms) });
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([333, 667, 1333]);
    expect(outcome).toMatchObject({ ok: false, attempts: 4, status: 503, error: 'HTTP 503: busy' });
  });
});
