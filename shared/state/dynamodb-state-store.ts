// The evaluator's per-shard state in DynamoDB: one item per evaluator shard, written with optimistic
// concurrency (a conditional PutItem on the version read), so two overlapping runs for the same minute
// cannot both win: the loser gets StateConflictError and must publish nothing. Reads are strongly
// consistent (a run must see the previous run's write). Throttling, 5xx and network errors are retried
// with the shared backoff; a write whose response was lost and whose retry then finds the version
// already advanced recognises its own write by `writeId` instead of reporting a conflict. What is read is
// checked (item.ts): a damaged or other-schema item is a typed error the caller rebuilds from, with the
// version to overwrite. The protocol around it is in README.md beside this file.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_RETRY_POLICY, describeAwsError, isRetryable, withRetries, type RetryPolicy } from '../aws/retry.js';
import { rejectUnknownOptions } from '../common/options.js';
import type { Logger } from '../log/logger.js';
import { Attr, DYNAMODB_MAX_ITEM_BYTES } from './constants.js';
import { StateConflictError, StateTooLargeError, StateUnavailableError, type ExpectedVersion } from './errors.js';
import { decodeItem, encodeItem, gzipOutbox, stateKey, type Item, type ItemSizes, type LoadedState, type StateRecord } from './item.js';

export interface SaveResult {
  /** The version the item now has: pass it as `expected` to the next save or clearOutbox. */
  version: number;
  /** Sizes of what was written (clearOutbox: of the new outbox only). */
  sizes: ItemSizes;
  /** DynamoDB requests made, retries and a read-back included. */
  attempts: number;
}

/** The evaluator's state, per shard. */
export interface StateStore {
  /** The shard's state, or undefined when there is none. Throws StateCorruptError / StateSchemaError for an item it cannot use. */
  load(shard: number, signal?: AbortSignal): Promise<LoadedState | undefined>;
  /** Writes the whole state if the item is still as `expected`; StateConflictError if another run advanced it. */
  save(shard: number, record: StateRecord, expected: ExpectedVersion, signal?: AbortSignal): Promise<SaveResult>;
  /** Empties the outbox once its notifications are published, if the item is still at `expected`. */
  clearOutbox(shard: number, expected: number, signal?: AbortSignal): Promise<SaveResult>;
}

export interface DynamoDbStateStoreOptions {
  tableName: string;
  /** The deployment's namespace: keys are `<namespace>#<shard>`. */
  namespace: string;
  /** The state schema version this code writes and reads; an item with another is refused (StateSchemaError). */
  schemaVersion: number;
  /** An SDK client (tests, or one shared by the handler); by default one for `region` with the SDK's own retries off. */
  client?: Pick<DynamoDBClient, 'send'>;
  region?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Ms since the epoch, for updatedAt. */
  now?: () => number;
  /** Where retries are reported (one WARN line each). */
  log?: Pick<Logger, 'warn'>;
}

const OPTION_NAMES = ['tableName', 'namespace', 'schemaVersion', 'client', 'region', 'retry', 'sleep', 'random', 'now', 'log'] as const;

/** DynamoDB's throttling errors that the shared predicate does not know by name. */
const DYNAMODB_RETRYABLE = new Set(['ProvisionedThroughputExceededException', 'TransactionConflictException']);
export const isRetryableForDynamoDb = (err: unknown): boolean => isRetryable(err) || DYNAMODB_RETRYABLE.has((err as { name?: string }).name ?? '');

const errorName = (err: unknown): string | undefined => (err as { name?: string } | undefined)?.name;
const isConditionFailed = (err: unknown): boolean => errorName(err) === 'ConditionalCheckFailedException';
const isItemTooLarge = (err: unknown): boolean => errorName(err) === 'ValidationException' && /item size/i.test((err as Error).message ?? '');

function checkShard(shard: number): void {
  if (!Number.isSafeInteger(shard) || shard < 0) throw new RangeError(`state store: shard must be a non-negative integer, got ${shard}`);
}

function checkExpected(expected: ExpectedVersion): void {
  if (typeof expected === 'number' && !Number.isFinite(expected)) throw new RangeError(`state store: expected version must be finite, got ${expected}`);
}

