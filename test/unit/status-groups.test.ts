// The status page's group section: who serves the virtual address, redundancy as the members' own probes
// show it, members that cannot be told apart, and the last day's identity events, from the same records and
// identity fold as the alerts.
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../shared/config/types.js';
import { createProbeTally, prometheusText } from '../../shared/status/prometheus.js';
import { renderStatusPage } from '../../shared/status/render-status.js';
import { statusModel } from '../../shared/status/status-model.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { D0, EU_CENTRAL, MIN, makeConfig, makeLocalTarget } from '../support/sla-fixtures.js';

const A = { hostname: 'gw-a', vendor: 'keepalived-lab', firmwareRevision: 1 };
const B = { hostname: 'gw-b', vendor: 'keepalived-lab', firmwareRevision: 1 };
const POPTOP = { hostname: 'local', vendor: 'linux', firmwareRevision: 1 };

const config: ResolvedConfig = makeConfig([makeLocalTarget({ name: 'vpn' }), makeLocalTarget({ name: 'vpn-a' }), makeLocalTarget({ name: 'vpn-b' })], { groups: [{ name: 'vpn', members: ['vpn-a', 'vpn-b'] }] });

/** Per minute: is each up, and whom the virtual address answers as. */
function history(minutes: number, at: (i: number) => { a: boolean; b: boolean; serving: 'a' | 'b'; idA?: typeof A; idB?: typeof B }): Map<string, ProbeRecord[]> {
  const out = new Map<string, ProbeRecord[]>([['vpn', []], ['vpn-a', []], ['vpn-b', []]]);
  for (let i = 0; i < minutes; i++) {
    const m = at(i);
    const idA = m.idA ?? A;
    const idB = m.idB ?? B;
    const rec = (target: string, ok: boolean, server: typeof A): ProbeRecord => ({ target, region: EU_CENTRAL, intervalStart: D0 + i * MIN, ok, ...(ok ? { controlMs: 4, server } : { failureClass: 'connect_refused' as const }) });
    out.get('vpn')!.push(rec('vpn', true, m.serving === 'a' ? idA : idB));
    out.get('vpn-a')!.push(rec('vpn-a', m.a, idA));
    out.get('vpn-b')!.push(rec('vpn-b', m.b, idB));
  }
  return out;
}

const model = (records: Map<string, ProbeRecord[]>, minutes: number) => statusModel(config, (t) => records.get(t.name) ?? [], D0 + minutes * MIN + 30_000);

describe('status page: gateway groups', () => {
  it('names the serving member, lists the failover, and shows redundancy lost while a member is down', () => {
    const records = history(30, (i) => ({ a: !(i >= 20), b: true, serving: i >= 10 ? 'b' : 'a' }));
    const m = model(records, 30);
    expect(m.groups).toEqual([
      {
        name: 'vpn',
        state: 'redundancy_lost',
        members: [
          { name: 'vpn-a', state: 'down', identity: '"gw-a" (vendor "keepalived-lab", firmware 0x0001)' },
          { name: 'vpn-b', state: 'up', identity: '"gw-b" (vendor "keepalived-lab", firmware 0x0001)' },
        ],
        serving: 'vpn-b',
        identity: '"gw-b" (vendor "keepalived-lab", firmware 0x0001)',
        indistinguishable: [],
        events: [{ at: D0 + 10 * MIN, kind: 'failover', text: 'failover: vpn-a → vpn-b' }],
      },
    ]);
    const html = renderStatusPage(m);
    expect(html).toContain('data-group="vpn" data-state="redundancy_lost"');
    expect(html).toContain('REDUNDANCY LOST');
    expect(html).toContain('failover: vpn-a → vpn-b');
  });

  it('says a failover cannot be seen when both members answer as Poptop pptpd', () => {
    const records = history(20, (i) => ({ a: true, b: true, serving: i >= 10 ? 'b' : 'a', idA: POPTOP, idB: POPTOP }));
    const m = model(records, 20);
    expect(m.groups?.[0]).toMatchObject({ state: 'redundant', indistinguishable: [['vpn-a', 'vpn-b']], events: [] });
    expect(m.groups?.[0]?.serving).toBeUndefined();
    expect(renderStatusPage(m)).toContain('vpn-a and vpn-b answer with the same identity');
  });

  it('every member down while the address answers: membership wrong', () => {
    const records = history(20, (i) => ({ a: i < 10, b: i < 10, serving: 'a' }));
    expect(model(records, 20).groups?.[0]?.state).toBe('membership_wrong');
  });

  it('a config without groups has no group section', () => {
    const plain = makeConfig([makeLocalTarget({ name: 'vpn' })]);
    expect(statusModel(plain, () => [], D0).groups).toBeUndefined();
  });
});

describe('/metrics: gateway groups', () => {
  it('adds the group families only when groups are configured', () => {
    const records = history(30, (i) => ({ a: !(i >= 20), b: true, serving: 'b', idA: POPTOP, idB: POPTOP }));
    const text = prometheusText(model(records, 30), createProbeTally());
    expect(text).toContain('pptp_group_redundant{group="vpn"} 0\n');
    expect(text).toContain('pptp_group_members_down{group="vpn"} 1\n');
    expect(text).toContain('pptp_group_failover_visible{group="vpn"} 0\n');
    const plain = makeConfig([makeLocalTarget({ name: 'vpn' })]);
    expect(prometheusText(statusModel(plain, () => [], D0), createProbeTally())).not.toContain('pptp_group_');
  });
});
