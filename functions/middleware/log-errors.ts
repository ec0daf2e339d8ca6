// Logs an invocation's error as one structured line before Lambda sees it, so the error lands in the
// same JSON log stream (with the request id) as the probes it interrupted. Rethrows: the invocation
// still fails and Lambda's Errors metric counts it.
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../shared/log/logger.js';

export function logErrors<TEvent, TResult>(log: Logger): middy.MiddlewareObj<TEvent, TResult, Error, Context> {
  const onError: middy.MiddlewareFn<TEvent, TResult, Error, Context> = (request) => {
    log.error('invocation failed', { requestId: request.context.awsRequestId, error: request.error });
  };
  return { onError };
}
