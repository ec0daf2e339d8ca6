// The notifier's delivery ledger in the evaluator's state table: one small item per (notification,
// destination), keyed `<namespace>#delivery#<key>` beside the evaluator's `<namespace>#<shard>` items, so
// the table's key schema (pk only) and its IAM scope by leading key serve both. A conditional PutItem
// claims a delivery for an invocation until a lease that outlasts the invocation; the holder settles it
// ('sent', 'dead_lettered', 'superseded') or releases it. SNS redeliveries and Lambda retries then find it
// settled (nothing to do) or held (try later), and a claim whose holder died is taken over once its lease
// is over. Items expire through the table's TTL (attribute `expiresAt`, seconds) after DELIVERY_RECORD_TTL_S.
//
// Throttling, 5xx and network errors are retried with the shared backoff; a call that still fails throws
// DeliveryLedgerUnavailableError, and the caller decides (the notify cycle delivers anyway: a page twice
// beats no page). A write whose response was lost recognises itself on retry by its token.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_RETRY_POLICY, describeAwsError, withRetries, type RetryPolicy } from '../aws/retry.js';
import { PptpMonitorError } from '../common/errors.js';
import { rejectUnknownOptions } from '../common/options.js';
import type { ClaimResult, DeliveryLedger, SettledDelivery } from '../cycles/notify-ports.js';
import type { Logger } from '../log/logger.js';
import { isRetryableForDynamoDb } from './dynamodb-state-store.js';

/**
 * How long a delivery record is kept, in s: longer than anything that can bring the same notification back
 * (Lambda keeps a retried event at most 6 h, the evaluator republishes an unconfirmed outbox within
 * minutes) and as long as the dead-letter queue keeps a message (14 days), so a replay from it within its
 * retention is still recognised. DynamoDB deletes expired items within a few days, free of charge.
 */
export const DELIVERY_RECORD_TTL_S = 14 * 24 * 3600;

/** The TTL attribute the state table is given when the notifier is deployed (infra/state-table.ts). */
export const DELIVERY_TTL_ATTRIBUTE = 'expiresAt';

/** `<namespace>#delivery#...`: the leading keys the notifier's role may touch. */
export const deliveryKeyPrefix = (namespace: string): string => `${namespace}#delivery#`;

const A = { pk: 'pk', state: 'st', lease: 'leaseUntil', token: 'token', messageId: 'messageId', updatedAt: 'updatedAt', expiresAt: DELIVERY_TTL_ATTRIBUTE } as const;

const SETTLED: readonly SettledDelivery[] = ['sent', 'dead_lettered', 'superseded'];

export class DeliveryLedgerUnavailableError extends PptpMonitorError<'ledger_unavailable'> {
  override readonly name = 'DeliveryLedgerUnavailableError';
  constructor(operation: string, key: string, attempts: number, error: string, options?: { cause?: unknown }) {
    super('ledger_unavailable', `delivery ledger ${operation} for ${key} failed after ${attempts} attempt(s): ${error}`, options);
  }
}

export interface DynamoDbDeliveryLedgerOptions {
  tableName: string;
  /** The deployment's namespace: keys are `<namespace>#delivery#<key>`. */
  namespace: string;
  /** Built for `region` with `maxAttempts: 1` when omitted: the ledger owns the retries. */
  client?: Pick<DynamoDBClient, 'send'>;
  region?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ms since the epoch: leases are compared with it, records expire from it. */
  now?: () => number;
  log?: Pick<Logger, 'warn'>;
}

const OPTION_NAMES = ['tableName', 'namespace', 'client', 'region', 'retry', 'sleep', 'now', 'log'] as const;

