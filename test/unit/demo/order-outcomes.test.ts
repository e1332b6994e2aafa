import { countOrderOutcomes, expectedOrderOutcomes } from '../../../local/demo/order-outcomes';
import type { LabelledEvent } from '../../../local/traffic/generator';

const order = (orderId: string, label: LabelledEvent['label'], amount = 10): LabelledEvent => ({
  kind: 'order',
  id: orderId,
  partitionKey: orderId,
  event: { eventType: 'OrderCreated', orderId, userId: 'u', amount, timestamp: '2026-04-25T12:00:00Z' },
  label,
});
const payment = (orderId: string, label: LabelledEvent['label'], amount = 10): LabelledEvent => ({
  kind: 'order',
  id: `pay-${orderId}`,
  partitionKey: orderId,
  event: { eventType: 'PaymentReceived', orderId, paymentId: `pay-${orderId}`, amount, timestamp: '2026-04-25T12:00:05Z' },
  label,
});

describe('order outcomes', () => {
  it('counts each order put once, by the outcome its join holds, and those without one as waiting', () => {
    const outcomes = new Map([
      ['o1', 'joined'],
      ['o2', 'joined'],
      ['o3', 'amount_mismatch'],
      ['o4', 'unpaid'],
      ['o5', 'orphan_payment'],
    ] as const);

    const counts = countOrderOutcomes(['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7'], outcomes);

    expect(counts).toEqual({ joined: 2, amount_mismatch: 1, unpaid: 1, orphan_payment: 1, waiting: 2 });
  });

  it('expects from the labels and the sides put: a paid order cut from its payment is unpaid, a payment cut from its order an orphan', () => {
    const traffic: LabelledEvent[] = [
      { kind: 'transaction', id: 't1', partitionKey: 'u', event: {}, label: 'normal' },
      order('paid', 'paid'),
      payment('paid', 'paid'),
      payment('paid-first', 'paid'),
      order('paid-first', 'paid'),
      order('mismatch', 'amount_mismatch', 10),
      payment('mismatch', 'amount_mismatch', 12),
      order('unpaid', 'unpaid'),
      payment('orphan', 'orphan_payment'),
      order('cut', 'paid'), // its payment fell past the end of the run
      payment('cut-first', 'paid'), // its order did
    ];

    expect(expectedOrderOutcomes(traffic)).toEqual({ joined: 2, amount_mismatch: 1, unpaid: 2, orphan_payment: 2, waiting: 0 });
  });
});
