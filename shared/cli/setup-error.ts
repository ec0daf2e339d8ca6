import { PptpMonitorError } from '../common/errors.js';

/**
 * This machine cannot run the command as asked, though it was called correctly: a login without
 * CAP_NET_RAW, without the native binding, or a password source that went away. Printed as its message
 * alone (no usage hint: the command line was right), exit status 2, never a stack trace.
 */
export class SetupError extends PptpMonitorError<'setup'> {
  override readonly name = 'SetupError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('setup', message, options);
  }
}
