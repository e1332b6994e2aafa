import type { Alert } from '../domain/alerts';
import type { JoinResult, JoinState, JoinStep, OrderEvent } from '../domain/order-join';
import { closeJoin, EMPTY_JOIN, joinEvent, resultOf } from '../domain/order-join';
import { joinAlert } from '../domain/order-join-alerts';
import type { RetryOptions } from '../adapters/batching';
import { mapWithConcurrency, retryCall } from '../adapters/batching';
import { ConfigurationError } from '../errors';

/** A join as stored: its state and the version a commit compares (0: never stored). */
export interface StoredJoin {
  readonly state: JoinState;
  readonly version: number;
}

export interface JoinCommit {
  readonly orderId: string;
  readonly state: JoinState;
  /** The version the state was read at: the commit is refused if another writer moved it since. */
  readonly basedOn: number;
  /** When the item may go (epoch seconds, TTL). */
  readonly expiresAt: number;
}

/** The join store port (DynamoDBJoinStore): one item per order, and the outbox. */
export interface JoinStore {
  load(orderIds: readonly string[]): Promise<ReadonlyMap<string, StoredJoin>>;
  /** Stores the state if it is still at `basedOn`: 'conflict' if it is not (nothing written). */
  commit(commit: JoinCommit): Promise<'committed' | 'conflict'>;
  /** Stores each alert that is not stored yet (an alert stored once is never written again: it would be sent again). */
  storeAlerts(alerts: readonly Alert[]): Promise<void>;
}

/** One record of the orders stream, in stream order: a side of a join, or the sweep's control record (time passing for it). */
export type JoinRecord =
  | { readonly type: 'event'; readonly recordId: string; readonly event: OrderEvent }
  | { readonly type: 'control'; readonly recordId: string; readonly orderId: string; readonly arrival: number };

export interface JoinBatchOptions {
  readonly store: JoinStore;
  /** How long a side waits for the other. */
  readonly windowMs: number;
  /** How long a join is kept after its last commit (and its window): as long as the stream can deliver a side again. */
  readonly horizonMs: number;
  /** The clock of the commits (epoch ms). */
  readonly now?: () => number;
  /** Joins committed at once. */
  readonly concurrency?: number;
  /** How a store call that failed is tried again before its order's records are reported failed (default STORE_RETRY). */
  readonly retry?: Omit<RetryOptions, 'giveUpAt'>;
  /** When the invocation must have answered (epoch ms): no store call is retried past it, so the partial batch response is still sent. */
  readonly deadline?: number;
}

export interface JoinBatch {
  /** Every event's step status, by status (duplicate, late, extra_payment, waiting, done). */
  readonly steps: Readonly<Record<string, number>>;
  /** The joins that reached their outcome in this batch, and their alerts. */
  readonly results: readonly JoinResult[];
  readonly alerts: readonly Alert[];
  /** Sides kept out of a join: late ones (after its outcome, or a window or more from the other side), and other payments of a paid order. */
  readonly keptOut: ReadonlyArray<{ readonly orderId: string; readonly side: string; readonly why: 'late' | 'extra_payment' }>;
  /** Records of joins that could not be stored (Lambda retries from the first). */
  readonly failed: ReadonlyArray<{ readonly recordId: string; readonly orderId: string; readonly error: string }>;
  /** Commits refused because another writer moved the join first (then read again and retried). */
  readonly conflicts: number;
}

const COMMIT_ATTEMPTS = 3;
/**
 * A batch makes a conditional put (and maybe an alert put) per order: a hundred requests, each
 * exposed to throttles and 5xx past the SDK's three tries. Reporting every such order failed made
 * each Lambda retry fail a few others, until the retries ran out with every attempt progressing
 * (the fault suite's combined case sent a whole batch to the DLQ): so each call is retried here
 * first, for up to about a second and a half.
 */
const STORE_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 50 };

/**
 * The orders stream's batch: each order's records applied in stream order to its join, one commit
 * per order that changed. A commit that finds the join moved (a second writer: a producer that put
 * an order's events under other partition keys) reads it again and applies the records again; a
 * replayed or retried batch finds every side already met and changes nothing.
 *
 * The alert of a join's outcome is stored after the join is, from what was committed, and again
 * (only if absent) whenever a record of the join comes: a crash between the two writes is mended by
 * the retry, and no alert is ever stored for an outcome another writer's commit overruled. Every
 * store call is idempotent (a commit that landed but answered with an error finds its own version
 * on the retry, reads it again and has nothing left to do), so a failed one is retried in place
 * before its order's records are reported. A ConfigurationError from the store is thrown: nothing
 * can succeed until the deployment is fixed.
 */
