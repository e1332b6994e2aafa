import { setTimeout as sleep } from 'node:timers/promises';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

/** Splits into runs of at most `maxCount` items whose `sizeOf` adds up to at most `maxSize` (an oversized item goes alone). */
export function chunkBySize<T>(items: readonly T[], maxCount: number, maxSize: number, sizeOf: (item: T) => number): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || size + itemSize > maxSize)) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

export interface RetryOptions {
  /** Tries in all, the first included. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  /** No try starts after this (epoch ms): within a Lambda invocation, its deadline less what is left to do. */
  readonly giveUpAt?: number;
}

/**
 * Calls `send` with what is still pending until nothing is left or the attempts run out, backing
 * off with full jitter in between (what AWS advises for UnprocessedItems). Returns what is left.
 */
export async function retryUntilDone<T>(
  items: readonly T[],
  send: (pending: readonly T[]) => Promise<readonly T[]>,
  { attempts = 6, baseDelayMs = 25 }: RetryOptions = {},
): Promise<T[]> {
  let pending: readonly T[] = items;
  for (let attempt = 0; pending.length > 0 && attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.random() * baseDelayMs * 2 ** attempt);
    pending = await send(pending);
  }
  return [...pending];
}

/**
 * Calls `call` until it resolves or the attempts run out (then its last error is thrown), backing
 * off with full jitter in between: for an idempotent call whose transient failures outlast the
 * SDK's own few retries. An error `isFinal` says no retry can mend (a misconfiguration) is thrown at once.
 */
export async function retryCall<T>(
  call: () => Promise<T>,
  isFinal: (error: unknown) => boolean,
  { attempts = 4, baseDelayMs = 25, giveUpAt = Infinity }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = Math.random() * baseDelayMs * 2 ** attempt;
      if (isFinal(error) || attempt >= attempts || Date.now() + delay >= giveUpAt) throw error;
      await sleep(delay);
    }
  }
}

/** Like Promise.all over `fn`, with at most `limit` calls in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) throw new RangeError(`concurrency limit must be at least 1, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
