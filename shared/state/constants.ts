// Limits and names of the evaluator's state item. The item layout is described in README.md beside this file.

/** DynamoDB's largest item, in bytes: 400 KB, attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/** The most bytes the store will inflate from one gzip attribute, in bytes: a guard against a corrupt or hostile item. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/**
 * Attribute names. `pk` and `version` are the concurrency protocol and never change meaning; every other
 * attribute belongs to the schema version written beside it.
 */
export const Attr = {
  /** S, the partition key: `<namespace>#<shard>`. */
  pk: 'pk',
  /** N, the caller's state schema version; an item with another one is refused with StateSchemaError. */
  schemaVersion: 'schemaVersion',
  /** N, 1 on the first write, +1 on every write: the optimistic-concurrency token. */
  version: 'version',
  /** B, the caller's state bytes, gzip-compressed. */
  state: 'state',
  /** N, the length of the state before compression, in bytes (checked after inflating). */
  stateBytes: 'stateBytes',
  /** N, the instant (ms since the epoch) the state covers: everything before it has been evaluated. */
  evaluatedUntil: 'evaluatedUntil',
  /** B, gzip of the JSON array of outbox entries (notifications claimed but not yet confirmed published). */
  outbox: 'outbox',
  /** N, how many entries the outbox holds (checked after inflating; readable in the console). */
  outboxCount: 'outboxCount',
  /** N, when the item was written (ms since the epoch, the writer's clock). */
  updatedAt: 'updatedAt',
  /** S, a random id per save call: lets a write whose response was lost recognise itself on retry. */
  writeId: 'writeId',
} as const;
