// The SLA report of gateway groups (shared/sla/report-groups.ts) over a hand-built day, every figure
// computed by hand in the comment beside it; the fleet counts without members; the four formats' group
// section; the report cycle with a group split over two read batches and CloudWatch's sparse identities.
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig, ResolvedGroup, ResolvedTarget } from '../../shared/config/types.js';
import type { HistorySource, IdentityPoint } from '../../shared/cycles/ports.js';
import { REPORT_BATCH_TARGETS, reportFromHistory } from '../../shared/cycles/report-cycle.js';
import { CSV_COLUMNS, CSV_GROUP_COLUMNS, renderCsv, renderHtml, renderJson, renderMarkdown } from '../../shared/report/index.js';
import { reportSummary } from '../../shared/report/report-summary.js';
import { identityFingerprint, type ServerIdentity } from '../../shared/sla/identity.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { groupReports, slaTargets } from '../../shared/sla/report-groups.js';
import { buildReport, type ReportRange, type SlaReport } from '../../shared/sla/report.js';
import { D0, DAY, HOUR, MIN, between, failed, history, makeConfig, makeLocalTarget, type Patch } from '../support/sla-fixtures.js';

const at = (hh: number, mm = 0): number => D0 + hh * HOUR + mm * MIN;
const ONE_DAY: ReportRange = { fromMs: D0, toMs: D0 + DAY };
const NOW = D0 + 2 * DAY;

const GROUP: ResolvedGroup = { name: 'office-vpn', members: ['office-vpn-a', 'office-vpn-b'] };
// 1-minute targets probed from one location (quorum 1), SLO 99.9%, down.for 3.
const VIP = makeLocalTarget({ name: 'office-vpn', host: 'vpn.example' });
const A = makeLocalTarget({ name: 'office-vpn-a', host: 'a.example' });
const B = makeLocalTarget({ name: 'office-vpn-b', host: 'b.example' });
const BRANCH = makeLocalTarget({ name: 'branch', host: 'branch.example' });

const ID_A: ServerIdentity = { hostname: 'gw-a', vendor: 'keepalived-lab', firmwareRevision: 1 };
const ID_B: ServerIdentity = { hostname: 'gw-b', vendor: 'keepalived-lab', firmwareRevision: 1 };
const ID_B2: ServerIdentity = { ...ID_B, firmwareRevision: 2 };

/** One record a minute over the day from the target's one location, ok unless `shape` says otherwise. */
const day = (target: ResolvedTarget, shape: (start: number) => Patch = () => undefined): ProbeRecord[] => history(target, D0, D0 + DAY, (start) => shape(start));

/**
 * The day, each target one record a minute:
 * - office-vpn (the virtual address) down 10:00–10:20; it answers as gw-a before, as gw-b from 10:20
 *   (failover), as gw-b with firmware 2 from 12:00, as gw-a again from 14:00 (failback);
 * - office-vpn-a down 09:50–10:40;
 * - office-vpn-b down 10:30–10:35 and 15:00–15:02 (2 minutes: fewer than down.for = 3, so the down policy
 *   never opens an incident, and no redundancy_lost ticket; the report counts down *intervals*, as all its
 *   downtime, so these 2 minutes count); firmware 1 → 2 at 12:00;
 * - branch: up all day.
 */
function dayRecords(withServer = true): Map<string, ProbeRecord[]> {
  const up = (server: ServerIdentity) => (withServer ? { server } : {});
  const vipServer = (s: number): ServerIdentity => (s < at(10, 20) || s >= at(14) ? ID_A : s < at(12) ? ID_B : ID_B2);
  return new Map([
    [VIP.name, day(VIP, (s) => (between(s, at(10), at(10, 20)) ? failed() : up(vipServer(s))))],
    [A.name, day(A, (s) => (between(s, at(9, 50), at(10, 40)) ? failed() : up(ID_A)))],
    [B.name, day(B, (s) => (between(s, at(10, 30), at(10, 35)) || between(s, at(15), at(15, 2)) ? failed() : up(s < at(12) ? ID_B : ID_B2)))],
    [BRANCH.name, day(BRANCH)],
  ]);
}

const groupedConfig = (): ResolvedConfig => makeConfig([VIP, A, B, BRANCH], { groups: [GROUP] });

