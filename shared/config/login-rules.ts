// The rules of a login target (`check: pptp-login` with a `login:` mapping) that need no zod: the texts
// of its problems and the checks of single values. schema.ts wraps them in zod; resolve.ts applies the
// rules across fields; resolved-shape.ts (every Lambda's init) uses only the Lambda text, so zod stays
// out of the Lambda bundles.
import { PPTP_LOGIN } from '../probers/option-schemas.js';
import { show } from './format.js';

/** Where a config will run: the deployed Lambda functions (validate, package), or the local monitor (run, backtest, report). */
export type ConfigRunner = 'lambda' | 'local';

export const USERNAME_RULE = 'must be a user name of 1-256 characters without control characters';
export const isUsername = (name: string): boolean => name.length >= 1 && name.length <= 256 && !/[\u0000-\u001f\u007f]/.test(name);

export const ENV_NAME_RULE = 'must be the name of an environment variable (letters, digits and _, not starting with a digit)';
export const isEnvName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(name);

export const PASSWORD_FILE_RULE = 'must be the path of a file holding only the password';
export const isPasswordFilePath = (path: string): boolean => path.length >= 1 && path.length <= 4096 && !path.includes('\u0000');

export const SSM_NAME_RULE = "must be an SSM parameter name such as '/pptp-monitor/hq-gw/password' (letters, digits, _ . - and / between parts, at most 2048 characters)";
export const isSsmParameterName = (name: string): boolean => name.length <= 2048 && /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name) && !/^\/?(aws|ssm)/i.test(name);

/**
 * passwordSsm is reserved: an agent could read a SecureString with its own role, but its policy allows
 * PutMetricData only, and a password in agent.env or a systemd credential serves the same hosts today.
 */
export const SSM_NEEDS_AGENT =
  'reading the password from AWS SSM Parameter Store (SecureString) is not supported yet; ' +
  'use passwordEnv or passwordFile (on an agent host: a variable in agent.env, or a systemd credential as deploy/agent/INSTALL.md shows)';

export const PASSWORD_SOURCE_MISSING = 'needs a password source: passwordEnv (the name of an environment variable) or passwordFile (a file holding only the password)';

/** Two or three sources given: name them. */
export function passwordSourcesProblem(keys: readonly string[]): string {
  return `has ${keys.join(' and ')}: give one password source`;
}

export const LOGIN_REQUIRED = `required for check '${PPTP_LOGIN}': a mapping with username and passwordEnv or passwordFile`;
export const LOGIN_WITHOUT_CHECK = `only for check '${PPTP_LOGIN}' (add check: ${PPTP_LOGIN} to this target)`;
export const CHECKS_ON_LOGIN = `are the switches of a pptp-control check; a ${PPTP_LOGIN} check has none (its traffic stage is login.data)`;
export const NOT_IN_DEFAULTS = 'not allowed in defaults: set check and login on each target that logs in';

/** A login target that sets attempts other than 1. */
export function loginAttemptsProblem(attempts: number): string {
  return `a ${PPTP_LOGIN} check makes 1 attempt per interval (a retried login after a refused password walks the account toward a lockout), got ${attempts}`;
}

/** A login target whose host is an IPv6 address. */
export function loginHostProblem(host: string): string {
  return `a ${PPTP_LOGIN} check needs an IPv4 address or a host name with one (it runs GRE over IPv4), got ${show(host)}`;
}

/**
 * A login target probed from AWS regions: Lambda runs the probes there, and Lambda has no raw sockets.
 * An agent (private location) can run it.
 */
export function lambdaLoginProblem(host: unknown, regions: readonly string[] | undefined): string {
  const where = regions === undefined || regions.length === 0 ? 'AWS Lambda' : `the AWS regions it lists (${regions.join(', ')}), where Lambda runs the probes`;
  const target = typeof host === 'string' && host !== '' ? host : '<host>';
  return (
    `'${PPTP_LOGIN}' cannot run in ${where}: a login sends GRE through a raw socket, which Lambda does not allow; ` +
    `probe it from agents only (declare one under agents and list its name in regions; 'pptp-monitor agent --location <name>' runs it on a host with CAP_NET_RAW), ` +
    `log in once with 'pptp-monitor check ${target} --login <user> --password-env <VAR>', ` +
    `or run this file with the local monitor ('pptp-monitor run --config <file>', checked as it reads it by 'pptp-monitor validate --local <file>')`
  );
}

/** What the packaged config's check says of a login target (a Lambda cannot probe it). */
export const PACKAGED_LOGIN_PROBLEM = `a ${PPTP_LOGIN} check cannot run in AWS Lambda (no raw sockets): its regions must all be agents; 'pptp-monitor validate' refuses such a config before packaging`;
