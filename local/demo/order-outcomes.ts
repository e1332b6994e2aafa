import type { JoinOutcome } from '../../shared/domain/order-join';
import { OrderLabel } from '../traffic/orders';
import type { LabelledEvent } from '../traffic/generator';

/**
 * The orders the demo put, by what the join made of them: its four outcomes, and `waiting` for the
 * orders with none yet (a side waits for the other until the join window closes, or its item has
 * not been written yet). One count per order id, as the state table keeps one item per order.
 */
export interface OrderOutcomes {
  readonly joined: number;
  readonly amount_mismatch: number;
  readonly unpaid: number;
  readonly orphan_payment: number;
  readonly waiting: number;
}

export const NO_ORDERS: OrderOutcomes = Object.freeze({ joined: 0, amount_mismatch: 0, unpaid: 0, orphan_payment: 0, waiting: 0 });

/** Counts the orders put (`orderIds`) by the outcome their item holds, if any (`outcomes`, by order id). */
export function countOrderOutcomes(orderIds: Iterable<string>, outcomes: ReadonlyMap<string, JoinOutcome>): OrderOutcomes {
  const counts = { ...NO_ORDERS };
  for (const orderId of orderIds) counts[outcomes.get(orderId) ?? 'waiting']++;
  return counts;
}

/**
 * What the join should make of the orders put, from the generator's labels and the sides that were
 * really put: a paid order whose payment fell past the end of a finite run is unpaid, and a payment
 * whose order did is an orphan. `waiting` stays 0: these are the outcomes once every window has closed.
 */
export function expectedOrderOutcomes(traffic: readonly LabelledEvent[]): OrderOutcomes {
  const sides = new Map<string, { order?: LabelledEvent; payment?: LabelledEvent }>();
  for (const e of traffic) {
    if (e.kind !== 'order') continue;
    const orderId = String(e.event['orderId']);
    const both = sides.get(orderId) ?? {};
    sides.set(orderId, e.event['eventType'] === 'OrderCreated' ? { ...both, order: e } : { ...both, payment: e });
  }
  const counts = { ...NO_ORDERS };
  for (const { order, payment } of sides.values()) {
    if (order && payment) counts[order.label === OrderLabel.amountMismatch ? 'amount_mismatch' : 'joined']++;
    else if (order) counts.unpaid++;
    else counts.orphan_payment++;
  }
  return counts;
}