export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  rejectUnknownOptions('createDynamoDbStateStore', options, OPTION_NAMES);
  const { tableName, namespace, schemaVersion } = options;
  if (!tableName) throw new TypeError('createDynamoDbStateStore: tableName is required');
  if (!namespace) throw new TypeError('createDynamoDbStateStore: namespace is required');
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 0) throw new TypeError(`createDynamoDbStateStore: schemaVersion must be a non-negative integer, got ${schemaVersion}`);
  const client = options.client ?? new DynamoDBClient({ ...(options.region && { region: options.region }), maxAttempts: 1 });
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const now = options.now ?? Date.now;

  /** One DynamoDB call with the shared retries; the outcome and how many requests it took. */
  function call<T>(shard: number, operation: string, send: () => Promise<T>, signal: AbortSignal | undefined) {
    return withRetries(send, {
      policy,
      retryable: isRetryableForDynamoDb,
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
      ...(signal && { signal }),
      onRetry: (attempt, delayMs, err) =>
        options.log?.warn('DynamoDB call for the evaluator state failed, retrying', { operation, shard, attempt, delayMs: Math.round(delayMs), error: describeAwsError(err) }),
    });
  }

  const sendOptions = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

  async function getItem(shard: number, signal: AbortSignal | undefined): Promise<{ item: Item | undefined; attempts: number }> {
    const outcome = await call(
      shard,
      'GetItem',
      () => client.send(new GetItemCommand({ TableName: tableName, Key: { [Attr.pk]: { S: stateKey(namespace, shard) } }, ConsistentRead: true }), sendOptions(signal)),
      signal,
    );
    if (!outcome.ok) throw new StateUnavailableError(shard, 'GetItem', outcome.attempts, describeAwsError(outcome.error), { cause: outcome.error });
    return { item: outcome.value.Item, attempts: outcome.attempts };
  }

  /**
   * After a conditional write failed on a retry: did an earlier attempt of this very write succeed (its
   * response lost)? Then the item carries our writeId.
   */
  async function wasOurs(shard: number, writeId: string, signal: AbortSignal | undefined): Promise<{ version: number; attempts: number } | undefined> {
    const { item, attempts } = await getItem(shard, signal);
    if (item?.[Attr.writeId]?.S !== writeId) return undefined;
    return { version: Number(item[Attr.version]?.N), attempts };
  }

  /** The condition that `expected` stands for. */
  function condition(expected: ExpectedVersion): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item } {
    if (expected === undefined) return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': Attr.pk } };
    if (expected === 'unreadable') {
      return {
        ConditionExpression: 'attribute_exists(#pk) AND NOT attribute_type(#version, :numberType)',
        ExpressionAttributeNames: { '#pk': Attr.pk, '#version': Attr.version },
        ExpressionAttributeValues: { ':numberType': { S: 'N' } },
      };
    }
    return { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': Attr.version }, ExpressionAttributeValues: { ':expected': { N: String(expected) } } };
  }

  /** The version after a write over `expected` (an odd version found on a damaged item restarts the count sensibly). */
  const nextVersion = (expected: ExpectedVersion): number => (typeof expected === 'number' ? Math.max(1, Math.floor(expected) + 1) : 1);

  return {
    async load(shard, signal) {
      checkShard(shard);
      const { item } = await getItem(shard, signal);
      if (item === undefined) return undefined;
      return decodeItem(item, { shard, pk: stateKey(namespace, shard), schemaVersion });
    },

    async save(shard, record, expected, signal) {
      checkShard(shard);
      checkExpected(expected);
      const writeId = randomUUID();
      const version = nextVersion(expected);
      const { item, sizes } = encodeItem({ pk: stateKey(namespace, shard), schemaVersion, version, record, updatedAt: now(), writeId });
      if (sizes.itemBytes > DYNAMODB_MAX_ITEM_BYTES) throw new StateTooLargeError(shard, { ...sizes, limitBytes: DYNAMODB_MAX_ITEM_BYTES });
      const cond = condition(expected);
      const outcome = await call(shard, 'PutItem', () => client.send(new PutItemCommand({ TableName: tableName, Item: item, ...cond }), sendOptions(signal)), signal);
      if (outcome.ok) return { version, sizes, attempts: outcome.attempts };
      const err = outcome.error;
      if (isConditionFailed(err)) {
        const own = outcome.attempts > 1 ? await wasOurs(shard, writeId, signal) : undefined;
        if (own) return { version: own.version, sizes, attempts: outcome.attempts + own.attempts };
        throw new StateConflictError(shard, expected, { cause: err });
      }
      if (isItemTooLarge(err)) throw new StateTooLargeError(shard, { ...sizes, limitBytes: DYNAMODB_MAX_ITEM_BYTES }, { cause: err });
      throw new StateUnavailableError(shard, 'PutItem', outcome.attempts, describeAwsError(err), { cause: err });
    },

    async clearOutbox(shard, expected, signal) {
      checkShard(shard);
      checkExpected(expected);
      const writeId = randomUUID();
      const version = nextVersion(expected);
      const empty = gzipOutbox([]);
      const outcome = await call(
        shard,
        'UpdateItem',
        () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { [Attr.pk]: { S: stateKey(namespace, shard) } },
              UpdateExpression: 'SET #outbox = :outbox, #outboxCount = :zero, #version = :next, #updatedAt = :now, #writeId = :writeId',
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#outbox': Attr.outbox, '#outboxCount': Attr.outboxCount, '#version': Attr.version, '#updatedAt': Attr.updatedAt, '#writeId': Attr.writeId },
              ExpressionAttributeValues: {
                ':outbox': { B: empty },
                ':zero': { N: '0' },
                ':next': { N: String(version) },
                ':now': { N: String(now()) },
                ':writeId': { S: writeId },
                ':expected': { N: String(expected) },
              },
            }),
            sendOptions(signal),
          ),
        signal,
      );
      const sizes: ItemSizes = { itemBytes: 0, stateBytes: 0, compressedStateBytes: 0, compressedOutboxBytes: empty.length };
      if (outcome.ok) return { version, sizes, attempts: outcome.attempts };
      const err = outcome.error;
      if (isConditionFailed(err)) {
        const own = outcome.attempts > 1 ? await wasOurs(shard, writeId, signal) : undefined;
        if (own) return { version: own.version, sizes, attempts: outcome.attempts + own.attempts };
        throw new StateConflictError(shard, expected, { cause: err });
      }
      throw new StateUnavailableError(shard, 'UpdateItem', outcome.attempts, describeAwsError(err), { cause: err });
    },
  };
}
