import { tumblingWindowStart } from '../../shared/domain/windows';

export { seededRandom as random } from '../../local/traffic/random';
import { seededRandom as random } from '../../local/traffic/random';

export interface GeneratedTransaction {
  readonly transactionId: string;
  readonly userId: string;
  readonly amount: number;
  readonly country: string;
  readonly merchantCategory: string;
  readonly timestamp: string;
}

export const T0 = Date.parse('2026-04-25T12:00:00Z');

/**
 * `count` distinct transactions from `users` users, event times spread over `spanMs` and
 * slightly out of order, then `duplicateRate` of them put again (some right after, some far later).
 */
export function transactions(options: { count: number; users: number; spanMs: number; duplicateRate: number; seed: number }): {
  readonly distinct: GeneratedTransaction[];
  readonly stream: GeneratedTransaction[];
} {
  const rnd = random(options.seed);
  const countries = ['DE', 'FR', 'NL', 'ES'];
  const categories = ['grocery', 'travel', 'electronics', 'gambling', 'fuel'];
  const distinct: GeneratedTransaction[] = [];
  for (let i = 0; i < options.count; i++) {
    const jitter = Math.floor((rnd() - 0.5) * 60_000);
    const time = T0 + Math.floor((i / options.count) * options.spanMs) + jitter;
    distinct.push({
      transactionId: `txn-${options.seed}-${i}`,
      userId: `user-${Math.floor(rnd() * options.users)}`,
      amount: Math.round(rnd() < 0.05 ? 1000 + rnd() * 4000 : rnd() * 200 * 100) / 100,
      country: countries[rnd() < 0.9 ? 0 : Math.floor(rnd() * countries.length)] ?? 'DE',
      merchantCategory: categories[Math.floor(rnd() * categories.length)] ?? 'grocery',
      timestamp: new Date(Math.max(T0, time)).toISOString(),
    });
  }
  const stream = [...distinct];
  for (const txn of distinct) {
    if (rnd() >= options.duplicateRate) continue;
    const at = rnd() < 0.5 ? stream.indexOf(txn) + 1 : Math.floor(rnd() * stream.length);
    stream.splice(Math.max(at, stream.indexOf(txn) + 1), 0, txn);
  }
  return { distinct, stream };
}

export interface ReferenceWindow {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** What the panes must hold: each distinct event counted once in the pane its time falls in, computed straight from the ledger. */
export function referenceWindows(
  events: ReadonlyArray<{ entity: string; time: number; value: number }>,
  paneMs: number,
): Map<string, ReferenceWindow> {
  const windows = new Map<string, ReferenceWindow>();
  for (const e of events) {
    const key = `${e.entity}@${tumblingWindowStart(e.time, paneMs)}`;
    const w = windows.get(key);
    windows.set(
      key,
      w
        ? { count: w.count + 1, sum: w.sum + e.value, min: Math.min(w.min, e.value), max: Math.max(w.max, e.value) }
        : { count: 1, sum: e.value, min: e.value, max: e.value },
    );
  }
  return windows;
}
