// The per-region fragment that serverless.yml reads as `functions` and `resources` from
// .build/<stage>/<region>/stack.json. Each region is its own stack: every probe region gets the probe
// function and its role; the home region also gets the alert topics, the self-monitoring alarms, the
// dashboards, the evaluator and its state table, when monitor.yml declares agents their IAM policy and EC2
// instance profile (agents.ts), and when it has `notify:` the notifier and its queue (notifier.ts). A config probed by agents alone has no probe region: its only
// stack is the home region's. Pure: the same config and options always give byte-identical JSON.
import type { ResolvedConfig } from '../shared/config/types.js';
import { agentIam } from './agents.js';
import { probesStoppedAlarms } from './alarms.js';
import { getAtt, ref, type CfnOutput, type CfnResource, type ServerlessFunction } from './cfn.js';
import { dashboardLogicalId, dashboards } from './dashboard.js';
import { StackConfigError } from './errors.js';
import { EVALUATOR_ROLE_ID, evaluateFunction, notifyFunction, probeFunction, PROBE_ROLE_ID, REPORT_ROLE_ID, reportFunction } from './functions.js';
import { evaluatorRole, probeRole, reportRole } from './iam.js';
import { naming } from './names.js';
import { deadLetterQueue, notifierResources } from './notifier.js';
import { STATE_TABLE_ID, stateTable } from './state-table.js';
import { alertTopics } from './topics.js';

export interface StackOptions {
  /** The `service:` of serverless.yml. */
  service: string;
  stage: string;
  /** The region being deployed (`--region`). */
  region: string;
  /** Paths of the bundled zip files, as osls's `package.artifact` takes them. */
  artifacts: { probe: string; evaluate?: string; report?: string; notify?: string };
}

export interface StackFragment {
  functions: Record<string, ServerlessFunction>;
  resources: { Resources: Record<string, CfnResource>; Outputs: Record<string, CfnOutput> };
}

export function buildStack(config: ResolvedConfig, options: StackOptions): StackFragment {
  const { region } = options;
  const isHome = region === config.homeRegion;
  if (!isHome && !(config.regions as readonly string[]).includes(region)) {
    throw new StackConfigError(
      'no_stack_for_region',
      `no stack for region ${region}: no target is probed from it and it is not the home region (${config.homeRegion}); probe regions: ${config.regions.join(', ') || 'none (agents probe every target)'}`,
    );
  }
  const names = naming(options.service, options.stage, region);
  const functions: Record<string, ServerlessFunction> = {};
  const resources: Record<string, CfnResource> = {};
  const outputs: Record<string, CfnOutput> = {};

  const probe = probeFunction(config, region, names, options.artifacts.probe);
  if (probe !== undefined) {
    functions['probe'] = probe;
    resources[PROBE_ROLE_ID] = probeRole({ roleName: names.roleName('probe'), namespace: config.namespace, logGroupArn: names.logGroupArn('probe') });
  }

  if (isHome) {
    const topics = alertTopics(config, names.prefix);
    Object.assign(resources, topics.resources);
    // The notifier needs its artifact and a config that names destinations; without both, nothing of it.
    const notifies = options.artifacts.notify !== undefined && (config.notify?.length ?? 0) > 0;
    resources[STATE_TABLE_ID] = stateTable(`${names.prefix}-evaluator-state`, { deliveryRecords: notifies });
    resources[EVALUATOR_ROLE_ID] = evaluatorRole({
      roleName: names.roleName('evaluator'),
      namespace: config.namespace,
      stateTableArn: getAtt(STATE_TABLE_ID, 'Arn'),
      topicArns: [topics.arns.page, topics.arns.ticket],
      logGroupArn: names.logGroupArn('evaluate'),
    });
    Object.assign(resources, probesStoppedAlarms(config, { prefix: names.prefix, pageTopicArn: topics.arns.page }));
    const boards = dashboards(config, names.prefix);
    Object.assign(resources, boards);
    if (options.artifacts.evaluate !== undefined) functions['evaluate'] = evaluateFunction(config, names, options.artifacts.evaluate, topics.arns, ref(STATE_TABLE_ID));
    if (options.artifacts.report !== undefined) {
      functions['report'] = reportFunction(config, names, options.artifacts.report, topics.arns.ticket);
      resources[REPORT_ROLE_ID] = reportRole({ roleName: names.roleName('report'), topicArn: topics.arns.ticket, logGroupArn: names.logGroupArn('report') });
    }
    if (notifies && options.artifacts.notify !== undefined) {
      functions['notify'] = notifyFunction(names, options.artifacts.notify, ref(STATE_TABLE_ID), deadLetterQueue);
      Object.assign(resources, notifierResources(config, { names, topics: topics.arns, stateTableArn: getAtt(STATE_TABLE_ID, 'Arn') }));
      outputs['NotifyDeadLetterQueueUrl'] = { Description: 'SQS queue of the notifications the notifier could not deliver (and of its failed invocations)', Value: deadLetterQueue.url };
    }
    outputs['PageTopicArn'] = { Description: 'SNS topic that receives pages', Value: topics.arns.page };
    outputs['TicketTopicArn'] = { Description: 'SNS topic that receives tickets', Value: topics.arns.ticket };
    const count = Object.keys(boards).length;
    outputs['DashboardName'] = {
      Description: count === 1 ? 'CloudWatch dashboard of all targets' : `First of ${count} CloudWatch dashboards of the targets, with the fleet overview`,
      Value: ref(dashboardLogicalId(0)),
    };
    outputs['DashboardCount'] = { Description: 'CloudWatch dashboards the targets are split over, named <DashboardName>, <DashboardName>-2, ...', Value: String(count) };
    const agents = agentIam(config, { service: options.service, stage: options.stage });
    if (agents !== undefined) {
      Object.assign(resources, agents.resources);
      Object.assign(outputs, agents.outputs);
    }
  }

  return { functions, resources: { Resources: resources, Outputs: outputs } };
}
