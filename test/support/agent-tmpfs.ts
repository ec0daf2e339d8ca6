// A tiny tmpfs for the agent's state directory that a test fills to the last page once the agent runs:
// every spool append then fails with ENOSPC, as on a disk that filled up under it. Mounting needs root; outside CI a machine without it skips
// the test with the reason, in CI (CI=true) that is a failure, as for the namespace tests (netns.ts).
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SmallTmpfs {
  dir: string;
  /** Writes a filler file until the file system refuses with ENOSPC; the bytes it took. */
  fill(): number;
  unmount(): Promise<void>;
}

/** Why a tmpfs cannot be mounted here, or undefined when it can; throws in CI. */
export function requireTmpfsMount(): string | undefined {
  const reason = process.getuid?.() === 0 ? undefined : 'mounting a tmpfs needs root';
  if (reason && process.env['CI'] === 'true') throw new Error(`CI must run the disk-full test, but ${reason}`);
  return reason;
}

/** Mounts a tmpfs of `sizeBytes` on `dir` (created if missing). */
export async function mountSmallTmpfs(dir: string, sizeBytes: number): Promise<SmallTmpfs> {
  mkdirSync(dir, { recursive: true });
  await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  return {
    dir,
    fill() {
      const fd = openSync(join(dir, 'filler'), 'a');
      const page = Buffer.alloc(4096, 0x2e);
      let filled = 0;
      try {
        for (;;) filled += writeSync(fd, page);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      return filled;
    },
    async unmount() {
      await execFileAsync('umount', [dir]);
    },
  };
}
