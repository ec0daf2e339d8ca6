// Physical and logical names. Every name derives from service, stage and region only, so a redeploy
// keeps them and two stages or regions never collide.
import { createHash } from 'node:crypto';
import { sub, type Sub } from './cfn.js';
import { StackConfigError } from './errors.js';

/** IAM role names: at most 64 characters, and unique per account across all regions. */
export const IAM_ROLE_NAME_MAX_CHARS = 64;
/** Lambda function names: at most 64 characters. */
export const LAMBDA_FUNCTION_NAME_MAX_CHARS = 64;
/** Hex characters of the hash that stands in for the cut-off part of a name that is too long. */
const NAME_HASH_CHARS = 8;

// osls's own rule for service names; the stage is held to the rule of CloudFormation stack names, which
// osls forms as `<service>-<stage>`. Within these, every derived name below is valid for its resource
// (IAM role, SNS topic, alarm, dashboard: letters, digits and hyphens are allowed by all of them).
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const STAGE_NAME = /^[A-Za-z0-9-]+$/;

export type FunctionKey = 'probe' | 'evaluate' | 'report' | 'notify';

export interface Naming {
  /** `<service>-<stage>`: the prefix of every physical name. */
  prefix: string;
  /** The Lambda function name osls would derive by default, set explicitly so the log ARN cannot drift. */
  functionName(key: FunctionKey): string;
  /** ARN of a function's log group with all its streams, for the logs statements of its role. */
  logGroupArn(key: FunctionKey): Sub;
  /** Unique per region, since IAM is global and every region's stack has its own roles. */
  roleName(purpose: string): string;
}

export function naming(service: string, stage: string, region: string): Naming {
  if (!SERVICE_NAME.test(service)) {
    throw new StackConfigError('invalid_name', `service name must start with a letter and hold only letters, digits and hyphens, got ${JSON.stringify(service)}`);
  }
  if (!STAGE_NAME.test(stage)) throw new StackConfigError('invalid_name', `stage must hold only letters, digits and hyphens, got ${JSON.stringify(stage)}`);
  const prefix = `${service}-${stage}`;
  const functionName = (key: FunctionKey): string => {
    const name = `${prefix}-${key}`;
    if (name.length > LAMBDA_FUNCTION_NAME_MAX_CHARS) {
      throw new StackConfigError(
        'too_long',
        `Lambda function name ${JSON.stringify(name)} is ${name.length} characters, over the limit of ${LAMBDA_FUNCTION_NAME_MAX_CHARS}: shorten the service or stage name`,
      );
    }
    return name;
  };
  return {
    prefix,
    functionName,
    logGroupArn: (key) => sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName(key)}:*`),
    roleName: (purpose) => fitName(`${prefix}-${region}-${purpose}`, IAM_ROLE_NAME_MAX_CHARS),
  };
}

/**
 * `name` itself when it fits, else its head plus a hash of the whole: still deterministic, and two long
 * names that differ only in their tail (the region, the purpose) stay distinct.
 */
export function fitName(name: string, maxChars: number): string {
  if (name.length <= maxChars) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, NAME_HASH_CHARS);
  return `${name.slice(0, maxChars - NAME_HASH_CHARS - 1)}-${hash}`;
}

/** `eu-west-1` -> `EuWest1`, for logical ids (CloudFormation allows only letters and digits there). */
export function pascalRegion(region: string): string {
  return region
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * A location name (`office-berlin`) in a logical id: `OfficeBerlin` when every hyphen is followed by a
 * letter, since then the capitals mark exactly where the hyphens were. Otherwise (`rack-1` and `rack1`
 * would both give `Rack1`) a hash of the name follows, so two agents never share a logical id.
 */
export function pascalName(name: string): string {
  if (/^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/.test(name)) return pascalRegion(name);
  return `${pascalRegion(name).replace(/[^A-Za-z0-9]/g, '')}X${createHash('sha256').update(name).digest('hex').slice(0, NAME_HASH_CHARS)}`;
}
