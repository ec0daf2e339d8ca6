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
}

export class ShardStateError extends PptpMonitorError<'shard_state_corrupt'> {
  override name = 'ShardStateError';
}

export const emptyShardState = (): ShardState => ({ folds: new Map(), pending: new Map(), heartbeats: new Map(), covered: new Map() });

export function encodeShardState(state: ShardState): Uint8Array {
  const folds: Record<string, unknown> = {};
  for (const [name, fold] of state.folds) folds[name] = encodeFoldState(fold);
  const json = { v: SHARD_STATE_SCHEMA, folds, pending: Object.fromEntries(state.pending), hb: Object.fromEntries(state.heartbeats), cov: Object.fromEntries(state.covered) };
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
