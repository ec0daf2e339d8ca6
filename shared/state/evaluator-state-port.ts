// The state store as the evaluate cycle's port (shared/cycles/ports.ts EvaluatorStateStore): the store's
// typed errors turned into the answers the cycle branches on. An unreadable item (damaged, another schema)
// is a value naming the problem and the version to overwrite; a conflict on a claim or a confirm is
// `false` (another run got there first); everything else (unavailable after retries, too large) is thrown
// as the store threw it, and fails the run.
import type { EvaluatorStateStore } from '../cycles/ports.js';
import type { StateStore } from './dynamodb-state-store.js';
import { StateConflictError, StateUnreadableError } from './errors.js';

export function evaluatorStateStore(store: StateStore): EvaluatorStateStore {
  return {
    async load(shard, signal) {
      try {
        const loaded = await store.load(shard, signal);
        if (loaded === undefined) return { kind: 'none' };
        return { kind: 'loaded', version: loaded.version, updatedAt: loaded.updatedAt, record: { state: loaded.state, evaluatedUntil: loaded.evaluatedUntil, outbox: loaded.outbox } };
      } catch (err) {
        if (err instanceof StateUnreadableError) return { kind: 'unreadable', problem: err.message, overwrite: err.overwrite };
        throw err;
      }
    },
    async claim(shard, record, expected, signal) {
      try {
        const saved = await store.save(shard, record, expected, signal);
        return { claimed: true, version: saved.version, stateBytes: saved.sizes.stateBytes, storedBytes: saved.sizes.itemBytes };
      } catch (err) {
        if (err instanceof StateConflictError) return { claimed: false };
        throw err;
      }
    },
    async confirm(shard, expected, signal) {
      try {
        const saved = await store.clearOutbox(shard, expected, signal);
        return { confirmed: true, version: saved.version };
      } catch (err) {
        if (err instanceof StateConflictError) return { confirmed: false };
        throw err;
      }
    },
  };
}
