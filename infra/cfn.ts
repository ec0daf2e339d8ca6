// The slice of CloudFormation, and of osls's function syntax, that the stack generator emits. Typed per
// resource so that a misspelt property or a wrong literal is a compile error rather than a failed deploy.

export interface Ref {
  Ref: string;
}
export interface Sub {
  'Fn::Sub': string;
}
export interface GetAtt {
  'Fn::GetAtt': [string, string];
}
/** A string-valued property: a literal, or a value CloudFormation resolves at deploy time. */
export type CfnString = string | Ref | Sub | GetAtt;

export const ref = (logicalId: string): Ref => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): GetAtt => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const sub = (template: string): Sub => ({ 'Fn::Sub': template });

export const IAM_POLICY_VERSION = '2012-10-17';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: CfnString | CfnString[];
  /** Operator, then condition key, then value(s): `{ StringEquals: { 'cloudwatch:namespace': 'X' } }`. */
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: typeof IAM_POLICY_VERSION;
  Statement: PolicyStatement[];
}

export interface IamRole {
  Type: 'AWS::IAM::Role';
  Properties: {
    RoleName: string;
    Description: string;
    AssumeRolePolicyDocument: {
      Version: typeof IAM_POLICY_VERSION;
      Statement: Array<{ Effect: 'Allow'; Principal: { Service: string }; Action: 'sts:AssumeRole' }>;
    };
    /** Inline policies: the Lambda roles, whose policy is theirs alone. */
    Policies?: Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>;
    /** Managed policies: the agents' EC2 role, whose policy is also attached by hand to on-premises credentials. */
    ManagedPolicyArns?: CfnString[];
  };
}

/** A customer managed policy: one document that a role of ours and credentials made by hand can share. */
export interface IamManagedPolicy {
  Type: 'AWS::IAM::ManagedPolicy';
  Properties: {
    ManagedPolicyName: string;
    Description: string;
    PolicyDocument: PolicyDocument;
  };
}

/** What EC2 hands to an instance so that the SDK on it finds the role's credentials (instance metadata). */
export interface IamInstanceProfile {
  Type: 'AWS::IAM::InstanceProfile';
  Properties: { InstanceProfileName: string; Roles: CfnString[] };
}

export interface SnsTopic {
  Type: 'AWS::SNS::Topic';
  Properties: { TopicName: string };
}

export interface CloudWatchAlarm {
  Type: 'AWS::CloudWatch::Alarm';
  Properties: {
    AlarmName: string;
    AlarmDescription: string;
    Namespace: string;
    MetricName: string;
    Dimensions: Array<{ Name: string; Value: CfnString }>;
    Statistic: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
    /** Seconds. */
    Period: number;
    EvaluationPeriods: number;
    DatapointsToAlarm: number;
    Threshold: number;
    ComparisonOperator: 'LessThanThreshold' | 'GreaterThanThreshold' | 'LessThanOrEqualToThreshold' | 'GreaterThanOrEqualToThreshold';
    TreatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
    AlarmActions: CfnString[];
    OKActions: CfnString[];
  };
}

export interface CloudWatchDashboard {
  Type: 'AWS::CloudWatch::Dashboard';
  Properties: { DashboardName: string; DashboardBody: string };
}

/** The evaluator's state table: one item per evaluator shard, partition key `pk` (shared/state/README.md). */
export interface DynamoDbTable {
  Type: 'AWS::DynamoDB::Table';
  /** The state is rebuilt from CloudWatch when lost: deleting the stack (or replacing the table) deletes it. */
  DeletionPolicy: 'Delete';
  UpdateReplacePolicy: 'Delete';
  Properties: {
    TableName: string;
    BillingMode: 'PAY_PER_REQUEST';
    AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' }>;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' }>;
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean };
    /** Only with the notifier: its delivery records expire (the evaluator's items carry no such attribute). */
    TimeToLiveSpecification?: { AttributeName: string; Enabled: true };
  };
}

