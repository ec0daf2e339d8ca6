// Lambda entry of the notifier (home region, subscribed to the page and ticket topics when `notify:` is
// configured). Wiring only: the packaged config, the SSM reader of the destinations' secrets (cached for
// the container's life, 5 minutes a value), the delivery ledger in the state table and the dead-letter
// queue the stack created (environment), SNS for Amazon Q Developer topics, two deadlines: deliveries stop 10 s before the Lambda deadline,
// the records of what happened (ledger, dead letters) 2 s before.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createSnsTopicSink } from '../shared/alerts/sns-topic-sink.js';
import { createSqsDeadLetters } from '../shared/alerts/sqs-dead-letters.js';
import { createSsmSecretReader } from '../shared/alerts/ssm-secret-reader.js';
import { createJsonLogger, isLogLevel } from '../shared/log/logger.js';
import { NOTIFY_DELIVERY_MARGIN_MS, NOTIFY_ENV, NOTIFY_RECORD_MARGIN_MS } from '../shared/runners/lambda/notifier-sizing.js';
import { createDynamoDbDeliveryLedger } from '../shared/state/delivery-ledger.js';
import { deadline, type DeadlineContext } from './middleware/deadline.js';
import { logErrors } from './middleware/log-errors.js';
import { createNotifyHandler, type NotifyReport } from './notify-handler.js';
import { loadPackagedConfig } from './packaged-config.js';

/**
 * Per AWS request, in ms: connecting, then the whole answer. The SDK has no timeout of its own, and a
 * hung call would hold the records of deliveries that went out; the retries (4 tries) fit the 8 s left.
 */
const AWS_REQUEST_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000 } as const;

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the notifier's stack sets it`);
  return value;
};

const region = required('AWS_REGION');
const logLevel = process.env['LOG_LEVEL'];
const log = createJsonLogger({ service: 'pptp-monitor-notify', level: isLogLevel(logLevel) ? logLevel : 'INFO' });
const config = loadPackagedConfig();
const clientConfig = { region, maxAttempts: 1, requestHandler: AWS_REQUEST_TIMEOUTS };

const notify = createNotifyHandler({
  config,
  secrets: createSsmSecretReader({ client: new SSMClient(clientConfig), log }).read,
  ledger: createDynamoDbDeliveryLedger({ tableName: required(NOTIFY_ENV.stateTableName), namespace: config.namespace, client: new DynamoDBClient(clientConfig), log }),
  deadLetters: createSqsDeadLetters({ queueUrl: required(NOTIFY_ENV.deadLetterQueueUrl), client: new SQSClient(clientConfig), log }),
  // Amazon Q Developer topics may be in any region: a client per region, on first use.
  topics: createSnsTopicSink({ clientFor: (topicRegion) => new SNSClient({ ...clientConfig, region: topicRegion }), log }),
  log,
  now: Date.now,
});

export const handler = middy<unknown, NotifyReport, Error, Context & DeadlineContext & { recordDeadline: AbortSignal }>({ timeoutEarlyInMillis: 0 })
  .use(deadline({ marginMs: NOTIFY_DELIVERY_MARGIN_MS }))
  .use(deadline({ marginMs: NOTIFY_RECORD_MARGIN_MS, contextKey: 'recordDeadline' }))
  .use(logErrors(log))
  .handler((event, context) => notify(event, context));
