import type { OrderCreated, PaymentReceived } from '../../../shared/domain/order-join';
import { ConfigurationError, RetryableError } from '../../../shared/errors';
import type { JoinRecord, JoinStore } from '../../../shared/pipeline/join-batch';
import { MemoryJoinStore } from '../../support/memory-join-store';
import { joinBatch } from '../../../shared/pipeline/join-batch';

const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const WINDOW = 30 * 60_000;
const HORIZON = 7 * 86_400_000;
const order = (orderId: string, amount = 10, time = T0): OrderCreated => ({
  eventType: 'OrderCreated',
  orderId,
  userId: 'u-1',
  amount,
  time,
});
const payment = (orderId: string, paymentId: string, amount = 10, time = T0 + 1_000): PaymentReceived => ({
  eventType: 'PaymentReceived',
  orderId,
  paymentId,
  amount,
  time,
});
let seq = 0;
const ev = (event: OrderCreated | PaymentReceived): JoinRecord => ({ type: 'event', recordId: String(++seq), event });
const control = (orderId: string, arrival: number): JoinRecord => ({ type: 'control', recordId: String(++seq), orderId, arrival });

const NOW = T0 + 60_000;
const options = (store: JoinStore) => ({
  store,
  windowMs: WINDOW,
  horizonMs: HORIZON,
  now: () => NOW,
  retry: { attempts: 5, baseDelayMs: 0 },
});

