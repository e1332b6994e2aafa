/**
 * The seed's stream-stream join: orders joined with their payments on the order id. One join per
 * order (its state is one item, written by one writer: the orders stream is partitioned by order
 * id), holding the side that came first until the other comes or the join window closes.
 *
 * Pure and deterministic: the caller loads the state, applies an event or the passing of time, and
 * stores what comes back. Either side may come first; a side met again (an order created twice,
 * one payment id twice, a late side or a second payment again) is a duplicate and changes nothing,
 * so replays and retries give one result.
 * A join that has reached its outcome is final: a side that comes after it is `late`, counted and
 * reported, never a second outcome (an order whose payment was already declared an orphan does not
 * also become unpaid half an hour later).
 */

export interface OrderCreated {
  readonly eventType: 'OrderCreated';
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  /** Event time, epoch ms. */
  readonly time: number;
}

export interface PaymentReceived {
  readonly eventType: 'PaymentReceived';
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly time: number;
}

export type OrderEvent = OrderCreated | PaymentReceived;

export const JoinOutcome = {
  joined: 'joined',
  amountMismatch: 'amount_mismatch',
  unpaid: 'unpaid',
  orphanPayment: 'orphan_payment',
} as const;
export type JoinOutcome = (typeof JoinOutcome)[keyof typeof JoinOutcome];

/** The seed's joined record. */
export interface JoinedRecord {
  readonly orderId: string;
  readonly userId: string;
  readonly orderAmount: number;
  readonly paymentId: string;
  readonly paymentStatus: 'paid';
}

/** What a join ended as: the joined record for a match, and for an amount that differs the payment's amount beside it. */
export type JoinResult =
  | { readonly outcome: 'joined'; readonly record: JoinedRecord }
  /** `at`: the later side's time. */
  | { readonly outcome: 'amount_mismatch'; readonly record: JoinedRecord; readonly paymentAmount: number; readonly at: number }
  | { readonly outcome: 'unpaid'; readonly order: OrderCreated }
  | { readonly outcome: 'orphan_payment'; readonly payment: PaymentReceived };

export interface JoinState {
  readonly order?: OrderCreated;
  readonly payment?: PaymentReceived;
  /** Set once the join has its outcome: final. */
  readonly outcome?: JoinOutcome;
  /** While one side waits: when its window closes (epoch ms, the waiting side's time plus the window). */
  readonly closesAt?: number;
  /** Other payments of the order than the one it holds: met, so that a repeat of one is a duplicate. */
  readonly extraPayments?: readonly string[];
}

export const EMPTY_JOIN: JoinState = Object.freeze({});

/** How long a side waits for the other by default: the join window (the deploy's `orders.joinWindow`). */
export const DEFAULT_JOIN_WINDOW_MS = 30 * 60_000;

/** How many other payments of one order the join remembers by id: past them, one more is still reported, never stored (the item stays small). */
export const MAX_EXTRA_PAYMENTS = 20;

export type JoinStep =
  /** Nothing changes: the event was met before. */
  | { readonly status: 'duplicate'; readonly state: JoinState }
  /** A side of a join already final: kept out of it. */
  | { readonly status: 'late'; readonly state: JoinState }
  /** A second, different payment of one order: kept out of the join, for a person to look at (paid twice?). */
  | { readonly status: 'extra_payment'; readonly state: JoinState }
  /** The side waits for the other one, until `state.closesAt`. */
  | { readonly status: 'waiting'; readonly state: JoinState }
  /** The join has its outcome; `lateSide`: the event itself was kept out of it, its time a window or more from the other side's. */
  | { readonly status: 'done'; readonly state: JoinState; readonly result: JoinResult; readonly lateSide?: true };

/**
 * Applies one side of an order's join; `windowMs` is how long a side waits for the other. Two sides
 * match only if their times are less than a window apart, whichever comes first: otherwise the
 * earlier side's window closed before the later one's time (the step is `done`, with the unpaid or
 * orphan result of the earlier side) and the later side is kept out as late. A payment two hours
 * after its order is no match in a 30-minute join, whether it comes first or second, and whether or
 * not a sweep closed the window before it came.
 */
