// What the deployed evaluator keeps per evaluator shard between runs (the bytes the state store holds,
// gzipped, in one DynamoDB item): per target its SLA fold state, the targets still waiting to be rebuilt
// from CloudWatch (and since when they owe notifications), the last heartbeat seen per probe shard (a run
// reads only the new minutes, so "when did this shard last report" must be remembered), and the no_data
// incidents left to a dead probe shard's alarm (their resolved notice is the alarm's too). Pure.
//
// Decoding checks everything: a shard state that is not this schema's JSON is refused as a whole
// (ShardStateError: the caller rebuilds every target), a target whose fold state is damaged is refused
// alone (it joins `pending`, the others step on).
import { PptpMonitorError } from '../common/errors.js';
import { decodeFoldState, encodeFoldState, FoldStateError, type FoldState } from '../sla/fold/index.js';
import { isRecord } from '../common/is-record.js';
import { isFingerprint } from '../sla/identity.js';
import type { EventsState } from './group-fold.js';
import type { IdentityState } from '../sla/groups/identity-events.js';

/** Schema of the shard state's JSON (each fold state carries the fold's own version besides). */
export const SHARD_STATE_SCHEMA = 1;

export interface ShardState {
  /** Per target name, its fold state, stepped to the item's evaluatedUntil. */
  folds: Map<string, FoldState>;
  /** Targets without a usable state, by name: the instant from which they owe notifications (ms). */
  pending: Map<string, number>;
  /** Per probe shard (heartbeatKey), the last interval its heartbeat covered (ms). */
  heartbeats: Map<string, number>;
  /** no_data incidents whose firing was left to a dead probe shard's alarm, by dedup key: their start (ms). */
  covered: Map<string, number>;
  /**
   * The gateway groups' open tickets and the identity events' state (group-fold.ts); absent: the shard's
   * groups are rebuilt with their targets, and the identities from CloudWatch's ServerIdentity history.
   */
  events?: EventsState;
}

export class ShardStateError extends PptpMonitorError<'shard_state_corrupt'> {
  override name = 'ShardStateError';
}

export const emptyShardState = (): ShardState => ({ folds: new Map(), pending: new Map(), heartbeats: new Map(), covered: new Map() });

export function encodeShardState(state: ShardState): Uint8Array {
  const folds: Record<string, unknown> = {};
  for (const [name, fold] of state.folds) folds[name] = encodeFoldState(fold);
  const json = { v: SHARD_STATE_SCHEMA, folds, pending: Object.fromEntries(state.pending), hb: Object.fromEntries(state.heartbeats), cov: Object.fromEntries(state.covered), ...(state.events !== undefined ? { ev: state.events } : {}) };
  return new TextEncoder().encode(JSON.stringify(json));
}

const isInstant = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function instants(value: unknown, what: string): Map<string, number> {
  if (!isRecord(value)) throw new ShardStateError('shard_state_corrupt', `${what} is not an object`);
  const out = new Map<string, number>();
  for (const [key, v] of Object.entries(value)) {
    if (!isInstant(v)) throw new ShardStateError('shard_state_corrupt', `${what}.${key} is not an instant in ms`);
    out.set(key, v);
  }
  return out;
}

