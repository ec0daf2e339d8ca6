// The evaluator's per-shard state store (DynamoDB). See README.md for the item layout and the protocol.
export { DYNAMODB_MAX_ITEM_BYTES } from './constants.js';
export { createDynamoDbStateStore, isRetryableForDynamoDb, type DynamoDbStateStoreOptions, type SaveResult, type StateStore } from './dynamodb-state-store.js';
export {
  StateConflictError,
  StateCorruptError,
  StateSchemaError,
  StateStoreError,
  StateTooLargeError,
  StateUnavailableError,
  StateUnreadableError,
  type ExpectedVersion,
  type StateStoreErrorCode,
} from './errors.js';
export { stateKey, type ItemSizes, type LoadedState, type OutboxEntry, type StateRecord } from './item.js';