describe('groupReports', () => {
  it('counts the virtual address for availability and each member’s down time outside it as redundancy lost', () => {
    // Prepare
    const records = dayRecords();

    // Act
    const report = buildReport(groupedConfig(), records, ONE_DAY, { nowMs: NOW });

    // Assess: one group, whose availability is its virtual address's report itself (not a copy).
    expect(report.groups).toHaveLength(1);
    const g = report.groups![0]!;
    const vip = report.targets.find((t) => t.target === 'office-vpn')!;
    expect(g.virtualAddress).toBe(vip);
    // VIP: 20 down minutes of 1440 counted → 1420 / 1440 = 98.6111% < 99.9 → missed.
    expect(vip.downtimeMinutes).toBe(20);
    expect(vip.availability).toBeCloseTo((100 * 1420) / 1440, 10);
    expect(vip.verdict).toBe('missed');
    // a: down 09:50–10:40 = 50 min, 1 incident; the VIP was down 10:00–10:20 (20 min of it, the address's
    //    outage) → redundancy lost 09:50–10:00 (10) + 10:20–10:40 (20) = 30 min.
    // b: down 10:30–10:35 (5) and 15:00–15:02 (2) = 7 min in 2 incidents (hours of up between them); the
    //    VIP was up both times → 7 min lost.
    expect(g.members).toEqual([
      { target: 'office-vpn-a', redundancyLostMinutes: 30, downtimeMinutes: 50, incidents: 1 },
      { target: 'office-vpn-b', redundancyLostMinutes: 7, downtimeMinutes: 7, incidents: 2 },
    ]);
    // Union: {09:50–10:00, 10:20–10:40} ∪ {10:30–10:35, 15:00–15:02} = 10 + 20 + 2 = 32 min (b's 10:30–10:35
    // lies inside a's 10:20–10:40 and counts once; the sum of the members would be 37).
    expect(g.redundancyLostMinutes).toBe(32);
    // Failover to b when the address came back at 10:20 (its first interval answering as gw-b); b's own
    // firmware change at 12:00 (the address following it is b's event, not a second one); failback at 14:00.
    expect(g.events).toEqual([
      { at: at(10, 20), kind: 'failover', text: 'failover: office-vpn-a → office-vpn-b' },
      { at: at(12), kind: 'firmware_change', text: 'firmware 0x0001 → 0x0002 on office-vpn-b' },
      { at: at(14), kind: 'failover', text: 'failover: office-vpn-b → office-vpn-a' },
    ]);
    // gw-a and gw-b differ: a failover between them can be seen.
    expect(g.indistinguishable).toEqual([]);
  });

  it('says when the members answer with one identity, and sees no failover between them', () => {
    // Prepare: two Poptop members announcing the same identity (as in the namespaces' integration test).
    const POPTOP: ServerIdentity = { hostname: 'local', vendor: 'linux', firmwareRevision: 1 };
    const records = new Map([
      [VIP.name, day(VIP, () => ({ server: POPTOP }))],
      [A.name, day(A, (s) => (between(s, at(8), at(8, 10)) ? failed() : { server: POPTOP }))],
      [B.name, day(B, () => ({ server: POPTOP }))],
    ]);

    // Act
    const g = buildReport(makeConfig([VIP, A, B], { groups: [GROUP] }), records, ONE_DAY, { nowMs: NOW }).groups![0]!;

    // Assess: a's 10 minutes down 08:00–08:10 while the VIP was up are lost; nothing to see on the timeline.
    expect(g.members.map((m) => m.redundancyLostMinutes)).toEqual([10, 0]);
    expect(g.redundancyLostMinutes).toBe(10);
    expect(g.events).toEqual([]);
    expect(g.indistinguishable).toEqual([['office-vpn-a', 'office-vpn-b']]);
  });

  it('lists three failovers within an hour as failover flapping, and its end', () => {
    // Prepare: the address moves a → b at 10:00, b → a at 10:20, a → b at 10:40, then stays on b.
    const vipServer = (s: number): ServerIdentity => (s < at(10) || between(s, at(10, 20), at(10, 40)) ? ID_A : ID_B);
    const records = new Map([
      [VIP.name, day(VIP, (s) => ({ server: vipServer(s) }))],
      [A.name, day(A, () => ({ server: ID_A }))],
      [B.name, day(B, () => ({ server: ID_B }))],
    ]);

    // Act
    const g = buildReport(makeConfig([VIP, A, B], { groups: [GROUP] }), records, ONE_DAY, { nowMs: NOW }).groups![0]!;

    // Assess: the third failover (10:40) makes three within 60 min: flapping since the first (10:00); it
    // resolves once an hour passes without one, at 10:40 + 60 min = 11:40. Sorted by time; the flapping
    // ticket's start (10:00) sorts with the first failover, before the second.
    expect(g.events).toEqual([
      { at: at(10), kind: 'failover', text: 'failover: office-vpn-a → office-vpn-b' },
      { at: at(10), kind: 'failover_flapping', text: 'failover flapping: 3 failovers within 60 min' },
      { at: at(10, 20), kind: 'failover', text: 'failover: office-vpn-b → office-vpn-a' },
      { at: at(10, 40), kind: 'failover', text: 'failover: office-vpn-a → office-vpn-b' },
      { at: at(11, 40), kind: 'failover_flapping', text: 'failover flapping over: no failover in the 60 min after the last one' },
    ]);
  });

  it('leaves out a group whose targets are not all in the report (a report split into parts)', () => {
    // Prepare: the member b's report is in another part.
    const config = groupedConfig();
    const full = buildReport(config, dayRecords(), ONE_DAY, { nowMs: NOW });
    const part = full.targets.filter((t) => t.target !== 'office-vpn-b');

    // Act / Assess
    expect(groupReports(config, part, [], ONE_DAY)).toEqual([]);
  });
});

