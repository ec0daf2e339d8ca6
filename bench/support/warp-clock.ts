// A clock for playing a simulated day through real I/O in minutes, not a day: it runs at real speed while
// anything works (HTTP to the CloudWatch fake, DynamoDB calls, the SLA core), and when every task of a
// batch is waiting on this clock's sleep (the evaluator shards' start offsets, their backoff after a
// throttle), it jumps to the earliest wake-up instead of waiting. So requests keep their real spacing in
// time (what the fake's per-second quotas see), and idle seconds cost nothing. A sleep also ends by a real
// timer, so a sleeper wakes on time while other tasks are busy.

interface Sleeper {
  wake: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class WarpClock {
  private offset: number;
  private active = 0;
  private readonly sleepers = new Set<Sleeper>();
  private pending = false;
  /** Virtual milliseconds skipped so far. */
  skippedMs = 0;

  constructor(startMs: number) {
    this.offset = startMs - performance.now();
  }

  readonly now = (): number => performance.now() + this.offset;

  /** Sets the time (between batches). */
  setTo(ms: number): void {
    this.offset = ms - performance.now();
  }

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const sleeper: Sleeper = { wake: this.now() + Math.max(0, ms), resolve, timer: setTimeout(() => this.wakeUp(sleeper), Math.max(0, ms)) };
      this.sleepers.add(sleeper);
      this.schedule();
    });

  /** Runs `tasks` concurrently; time skips when all of them that are still running are asleep. */
  async all<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<Array<PromiseSettledResult<T>>> {
    this.active += tasks.length;
    return Promise.allSettled(
      tasks.map(async (task) => {
        try {
          return await task();
        } finally {
          this.active--;
          this.schedule();
        }
      }),
    );
  }

  private wakeUp(sleeper: Sleeper): void {
    if (!this.sleepers.delete(sleeper)) return;
    clearTimeout(sleeper.timer);
    sleeper.resolve();
  }

  /** After the current turn: if every running task sleeps, jump to the earliest wake-up and wake it. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (this.active === 0 || this.sleepers.size < this.active) return;
      let next = Infinity;
      for (const s of this.sleepers) next = Math.min(next, s.wake);
      const now = this.now();
      if (next > now) {
        this.offset += next - now;
        this.skippedMs += next - now;
      }
      const at = this.now();
      for (const s of [...this.sleepers]) if (s.wake <= at) this.wakeUp(s);
    });
  }
}
