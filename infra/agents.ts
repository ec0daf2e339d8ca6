// What the home stack gives private-location agents (`pptp-monitor agent --location <name>`): the one IAM
// permission an agent uses, as a managed policy, and an EC2 role and instance profile holding only that
// policy. The agent probes from a host of the user's and publishes its results like a probe Lambda
// shard, so PutMetricData into the deployment's namespace is all it needs; its heartbeat alarm is in
// alarms.ts with the probe shards'. Created only when monitor.yml declares an agent.
//
// A managed policy rather than an inline one: the same document is attached to credentials made outside
// this stack (an on-premises IAM user, an IAM Roles Anywhere profile; docs/iam/agent-policy.json), and one
// ARN to attach is what the stack can hand to them.
import { agentsOf, type ResolvedConfig } from '../shared/config/types.js';
import { IAM_POLICY_VERSION, ref, type CfnOutput, type IamInstanceProfile, type IamManagedPolicy, type IamRole, type PolicyDocument } from './cfn.js';
import { naming } from './names.js';

export const AGENT_POLICY_ID = 'AgentPolicy';
export const AGENT_INSTANCE_ROLE_ID = 'AgentInstanceRole';
export const AGENT_INSTANCE_PROFILE_ID = 'AgentInstanceProfile';
export const AGENT_POLICY_OUTPUT = 'AgentPolicyArn';
export const AGENT_INSTANCE_PROFILE_OUTPUT = 'AgentInstanceProfileName';

/** Written in docs/iam/agent-policy.json where the deployment's namespace goes. */
export const NAMESPACE_PLACEHOLDER = '<namespace>';

/**
 * The agent's whole permission: PutMetricData, which has no resource-level ARN, scoped by the namespace
 * condition to the deployment's own namespace. Nothing to read, no logs: the agent logs on its host.
 */
export function agentPolicyDocument(namespace: string): PolicyDocument {
  return {
    Version: IAM_POLICY_VERSION,
    Statement: [
      {
        Sid: 'PublishAgentProbeMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': namespace } },
      },
    ],
  };
}

/**
 * The instance profile's name. Derived like the role names (service, stage, home region), so
 * agent-ec2.ts can name it before the home stack is deployed.
 */
export function agentInstanceProfileName(service: string, stage: string, homeRegion: string): string {
  return naming(service, stage, homeRegion).roleName('agent-ec2');
}

export interface AgentIamInput {
  service: string;
  stage: string;
}

export interface AgentIam {
  resources: { [AGENT_POLICY_ID]: IamManagedPolicy; [AGENT_INSTANCE_ROLE_ID]: IamRole; [AGENT_INSTANCE_PROFILE_ID]: IamInstanceProfile };
  outputs: Record<string, CfnOutput>;
}

/** The agents' IAM resources of the home stack, or undefined when the config declares no agent. */
export function agentIam(config: ResolvedConfig, input: AgentIamInput): AgentIam | undefined {
  const agents = agentsOf(config);
  if (agents.length === 0) return undefined;
  const names = naming(input.service, input.stage, config.homeRegion);
  const profileName = agentInstanceProfileName(input.service, input.stage, config.homeRegion);
  return {
    resources: {
      [AGENT_POLICY_ID]: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          // Managed policy names, like role names, are global to the account: the region keeps two home regions apart.
          ManagedPolicyName: names.roleName('agent'),
          Description: `PPTP monitor private-location agents: PutMetricData into namespace ${config.namespace} only`,
          PolicyDocument: agentPolicyDocument(config.namespace),
        },
      },
      [AGENT_INSTANCE_ROLE_ID]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: profileName,
          Description: `PPTP monitor agent on EC2: PutMetricData into namespace ${config.namespace} only`,
          AssumeRolePolicyDocument: {
            Version: IAM_POLICY_VERSION,
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          // No AmazonSSMManagedInstanceCore or CloudWatch agent policy: the host is the user's to manage.
          ManagedPolicyArns: [ref(AGENT_POLICY_ID)],
        },
      },
      [AGENT_INSTANCE_PROFILE_ID]: {
        Type: 'AWS::IAM::InstanceProfile',
        Properties: { InstanceProfileName: profileName, Roles: [ref(AGENT_INSTANCE_ROLE_ID)] },
      },
    },
    outputs: {
      [AGENT_POLICY_OUTPUT]: {
        // Outputs allow 1,024 characters: a long list of agents would not fit, so none is named.
        Description: 'Managed policy to attach to the credentials of an agent outside EC2: an IAM user or an IAM Roles Anywhere profile',
        Value: ref(AGENT_POLICY_ID),
      },
      [AGENT_INSTANCE_PROFILE_OUTPUT]: {
        Description: 'Instance profile for an agent on EC2 (infra/agent-ec2.ts uses it)',
        Value: ref(AGENT_INSTANCE_PROFILE_ID),
      },
    },
  };
}
