// A Lambda context as the runtime hands it to a handler, for invoking a middy-wrapped handler in-process:
// every field of aws-lambda's Context, and a remaining time that counts down from `remainingMs` on the
// real clock.
import type { Context } from 'aws-lambda';

export function lambdaContext(remainingMs: number, options: { requestId?: string; functionName?: string } = {}): Context {
  const deadlineAt = Date.now() + remainingMs;
  const functionName = options.functionName ?? 'probe';
  const unsupported = (what: string) => (): never => {
    throw new Error(`lambdaContext: ${what} is the callback API, which these handlers do not use`);
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: options.requestId ?? 'test-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]test',
    getRemainingTimeInMillis: () => Math.max(0, deadlineAt - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
