// What `npm run deploy` checks before it packages anything (deploy.ts runs these):
//
// - Credentials: the AWS SDK's default chain must yield credentials, or the deploy stops with exit 2
//   before the minutes of packaging, naming what was tried. The chain is the one our CloudWatchClient
//   uses (@aws-sdk/credential-provider-node's defaultProvider), reached through the client's
//   `config.credentials()`: @aws-sdk/credential-providers' fromNodeProviderChain is the same chain, but
//   it is in node_modules only as osls's dependency, not ours. Found is not valid: only the calls the
//   chain itself makes are made (SSO's role credentials, STS for a profile's role_arn), so static keys
//   AWS refuses, or a role without the deployer policy, still fail in osls.
// - Example values: monitor.yml copied from monitor.example.yml and not fully edited. Only a warning:
//   a documentation address can be a lab's real target (a test gateway behind NAT, a fake in CI).
//
// Credential values are never printed or kept: a check returns where they came from, in words.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { BlockList } from 'node:net';
import type { ResolvedConfig } from '../shared/config/index.js';

/** How long the credential chain may take, ms: long enough for an SSO token refresh or a container's role, short enough not to hang on an unreachable metadata endpoint. */
export const CREDENTIALS_TIMEOUT_MS = 5_000;

/** Resolves credentials or throws; the result's values are only checked for presence. */
export type CredentialProvider = () => Promise<{ accessKeyId?: string }>;

export type CredentialCheck =
  /** `from`: where they came from, in words (never a key). */
  | { ok: true; from: string }
  /** `reason`: the SDK's words (it names providers and profiles, never values) or the timeout. */
  | { ok: false; reason: string };

type Env = Readonly<Record<string, string | undefined>>;

/** The profile osls will use: AWS_<STAGE>_PROFILE before AWS_PROFILE (as remove-alarms.ts's client does); with one, the chain skips the environment's keys. */
export function credentialProfile(stage: string, env: Env = process.env): { name: string; variable: string } | undefined {
  for (const variable of [`AWS_${stage.toUpperCase()}_PROFILE`, 'AWS_PROFILE']) {
    const name = env[variable];
    if (name) return { name, variable };
  }
  return undefined;
}

/** The default chain, as a client for `region` would resolve it (a profile's role_arn assumes its role through STS in that region). */
function defaultProvider(region: string, profile: string | undefined): { provider: CredentialProvider; close: () => void } {
  const client = new CloudWatchClient({ region, ...(profile ? { profile } : {}) });
  return { provider: () => client.config.credentials(), close: () => client.destroy() };
}

/** Where the credentials that were found came from, as far as the environment tells. */
function sourceOf(stage: string, env: Env): string {
  const profile = credentialProfile(stage, env);
  if (profile) return `profile ${profile.name} (${profile.variable})`;
  if (env['AWS_ACCESS_KEY_ID']) return 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment';
  return 'the default profile, a web identity token, or the role of this container or instance';
}

/**
 * Resolves the credentials osls would deploy `stage` with through the default chain (or `provider`),
 * giving up after `timeoutMs`. Never throws: no credentials is a result.
 */
export async function checkCredentials(options: { region: string; stage: string; timeoutMs?: number; provider?: CredentialProvider; env?: Env }): Promise<CredentialCheck> {
  const timeoutMs = options.timeoutMs ?? CREDENTIALS_TIMEOUT_MS;
  const env = options.env ?? process.env;
  const { provider, close } = options.provider
    ? { provider: options.provider, close: () => undefined }
    : defaultProvider(options.region, credentialProfile(options.stage, env)?.name);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CredentialCheck>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `no credentials within ${timeoutMs / 1000} s: the chain was still trying (an unreachable container or instance metadata endpoint?)` }),
      timeoutMs,
    );
    timer.unref();
  });
  const resolved = provider().then(
    (credentials): CredentialCheck => (credentials.accessKeyId ? { ok: true, from: sourceOf(options.stage, env) } : { ok: false, reason: 'the chain returned credentials without an access key id' }),
    (err: unknown): CredentialCheck => ({ ok: false, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '' }),
  );
  try {
    return await Promise.race([resolved, timeout]);
  } finally {
    clearTimeout(timer);
    close();
  }
}

