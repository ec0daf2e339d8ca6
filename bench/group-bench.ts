// What gateway groups and identity events cost the evaluator, per target and minute:
//   node scripts/build.mjs && node dist/bench/group-bench.js
//
// A shard of 33 groups (a virtual address and 2 members: 99 targets) × 3 regions probed every minute, the
// virtual address announcing member a's identity and failing over to b every 6 hours, member a down 20
// minutes every 8 hours. Measured as the evaluator runs it: a rebuild (8 days replayed from the empty
// states, every group's targets stepped minute by minute), then 6 hours stepped a minute at a time, with
// the identities stepped every 5th minute; against the same targets stepped as plain targets (the fold
// alone). Also the events state as stored (JSON, per group).
import { parseConfig, type ResolvedConfig, type ResolvedTarget } from '../shared/config/index.js';
import { advanceGroup, advanceIdentities, emptyEventsState, groupTargets } from '../shared/cycles/group-fold.js';
import { advanceTarget } from '../shared/cycles/target-fold.js';
import { observationsOf } from '../shared/sla/groups/identity-events.js';
import type { FoldState } from '../shared/sla/fold/index.js';
import type { Notification } from '../shared/sla/notification.js';
import type { ProbeRecord } from '../shared/sla/probe-record.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../shared/common/time.js';

const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
const GROUPS = 33;
const T = Date.parse('2026-11-09T00:00:00Z');
const HISTORY_MS = 8 * DAY_MS;
const MEASURE_MS = 6 * HOUR_MS;
const IDENTITY_EVERY_MIN = 5;
const print = (line: string): void => void process.stdout.write(`${line}\n`);

