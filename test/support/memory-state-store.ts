// The evaluator state store's interface (shared/state StateStore) in memory, for unit tests and for the
// evaluator benchmark's long runs, where dynalite's few milliseconds per call over a simulated day of 100
// shards would be most of the benchmark. Items are encoded and checked by the store's own item.ts (gzip,
// sizes, every check on the way back), and writes are conditional on the version exactly as the DynamoDB
// adapter's are, so what a test or the benchmark sees (conflicts, sizes, damaged items) is what the real
// store would give; what it does not model is DynamoDB itself (latency, throttling, the wire protocol:
// test/integration/state-store.test.ts covers those against dynalite).
import { randomUUID } from 'node:crypto';
import { DYNAMODB_MAX_ITEM_BYTES } from '../../shared/state/constants.js';
import type { StateStore } from '../../shared/state/dynamodb-state-store.js';
import { StateConflictError, StateTooLargeError, type ExpectedVersion } from '../../shared/state/errors.js';
import { decodeItem, encodeItem, gzipOutbox, stateKey, type Item } from '../../shared/state/item.js';

export interface MemoryStateStore extends StateStore {
  /** The stored items by partition key (a test may damage one). */
  readonly items: Map<string, Item>;
  /** Calls made, per operation. */
  readonly calls: { load: number; save: number; clearOutbox: number; conflicts: number };
}

export function createMemoryStateStore(options: { namespace: string; schemaVersion: number; now?: () => number }): MemoryStateStore {
  const items = new Map<string, Item>();
  const calls = { load: 0, save: 0, clearOutbox: 0, conflicts: 0 };
  const now = options.now ?? Date.now;
  const versionOf = (item: Item | undefined): ExpectedVersion => {
    if (item === undefined) return undefined;
    const n = Number(item['version']?.N);
    return Number.isFinite(n) ? n : 'unreadable';
  };
  const check = (shard: number, pk: string, expected: ExpectedVersion): void => {
    if (versionOf(items.get(pk)) !== expected) {
      calls.conflicts++;
      throw new StateConflictError(shard, expected);
    }
  };
  return {
    items,
    calls,
    async load(shard) {
      calls.load++;
      const item = items.get(stateKey(options.namespace, shard));
      return item === undefined ? undefined : decodeItem(item, { shard, pk: stateKey(options.namespace, shard), schemaVersion: options.schemaVersion });
    },
    async save(shard, record, expected) {
      calls.save++;
      const pk = stateKey(options.namespace, shard);
      const version = typeof expected === 'number' ? Math.max(1, Math.floor(expected) + 1) : 1;
      const { item, sizes } = encodeItem({ pk, schemaVersion: options.schemaVersion, version, record, updatedAt: now(), writeId: randomUUID() });
      if (sizes.itemBytes > DYNAMODB_MAX_ITEM_BYTES) throw new StateTooLargeError(shard, { ...sizes, limitBytes: DYNAMODB_MAX_ITEM_BYTES });
      check(shard, pk, expected);
      items.set(pk, item);
      return { version, sizes, attempts: 1 };
    },
    async clearOutbox(shard, expected) {
      calls.clearOutbox++;
      const pk = stateKey(options.namespace, shard);
      check(shard, pk, expected);
      const item = items.get(pk)!;
      const empty = gzipOutbox([]);
      items.set(pk, { ...item, outbox: { B: empty }, outboxCount: { N: '0' }, version: { N: String(expected + 1) }, updatedAt: { N: String(now()) } });
      return { version: expected + 1, sizes: { itemBytes: 0, stateBytes: 0, compressedStateBytes: 0, compressedOutboxBytes: empty.length }, attempts: 1 };
    },
  };
}
