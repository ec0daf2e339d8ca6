// What the local store's start-up checks throw: the data directory cannot be used (a file is there, it
// cannot be created or written), or another monitor holds it. Both are an operator's problem to fix, so the
// CLI prints the message and exits 2; neither is a bug.
import { PptpMonitorError } from '../common/errors.js';

/** `data_dir_unusable`: not a directory, cannot be created, read or written; `data_dir_locked`: another monitor holds it. */
export type DataDirErrorCode = 'data_dir_unusable' | 'data_dir_locked';

export class DataDirError extends PptpMonitorError<DataDirErrorCode> {
  override readonly name: string = 'DataDirError';
  constructor(
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
    code: DataDirErrorCode = 'data_dir_unusable',
  ) {
    super(code, message, options);
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock, ms since the epoch. */
  since: number;
  /** Linux: the holder's start time in clock ticks since boot (/proc/<pid>/stat), so a reused PID is told apart. */
  procStart?: string;
}

/** Another monitor, alive as far as we can tell, holds the directory's lock. */
export class DataDirLockedError extends DataDirError {
  override readonly name = 'DataDirLockedError';
  constructor(
    dir: string,
    readonly lockPath: string,
    readonly holder: LockHolder,
    message: string,
  ) {
    super(dir, message, undefined, 'data_dir_locked');
  }
}

/** The code Node gave a file-system error (EISDIR, EACCES, ...), else its message. */
export function fsProblem(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
