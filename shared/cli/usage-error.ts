import { PptpMonitorError } from '../common/errors.js';

/**
 * A mistake in how the command was called: printed as one line, followed by the synopsis of the command
 * and where its options are described (main.ts), exit status 2.
 */
export class UsageError extends PptpMonitorError<'usage'> {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super('usage', message);
  }
}
