// What the local store's start-up checks throw: the data directory cannot be used (a file is there, it
// cannot be created or written), or another monitor holds it. Both are an operator's problem to fix, so the
// CLI prints the message and exits 2; neither is a bug.

export class DataDirError extends Error {
  override readonly name: string = 'DataDirError';
  constructor(
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
    super(dir, message);
  }
}

/** The code Node gave a file-system error (EISDIR, EACCES, ...), else its message. */
export function fsProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