export async function joinBatch(records: readonly JoinRecord[], options: JoinBatchOptions): Promise<JoinBatch> {
  const byOrder = new Map<string, JoinRecord[]>();
  for (const record of records) {
    const orderId = record.type === 'event' ? record.event.orderId : record.orderId;
    const list = byOrder.get(orderId);
    if (list) list.push(record);
    else byOrder.set(orderId, [record]);
  }
  const steps: Record<string, number> = {};
  const results: JoinResult[] = [];
  const alerts: Alert[] = [];
  const failed: Array<{ recordId: string; orderId: string; error: string }> = [];
  let conflicts = 0;
  const persist = <T>(call: () => Promise<T>): Promise<T> =>
    retryCall(call, (error) => error instanceof ConfigurationError, {
      ...STORE_RETRY,
      ...options.retry,
      giveUpAt: options.deadline ?? Infinity,
    });
  let stored: ReadonlyMap<string, StoredJoin>;
  try {
    stored = await persist(() => options.store.load([...byOrder.keys()]));
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    return { steps, results, alerts, keptOut: [], failed: records.map((r) => failure(r, error)), conflicts };
  }
  const keptOut: Array<{ orderId: string; side: string; why: 'late' | 'extra_payment' }> = [];
  const now = options.now ?? Date.now;
  /** The committed records' outcome alert stored, and what they did counted. */
  const committed = async (orderId: string, applied: ReturnType<typeof applyAll>): Promise<void> => {
    const result = resultOf(applied.state);
    const alert = result && joinAlert(result, options.windowMs);
    if (alert) await persist(() => options.store.storeAlerts([alert]));
    for (const [status, n] of Object.entries(applied.steps)) steps[status] = (steps[status] ?? 0) + n;
    results.push(...applied.results);
    // An outcome is final: reached in this batch, it is the one whose alert was just stored.
    if (alert && applied.results.length > 0) alerts.push(alert);
    keptOut.push(...applied.keptOut.map((k) => ({ orderId, ...k })));
  };
  const joinOne = async (orderId: string, list: readonly JoinRecord[]): Promise<void> => {
    let current = stored.get(orderId) ?? { state: EMPTY_JOIN, version: 0 };
    for (let attempt = 1; ; attempt++) {
      const applied = applyAll(current.state, list, options.windowMs);
      const outcome =
        applied.state === current.state
          ? 'committed'
          : await persist(() =>
              options.store.commit({
                orderId,
                state: applied.state,
                basedOn: current.version,
                expiresAt: expiresAt(applied.state, options.windowMs, options.horizonMs, now()),
              }),
            );
      if (outcome === 'committed') return committed(orderId, applied);
      const moved = (await persist(() => options.store.load([orderId]))).get(orderId) ?? { state: EMPTY_JOIN, version: 0 };
      // Our own commit, whose answer was lost (a 5xx after the write) and whose retry found it: no other writer.
      if (moved.version === current.version + 1 && sameState(moved.state, applied.state)) return committed(orderId, applied);
      conflicts++;
      if (attempt >= COMMIT_ATTEMPTS) throw new Error(`join of order ${orderId} moved by another writer ${attempt} times`);
      current = moved;
    }
  };
  await mapWithConcurrency([...byOrder.entries()], options.concurrency ?? 8, async ([orderId, list]) => {
    try {
      await joinOne(orderId, list);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      failed.push(...list.map((r) => failure(r, error)));
    }
  });
  return { steps, results, alerts, keptOut, failed, conflicts };
}

/** One order's records through its join, in order: the steps' statuses, the outcomes reached, the sides kept out. */
function applyAll(
  start: JoinState,
  records: readonly JoinRecord[],
  windowMs: number,
): {
  state: JoinState;
  steps: Record<string, number>;
  results: JoinResult[];
  keptOut: Array<{ side: string; why: 'late' | 'extra_payment' }>;
} {
  let state = start;
  const steps: Record<string, number> = {};
  const results: JoinResult[] = [];
  const keptOut: Array<{ side: string; why: 'late' | 'extra_payment' }> = [];
  for (const record of records) {
    const step: JoinStep = record.type === 'event' ? joinEvent(state, record.event, windowMs) : closeJoin(state, record.arrival);
    if (record.type === 'event') {
      steps[step.status] = (steps[step.status] ?? 0) + 1;
      const side = record.event.eventType === 'OrderCreated' ? record.event.orderId : record.event.paymentId;
      if (step.status === 'late' || (step.status === 'done' && step.lateSide)) keptOut.push({ side, why: 'late' });
      if (step.status === 'extra_payment') keptOut.push({ side, why: 'extra_payment' });
    }
    if (step.status === 'done') results.push(step.result);
    state = step.state;
  }
  return { state, steps, results, keptOut };
}

/**
 * The join's item outlives its last commit by the horizon (a side the stream delivers again before
 * then is met again: a side is committed after it arrives, and the stream keeps it the horizon
 * from its arrival), and a waiting side's window by the horizon too.
 */
function expiresAt(state: JoinState, windowMs: number, horizonMs: number, now: number): number {
  const latest = Math.max(state.order?.time ?? 0, state.payment?.time ?? 0) + windowMs;
  return Math.ceil((Math.max(latest, now) + horizonMs) / 1000);
}

/** Whether two states hold the same sides, outcome and window, whatever their keys' order (a state read back is built anew). */
function sameState(a: JoinState, b: JoinState): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}

function failure(record: JoinRecord, error: unknown): { recordId: string; orderId: string; error: string } {
  return {
    recordId: record.recordId,
    orderId: record.type === 'event' ? record.event.orderId : record.orderId,
    error: error instanceof Error ? error.message : String(error),
  };
}
