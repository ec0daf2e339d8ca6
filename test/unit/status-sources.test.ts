import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../shared/config/types.js';
import { LOCAL_REGION, localView } from '../../shared/cycles/local-view.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { createProbeTally, recordResult } from '../../shared/status/prometheus.js';
import { MODEL_CACHE_MS, statusSources } from '../../shared/status/status-sources.js';
import { MIN, makeLocalTarget } from '../support/sla-fixtures.js';

/** Five seconds into the minute 12:00 on 15 January 2025. */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 5);

const target = makeLocalTarget();
const config = { targets: [target] } as unknown as ResolvedConfig;

describe('statusSources', () => {
  it('reuses a model within the same minute for MODEL_CACHE_MS, and rebuilds after that or when the minute changes', () => {
    // Prepare: a clock the test moves, and a history function that counts its calls.
    let now = T0;
    let builds = 0;
    const records: ProbeRecord[] = [{ target: 'gw', region: LOCAL_REGION, intervalStart: T0 - 5_000 - MIN, ok: true, controlMs: 40 }];
    const sources = statusSources({ config, history: () => (builds++, records), tally: createProbeTally(), now: () => now, model: { view: localView } });

    // Act / Assess
    const first = sources.model();
    now += MODEL_CACHE_MS - 1;
    expect(sources.model()).toBe(first);
    sources.metrics();
    expect(builds).toBe(1);
    now = T0 + MODEL_CACHE_MS;
    expect(sources.model()).not.toBe(first);
    expect(builds).toBe(2);
    // 12:00:59 to 12:01:00: a new evaluation minute, so a new model even though the last one is 1 s old.
    now = T0 + 54_000;
    sources.model();
    now = T0 + 55_000;
    sources.model();
    expect(builds).toBe(4);
  });

  it('reads the probe series from the live tally even while the model is cached', () => {
    const tally = createProbeTally();
    const sources = statusSources({ config, history: () => [], tally, now: () => T0, model: { view: localView } });
    expect(sources.metrics()).not.toContain('pptp_probe_success{');

    recordResult(tally, { ok: true, timings: { dnsMs: undefined, connectMs: 1, controlMs: 2, echoMs: undefined, callMs: undefined, totalMs: 3 } }, { target: 'gw', region: LOCAL_REGION });

    expect(sources.metrics()).toContain('pptp_probe_success{target="gw",region="local"} 1\n');
  });
});