function config(): ResolvedConfig {
  const lines = ['version: 1', 'homeRegion: eu-central-1', `defaults: { regions: [${REGIONS.join(', ')}] }`, 'targets: []', 'groups:'];
  for (let g = 0; g < GROUPS; g++) {
    lines.push(`  - { name: vpn-${g}, host: 192.0.2.${g}, members: [{ name: vpn-${g}-a, host: 198.51.100.${g} }, { name: vpn-${g}-b, host: 203.0.113.${g} }] }`);
  }
  const parsed = parseConfig(lines.join('\n'), 'bench.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

function minuteOf(target: ResolvedTarget, at: number): ProbeRecord[] {
  const g = Number(/vpn-(\d+)/.exec(target.name)![1]);
  const member = target.name.endsWith('-a') ? 'a' : target.name.endsWith('-b') ? 'b' : undefined;
  const phase = (at + g * 7 * MINUTE_MS) % (8 * HOUR_MS);
  const aDown = member === 'a' && phase < 20 * MINUTE_MS;
  const serving = Math.floor((at + g * 11 * MINUTE_MS) / (6 * HOUR_MS)) % 2 === 0 ? 'a' : 'b';
  const server = { hostname: `gw-${g}-${member ?? serving}`, vendor: 'keepalived-lab', firmwareRevision: 1 };
  return REGIONS.map((region): ProbeRecord => (aDown ? { target: target.name, region, intervalStart: at, ok: false, failureClass: 'connect_refused' } : { target: target.name, region, intervalStart: at, ok: true, connectMs: 20, controlMs: 40, server }));
}

function recordsOf(targets: readonly ResolvedTarget[], fromMs: number, toMs: number): Map<string, ProbeRecord[]> {
  const out = new Map<string, ProbeRecord[]>();
  for (const t of targets) {
    const list: ProbeRecord[] = [];
    for (let at = fromMs; at < toMs; at += MINUTE_MS) list.push(...minuteOf(t, at));
    out.set(t.name, list);
  }
  return out;
}

const cpuMs = (): number => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

function run(grouped: boolean): { rebuildMs: number; stepUs: number; notifications: Notification[]; eventsBytes: number } {
  const cfg = config();
  const byName = new Map(cfg.targets.map((t) => [t.name, t]));
  const groups = cfg.groups ?? [];
  const history = recordsOf(cfg.targets, T - HISTORY_MS, T);
  const notifications: Notification[] = [];
  const folds = new Map<string, FoldState>();
  let events = emptyEventsState();
  let start = cpuMs();
  if (grouped) {
    for (const g of groups) {
      const next = advanceGroup(g, groupTargets(g, byName), new Map(), history, undefined, { quietThrough: T, toInclusive: T });
      for (const [n, f] of next.folds) folds.set(n, f);
      events.groups[g.name] = next.state;
    }
    const groupsDone = cpuMs();
    const all = [...history.values()].flat();
    print(`    (rebuild: groups ${(groupsDone - start).toFixed(0)} ms CPU, then identities)`);
    const obs = observationsOf(all);
    const observed = cpuMs();
    events.ids = advanceIdentities({ targets: cfg.targets, groups }, undefined, obs, { quietThrough: T, toInclusive: T }).state;
    print(`    (identities: ${obs.length} observations gathered in ${(observed - groupsDone).toFixed(0)} ms CPU, stepped in ${(cpuMs() - observed).toFixed(0)} ms)`);
  } else {
    for (const t of cfg.targets) folds.set(t.name, advanceTarget(t, undefined, history.get(t.name) ?? [], { quietThrough: T, toInclusive: T }).state);
  }
  const rebuildMs = cpuMs() - start;
  const recent = recordsOf(cfg.targets, T, T + MEASURE_MS);
  start = cpuMs();
  let pendingObs: ReturnType<typeof observationsOf> = [];
  for (let t = T + MINUTE_MS; t <= T + MEASURE_MS; t += MINUTE_MS) {
    const minute = new Map<string, ProbeRecord[]>();
    for (const [name, list] of recent) minute.set(name, list.filter((r) => r.intervalStart === t - MINUTE_MS));
    if (grouped) {
      for (const g of groups) {
        const next = advanceGroup(g, groupTargets(g, byName), folds, minute, events.groups[g.name], { quietThrough: t - MINUTE_MS, toInclusive: t });
        for (const [n, f] of next.folds) folds.set(n, f);
        events.groups[g.name] = next.state;
        notifications.push(...next.notifications);
      }
      pendingObs.push(...observationsOf([...minute.values()].flat()));
      if ((t / MINUTE_MS) % IDENTITY_EVERY_MIN === 0) {
        const ids = advanceIdentities({ targets: cfg.targets, groups }, events.ids, pendingObs, { quietThrough: events.ids.t ?? t, toInclusive: t });
        events = { ...events, ids: ids.state };
        notifications.push(...ids.notifications);
        pendingObs = [];
      }
    } else {
      for (const target of cfg.targets) {
        const next = advanceTarget(target, folds.get(target.name), minute.get(target.name) ?? [], { quietThrough: t - MINUTE_MS, toInclusive: t });
        folds.set(target.name, next.state);
        notifications.push(...next.notifications);
      }
    }
  }
  const stepUs = ((cpuMs() - start) * 1000) / (cfg.targets.length * (MEASURE_MS / MINUTE_MS));
  return { rebuildMs, stepUs, notifications, eventsBytes: JSON.stringify(events).length };
}

const plain = run(false);
const grouped = run(true);
const count = (ns: Notification[]) => Object.entries(ns.reduce<Record<string, number>>((acc, n) => ((acc[`${n.policy} ${n.status}`] = (acc[`${n.policy} ${n.status}`] ?? 0) + 1), acc), {})).map(([k, v]) => `${k}: ${v}`).join(', ');
print(`group bench: ${GROUPS} groups × 3 targets × ${REGIONS.length} regions, 8 days rebuilt, ${MEASURE_MS / HOUR_MS} h stepped a minute at a time`);
print(`  plain targets (the fold alone):   rebuild ${plain.rebuildMs.toFixed(0)} ms CPU for the shard, step ${plain.stepUs.toFixed(1)} µs CPU per target-minute`);
print(`  as groups, identities every ${IDENTITY_EVERY_MIN} min: rebuild ${grouped.rebuildMs.toFixed(0)} ms CPU for the shard, step ${grouped.stepUs.toFixed(1)} µs CPU per target-minute`);
print(`  events state: ${grouped.eventsBytes} B JSON for ${GROUPS} groups (${(grouped.eventsBytes / GROUPS).toFixed(0)} B a group)`);
print(`  notifications over the ${MEASURE_MS / HOUR_MS} h, plain: ${count(plain.notifications) || 'none'}`);
print(`  notifications over the ${MEASURE_MS / HOUR_MS} h, grouped: ${count(grouped.notifications) || 'none'}`);