export function joinEvent(state: JoinState, event: OrderEvent, windowMs: number): JoinStep {
  if (isMetBefore(state, event)) return { status: 'duplicate', state };
  const closed = closeJoin(state, event.time);
  if (closed.status === 'done') return { ...closed, state: keptOut(closed.state, event), lateSide: true };
  const waiting = state.outcome === undefined ? (state.order ?? state.payment) : undefined;
  if (waiting !== undefined && waiting.eventType !== event.eventType && waiting.time >= event.time + windowMs) {
    // This side is the earlier by a window or more: it closed alone before the waiting one's time.
    const alone = closeJoin(waitingAlone(event, windowMs), event.time + windowMs);
    if (alone.status === 'done') return { ...alone, state: keptOut(alone.state, waiting), lateSide: true };
  }
  if (event.eventType === 'PaymentReceived' && state.payment !== undefined)
    return { status: 'extra_payment', state: keptOut(state, event) };
  // A late side is kept too (outside the outcome), so that it comes back a duplicate.
  if (state.outcome !== undefined) return { status: 'late', state: keptOut(state, event) };
  const order = event.eventType === 'OrderCreated' ? event : state.order;
  const payment = event.eventType === 'PaymentReceived' ? event : state.payment;
  if (order && payment) {
    const result = matched(order, payment);
    return { status: 'done', state: { order, payment, outcome: result.outcome }, result };
  }
  return { status: 'waiting', state: waitingAlone(event, windowMs) };
}

/** A join whose outcome is set, with one more side kept out of it (or, for a second payment, remembered as an extra one). */
function keptOut(state: JoinState, side: OrderEvent): JoinState {
  if (side.eventType === 'OrderCreated') return { ...state, order: side };
  if (state.payment === undefined) return { ...state, payment: side };
  const met = state.extraPayments ?? [];
  return met.length < MAX_EXTRA_PAYMENTS ? { ...state, extraPayments: [...met, side.paymentId] } : state;
}

function waitingAlone(side: OrderEvent, windowMs: number): JoinState {
  return { ...(side.eventType === 'OrderCreated' ? { order: side } : { payment: side }), closesAt: side.time + windowMs };
}

/**
 * Time passing for a join, `now` by the stream's clock: a side still waiting when its window has
 * closed ends the join, an order as unpaid, a payment as an orphan. Nothing changes before.
 */
export function closeJoin(state: JoinState, now: number): JoinStep {
  if (state.outcome !== undefined || state.closesAt === undefined || now < state.closesAt) return { status: 'waiting', state };
  if (state.order) {
    const result: JoinResult = { outcome: JoinOutcome.unpaid, order: state.order };
    return { status: 'done', state: { order: state.order, outcome: result.outcome }, result };
  }
  const payment = state.payment as PaymentReceived;
  const result: JoinResult = { outcome: JoinOutcome.orphanPayment, payment };
  return { status: 'done', state: { payment, outcome: result.outcome }, result };
}

/** The result a join's outcome stands for, read back from its state (undefined while a side waits). */
export function resultOf(state: JoinState): JoinResult | undefined {
  const { outcome, order, payment } = state;
  if ((outcome === JoinOutcome.joined || outcome === JoinOutcome.amountMismatch) && order && payment) return matched(order, payment);
  if (outcome === JoinOutcome.unpaid && order) return { outcome, order };
  if (outcome === JoinOutcome.orphanPayment && payment) return { outcome, payment };
  return undefined;
}

/** Whether the event is one the join has met: the order's creation (one per order), or one of its payments. */
function isMetBefore(state: JoinState, event: OrderEvent): boolean {
  if (event.eventType === 'OrderCreated') return state.order !== undefined;
  return state.payment?.paymentId === event.paymentId || (state.extraPayments?.includes(event.paymentId) ?? false);
}

function matched(order: OrderCreated, payment: PaymentReceived): JoinResult {
  const record: JoinedRecord = {
    orderId: order.orderId,
    userId: order.userId,
    orderAmount: order.amount,
    paymentId: payment.paymentId,
    paymentStatus: 'paid',
  };
  // Exactly as written: rounding floating-point amounts to cents is not reliable (1.005 × 100 rounds down).
  return order.amount === payment.amount
    ? { outcome: JoinOutcome.joined, record }
    : { outcome: JoinOutcome.amountMismatch, record, paymentAmount: payment.amount, at: Math.max(order.time, payment.time) };
}