/** The shard state, and the targets whose own fold state was damaged (moved to `pending` since `fallbackSince`). */
export function decodeShardState(bytes: Uint8Array, fallbackSince: number): { state: ShardState; damaged: Array<{ target: string; problem: string }> } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ShardStateError('shard_state_corrupt', `not UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!isRecord(json)) throw new ShardStateError('shard_state_corrupt', 'not a JSON object');
  if (json['v'] !== SHARD_STATE_SCHEMA) throw new ShardStateError('shard_state_corrupt', `shard state schema ${JSON.stringify(json['v'])}, this code reads ${SHARD_STATE_SCHEMA}`);
  if (!isRecord(json['folds'])) throw new ShardStateError('shard_state_corrupt', 'folds is not an object');
  const state: ShardState = { folds: new Map(), pending: instants(json['pending'], 'pending'), heartbeats: instants(json['hb'], 'hb'), covered: instants(json['cov'], 'cov') };
  const damaged: Array<{ target: string; problem: string }> = [];
  if (json['ev'] !== undefined) {
    // A damaged events state is rebuilt (the groups with their targets, the identities from history), not fatal.
    const events = decodeEventsState(json['ev']);
    if (typeof events === 'string') damaged.push({ target: '(groups and identities)', problem: events });
    else state.events = events;
  }
  for (const [name, fold] of Object.entries(json['folds'])) {
    try {
      state.folds.set(name, decodeFoldState(fold));
    } catch (err) {
      if (!(err instanceof FoldStateError)) throw err;
      damaged.push({ target: name, problem: err.message });
      if (!state.pending.has(name)) state.pending.set(name, fallbackSince);
    }
  }
  return { state, damaged };
}

const isInstantOrNull = (v: unknown): v is number | null => v === null || isInstant(v);

/** The events state, checked field by field; a string says what is wrong. */
export function decodeEventsState(value: unknown): EventsState | string {
  if (!isRecord(value) || !isRecord(value['groups'])) return 'ev: not {groups, ids}';
  const groups: EventsState['groups'] = {};
  for (const [name, g] of Object.entries(value['groups'])) {
    if (!isRecord(g) || !isRecord(g['rl']) || !isInstantOrNull(g['mw']) || !isInstantOrNull(g['ve'])) return `ev.groups.${name}: not {rl, mw, ve}`;
    const rl: Record<string, number> = {};
    for (const [member, at] of Object.entries(g['rl'])) {
      if (!isInstant(at)) return `ev.groups.${name}.rl.${member}: not an instant`;
      rl[member] = at;
    }
    groups[name] = { rl, mw: g['mw'], ve: g['ve'] };
  }
  const ids = decodeIdentityState(value['ids'], 'ev.ids');
  if (typeof ids === 'string') return ids;
  if (value['solo'] === undefined) return { groups, ids };
  const solo = decodeIdentityState(value['solo'], 'ev.solo');
  if (typeof solo === 'string') return solo;
  return { groups, ids, solo };
}

function decodeIdentityState(ids: unknown, path: string): IdentityState | string {
  if (!isRecord(ids) || !isInstantOrNull(ids['t']) || !isRecord(ids['ids']) || !isRecord(ids['groups'])) return `${path}: not {t, ids, groups}`;
  const known: IdentityState['ids'] = {};
  for (const [target, id] of Object.entries(ids['ids'])) {
    if (!isRecord(id) || typeof id['fp'] !== 'number' || !isFingerprint(id['fp']) || !isInstant(id['since'])) return `${path}.ids.${target}: not {fp, since}`;
    const server = id['server'];
    if (server !== undefined && !(isRecord(server) && typeof server['hostname'] === 'string' && typeof server['vendor'] === 'string' && typeof server['firmwareRevision'] === 'number')) return `${path}.ids.${target}.server: not an identity`;
    known[target] = { fp: id['fp'], since: id['since'], ...(isRecord(server) ? { server: { hostname: String(server['hostname']), vendor: String(server['vendor']), firmwareRevision: Number(server['firmwareRevision']) } } : {}) };
  }
  const flaps: IdentityState['groups'] = {};
  for (const [name, g] of Object.entries(ids['groups'])) {
    if (!isRecord(g) || !Array.isArray(g['fo']) || !g['fo'].every(isInstant) || !isInstantOrNull(g['flap'])) return `${path}.groups.${name}: not {fo, flap}`;
    flaps[name] = { fo: [...(g['fo'] as number[])], flap: g['flap'] };
  }
  return { t: ids['t'], ids: known, groups: flaps };
}

