// Lambda entry of the evaluator (home region, every minute). Wiring only: the packaged config, the
// CloudWatch client of this region, the alert topics the stack created (environment), the deadline.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAlertPublisher } from '../shared/alerts/sns-publisher.js';
import type { EvaluateReport } from '../shared/cycles/evaluate-cycle.js';
import { createJsonLogger, isLogLevel } from '../shared/log/logger.js';
import { createMetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { createEvaluateHandler, type EvaluateEvent } from './evaluate-handler.js';
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
const cloudwatch = new CloudWatchClient({ region, maxAttempts: 3 });

const evaluate = createEvaluateHandler({
  config,
  cloudwatch,
  metrics: createMetricPublisher({ namespace: config.namespace, region }),
  alerts: createAlertPublisher({ topics: { page: required('PAGE_TOPIC_ARN'), ticket: required('TICKET_TOPIC_ARN') }, region }),
  log,
  now: Date.now,
});

// The deadline is ours (2 s before Lambda's, for the log line and the error), not middy's early timeout.
export const handler = middy<EvaluateEvent, EvaluateReport, Error, Context & DeadlineContext>({ timeoutEarlyInMillis: 0 })
  .use(deadline({ marginMs: 2000 }))
  .use(logErrors(log))
  .handler((event, context) => evaluate(event, context));