/** The lines that say why there are no credentials, what was tried, and how to get some; names, never values. */
export function noCredentialsMessage(check: { reason: string }, stage: string, env: Env = process.env): string[] {
  const profile = credentialProfile(stage, env);
  const set = (name: string): string => `${name} ${env[name] ? 'set' : 'not set'}`;
  const files = `${env['AWS_CONFIG_FILE'] ?? '~/.aws/config'} and ${env['AWS_SHARED_CREDENTIALS_FILE'] ?? '~/.aws/credentials'}`;
  const imdsOff = env['AWS_EC2_METADATA_DISABLED'] !== undefined && env['AWS_EC2_METADATA_DISABLED'] !== 'false';
  return [
    "no AWS credentials found, so nothing was packaged or deployed. Tried, in the AWS SDK's default order:",
    profile
      ? `  keys in the environment: skipped, since ${profile.variable} is set`
      : `  keys in the environment: ${set('AWS_ACCESS_KEY_ID')}, ${set('AWS_SECRET_ACCESS_KEY')}`,
    `  profile ${profile ? `${profile.name} (${profile.variable})` : `default (AWS_PROFILE not set)`} in ${files}: SSO, static keys, role_arn, credential_process`,
    `  a web identity token (${set('AWS_WEB_IDENTITY_TOKEN_FILE')}), container credentials, EC2 instance metadata${imdsOff ? ' (disabled by AWS_EC2_METADATA_DISABLED)' : ''}`,
    `  the SDK says: ${check.reason}`,
    profile
      ? `Sign in and run again: aws sso login --profile ${profile.name} (IAM Identity Center), or check that ${files} define profile ${profile.name}`
      : 'Sign in and run again: export AWS_PROFILE=<profile> (with IAM Identity Center, aws sso login --profile <profile> first), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  ];
}

/** The account id of the AWS documentation, and so of monitor.example.yml's ARNs. */
export const EXAMPLE_ACCOUNT_ID = '123456789012';
/** Domains reserved for documentation (RFC 2606), and their subdomains. */
const EXAMPLE_DOMAIN = /(^|\.)example\.(com|net|org)$/;
/** Address ranges reserved for documentation: RFC 5737 (IPv4) and RFC 3849 (IPv6, as in monitor.example.yml). */
const DOCUMENTATION_RANGES = (() => {
  const ranges = new BlockList();
  for (const net of ['192.0.2.0', '198.51.100.0', '203.0.113.0']) ranges.addSubnet(net, 24, 'ipv4');
  ranges.addSubnet('2001:db8::', 32, 'ipv6');
  return ranges;
})();

function isExampleHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (EXAMPLE_DOMAIN.test(name)) return true;
  for (const family of ['ipv4', 'ipv6'] as const) {
    try {
      if (DOCUMENTATION_RANGES.check(name, family)) return true;
    } catch {
      // not an address of this family
    }
  }
  return false;
}

const isExampleArn = (value: string): boolean => /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(value)?.[1] === EXAMPLE_ACCOUNT_ID;

/** A field of the config that still holds a value of monitor.example.yml (or of AWS's documentation). */
export interface ExampleValue {
  /** Where, as in config errors: `targets[2].host`, `alerts.page`, `notify[0].topic`. */
  path: string;
  value: string;
}

/** The target hosts that are documentation names or addresses, then every ARN (anywhere) in the example account. */
export function exampleValues(config: ResolvedConfig): ExampleValue[] {
  const found: ExampleValue[] = [];
  config.targets.forEach((target, i) => {
    if (isExampleHost(target.host)) found.push({ path: `targets[${i}].host`, value: target.host });
  });
  // ARNs can sit in alerts, notify and (as SSM parameter ARNs) secret references: walk everything. One set
  // under `defaults:` is named where it lands, in each target.
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (isExampleArn(value)) found.push({ path, value });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
    }
  };
  walk(config, '');
  return found;
}

export const formatExampleValue = (e: ExampleValue): string => `${e.path}: '${e.value}' is an example value`;
