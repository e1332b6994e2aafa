import type { Field, Validation } from './event-fields';
import { id, MAX_AMOUNT, number, timestamp, toMillis, trim, typeName, validateFields } from './event-fields';
import type { OrderCreated, OrderEvent, PaymentReceived } from './order-join';
import { hasDistinctiveField } from '../kinds/names';

/** The seed's order and payment events, as producers write them (extra fields are kept, and ignored). */
interface OrderCreatedInput {
  readonly eventType: 'OrderCreated';
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  readonly timestamp: string | number;
}

interface PaymentReceivedInput {
  readonly eventType: 'PaymentReceived';
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly timestamp: string | number;
}

const amount = number(0, MAX_AMOUNT, 'must not be negative');

const ORDER_FIELDS: readonly Field[] = [
  { name: 'orderId', required: true, check: id, normalize: trim },
  { name: 'userId', required: true, check: id, normalize: trim },
  { name: 'amount', required: true, check: amount },
  { name: 'timestamp', required: true, check: timestamp },
];

const PAYMENT_FIELDS: readonly Field[] = [
  { name: 'orderId', required: true, check: id, normalize: trim },
  { name: 'paymentId', required: true, check: id, normalize: trim },
  { name: 'amount', required: true, check: amount },
  { name: 'timestamp', required: true, check: timestamp },
];

const EVENT_TYPES = ['OrderCreated', 'PaymentReceived'] as const;

/**
 * Whether a JSON object from mixed input is meant as an order or a payment: it is no transaction and
 * no reading, and its `eventType` says so or it names an order (then a wrong or missing `eventType`
 * is reported as such).
 */
export function claimsOrderEvent(input: Readonly<Record<string, unknown>>): boolean {
  // A transaction or a reading (any scored kind's event) that carries an order's fields among its
  // own stays what it is. A device id alone does not make a reading: an order may carry the buyer's device.
  if (hasDistinctiveField(input)) return false;
  return EVENT_TYPES.some((type) => input['eventType'] === type) || 'orderId' in input;
}

/** An order or a payment, checked field by field (every wrong field named), with its event time in epoch ms. */
export function validateOrderEvent(input: unknown): Validation<OrderEvent> {
  const eventType = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['eventType'] : undefined;
  if (eventType === 'OrderCreated') {
    const parsed = validateFields<OrderCreatedInput>(ORDER_FIELDS, input);
    if (!parsed.ok) return parsed;
    const { orderId, userId, amount: value, timestamp: at } = parsed.value;
    const order: OrderCreated = { eventType, orderId, userId, amount: value, time: toMillis(at) };
    return { ok: true, value: order };
  }
  if (eventType === 'PaymentReceived') {
    const parsed = validateFields<PaymentReceivedInput>(PAYMENT_FIELDS, input);
    if (!parsed.ok) return parsed;
    const { orderId, paymentId, amount: value, timestamp: at } = parsed.value;
    const payment: PaymentReceived = { eventType, orderId, paymentId, amount: value, time: toMillis(at) };
    return { ok: true, value: payment };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, reason: `expected a JSON object, got ${typeName(input)}` };
  return {
    ok: false,
    reason:
      eventType === undefined
        ? 'missing required field "eventType"'
        : `field "eventType" must be ${EVENT_TYPES.map((t) => `"${t}"`).join(' or ')}`,
  };
}
