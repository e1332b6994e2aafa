import type { LedgerRecord } from './ledger';

/**
 * The ledger's orders and payments (the orders stream's join): a seeded mix of the join's outcomes,
 * each order's sides in the order they are put. Sides whose window has not closed stay waiting: the
 * suite fires no sweep, so what it checks is what events decide (a join, a mismatch, a side dated
 * past its window), under every fault; the sweep's closing is proven in test/integration/orders.test.ts.
 */
export type OrderScenario = 'paid' | 'paid, payment first' | 'amount_mismatch' | 'unpaid' | 'orphan_payment' | 'late payment';

export interface LedgerOrderSide {
  /** Unique per side: the order id for an order, the payment id for a payment. */
  readonly id: string;
  readonly orderId: string;
  readonly scenario: OrderScenario;
  readonly event: Record<string, unknown>;
}

const MINUTE = 60_000;

/** `count` orders' sides, their times between `start` and `end`, each order's sides in put order. */
export function orderSides(count: number, tag: string, start: number, end: number, random: () => number): LedgerOrderSide[][] {
  const orders: LedgerOrderSide[][] = [];
  const cents = () => Math.round(100 + random() * 20_000) / 100;
  for (let i = 0; i < count; i++) {
    const orderId = `${tag}-order-${i}`;
    const userId = `${tag}-buyer-${i % 17}`;
    const roll = random();
    const scenario: OrderScenario =
      roll < 0.45
        ? 'paid'
        : roll < 0.6
          ? 'paid, payment first'
          : roll < 0.7
            ? 'amount_mismatch'
            : roll < 0.8
              ? 'unpaid'
              : roll < 0.9
                ? 'orphan_payment'
                : 'late payment';
    // A late payment comes 31–40 minutes after its order: past the 30-minute window, so its order ends unpaid.
    const time = start + random() * Math.max(0, end - start - 45 * MINUTE);
    const amount = cents();
    const paidAfter = scenario === 'late payment' ? (31 + random() * 9) * MINUTE : 1_000 + random() * 5 * MINUTE;
    const order: LedgerOrderSide = {
      id: orderId,
      orderId,
      scenario,
      event: { eventType: 'OrderCreated', orderId, userId, amount, timestamp: new Date(time).toISOString() },
    };
    const paymentId = `${tag}-pay-${i}`;
    const payment: LedgerOrderSide = {
      id: paymentId,
      orderId,
      scenario,
      event: {
        eventType: 'PaymentReceived',
        orderId,
        paymentId,
        amount: scenario === 'amount_mismatch' ? amount + 0.01 : amount,
        timestamp: new Date(time + paidAfter).toISOString(),
      },
    };
    orders.push(
      scenario === 'unpaid'
        ? [order]
        : scenario === 'orphan_payment'
          ? [payment]
          : scenario === 'paid, payment first'
            ? [payment, order]
            : [order, payment],
    );
  }
  return orders;
}

/** A side as the ledger puts it on the orders stream, under its order id. */
export function orderRecord(side: LedgerOrderSide, role: 'event' | 'duplicate'): LedgerRecord {
  return { stream: 'orders', partitionKey: side.orderId, data: Buffer.from(JSON.stringify(side.event)), role, eventId: side.id };
}

/**
 * Each order's sides spliced into `records` at seeded places, each order's sides in their order
 * (a side put first is put before the other, though other records come between).
 */
export function spliceOrders(records: LedgerRecord[], orders: readonly LedgerOrderSide[][], random: () => number): void {
  for (const sides of orders) {
    let at = Math.floor(random() * (records.length + 1));
    for (const side of sides) {
      records.splice(at, 0, orderRecord(side, 'event'));
      at = at + 1 + Math.floor(random() * (records.length - at));
    }
  }
}
