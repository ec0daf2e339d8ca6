// SSM Parameter Store for tests, on loopback: GetParameter over the wire protocol of the installed
// @aws-sdk/client-ssm (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.GetParameter`), so the REAL SSMClient with
// `endpoint` set talks to it. As SSM does: a SecureString read without WithDecryption gives its ciphertext
// (base64), not the value; an unknown name is 400 `ParameterNotFound`. Scripted: a parameter the role may
// not read (400 `AccessDeniedException` with IAM's wording), and a held answer (a slow SSM, to stop an
// invocation mid-way). Values can be changed at any time (a rotation).
import { startAwsJsonServer, awsJsonError, type AwsJsonCall } from './aws-json-server.js';

/** The account and region of the ARNs the fake writes. */
const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';

export interface SsmFake {
  endpoint: string;
  /** Every GetParameter call, in order. */
  calls: AwsJsonCall[];
  /** Creates or overwrites (a new version) a parameter. */
  put(name: string, value: string, type?: 'SecureString' | 'String'): void;
  /** Answers AccessDeniedException for `name`, as IAM does for a role without ssm:GetParameter on it. */
  deny(name: string): void;
  /** Holds every answer for `name` until the returned function is called. */
  hold(name: string): () => void;
  close(): Promise<void>;
}

export async function startSsmFake(): Promise<SsmFake> {
  const parameters = new Map<string, { value: string; type: 'SecureString' | 'String'; version: number }>();
  const denied = new Set<string>();
  const held = new Map<string, Promise<void>>();
  const server = await startAwsJsonServer({
    contentType: 'application/x-amz-json-1.1',
    targetPrefix: 'AmazonSSM',
    async handle(call) {
      if (call.operation !== 'GetParameter') return awsJsonError(400, 'InvalidAction', `ssm-fake: ${call.operation} is not implemented`);
      const name = call.input['Name'];
      if (typeof name !== 'string') return awsJsonError(400, 'ValidationException', '1 validation error detected: Value null at \'name\' failed to satisfy constraint: Member must not be null');
      await held.get(name);
      const arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;
      if (denied.has(name)) {
        return awsJsonError(400, 'AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/pptp-monitor-test-notifier/pptp-monitor-test-notify is not authorized to perform: ssm:GetParameter on resource: ${arn} because no identity-based policy allows the ssm:GetParameter action`);
      }
      const p = parameters.get(name);
      if (p === undefined) return awsJsonError(400, 'ParameterNotFound', '');
      const decrypt = call.input['WithDecryption'] === true;
      const value = p.type === 'SecureString' && !decrypt ? Buffer.from(`kms-ciphertext:${p.version}:${name}`).toString('base64') : p.value;
      return { status: 200, body: { Parameter: { Name: name, Type: p.type, Value: value, Version: p.version, LastModifiedDate: 1_764_000_000, ARN: arn, DataType: 'text' } } };
    },
  });
  return {
    endpoint: server.endpoint,
    calls: server.calls,
    put(name, value, type = 'SecureString') {
      parameters.set(name, { value, type, version: (parameters.get(name)?.version ?? 0) + 1 });
    },
    deny: (name) => void denied.add(name),
    hold(name) {
      let release = (): void => undefined;
      held.set(name, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        held.delete(name);
        release();
      };
    },
    close: server.close,
  };
}
