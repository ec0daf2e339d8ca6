// AWS region codes a probe may run in: the commercial `aws` partition, where Lambda and CloudWatch are
// available. A new region is one line here. GovCloud (`us-gov-*`) and China (`cn-*`) are other partitions
// with their own accounts and endpoints, which one deployment cannot mix with these, so they are not listed.

export const AWS_REGIONS = [
  // North America
  'us-east-1', // N. Virginia
  'us-east-2', // Ohio
  'us-west-1', // N. California
  'us-west-2', // Oregon
  'ca-central-1', // Canada (Central)
  'ca-west-1', // Canada West (Calgary)
  'mx-central-1', // Mexico (Central)
  // South America
  'sa-east-1', // São Paulo
  // Africa
  'af-south-1', // Cape Town
  // Asia Pacific
  'ap-east-1', // Hong Kong
  'ap-east-2', // Taipei
  'ap-northeast-1', // Tokyo
  'ap-northeast-2', // Seoul
  'ap-northeast-3', // Osaka
  'ap-south-1', // Mumbai
  'ap-south-2', // Hyderabad
  'ap-southeast-1', // Singapore
  'ap-southeast-2', // Sydney
  'ap-southeast-3', // Jakarta
  'ap-southeast-4', // Melbourne
  'ap-southeast-5', // Malaysia
  'ap-southeast-6', // New Zealand
  'ap-southeast-7', // Thailand
  // Europe
  'eu-central-1', // Frankfurt
  'eu-central-2', // Zurich
  'eu-north-1', // Stockholm
  'eu-south-1', // Milan
  'eu-south-2', // Spain
  'eu-west-1', // Ireland
  'eu-west-2', // London
  'eu-west-3', // Paris
  // Middle East
  'il-central-1', // Tel Aviv
  'me-central-1', // UAE
  'me-south-1', // Bahrain
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

const REGION_SET: ReadonlySet<string> = new Set(AWS_REGIONS);

export function isAwsRegion(value: string): value is AwsRegion {
  return REGION_SET.has(value);
}

/**
 * Where a target is probed from: an AWS region (a Lambda function probes there) or the name of an agent
 * declared under `agents` (a private location). The two never collide: an agent name that looks like a
 * region code is refused, so a typo in a region is never taken for an agent.
 */
export type LocationName = string;

/** Shaped like an AWS region code (two letters, words, a number): `eu-central-1`, also `eu-centrl-1`. */
export function looksLikeAwsRegion(value: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value);
}

/** An agent's name: a target name (the dimension rule) that cannot be taken for an AWS region code. */
export function isAgentName(value: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(value) && !looksLikeAwsRegion(value);
}
