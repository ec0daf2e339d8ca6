// The evaluator's state table (shared/state): one item per evaluator shard, keyed `<namespace>#<shard>`.
// On-demand, because a run writes one item a minute per shard whatever the fleet (no capacity to plan),
// and without point-in-time recovery: a lost or damaged item is rebuilt from CloudWatch by the next run
// (shared/cycles/evaluate-cycle.ts). With the notifier, the table also holds its delivery records
// (`<namespace>#delivery#...`, shared/state/delivery-ledger.ts), which expire through a TTL attribute the
// evaluator's items do not carry (they never expire: one per shard, replaced every minute).
import { DELIVERY_TTL_ATTRIBUTE } from '../shared/state/delivery-ledger.js';
import type { DynamoDbTable } from './cfn.js';

export const STATE_TABLE_ID = 'EvaluatorStateTable';
/** The partition key's attribute (shared/state/constants.ts Attr.pk). */
const PARTITION_KEY = 'pk';

export function stateTable(tableName: string, options: { deliveryRecords?: boolean } = {}): DynamoDbTable {
  return {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      ...(options.deliveryRecords && { TimeToLiveSpecification: { AttributeName: DELIVERY_TTL_ATTRIBUTE, Enabled: true } }),
    },
  };
}