describe('the fleet figures of a report with groups', () => {
  it('count the virtual address and not its members', () => {
    // Prepare: the same day with and without the group in the config.
    const grouped = buildReport(groupedConfig(), dayRecords(), ONE_DAY, { nowMs: NOW });
    const plain = buildReport(makeConfig([VIP, A, B, BRANCH]), dayRecords(), ONE_DAY, { nowMs: NOW });

    // Act
    const summary = reportSummary(grouped, 'hint');
    const plainSummary = reportSummary(plain, 'hint');

    // Assess: the members still have their rows; the SLA's targets are the address and branch. a (50 min
    // down: 96.528%) and b (7 min: 99.514%) miss 99.9 but are redundancy lost, not SLA misses.
    expect(grouped.targets.map((t) => t.target)).toEqual(['office-vpn', 'office-vpn-a', 'office-vpn-b', 'branch']);
    expect(slaTargets(grouped).map((t) => t.target)).toEqual(['office-vpn', 'branch']);
    expect(summary.belowSlo).toEqual(['office-vpn']);
    expect(summary.subject).toBe('[REPORT] PPTP SLA 2025-01: 2 target(s), 1 below SLO');
    expect(JSON.parse(summary.message).sms).toBe('PPTP SLA 2025-01: 1/2 below SLO: office-vpn');
    // Without groups every target is the SLA's, and the report has no group section.
    expect(plain.groups).toBeUndefined();
    expect(plainSummary.belowSlo).toEqual(['office-vpn', 'office-vpn-a', 'office-vpn-b']);
    expect(plainSummary.subject).toBe('[REPORT] PPTP SLA 2025-01: 4 target(s), 3 below SLO');
  });
});

describe('the renderers’ redundant gateways section', () => {
  const report = (): SlaReport => buildReport(groupedConfig(), dayRecords(), ONE_DAY, { nowMs: NOW });

  it('Markdown: the group, its members’ lost time, the timeline, members marked in the summary', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('\n## Redundant gateways\n');
    expect(md).toContain('Virtual address office-vpn: availability 98.611%, SLO 99.9%: missed. Redundancy lost: 32m in total.');
    expect(md).toContain('| office-vpn-a | 30m | 50m | 1 |');
    expect(md).toContain('| office-vpn-b | 7m | 7m | 2 |');
    expect(md).toContain('- 2025-01-01T10:20:00.000Z failover: office-vpn-a → office-vpn-b\n');
    expect(md).toContain('- 2025-01-01T12:00:00.000Z firmware 0x0001 → 0x0002 on office-vpn-b\n');
    expect(md).toMatch(/^\| office-vpn-a \(member of office-vpn\) \| 99\.9 \| 96\.528 \| missed \|/m);
    expect(md).toMatch(/^\| office-vpn \| 99\.9 \| 98\.611 \| missed \|/m);
    expect(md).toContain('member of office-vpn: its downtime is redundancy lost, not SLA downtime');
  });

  it('JSON: `groups` beside `targets`, members marked', () => {
    const json = JSON.parse(renderJson(report()));
    expect(json.groups).toEqual([
      {
        name: 'office-vpn',
        virtualAddress: { target: 'office-vpn', slo: 99.9, availability: 98.611, verdict: 'missed' },
        redundancyLostMinutes: 32,
        members: [
          { target: 'office-vpn-a', redundancyLostMinutes: 30, downtimeMinutes: 50, incidents: 1 },
          { target: 'office-vpn-b', redundancyLostMinutes: 7, downtimeMinutes: 7, incidents: 2 },
        ],
        events: [
          { at: '2025-01-01T10:20:00.000Z', kind: 'failover', text: 'failover: office-vpn-a → office-vpn-b' },
          { at: '2025-01-01T12:00:00.000Z', kind: 'firmware_change', text: 'firmware 0x0001 → 0x0002 on office-vpn-b' },
          { at: '2025-01-01T14:00:00.000Z', kind: 'failover', text: 'failover: office-vpn-b → office-vpn-a' },
        ],
        indistinguishable: [],
      },
    ]);
    expect(json.targets.map((t: { memberOf?: string }) => t.memberOf ?? null)).toEqual([null, 'office-vpn', 'office-vpn', null]);
  });

  it('CSV: the group columns after the others, the totals and events on the virtual address’s row', () => {
    const lines = renderCsv(report()).split('\r\n');
    expect(lines[0]).toBe([...CSV_COLUMNS, ...CSV_GROUP_COLUMNS].join(','));
    const tail = (line: string): string[] => line.split(',').slice(CSV_COLUMNS.length);
    expect(tail(lines[1]!)).toEqual([
      'office-vpn',
      'virtual_address',
      '32',
      '2025-01-01T10:20:00.000Z failover: office-vpn-a → office-vpn-b;2025-01-01T12:00:00.000Z firmware 0x0001 → 0x0002 on office-vpn-b;2025-01-01T14:00:00.000Z failover: office-vpn-b → office-vpn-a',
      '',
    ]);
    expect(tail(lines[2]!)).toEqual(['office-vpn', 'member', '30', '', '']);
    expect(tail(lines[3]!)).toEqual(['office-vpn', 'member', '7', '', '']);
    expect(tail(lines[4]!)).toEqual(['', '', '', '', '']);
  });

  it('HTML: the section, members marked, and the events as markers on the virtual address’s heat strip only', () => {
    const html = renderHtml(report());
    expect(html).toContain('<div class="group" data-group="office-vpn" data-availability="98.611" data-verdict="missed" data-redundancy-lost-minutes="32">');
    expect(html).toContain('<tr data-member="office-vpn-a" data-redundancy-lost-minutes="30">');
    expect(html).toContain('<li data-kind="failover" data-at="2025-01-01T10:20:00.000Z">');
    expect(html).toMatch(/<tr data-target="office-vpn-a" data-member-of="office-vpn" /);
    const strip = (target: string): string => html.match(new RegExp(`<svg class="heat-strip" data-target="${target}"[\\s\\S]*?</svg>`))![0];
    expect(strip('office-vpn').match(/class="event-marker"/g)).toHaveLength(3);
    expect(strip('office-vpn')).toContain('data-kind="firmware_change" data-at="2025-01-01T12:00:00.000Z"');
    expect(strip('office-vpn-b')).not.toContain('event-marker');
  });
});

