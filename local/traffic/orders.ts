import { seededRandom } from './random';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';

/**
 * Orders and their payments (the orders stream's join, shared/domain/order-join.ts), labelled with
 * what the join should make of them. Most orders are paid shortly after (some payments come first),
 * a few stay unpaid, a few are paid a different amount, and a few payments name an order that never
 * comes. The labels never travel with the events, as the scored kinds' do not.
 */
export const OrderLabel = {
  paid: 'paid',
  unpaid: 'unpaid',
  amountMismatch: 'amount_mismatch',
  orphanPayment: 'orphan_payment',
} as const;
export type OrderLabel = (typeof OrderLabel)[keyof typeof OrderLabel];

/** The traffic's route for orders and payments (the orders stream), beside the scored kinds' names. */
export const ORDER_KIND = ORDER_JOIN_NAMES.entityType;

export interface OrderSide {
  readonly kind: typeof ORDER_KIND;
  /** The order id for an order, the payment id for a payment: what the join's alerts name. */
  readonly id: string;
  readonly partitionKey: string;
  readonly event: Record<string, unknown>;
  readonly label: OrderLabel;
  /** Event time, epoch ms. */
  readonly time: number;
}

/** How each order ends, in shares of the orders started: what the join should tell apart. */
const SHARES = { unpaid: 0.05, amountMismatch: 0.05, orphanPayment: 0.05 } as const;
/** Of the paid orders, those whose payment comes before the order (either side may come first). */
const PAYMENT_FIRST = 0.2;
/**
 * A second side comes 1–8 s after the first, as a checkout pays: well inside any join window people
 * set (the demo's is a minute, the default 30), so a paid order is never late; only the orders
 * started in a cut stream's last 8 s may lack their second side (a short bounded demo's are a few).
 */
export const SECOND_SIDE_MS = { min: 1_000, max: 8_000 } as const;
/** Events per order started, on average: two for a paid or mismatched order, one for an unpaid order or an orphan payment. */
const EVENTS_PER_ORDER = 2 - SHARES.unpaid - SHARES.orphanPayment;

/** The chance of starting an order beside each scored event, for orders and payments to be `share` of all events. */
export function orderStartChance(share: number): number {
  return share <= 0 ? 0 : share / (EVENTS_PER_ORDER * (1 - share));
}

/**
 * Starts orders beside the scored traffic, from a random of its own (the seed's scored events stay
 * the same with orders or without), and holds each order's second side until its time has come.
 */
export class OrderTraffic {
  private readonly rnd: () => number;
  private readonly held: OrderSide[] = [];
  private sequence = 0;

  constructor(
    seed: number,
    private readonly options: { readonly users: number; readonly idPrefix: string; readonly startChance: number },
  ) {
    // Its own stream of draws: adding orders must not change which transactions and readings the seed gives.
    this.rnd = seededRandom(seed ^ 0x04de5);
  }

  /** Second sides due by `time` (event time), earliest first: they go before the scored event of that time. */
  dueBy(time: number): OrderSide[] {
    const due: OrderSide[] = [];
    while (this.held[0] && this.held[0].time <= time) due.push(this.held.shift() as OrderSide);
    return due;
  }

  /** Maybe starts an order at `time` (beside a scored event of that time): its first side, the second held. */
  startAt(time: number): OrderSide[] {
    if (this.rnd() >= this.options.startChance) return [];
    const n = this.sequence++;
    const prefix = this.options.idPrefix;
    const orderId = `order-${prefix}-${n}`;
    const paymentId = `pay-${prefix}-${n}`;
    const amount = Math.round((5 + this.rnd() * 195) * 100) / 100;
    const userId = `user-${Math.floor(this.rnd() * this.options.users)}`;
    const later = time + SECOND_SIDE_MS.min + Math.round(this.rnd() * (SECOND_SIDE_MS.max - SECOND_SIDE_MS.min));
    const order = (at: number, label: OrderLabel): OrderSide =>
      side(orderId, label, at, { eventType: 'OrderCreated', orderId, userId, amount, timestamp: new Date(at).toISOString() });
    const payment = (at: number, label: OrderLabel, paid = amount): OrderSide =>
      side(paymentId, label, at, { eventType: 'PaymentReceived', orderId, paymentId, amount: paid, timestamp: new Date(at).toISOString() });
    const draw = this.rnd();
    if (draw < SHARES.unpaid) return [order(time, OrderLabel.unpaid)];
    if (draw < SHARES.unpaid + SHARES.orphanPayment) return [payment(time, OrderLabel.orphanPayment)];
    if (draw < SHARES.unpaid + SHARES.orphanPayment + SHARES.amountMismatch) {
      // Off by a few cents to a few euros, either way, never below zero: a partial payment, a fee added.
      const off = Math.round((0.01 + this.rnd() * 5) * 100) / 100;
      const paid = Math.round((this.rnd() < 0.5 && amount > off ? amount - off : amount + off) * 100) / 100;
      return this.first(order(time, OrderLabel.amountMismatch), payment(later, OrderLabel.amountMismatch, paid));
    }
    if (this.rnd() < PAYMENT_FIRST) return this.first(payment(time, OrderLabel.paid), order(later, OrderLabel.paid));
    return this.first(order(time, OrderLabel.paid), payment(later, OrderLabel.paid));
  }

  /** The first side now; the second held until its time, in event-time order. */
  private first(now: OrderSide, then: OrderSide): OrderSide[] {
    const at = this.held.findIndex((h) => h.time > then.time);
    this.held.splice(at === -1 ? this.held.length : at, 0, then);
    return [now];
  }
}

function side(id: string, label: OrderLabel, time: number, event: Record<string, unknown>): OrderSide {
  return { kind: ORDER_KIND, id, partitionKey: String(event[ORDER_JOIN_NAMES.entityField]), event, label, time };
}
