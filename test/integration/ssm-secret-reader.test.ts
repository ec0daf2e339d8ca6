// The notifier's SSM secret reader over the real SSMClient and the SSM wire fake: one read per parameter per
// TTL (concurrent reads share it), a failure never cached, a value read before used while SSM throttles but
// not when access is denied, and no value in an error. (Rotation through the handler: notify-function.test.ts.)
import { SSMClient, type GetParameterCommandOutput } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretUnavailableError } from '../../shared/alerts/destinations/index.js';
import { createSsmSecretReader, SECRET_CACHE_TTL_MS } from '../../shared/alerts/ssm-secret-reader.js';
import { startSsmFake, type SsmFake } from '../support/ssm-fake.js';

const WHERE = "notify destination 'oncall' (pagerduty): routingKey";
let ssm: SsmFake;
let n = 0;

beforeAll(async () => {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  ssm = await startSsmFake();
});
afterAll(async () => ssm.close());

const client = () => new SSMClient({ endpoint: ssm.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const instant = async (): Promise<void> => undefined;
/** A parameter of this test alone: the fake lives for the file. */
const fresh = (value: string): string => {
  const name = `/pm/reader-${++n}`;
  ssm.put(name, value);
  return name;
};
const readsOf = (name: string): number => ssm.calls.filter((c) => c.input['Name'] === name).length;

describe('createSsmSecretReader', () => {
  it('reads a parameter once per TTL, concurrent reads sharing one request, and again after it', async () => {
    // Prepare
    let now = 1_000_000;
    const name = fresh('key-v1');
    const reader = createSsmSecretReader({ client: client(), now: () => now, sleep: instant });
    // Act
    const first = await Promise.all([reader.read({ ssm: name }, WHERE), reader.read({ ssm: name }, WHERE)]);
    ssm.put(name, 'key-v2');
    now += SECRET_CACHE_TTL_MS - 1;
    const cached = await reader.read({ ssm: name }, WHERE);
    now += 1;
    const reread = await reader.read({ ssm: name }, WHERE);
    // Assess
    expect([...first, cached, reread]).toEqual(['key-v1', 'key-v1', 'key-v1', 'key-v2']);
    expect(readsOf(name)).toBe(2);
  });

  it('names the parameter and the AWS error when access is denied, never a value, and does not fall back to one read before', async () => {
    // Prepare: read once, then the role loses access.
    let now = 1_000_000;
    const name = fresh('secret-value-never-shown');
    const reader = createSsmSecretReader({ client: client(), now: () => now, sleep: instant });
    await reader.read({ ssm: name }, WHERE);
    ssm.deny(name);
    now += SECRET_CACHE_TTL_MS;
    // Act
    const error = await reader.read({ ssm: name }, WHERE).then(
      () => undefined,
      (err: unknown) => err,
    );
    // Assess
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message.startsWith(`${WHERE} is { ssm: ${name} }: the SSM parameter could not be read after 1 attempt(s): AccessDeniedException`)).toBe(true);
    expect(JSON.stringify(error)).not.toContain('secret-value-never-shown');
    expect((error as Error).message).not.toContain('secret-value-never-shown');
  });

  it('uses the value read before while SSM throttles, and refuses an env reference', async () => {
    // Prepare: a client whose every call after the first is throttled (SSM's ThrottlingException).
    let now = 0;
    let calls = 0;
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const flaky = {
      send: async (): Promise<GetParameterCommandOutput> => {
        if (++calls > 1) throw throttled;
        return { Parameter: { Name: '/pm/x', Type: 'SecureString', Value: 'old-value' }, $metadata: {} };
      },
    };
    const warnings: string[] = [];
    const reader = createSsmSecretReader({ client: flaky, now: () => now, sleep: instant, log: { warn: (message) => void warnings.push(message) } });
    // Act
    await reader.read({ ssm: '/pm/x' }, WHERE);
    now += 2 * SECRET_CACHE_TTL_MS;
    const stale = await reader.read({ ssm: '/pm/x' }, WHERE);
    // Assess
    expect(stale).toBe('old-value');
    expect(calls).toBe(5); // the first read, then 4 tries of the re-read
    expect(warnings).toContain('SSM GetParameter failed: using the value read before');
    await expect(reader.read({ env: 'PD_KEY' }, WHERE)).rejects.toThrow(/read secrets from SSM Parameter Store only/);
  });
});
