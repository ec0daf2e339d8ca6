// The execution roles: each Lambda gets exactly the calls it makes, on the narrowest resource that the
// API allows, and nothing else (no managed policies: AWSLambdaBasicExecutionRole would add
// CreateLogGroup on every log group of the account).
import { IAM_POLICY_VERSION, sub, type CfnString, type IamRole, type PolicyStatement, type Sub } from './cfn.js';

function lambdaRole(roleName: string, description: string, policyName: string, statements: PolicyStatement[]): IamRole {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: roleName,
      Description: description,
      AssumeRolePolicyDocument: {
        Version: IAM_POLICY_VERSION,
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: IAM_POLICY_VERSION, Statement: statements } }],
    },
  };
}

// osls creates the log group itself (as <Function>LogGroup), so the function needs no CreateLogGroup.
function ownLogsStatement(logGroupArn: Sub): PolicyStatement {
  return { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroupArn };
}

export interface ProbeRoleInput {
  roleName: string;
  /** The CloudWatch namespace of monitor.yml: the only one the probes may write to. */
  namespace: string;
  logGroupArn: Sub;
}

export function probeRole(input: ProbeRoleInput): IamRole {
  return lambdaRole(input.roleName, 'PPTP probe Lambda: publishes probe metrics to its own namespace and writes its own logs', 'probe', [
    // PutMetricData has no resource-level ARN; the namespace condition is what scopes it.
    {
      Sid: 'PublishProbeMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': input.namespace } },
    },
    ownLogsStatement(input.logGroupArn),
  ]);
}

export interface EvaluatorRoleInput {
  roleName: string;
  /** The deployment's namespace: the state items it may touch are keyed `<namespace>#<shard>`. */
  namespace: string;
  /** The state table's ARN. */
  stateTableArn: CfnString;
  /** The page and ticket topics; the same topic twice is listed once. */
  topicArns: CfnString[];
  logGroupArn: Sub;
}

export function evaluatorRole(input: EvaluatorRoleInput): IamRole {
  const seen = new Set<string>();
  const topics = input.topicArns.filter((arn) => {
    const key = JSON.stringify(arn);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return lambdaRole(input.roleName, 'PPTP monitor evaluator: reads probe metrics, keeps its shards\' state in its table, publishes alerts to the page and ticket topics, writes its own logs', 'evaluator', [
    // GetMetricData has no resource-level ARN and no namespace condition key.
    { Sid: 'ReadProbeMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
    { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: topics },
    // Its state: one item per evaluator shard, read and written whole, the outbox cleared in place. No Scan,
    // Query, DeleteItem or table-level action; only the items of its own namespace.
    {
      Sid: 'EvaluatorState',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: input.stateTableArn,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${input.namespace}#*`] } },
    },
    ownLogsStatement(input.logGroupArn),
  ]);
}

export interface ReportRoleInput {
  roleName: string;
  /** The ticket topic: the monthly summary is working-hours reading, never a page. */
  topicArn: CfnString;
  logGroupArn: Sub;
}

export function reportRole(input: ReportRoleInput): IamRole {
  return lambdaRole(input.roleName, 'PPTP monitor monthly report: reads probe metrics, publishes the summary to the ticket topic, writes its own logs', 'report', [
    { Sid: 'ReadProbeMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
    { Sid: 'PublishSummary', Effect: 'Allow', Action: 'sns:Publish', Resource: [input.topicArn] },
    ownLogsStatement(input.logGroupArn),
  ]);
}

export interface NotifierRoleInput {
  roleName: string;
  /** The deployment's namespace: the delivery records it may touch are keyed `<namespace>#delivery#...`. */
  namespace: string;
  /** The home region: where the parameters are read, and the only SSM endpoint KMS decrypts for. */
  homeRegion: string;
  stateTableArn: CfnString;
  deadLetterQueueArn: CfnString;
  /** The SSM parameter names notify: references, as written (a leading '/' or not). */
  parameters: readonly string[];
  /** The SNS topics of Amazon Q Developer (chatbot) destinations, as configured (ARNs). */
  chatTopics: readonly string[];
  logGroupArn: Sub;
}

/** The ARN of an SSM parameter of this stack's account and region: `parameter/` then the name without its leading '/'. */
export function ssmParameterArn(name: string): Sub {
  return sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`);
}

export function notifierRole(input: NotifierRoleInput): IamRole {
  const parameters = [...new Set(input.parameters)].sort();
  return lambdaRole(input.roleName, 'PPTP monitor notifier: reads the notify: secrets from SSM, records its deliveries in the state table, sends what it cannot deliver to its dead-letter queue, writes its own logs', 'notifier', [
    // Exactly the parameters monitor.yml names: no wildcard, no GetParameters(ByPath).
    { Sid: 'ReadDestinationSecrets', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameters.map(ssmParameterArn) },
    // SecureString values are decrypted by KMS on SSM's behalf: only through SSM in the home region. The
    // AWS managed key aws/ssm needs no IAM grant (its key policy allows SSM's callers); a customer managed
    // key whose policy delegates to IAM needs this one. Keys of this account and region only.
    {
      Sid: 'DecryptSecretsThroughSsm',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
      Condition: { StringEquals: { 'kms:ViaService': `ssm.${input.homeRegion}.amazonaws.com` } },
    },
    // Its delivery records in the evaluator's table, by leading key: never an evaluator shard's item.
    {
      Sid: 'DeliveryRecords',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: input.stateTableArn,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${input.namespace}#delivery#*`] } },
    },
    // Its own dead letters, and Lambda's record of an invocation that failed for good (the OnFailure
    // destination is sent with the function's role).
    { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: input.deadLetterQueueArn },
    // Only with chatbot destinations: the topics their Amazon Q Developer channels read.
    ...(input.chatTopics.length > 0 ? [{ Sid: 'PublishToAmazonQTopics', Effect: 'Allow' as const, Action: 'sns:Publish', Resource: [...new Set(input.chatTopics)].sort() }] : []),
    ownLogsStatement(input.logGroupArn),
  ]);
}
