import { setTimeout as delay } from 'node:timers/promises';

/** 100 ms doubling to 2 s: a failing function or emulator is retried soon, but never hammered. */
export class Backoff {
  private ms = 0;

  constructor(
    private readonly firstMs = 100,
    private readonly maxMs = 2_000,
  ) {}

  next(): number {
    this.ms = this.ms === 0 ? this.firstMs : Math.min(this.ms * 2, this.maxMs);
    return this.ms;
  }

  reset(): void {
    this.ms = 0;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

/** Thrown out of a wait or a retry loop when the runner stops. */
export class Stopped extends Error {
  constructor() {
    super('stopped');
  }
}
