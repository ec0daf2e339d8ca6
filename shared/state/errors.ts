// What the state store throws. Every error names the shard; a conflict is the normal outcome of two
// overlapping runs (the loser publishes nothing), an unreadable item is something to rebuild from CloudWatch
// (the error says what is wrong with it and what version to overwrite), a state too large is a design
// limit to report, and an unavailable store is an AWS call that failed for good after its retries.
import { PptpMonitorError } from '../common/errors.js';

export type StateStoreErrorCode = 'state_conflict' | 'state_corrupt' | 'state_schema_mismatch' | 'state_too_large' | 'state_unavailable';

/**
 * What save() expects to find: `undefined` no item at all (the first write, `attribute_not_exists(pk)`),
 * a number the item at that version (`version = :expected`), or `'unreadable'` an item whose version
 * attribute is missing or not a number (only to overwrite such an item, as a StateCorruptError says).
 */
export type ExpectedVersion = number | undefined | 'unreadable';

export class StateStoreError extends PptpMonitorError<StateStoreErrorCode> {
  override readonly name: string = 'StateStoreError';
  constructor(
    code: StateStoreErrorCode,
    readonly shard: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Another run wrote the shard's state since it was read: this run's result must be dropped, unpublished. */
export class StateConflictError extends StateStoreError {
  override readonly name = 'StateConflictError';
  constructor(
    shard: number,
    readonly expected: ExpectedVersion,
    options?: { cause?: unknown },
  ) {
    const wanted = expected === undefined ? 'no state yet' : expected === 'unreadable' ? 'an unreadable item' : `version ${expected}`;
    super('state_conflict', shard, `state of shard ${shard} was written by another run: expected ${wanted}, found something else; this run's result is dropped`, options);
  }
}

/** The item cannot be used as it is; rebuild the state and save it with `expected: overwrite`. */
export class StateUnreadableError extends StateStoreError {
  override readonly name: string = 'StateUnreadableError';
  constructor(
    code: 'state_corrupt' | 'state_schema_mismatch',
    shard: number,
    /** What to pass to save() to replace the item (its version, or 'unreadable' when that is unreadable too). */
    readonly overwrite: Exclude<ExpectedVersion, undefined>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, shard, message, options);
  }
}

/** The item is damaged: an attribute is missing or of the wrong type, a gzip does not inflate, a length or count disagrees. */
export class StateCorruptError extends StateUnreadableError {
  override readonly name = 'StateCorruptError';
  constructor(
    shard: number,
    overwrite: Exclude<ExpectedVersion, undefined>,
    /** What is wrong, e.g. `state does not gunzip: incorrect header check`. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super('state_corrupt', shard, overwrite, `state of shard ${shard} is corrupt (${problem}); rebuild it from CloudWatch`, options);
  }
}

/** The item was written with another state schema (an older or newer deployment). */
export class StateSchemaError extends StateUnreadableError {
  override readonly name = 'StateSchemaError';
  constructor(
    shard: number,
    overwrite: number,
    /** The schemaVersion attribute as found (undefined when missing). */
    readonly found: number | undefined,
    readonly expectedSchema: number,
  ) {
    super('state_schema_mismatch', shard, overwrite, `state of shard ${shard} has schema version ${found ?? 'none'}, this code reads ${expectedSchema}; rebuild it from CloudWatch`);
  }
}

/** The item would pass DynamoDB's 400 KB limit. */
export class StateTooLargeError extends StateStoreError {
  override readonly name = 'StateTooLargeError';
  constructor(
    shard: number,
    readonly sizes: { itemBytes: number; limitBytes: number; stateBytes: number; compressedStateBytes: number; compressedOutboxBytes: number },
    options?: { cause?: unknown },
  ) {
    const { itemBytes, limitBytes, stateBytes, compressedStateBytes, compressedOutboxBytes } = sizes;
    super(
      'state_too_large',
      shard,
      `state of shard ${shard} does not fit in one DynamoDB item: ${itemBytes} bytes, limit ${limitBytes} (state ${stateBytes} bytes, ${compressedStateBytes} gzipped; outbox ${compressedOutboxBytes} gzipped); use more evaluator shards`,
      options,
    );
  }
}

/** A DynamoDB call failed for good: not retryable, out of tries, or aborted. */
export class StateUnavailableError extends StateStoreError {
  override readonly name = 'StateUnavailableError';
  constructor(
    shard: number,
    readonly operation: 'GetItem' | 'PutItem' | 'UpdateItem',
    readonly attempts: number,
    description: string,
    options?: { cause?: unknown },
  ) {
    super('state_unavailable', shard, `${operation} for the state of shard ${shard} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${description}`, options);
  }
}
