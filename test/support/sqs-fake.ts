// SQS for tests, on loopback: SendMessage over the wire protocol of the installed @aws-sdk/client-sqs (AWS
// JSON 1.0 with query compatibility, `X-Amz-Target: AmazonSQS.SendMessage`), so the REAL SQSClient with
// `endpoint` set talks to it. Answers as SQS does: `MessageId` and `MD5OfMessageBody` (the client checks
// the MD5 and refuses a wrong one), 400 `QueueDoesNotExist` for an unknown queue URL, 400
// `InvalidParameterValue` for a body over 256 KiB. `failNext` scripts server errors or dropped connections.
import { createHash, randomUUID } from 'node:crypto';
import { awsJsonError, startAwsJsonServer, type AwsJsonCall } from './aws-json-server.js';

const ACCOUNT = '123456789012';
/** SQS's largest message body, in bytes. */
const MAX_BODY_BYTES = 256 * 1024;

export interface SqsFake {
  endpoint: string;
  calls: AwsJsonCall[];
  /** Creates a queue; its URL. */
  createQueue(name: string): string;
  /** The bodies sent to a queue, in order. */
  messages(queueUrl: string): string[];
  /** The next `count` SendMessage calls fail: 500 InternalError, or the connection dropped ('reset'). */
  failNext(count: number, kind?: 'internal' | 'reset'): void;
  close(): Promise<void>;
}

export async function startSqsFake(): Promise<SqsFake> {
  const queues = new Map<string, string[]>();
  let failures: Array<'internal' | 'reset'> = [];
  // The query-compatible error code SQS puts in a header, which the client prefers to `__type`.
  const queryError = (code: string, fault: 'Sender' | 'Receiver'): Record<string, string> => ({ 'x-amzn-query-error': `${code};${fault}` });
  const server = await startAwsJsonServer({
    contentType: 'application/x-amz-json-1.0',
    targetPrefix: 'AmazonSQS',
    handle(call) {
      if (call.operation !== 'SendMessage') return awsJsonError(400, 'com.amazonaws.sqs#InvalidAction', `sqs-fake: ${call.operation} is not implemented`, queryError('AWS.SimpleQueueService.InvalidAction', 'Sender'));
      const failure = failures.shift();
      if (failure === 'reset') throw new Error('connection dropped by the test');
      if (failure === 'internal') return awsJsonError(500, 'com.amazonaws.sqs#InternalError', 'We encountered an internal error. Please try again.', queryError('InternalError', 'Receiver'));
      const { QueueUrl: queueUrl, MessageBody: body } = call.input;
      const queue = typeof queueUrl === 'string' ? queues.get(queueUrl) : undefined;
      if (queue === undefined) return awsJsonError(400, 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.', queryError('AWS.SimpleQueueService.NonExistentQueue', 'Sender'));
      if (typeof body !== 'string' || body === '') return awsJsonError(400, 'com.amazonaws.sqs#InvalidParameterValue', 'The request must contain the parameter MessageBody.', queryError('InvalidParameterValue', 'Sender'));
      if (Buffer.byteLength(body) > MAX_BODY_BYTES) return awsJsonError(400, 'com.amazonaws.sqs#InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`, queryError('InvalidParameterValue', 'Sender'));
      queue.push(body);
      return { status: 200, body: { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') } };
    },
  });
  return {
    endpoint: server.endpoint,
    calls: server.calls,
    createQueue(name) {
      const url = `${server.endpoint}/${ACCOUNT}/${name}`;
      queues.set(url, []);
      return url;
    },
    messages: (queueUrl) => [...(queues.get(queueUrl) ?? [])],
    failNext(count, kind = 'internal') {
      failures = [...failures, ...Array.from({ length: count }, () => kind)];
    },
    close: server.close,
  };
}