const isConditionFailed = (err: unknown): boolean => (err as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';

export function createDynamoDbDeliveryLedger(options: DynamoDbDeliveryLedgerOptions): DeliveryLedger {
  rejectUnknownOptions('createDynamoDbDeliveryLedger', options, OPTION_NAMES);
  if (!options.tableName) throw new TypeError('createDynamoDbDeliveryLedger: tableName is required');
  if (!options.namespace) throw new TypeError('createDynamoDbDeliveryLedger: namespace is required');
  const { tableName } = options;
  const client = options.client ?? new DynamoDBClient({ ...(options.region && { region: options.region }), maxAttempts: 1 });
  const now = options.now ?? Date.now;
  const pk = (key: string): Record<string, AttributeValue> => ({ [A.pk]: { S: `${deliveryKeyPrefix(options.namespace)}${key}` } });
  const sendOptions = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

  async function call<T>(operation: string, key: string, send: () => Promise<T>, signal: AbortSignal | undefined, conditional = false): Promise<{ ok: true; value: T; attempts: number } | { ok: false; conditionFailed: true; attempts: number }> {
    const outcome = await withRetries(send, {
      policy: options.retry ?? DEFAULT_RETRY_POLICY,
      retryable: isRetryableForDynamoDb,
      ...(options.sleep && { sleep: options.sleep }),
      ...(signal && { signal }),
      onRetry: (attempt, delayMs, err) => options.log?.warn('DynamoDB call for the delivery ledger failed, retrying', { operation, key, attempt, delayMs: Math.round(delayMs), error: describeAwsError(err) }),
    });
    if (outcome.ok) return outcome;
    if (conditional && isConditionFailed(outcome.error)) return { ok: false, conditionFailed: true, attempts: outcome.attempts };
    throw new DeliveryLedgerUnavailableError(operation, key, outcome.attempts, describeAwsError(outcome.error), { cause: outcome.error });
  }

  async function read(key: string, signal: AbortSignal | undefined): Promise<Record<string, AttributeValue> | undefined> {
    const out = await call('GetItem', key, () => client.send(new GetItemCommand({ TableName: tableName, Key: pk(key), ConsistentRead: true }), sendOptions(signal)), signal);
    return out.ok ? out.value.Item : undefined;
  }

  /** One attempt at the conditional claim; undefined when the condition failed. */
  async function tryClaim(key: string, token: string, claim: { leaseUntilMs: number; messageId: string }, signal: AbortSignal | undefined): Promise<boolean> {
    const nowMs = now();
    const out = await call(
      'PutItem',
      key,
      () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...pk(key),
              [A.state]: { S: 'claimed' },
              [A.lease]: { N: String(claim.leaseUntilMs) },
              [A.token]: { S: token },
              [A.messageId]: { S: claim.messageId },
              [A.updatedAt]: { N: String(nowMs) },
              [A.expiresAt]: { N: String(Math.floor(nowMs / 1000) + DELIVERY_RECORD_TTL_S) },
            },
            // New, or claimed by an invocation whose lease is over (it died, or gave the delivery up).
            ConditionExpression: 'attribute_not_exists(#pk) OR (#st = :claimed AND #lease < :now)',
            ExpressionAttributeNames: { '#pk': A.pk, '#st': A.state, '#lease': A.lease },
            ExpressionAttributeValues: { ':claimed': { S: 'claimed' }, ':now': { N: String(nowMs) } },
          }),
          sendOptions(signal),
        ),
      signal,
      true,
    );
    return out.ok;
  }

  async function update(operation: string, key: string, token: string, set: Record<string, AttributeValue>, signal: AbortSignal | undefined): Promise<boolean> {
    const names: Record<string, string> = { '#token': A.token, '#updatedAt': A.updatedAt };
    const values: Record<string, AttributeValue> = { ':token': { S: token }, ':now': { N: String(now()) } };
    const assignments = ['#updatedAt = :now'];
    Object.entries(set).forEach(([attribute, value], i) => {
      names[`#a${i}`] = attribute;
      values[`:v${i}`] = value;
      assignments.push(`#a${i} = :v${i}`);
    });
    const out = await call(
      operation,
      key,
      () =>
        client.send(
          new UpdateItemCommand({ TableName: tableName, Key: pk(key), UpdateExpression: `SET ${assignments.join(', ')}`, ConditionExpression: '#token = :token', ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
          sendOptions(signal),
        ),
      signal,
      true,
    );
    return out.ok;
  }

  return {
    async claim(key, claim, signal): Promise<ClaimResult> {
      const token = randomUUID();
      // Twice at most: a lease that ran out, or an item that expired, between the failed write and the read.
      for (let round = 0; round < 2; round++) {
        if (await tryClaim(key, token, claim, signal)) return { state: 'claimed', token };
        const item = await read(key, signal);
        if (item === undefined) continue;
        // Our own write whose response was lost, retried: the item is ours.
        if (item[A.token]?.S === token) return { state: 'claimed', token };
        const state = item[A.state]?.S;
        const settled = SETTLED.find((s) => s === state);
        if (settled !== undefined) return { state: 'done', settled };
        const leaseUntilMs = Number(item[A.lease]?.N);
        if (state === 'claimed' && Number.isFinite(leaseUntilMs) && leaseUntilMs >= now()) return { state: 'busy', leaseUntilMs };
      }
      // An item neither settled nor held that twice refused a claim is damaged: treat it as held, so the
      // invocation fails and is retried (and, after its retries, lands in the dead-letter queue) rather
      // than sending twice or never.
      return { state: 'busy', leaseUntilMs: now() };
    },

    async settle(key, token, settled, signal) {
      if (!(await update('UpdateItem (settle)', key, token, { [A.state]: { S: settled } }, signal))) {
        options.log?.warn('delivery record was taken over by another invocation before it was settled', { key, settled });
      }
    },

    async release(key, token, signal) {
      await update('UpdateItem (release)', key, token, { [A.lease]: { N: '0' } }, signal);
    },

    async wasSent(key, signal) {
      return (await read(key, signal))?.[A.state]?.S === 'sent';
    },
  };
}
