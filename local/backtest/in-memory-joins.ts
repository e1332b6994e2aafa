import type { JoinResult, JoinState, JoinStep, OrderEvent } from '../../shared/domain/order-join';
import { closeJoin, DEFAULT_JOIN_WINDOW_MS, EMPTY_JOIN, joinEvent } from '../../shared/domain/order-join';

/**
 * The order join with every join in memory, for `riskstream score`: the deployed join's state
 * machine (order-join.ts), one join per order id. Nothing passes time but the input, so a side waits
 * until the end of it (`closeAll`), however far apart the two sides' times are.
 */
export class InMemoryJoins {
  private readonly joins = new Map<string, JoinState>();

  constructor(private readonly windowMs = DEFAULT_JOIN_WINDOW_MS) {}

  add(event: OrderEvent): JoinStep {
    const step = joinEvent(this.joins.get(event.orderId) ?? EMPTY_JOIN, event, this.windowMs);
    this.joins.set(event.orderId, step.state);
    return step;
  }

  /** The end of the input: every side still waiting ends its join (unpaid, or an orphan payment), in the order the joins began. */
  closeAll(): JoinResult[] {
    const results: JoinResult[] = [];
    for (const [orderId, state] of this.joins) {
      if (state.closesAt === undefined || state.outcome !== undefined) continue;
      const step = closeJoin(state, state.closesAt);
      this.joins.set(orderId, step.state);
      if (step.status === 'done') results.push(step.result);
    }
    return results;
  }
}

/** What `score` prints for a join's step (nothing while a side waits): the seed's joined record, its outcome in `paymentStatus`. */
export function presentJoinStep(step: JoinStep, event: OrderEvent): unknown {
  switch (step.status) {
    case 'waiting':
      return undefined;
    case 'done':
      return presentJoin(step.result);
    case 'duplicate':
      return {
        eventId: event.eventType === 'OrderCreated' ? event.orderId : event.paymentId,
        status: 'already_processed',
        sideEffectRepeated: false,
      };
    case 'late':
      return { orderId: event.orderId, eventType: event.eventType, status: 'late' };
    case 'extra_payment':
      return { orderId: event.orderId, paymentId: (event as { paymentId: string }).paymentId, status: 'extra_payment' };
  }
}

export function presentJoin(result: JoinResult): unknown {
  switch (result.outcome) {
    case 'joined':
      return result.record;
    case 'amount_mismatch':
      return { ...result.record, paymentStatus: 'amount_mismatch', paymentAmount: result.paymentAmount };
    case 'unpaid':
      return { orderId: result.order.orderId, userId: result.order.userId, orderAmount: result.order.amount, paymentStatus: 'unpaid' };
    case 'orphan_payment':
      return {
        orderId: result.payment.orderId,
        paymentId: result.payment.paymentId,
        paymentAmount: result.payment.amount,
        paymentStatus: 'orphan_payment',
      };
  }
}
