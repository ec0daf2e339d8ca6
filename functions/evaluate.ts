// Lambda entry of the evaluator (home region, every minute). Wiring only: the packaged config, the
// CloudWatch and DynamoDB clients of this region (the SDK's own retries off: the history read retries
// throttles within the deadline, the state store retries itself), the state table and alert topics the
// stack created (environment), the deadline.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAlertPublisher } from '../shared/alerts/sns-publisher.js';
import { createJsonLogger, isLogLevel } from '../shared/log/logger.js';
import { createDynamoDbStateStore } from '../shared/state/index.js';
import { evaluatorStateStore } from '../shared/state/evaluator-state-port.js';
import { EVALUATOR_STATE_SCHEMA } from '../shared/cycles/evaluate-cycle.js';
import { createEvaluateHandler, type EvaluateEvent, type EvaluateReport } from './evaluate-handler.js';
import { deadline, type DeadlineContext } from './middleware/deadline.js';
import { logErrors } from './middleware/log-errors.js';
import { loadPackagedConfig } from './packaged-config.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the evaluator's stack sets it`);
  return value;
};

const region = required('AWS_REGION');
const logLevel = process.env['LOG_LEVEL'];
const log = createJsonLogger({ service: 'pptp-monitor-evaluate', level: isLogLevel(logLevel) ? logLevel : 'INFO' });
const config = loadPackagedConfig();

const evaluate = createEvaluateHandler({
  config,
  cloudwatch: new CloudWatchClient({ region, maxAttempts: 1 }),
  state: evaluatorStateStore(
    createDynamoDbStateStore({ tableName: required('STATE_TABLE_NAME'), namespace: config.namespace, schemaVersion: EVALUATOR_STATE_SCHEMA, client: new DynamoDBClient({ region, maxAttempts: 1 }), log }),
  ),
  alerts: createAlertPublisher({ topics: { page: required('PAGE_TOPIC_ARN'), ticket: required('TICKET_TOPIC_ARN') }, region }),
  log,
  now: Date.now,
});

// The deadline is ours (2 s before Lambda's, for the log line and the error), not middy's early timeout.
export const handler = middy<EvaluateEvent, EvaluateReport, Error, Context & DeadlineContext>({ timeoutEarlyInMillis: 0 })
  .use(deadline({ marginMs: 2000 }))
  .use(logErrors(log))
  .handler((event, context) => evaluate(event, context));