describe('reportFromHistory with a group', () => {
  it('reports a group split over two read batches from CloudWatch’s sparse identities, as buildReport does from local records', async () => {
    // Prepare: fillers first, so the virtual address is the last target of the first batch and the
    // members are in the second. Records as CloudWatch has them (no SCCRP names); identities as points
    // where one was published: each target's cold start at 00:00 and every change.
    const fillers: ResolvedTarget[] = Array.from({ length: REPORT_BATCH_TARGETS - 1 }, (_, i) => makeLocalTarget({ name: `filler-${i}` }));
    const config = makeConfig([...fillers, VIP, A, B, BRANCH], { groups: [GROUP] });
    const records = dayRecords(false);
    const point = (ms: number, id: ServerIdentity): IdentityPoint => ({ intervalStart: ms, fingerprint: identityFingerprint(id) });
    const identities = new Map<string, IdentityPoint[]>([
      ['office-vpn', [point(D0, ID_A), point(at(10, 20), ID_B), point(at(12), ID_B2), point(at(14), ID_A)]],
      ['office-vpn-a', [point(D0, ID_A)]],
      ['office-vpn-b', [point(D0, ID_B), point(at(12), ID_B2)]],
    ]);
    const batches: string[][] = [];
    const source: HistorySource = {
      recent: () => Promise.reject(new Error('not used')),
      range: (batch) => {
        batches.push(batch.targets.map((t) => t.name));
        const names = new Set(batch.targets.map((t) => t.name));
        const pick = <V>(m: Map<string, V>): Map<string, V> => new Map([...m].filter(([k]) => names.has(k)));
        return Promise.resolve({ records: pick(records), identities: pick(identities), lastHeartbeat: new Map(), metricsRequested: 0, calls: 0 });
      },
    };

    // Act
    const { report } = await reportFromHistory(source, config, ONE_DAY, NOW);

    // Assess: the group straddled the batches, and its report is the local one's, figure for figure.
    expect(batches[0]!.at(-1)).toBe('office-vpn');
    expect(batches[1]!.slice(0, 2)).toEqual(['office-vpn-a', 'office-vpn-b']);
    const local = buildReport(groupedConfig(), dayRecords(), ONE_DAY, { nowMs: NOW }).groups![0]!;
    const g = report.groups![0]!;
    expect(g.members).toEqual(local.members);
    expect(g.redundancyLostMinutes).toBe(32);
    expect(g.events).toEqual(local.events);
    expect(g.virtualAddress).toBe(report.targets.find((t) => t.target === 'office-vpn'));
  });
});
