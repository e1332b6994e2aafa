import type { JoinState, JoinStep, OrderCreated, OrderEvent, PaymentReceived } from '../../../shared/domain/order-join';
import { closeJoin, EMPTY_JOIN, joinEvent, MAX_EXTRA_PAYMENTS, resultOf } from '../../../shared/domain/order-join';
import { claimsOrderEvent, validateOrderEvent } from '../../../shared/domain/order-events';

const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const WINDOW = 30 * 60_000;
// The seed's order and payment.
const ORDER: OrderCreated = { eventType: 'OrderCreated', orderId: 'order-123', userId: 'user-456', amount: 79.99, time: T0 };
const PAYMENT: PaymentReceived = {
  eventType: 'PaymentReceived',
  orderId: 'order-123',
  paymentId: 'pay-999',
  amount: 79.99,
  time: T0 + 5_000,
};

/** The events in order through one join: every step, and the state left. */
function run(events: readonly OrderEvent[], start: JoinState = EMPTY_JOIN): { steps: JoinStep[]; state: JoinState } {
  let state = start;
  const steps = events.map((event) => {
    const step = joinEvent(state, event, WINDOW);
    state = step.state;
    return step;
  });
  return { steps, state };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('the order join', () => {
  it('joins the seed’s order and payment into the seed’s joined record', () => {
    const { steps } = run([ORDER, PAYMENT]);

    expect(steps.map((s) => s.status)).toEqual(['waiting', 'done']);
    expect(steps[1]).toMatchObject({
      result: {
        outcome: 'joined',
        record: { orderId: 'order-123', userId: 'user-456', orderAmount: 79.99, paymentId: 'pay-999', paymentStatus: 'paid' },
      },
    });
  });

  it('gives one result whatever the order of the sides and their duplicates', () => {
    for (const events of permutations([ORDER, PAYMENT, ORDER, PAYMENT])) {
      const { steps } = run(events);
      const done = steps.filter((s) => s.status === 'done');
      expect(done).toHaveLength(1);
      expect(done[0]).toMatchObject({ result: { outcome: 'joined', record: { orderId: 'order-123', paymentId: 'pay-999' } } });
      expect(steps.filter((s) => s.status === 'duplicate')).toHaveLength(2);
    }
  });

  it('calls any difference in the amounts a mismatch', () => {
    const off = run([ORDER, { ...PAYMENT, amount: 79.98 }]).steps[1];
    const barely = run([ORDER, { ...PAYMENT, amount: 79.990001 }]).steps[1];

    expect(off).toMatchObject({
      status: 'done',
      result: { outcome: 'amount_mismatch', paymentAmount: 79.98, record: { orderAmount: 79.99 } },
    });
    expect(barely).toMatchObject({ status: 'done', result: { outcome: 'amount_mismatch' } });
  });

  it('answers a late side or a second payment met again as a duplicate: a replay reports nothing twice', () => {
    const second: PaymentReceived = { ...PAYMENT, paymentId: 'pay-1000' };
    const orphaned = closeJoin(run([PAYMENT]).state, PAYMENT.time + WINDOW).state;

    expect(run([ORDER, ORDER], orphaned).steps.map((s) => s.status)).toEqual(['late', 'duplicate']);
    expect(run([ORDER, PAYMENT, second, second]).steps.map((s) => s.status)).toEqual(['waiting', 'done', 'extra_payment', 'duplicate']);
  });

  it('closes an order still unpaid when its window ends, not a moment before, and keeps a late payment out of it', () => {
    // Arrange
    const waiting = run([ORDER]).state;

    // Act
    const before = closeJoin(waiting, T0 + WINDOW - 1);
    const closed = closeJoin(waiting, T0 + WINDOW);
    const paidLate = joinEvent(closed.state, PAYMENT, WINDOW);

    // Assert
    expect(waiting.closesAt).toBe(T0 + WINDOW);
    expect(before).toEqual({ status: 'waiting', state: waiting });
    expect(closed).toMatchObject({ status: 'done', result: { outcome: 'unpaid', order: ORDER } });
    expect(paidLate).toEqual({ status: 'late', state: { ...closed.state, payment: PAYMENT } });
    expect(closeJoin(closed.state, T0 + 2 * WINDOW).status).toBe('waiting');
  });

  it('closes the window by a side whose time is past it, with no sweep: the same outcome as a sweep first, the side late', () => {
    const waiting = run([ORDER]).state;
    const pastWindow = { ...PAYMENT, time: T0 + WINDOW };
    const lastMoment = { ...PAYMENT, time: T0 + WINDOW - 1 };

    const byEvent = joinEvent(waiting, pastWindow, WINDOW);
    const bySweep = joinEvent(closeJoin(waiting, T0 + WINDOW).state, pastWindow, WINDOW);

    expect(byEvent).toMatchObject({ status: 'done', result: { outcome: 'unpaid', order: ORDER } });
    expect(byEvent.state).toEqual(bySweep.state);
    expect(byEvent.state).toEqual({ order: ORDER, payment: pastWindow, outcome: 'unpaid' });
    expect(joinEvent(byEvent.state, pastWindow, WINDOW).status).toBe('duplicate');
    expect(joinEvent(waiting, lastMoment, WINDOW)).toMatchObject({ status: 'done', result: { outcome: 'joined' } });
  });

  it('matches two sides only less than a window apart, whichever comes first: the earlier side ends alone', () => {
    const farPayment = { ...PAYMENT, time: T0 + 2 * 60 * 60_000 };
    const farOrder = { ...ORDER, time: PAYMENT.time + WINDOW };

    const orderFirst = run([ORDER, farPayment]);
    const paymentFirst = run([farPayment, ORDER]);
    const orphanFirst = run([PAYMENT, farOrder]);
    const orderAfterOrphan = run([farOrder, PAYMENT]);

    expect(paymentFirst.steps[1]).toMatchObject({ status: 'done', lateSide: true, result: { outcome: 'unpaid', order: ORDER } });
    expect(paymentFirst.state).toEqual(orderFirst.state);
    expect(orderAfterOrphan.steps[1]).toMatchObject({ status: 'done', result: { outcome: 'orphan_payment', payment: PAYMENT } });
    expect(orderAfterOrphan.state).toEqual(orphanFirst.state);
    // A moment less than a window apart, either way round: a match.
    expect(run([{ ...farOrder, time: farOrder.time - 1 }, PAYMENT]).steps[1]).toMatchObject({ result: { outcome: 'joined' } });
  });

  it('remembers at most MAX_EXTRA_PAYMENTS other payments, and reports every one past them without growing', () => {
    const extras = Array.from({ length: MAX_EXTRA_PAYMENTS + 5 }, (_, i) => ({ ...PAYMENT, paymentId: `pay-extra-${i}` }));

    const { steps, state } = run([ORDER, PAYMENT, ...extras]);

    expect(steps.slice(2).every((s) => s.status === 'extra_payment')).toBe(true);
    expect(state.extraPayments).toHaveLength(MAX_EXTRA_PAYMENTS);
    expect(joinEvent(state, extras[0] as PaymentReceived, WINDOW).status).toBe('duplicate');
  });

  it('reads a join’s result back from its state, as its alert is made again', () => {
    const mismatch = run([ORDER, { ...PAYMENT, amount: 1 }]);
    const unpaid = closeJoin(run([ORDER]).state, T0 + WINDOW);

    expect(resultOf(mismatch.state)).toEqual((mismatch.steps[1] as { result: unknown }).result);
    expect(resultOf(unpaid.state)).toEqual({ outcome: 'unpaid', order: ORDER });
    expect(resultOf(run([ORDER]).state)).toBeUndefined();
  });

  it('closes a payment whose order never came as an orphan, the order coming after it kept out', () => {
    const waiting = run([PAYMENT]).state;
    const closed = closeJoin(waiting, PAYMENT.time + WINDOW);

    expect(closed).toMatchObject({ status: 'done', result: { outcome: 'orphan_payment', payment: PAYMENT } });
    expect(joinEvent(closed.state, ORDER, WINDOW).status).toBe('late');
    expect(joinEvent(closed.state, PAYMENT, WINDOW).status).toBe('duplicate');
  });

  it('keeps a second, different payment of one order out of the join, before the match and after it', () => {
    const second: PaymentReceived = { ...PAYMENT, paymentId: 'pay-1000', time: T0 + 9_000 };

    const open = run([PAYMENT, second]);
    const matched = run([ORDER, PAYMENT, second]);

    expect(open.steps.map((s) => s.status)).toEqual(['waiting', 'extra_payment']);
    expect(open.state.payment).toEqual(PAYMENT);
    expect(matched.steps.map((s) => s.status)).toEqual(['waiting', 'done', 'extra_payment']);
  });
});

describe('order events', () => {
  it('validates the seed’s order and payment, ids trimmed and times in epoch ms, and claims only what names an order', () => {
    const order = validateOrderEvent({
      eventType: 'OrderCreated',
      orderId: ' order-123 ',
      userId: 'user-456',
      amount: 79.99,
      timestamp: '2026-04-25T12:00:00Z',
    });
    const payment = validateOrderEvent({
      eventType: 'PaymentReceived',
      orderId: 'order-123',
      paymentId: 'pay-999',
      amount: 79.99,
      timestamp: T0 + 5_000,
    });

    expect(order).toEqual({ ok: true, value: ORDER });
    expect(payment).toEqual({ ok: true, value: PAYMENT });
    expect(validateOrderEvent({ eventType: 'PaymentReceived', orderId: 'o', amount: 'x', timestamp: 'soon' })).toEqual({
      ok: false,
      reason:
        'missing required field "paymentId"; field "amount" must be a number, got string; field "timestamp" must be an ISO 8601 time with a zone (e.g. 2026-04-25T12:00:00Z) or epoch milliseconds',
    });
    expect(validateOrderEvent([])).toEqual({ ok: false, reason: 'expected a JSON object, got array' });
    expect(claimsOrderEvent({ orderId: 'o-1' })).toBe(true);
    expect(claimsOrderEvent({ orderId: 'o-1', transactionId: 't-1' })).toBe(false);
    expect(claimsOrderEvent({ transactionId: 't-1', eventType: 'PaymentReceived', orderId: 'o-1', paymentId: 'p-1' })).toBe(false);
    expect(claimsOrderEvent({ deviceId: 'sensor-1', temperature: 20, orderId: 'o-1' })).toBe(false);
    // The buyer's device on a payment keeps it a payment.
    expect(claimsOrderEvent({ eventType: 'PaymentReceived', orderId: 'o-1', deviceId: 'phone-1' })).toBe(true);
  });
});