/** The notifier's dead-letter queue. */
export interface SqsQueue {
  Type: 'AWS::SQS::Queue';
  Properties: {
    QueueName: string;
    /** Seconds, 60 to 1,209,600 (14 days). */
    MessageRetentionPeriod: number;
    /** SSE-SQS: encrypted at rest with keys SQS manages, so a sender needs no KMS permission. */
    SqsManagedSseEnabled: true;
  };
}

/** A topic's subscription of the notifier function. */
export interface SnsSubscription {
  Type: 'AWS::SNS::Subscription';
  DependsOn: string[];
  Properties: {
    TopicArn: CfnString;
    Protocol: 'lambda';
    Endpoint: CfnString;
    /** The topic's region, when it is not the stack's (a ticket topic named by ARN elsewhere). */
    Region?: string;
  };
}

/** Lets a topic invoke the notifier function. */
export interface LambdaPermission {
  Type: 'AWS::Lambda::Permission';
  Properties: {
    Action: 'lambda:InvokeFunction';
    FunctionName: CfnString;
    Principal: 'sns.amazonaws.com';
    SourceArn: CfnString;
  };
}

export type CfnResource = IamRole | IamManagedPolicy | IamInstanceProfile | SnsTopic | CloudWatchAlarm | CloudWatchDashboard | DynamoDbTable | SqsQueue | SnsSubscription | LambdaPermission;

export interface CfnOutput {
  Description: string;
  Value: CfnString;
}

/**
 * What the probe handler receives from its schedule: the scheduled time and which of the region's shards
 * to probe. Built by EventBridge from `scheduleInputTransformer`, never sent as a constant `input`, which
 * would replace the event and with it the time.
 */
export interface ProbeScheduleInput {
  /** The rule's scheduled time, ISO 8601 (`2024-05-01T12:34:00Z`): the `time` of the EventBridge event. */
  time: string;
  /** 0-based index into `regionShards(config, region)`. */
  shard: number;
  /** How many shards the deploy planned, so the handler can tell a stale plan from its own. */
  shards: number;
}

/**
 * EventBridge's input transformer in osls's syntax: variables read by JSON path from the event, and a
 * template in which `<name>` is replaced by the variable's value. For a string value the placeholder has
 * to stand inside quotes (`"<time>"`), as EventBridge documents: it does not quote strings itself.
 */
export interface InputTransformer {
  inputPathsMap: Record<string, string>;
  inputTemplate: string;
}

/** An osls `schedule` event (it becomes an EventBridge rule and a Lambda permission). */
export interface ScheduleEvent {
  schedule: { rate: string[]; inputTransformer?: InputTransformer };
}

/** One entry of osls's `functions:` (Serverless Framework v3 syntax); osls turns it into AWS::Lambda::Function. */
export interface ServerlessFunction {
  name: string;
  description: string;
  handler: string;
  package: { artifact: string };
  /** MB. */
  memorySize: number;
  /** Seconds. */
  timeout: number;
  /** Logical id of an AWS::IAM::Role in the same stack. */
  role: string;
  /** Left out when the function has no variables. */
  environment?: Record<string, CfnString>;
  /** Empty when something else invokes the function (the notifier: its SNS subscriptions, resources of their own). */
  events: ScheduleEvent[];
  /** Where Lambda sends an asynchronous invocation that failed for good (after its retries, or too old). */
  destinations?: { onFailure: { type: 'sqs'; arn: CfnString } };
  /**
   * Asynchronous invocation (every schedule invokes asynchronously): how often Lambda retries a failed or
   * timed-out invocation (AWS's default is 2) and how long, in s (60 to 21,600; default 21,600), an event
   * may wait in Lambda's queue before it is dropped. osls writes them as an AWS::Lambda::EventInvokeConfig
   * (`<Function>LambdaEvConf`, qualifier $LATEST).
   */
  maximumRetryAttempts: 0 | 1 | 2;
  maximumEventAge?: number;
}
