// Lambda entry of the monthly SLA report (home region, 1st of the month). Wiring only.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ReportRun } from '../shared/cycles/report-cycle.js';
import { createJsonLogger } from '../shared/log/logger.js';
import { deadline, type DeadlineContext } from './middleware/deadline.js';
import { logErrors } from './middleware/log-errors.js';
import { loadPackagedConfig } from './packaged-config.js';
import { createReportHandler, type ReportEvent } from './report-handler.js';

const region = process.env['AWS_REGION'];
const topicArn = process.env['REPORT_TOPIC_ARN'];
if (!region || !topicArn) throw new Error('AWS_REGION and REPORT_TOPIC_ARN must be set: the report stack sets them');
const log = createJsonLogger({ service: 'pptp-monitor-report' });

const report = createReportHandler({
  config: loadPackagedConfig(),
  // The SDK's own retries off: the history read paces itself and retries throttles with its own backoff.
  cloudwatch: new CloudWatchClient({ region, maxAttempts: 1 }),
  sns: new SNSClient({ region, maxAttempts: 1 }),
  topicArn,
  log,
  now: Date.now,
});

// Reads and the publish stop 2 s before the Lambda deadline, so a run that is out of time still logs why.
export const handler = middy<ReportEvent, ReportRun, Error, Context & DeadlineContext>({ timeoutEarlyInMillis: 0 })
  .use(deadline({ marginMs: 2000 }))
  .use(logErrors(log))
  .handler((event, context) => report(event, context));
