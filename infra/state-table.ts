// The evaluator's state table (shared/state): one item per evaluator shard, keyed `<namespace>#<shard>`.
// On-demand, because a run writes one item a minute per shard whatever the fleet (no capacity to plan),
// and without point-in-time recovery or TTL: a lost or damaged item is rebuilt from CloudWatch by the next
// run (shared/cycles/evaluate-cycle.ts), and items never expire (one per shard, replaced every minute).
import type { DynamoDbTable } from './cfn.js';

export const STATE_TABLE_ID = 'EvaluatorStateTable';
/** The partition key's attribute (shared/state/constants.ts Attr.pk). */
const PARTITION_KEY = 'pk';

export function stateTable(tableName: string): DynamoDbTable {
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
    },
  };
}