describe('joinBatch', () => {
  it('joins each order in one commit, raises one alert per flagged outcome, and changes nothing on a replay', async () => {
    const store = new MemoryJoinStore();
    const records = [
      ev(payment('o-1', 'p-1')),
      ev(order('o-1')),
      ev(order('o-2', 50)),
      ev(payment('o-2', 'p-2', 49.99)),
      ev(order('o-3')),
      ev(order('o-1')),
    ];

    const first = await joinBatch(records, options(store));
    const replay = await joinBatch(records, options(store));

    expect(first.results.map((r) => r.outcome).sort()).toEqual(['amount_mismatch', 'joined']);
    expect(first.steps).toEqual({ waiting: 3, done: 2, duplicate: 1 });
    expect(first.alerts.map((a) => a.reasons[0])).toEqual(['amount_mismatch: ordered 50, paid 49.99']);
    expect([...store.joins.values()].map((j) => j.version)).toEqual([1, 1, 1]);
    expect(replay).toMatchObject({ results: [], alerts: [], failed: [], steps: { duplicate: 6 } });
    expect([...store.joins.values()].map((j) => j.version)).toEqual([1, 1, 1]);
    // Kept the horizon past its commit, or past its window if that ends later: a side redelivered until then is met again.
    expect(store.joins.get('o-3')?.expiresAt).toBe(Math.ceil((T0 + WINDOW + HORIZON) / 1000));
    const arrivedLate = new MemoryJoinStore();
    await joinBatch([ev(order('o-9'))], { ...options(arrivedLate), now: () => T0 + 6 * 86_400_000 });
    expect(arrivedLate.joins.get('o-9')?.expiresAt).toBe(Math.ceil((T0 + 6 * 86_400_000 + HORIZON) / 1000));
  });

  it('closes a waiting join on the sweep’s control record once its window has passed, not before, and alerts once', async () => {
    const store = new MemoryJoinStore();
    await joinBatch([ev(order('o-1'))], options(store));

    const early = await joinBatch([control('o-1', T0 + WINDOW - 1)], options(store));
    const closed = await joinBatch([control('o-1', T0 + WINDOW)], options(store));
    const again = await joinBatch([control('o-1', T0 + 2 * WINDOW)], options(store));

    expect(early.results).toEqual([]);
    expect(closed.results.map((r) => r.outcome)).toEqual(['unpaid']);
    expect(closed.alerts).toHaveLength(1);
    expect(again.results).toEqual([]);
    expect(store.joins.get('o-1')?.state.outcome).toBe('unpaid');
  });

  it('tries a failed store call again in place, so that passing throttles and 5xx fail no record', async () => {
    const store = new MemoryJoinStore();
    const records = [ev(order('o-1', 5)), ev(payment('o-1', 'p-1', 6)), ev(order('o-2')), ev(payment('o-3', 'p-3'))];
    store.failLoads = 2;
    store.failCommits = 2;
    store.failAfterCommits = 1;
    store.failAlerts = 2;

    const batch = await joinBatch(records, options(store));

    expect(batch.failed).toEqual([]);
    expect(batch.results.map((r) => r.outcome)).toEqual(['amount_mismatch']);
    // The commit that landed but answered 5xx is found at its own version on the retry: nothing is written twice.
    expect([...store.joins.values()].map((j) => j.version)).toEqual([1, 1, 1]);
    expect(store.alerts.size).toBe(1);
  });

  it('knows its own commit whose answer was lost (a 5xx after the write): counted once, alerted once, no conflict', async () => {
    const store = new MemoryJoinStore();
    store.failAfterCommits = 1;

    const batch = await joinBatch([ev(order('o-1', 5)), ev(payment('o-1', 'p-1', 6))], options(store));

    expect(batch).toMatchObject({ failed: [], conflicts: 0, steps: { waiting: 1, done: 1 } });
    expect(batch.results.map((r) => r.outcome)).toEqual(['amount_mismatch']);
    expect(batch.alerts).toHaveLength(1);
    expect(store.joins.get('o-1')?.version).toBe(1);
    expect(store.alerts.size).toBe(1);
  });

  it('retries no failed call past the invocation’s deadline, and none that failed for its configuration', async () => {
    const late = new MemoryJoinStore();
    late.failCommits = 1;
    const broken = new MemoryJoinStore();
    broken.commitError = new ConfigurationError('no such table');

    const batch = await joinBatch([ev(order('o-1'))], { ...options(late), deadline: Date.now() - 1 });
    const thrown = joinBatch([ev(order('o-1'))], options(broken));

    expect(batch.failed).toHaveLength(1);
    expect(late.calls.commit).toBe(1);
    await expect(thrown).rejects.toThrow('no such table');
    expect(broken.calls.commit).toBe(1);
  });

  it('fails only the records of an order whose commit keeps failing; the Lambda retry stores its alert once', async () => {
    const store = new MemoryJoinStore();
    const records = [ev(order('o-1', 5)), ev(payment('o-1', 'p-1', 6)), ev(order('o-2'))];
    store.failCommits = 5;

    const first = await joinBatch(records.slice(0, 2), options(store));
    const retry = await joinBatch(records, options(store));

    expect(first.failed.map((f) => f.recordId)).toEqual([records[0]?.recordId, records[1]?.recordId]);
    expect(first.results).toEqual([]);
    expect(retry.failed).toEqual([]);
    expect(retry.results.map((r) => r.outcome)).toEqual(['amount_mismatch']);
    expect(store.alerts.size).toBe(1);
  });

  it('stores the alert of a committed outcome that a crash kept from the outbox when the join’s records come again', async () => {
    const store = new MemoryJoinStore();
    const records = [ev(order('o-1', 5)), ev(payment('o-1', 'p-1', 6))];
    store.failAlerts = 5;

    const first = await joinBatch(records, options(store));
    const retry = await joinBatch(records, options(store));
    const again = await joinBatch(records, options(store));

    expect(first.failed).toHaveLength(2);
    expect(store.joins.get('o-1')?.state.outcome).toBe('amount_mismatch');
    expect(retry).toMatchObject({ failed: [], results: [], steps: { duplicate: 2 } });
    expect([...store.alerts.keys()]).toHaveLength(1);
    // Put again only if absent: stored once, whatever the deliveries.
    expect(again.failed).toEqual([]);
    expect(store.alerts.size).toBe(1);
  });

  it('reads a join moved by another writer again and applies its records to what that writer stored', async () => {
    const store = new MemoryJoinStore();
    store.moveBeforeCommit = () => ({ order: order('o-1'), closesAt: T0 + WINDOW });

    const batch = await joinBatch([ev(payment('o-1', 'p-1'))], options(store));

    expect(batch.conflicts).toBe(1);
    expect(batch.results.map((r) => r.outcome)).toEqual(['joined']);
    expect(store.joins.get('o-1')).toMatchObject({ version: 2, state: { outcome: 'joined' } });
  });

  it('stores no alert for an outcome another writer’s commit overruled', async () => {
    const store = new MemoryJoinStore();
    await joinBatch([ev(order('o-1'))], options(store));
    // The sweep's control record would close it unpaid; another writer joins it first.
    store.moveBeforeCommit = () => ({ order: order('o-1'), payment: payment('o-1', 'p-1'), outcome: 'joined' });

    const batch = await joinBatch([control('o-1', T0 + WINDOW)], options(store));

    expect(batch.conflicts).toBe(1);
    expect(batch.results).toEqual([]);
    expect(store.joins.get('o-1')?.state.outcome).toBe('joined');
    expect(store.alerts.size).toBe(0);
  });

  it('names the sides kept out of a join: a payment a window after its order, a second payment', async () => {
    const store = new MemoryJoinStore();

    const batch = await joinBatch(
      [
        ev(order('o-1')),
        ev(payment('o-1', 'p-late', 10, T0 + WINDOW)),
        ev(order('o-2')),
        ev(payment('o-2', 'p-2')),
        ev(payment('o-2', 'p-3')),
      ],
      options(store),
    );

    // Orders are committed concurrently: in no particular order.
    expect([...batch.keptOut].sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual([
      { orderId: 'o-1', side: 'p-late', why: 'late' },
      { orderId: 'o-2', side: 'p-3', why: 'extra_payment' },
    ]);
    expect(batch.results.map((r) => r.outcome).sort()).toEqual(['joined', 'unpaid']);
  });

  it('throws a configuration error (the batch fails whole), and fails every record on any other load error', async () => {
    const store = new MemoryJoinStore();
    const records = [ev(order('o-1')), ev(order('o-2'))];

    store.loadError = new ConfigurationError('no table');
    await expect(joinBatch(records, options(store))).rejects.toThrow('no table');
    expect(store.calls.load).toBe(1); // not retried: nothing can succeed until the deployment is fixed
    store.loadError = new RetryableError('throttled');
    const batch = await joinBatch(records, options(store));

    expect(batch.failed.map((f) => f.recordId)).toEqual(records.map((r) => r.recordId));
  });
});
