// Lambda entry of the probe function (one per probe region, one schedule per shard). Wiring only: the
// packaged config, this region from AWS_REGION, real sockets, and a CloudWatch publisher for the home
// region, built once per container and reused by every invocation.
import { createJsonLogger, isLogLevel } from '../shared/log/logger.js';
import { createMetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { nodeProbeDeps } from '../shared/probe/node-deps.js';
import { loadPackagedProbeConfig } from './packaged-config.js';
import { createProbeHandler, probeLambda } from './probe-handler.js';

const region = process.env['AWS_REGION'];
if (!region) throw new Error('AWS_REGION is not set: the probe function must know which region it probes from');
const logLevel = process.env['LOG_LEVEL'];
const log = createJsonLogger({ service: 'pptp-monitor-probe', level: isLogLevel(logLevel) ? logLevel : 'INFO' });
const config = loadPackagedProbeConfig();

const probe = createProbeHandler({
  region,
  config,
  publisher: createMetricPublisher({ namespace: config.namespace, region: config.homeRegion }),
  probeDeps: (signal) => nodeProbeDeps(signal),
  log,
});

// Two deadline signals (probe budget, publish) and the error log line: see probeLambda.
export const handler = probeLambda(probe, log);
