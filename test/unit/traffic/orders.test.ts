import { validateOrderEvent } from '../../../shared/domain/order-events';
import type { LabelledEvent } from '../../../local/traffic/generator';
import { DEFAULT_ORDER_SHARE, takeTraffic } from '../../../local/traffic/generator';
import { SECOND_SIDE_MS } from '../../../local/traffic/orders';

const time = (e: LabelledEvent) => Date.parse(String(e.event['timestamp']));

/** Each order's sides, by order id, in stream order. */
function byOrder(events: readonly LabelledEvent[]): Map<string, LabelledEvent[]> {
  const orders = new Map<string, LabelledEvent[]>();
  for (const e of events) {
    if (e.kind !== 'order') continue;
    const orderId = String(e.event['orderId']);
    orders.set(orderId, [...(orders.get(orderId) ?? []), e]);
  }
  return orders;
}

describe('traffic generator: orders and payments', () => {
  const options = { seed: 3, orderShare: DEFAULT_ORDER_SHARE };

  it('leaves orders out unless asked, and leaves the seed’s transactions and readings as they were when asked', () => {
    const without = takeTraffic(5000, { seed: 3 });
    const withOrders = takeTraffic(5000, options);

    expect(without.some((e) => e.kind === 'order')).toBe(false);
    const scored = withOrders.filter((e) => e.kind !== 'order');
    expect(scored).toEqual(without.slice(0, scored.length));
  });

  it('is reproducible from the seed', () => {
    const a = takeTraffic(3000, options).filter((e) => e.kind === 'order');
    const b = takeTraffic(3000, options).filter((e) => e.kind === 'order');
    const c = takeTraffic(3000, { ...options, seed: 4 }).filter((e) => e.kind === 'order');

    expect(a.length).toBeGreaterThan(100);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('makes orders and payments about a tenth of the events, valid, unique by id, partitioned by order, in event-time order', () => {
    const events = takeTraffic(20_000, { ...options, idPrefix: 'run1' });
    const sides = events.filter((e) => e.kind === 'order');

    expect(sides.length / events.length).toBeGreaterThan(0.08);
    expect(sides.length / events.length).toBeLessThan(0.12);
    const validations = sides.map((e) => validateOrderEvent(e.event));
    expect(validations.filter((v) => !v.ok)).toEqual([]);
    // The id is what the join's alerts name: the order id for an order, the payment id for a payment.
    expect(sides.map((e) => e.id)).toEqual(
      sides.map((e) => String(e.event[e.event['eventType'] === 'OrderCreated' ? 'orderId' : 'paymentId'])),
    );
    expect(sides.every((e) => e.partitionKey === e.event['orderId'] && e.id.includes('-run1-'))).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const times = events.map(time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('pays most orders soon after (some payments first), and leaves a few unpaid, mismatched or orphaned, as labelled', () => {
    const events = takeTraffic(20_000, options);
    const orders = [...byOrder(events).values()];
    const end = time(events.at(-1) as LabelledEvent);
    // Orders started in the stream's last seconds may have their second side past its end.
    const whole = orders.filter((sides) => time(sides[0] as LabelledEvent) < end - SECOND_SIDE_MS.max);
    const labelled = (label: string) => whole.filter((sides) => sides[0]?.label === label);
    const share = (label: string) => labelled(label).length / whole.length;

    expect(share('paid')).toBeGreaterThan(0.75);
    for (const label of ['unpaid', 'amount_mismatch', 'orphan_payment']) {
      expect(share(label)).toBeGreaterThan(0.02);
      expect(share(label)).toBeLessThan(0.1);
    }
    // Both sides of an order carry its label.
    expect(whole.every((sides) => sides.every((e) => e.label === sides[0]?.label))).toBe(true);

    const amounts = (sides: LabelledEvent[]) => sides.map((e) => e.event['amount']);
    const types = (sides: LabelledEvent[]) => sides.map((e) => e.event['eventType']);
    const gap = (sides: LabelledEvent[]) => time(sides[1] as LabelledEvent) - time(sides[0] as LabelledEvent);
    for (const sides of labelled('paid')) {
      expect(sides).toHaveLength(2);
      expect(new Set(amounts(sides)).size).toBe(1);
      expect(gap(sides)).toBeGreaterThanOrEqual(SECOND_SIDE_MS.min);
      expect(gap(sides)).toBeLessThanOrEqual(SECOND_SIDE_MS.max);
    }
    const paymentFirst = labelled('paid').filter((sides) => types(sides)[0] === 'PaymentReceived').length / labelled('paid').length;
    expect(paymentFirst).toBeGreaterThan(0.1);
    expect(paymentFirst).toBeLessThan(0.3);
    for (const sides of labelled('amount_mismatch')) {
      expect(types(sides)).toEqual(['OrderCreated', 'PaymentReceived']);
      expect(sides[0]?.event['amount']).not.toBe(sides[1]?.event['amount']);
    }
    expect(labelled('unpaid').every((sides) => sides.length === 1 && types(sides)[0] === 'OrderCreated')).toBe(true);
    expect(labelled('orphan_payment').every((sides) => sides.length === 1 && types(sides)[0] === 'PaymentReceived')).toBe(true);
  });

  it('keeps orders in event-time order when scenarios unfold interleaved too', () => {
    const events = takeTraffic(5000, { ...options, interleave: true, start: 0, meanGapMs: 100 });
    const times = events.map(time);

    expect(events.some((e) => e.kind === 'order')).toBe(true);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });
});
