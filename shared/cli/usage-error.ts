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

/** The value after a flag: missing, empty or another flag is a usage error naming the flag. */
export function flagValue(flag: string, v: string | undefined): string {
  if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}
