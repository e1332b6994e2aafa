import { seededRandom } from './random';
import type { ORDER_KIND, OrderLabel, OrderSide } from './orders';
import { OrderTraffic, orderStartChance } from './orders';
import type { EventKindName } from '../../shared/kinds/names';

export { ORDER_KIND, OrderLabel } from './orders';

/**
 * Realistic, reproducible traffic: many users and devices behaving normally, plus labelled
 * anomalies, so that detection can be measured against the labels. A scenario's label is on every
 * event of it (the first purchases of a burst too), so recall counts what a rule can only see late. The labels never travel with
 * the events (the scorer must not see them): the generator hands them to the caller beside each event.
 */
export const TransactionLabel = {
  normal: 'normal',
  velocity: 'velocity',
  cardTesting: 'card_testing',
  impossibleTravel: 'impossible_travel',
  largeAmount: 'large_amount',
  riskyMerchant: 'risky_merchant',
} as const;
export const ReadingLabel = { normal: 'normal', overheating: 'overheating', jump: 'jump', drift: 'drift' } as const;
export type Label =
  (typeof TransactionLabel)[keyof typeof TransactionLabel] | (typeof ReadingLabel)[keyof typeof ReadingLabel] | OrderLabel;

/** Where an event goes: a scored kind's stream, or the orders stream (`order`: orders and payments). */
export type TrafficKind = EventKindName | typeof ORDER_KIND;

export interface LabelledEvent {
  readonly kind: TrafficKind;
  /** The event's own id (a reading's is derived from device and time, as the scorer derives it). */
  readonly id: string;
  readonly partitionKey: string;
  readonly event: Record<string, unknown>;
  readonly label: Label;
  /** Events of one anomalous scenario share an id, so detection can be counted per scenario too. */
  readonly scenario?: number;
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly users?: number;
  readonly devices?: number;
  /** Share of transactions among all events. */
  readonly transactionShare?: number;
  /** Share of anomalous scenarios started among all events. */
  readonly anomalyRate?: number;
  /** Event time of the first event (epoch ms) and the mean gap between events. */
  readonly start?: number;
  readonly meanGapMs?: number;
  /** Goes into every transaction id (default: the seed), so that two runs with one seed can be told apart. */
  readonly idPrefix?: string;
  /**
   * Let a scenario unfold in event time while other traffic goes on (its later events are held
   * back until their time), so that event time follows the clock of a stream produced live. By
   * default a scenario holds the whole stream until it is done, so a finite stream ends with every
   * scenario complete.
   */
  readonly interleave?: boolean;
  /**
   * Share of orders and payments (the orders stream's join, orders.ts) among all events; 0, the
   * default, leaves them out: consumers that know only the scored kinds (the fault ledger, the
   * bench, the backtest's tests) take the traffic as before. The demo and `produce --generate` take
   * DEFAULT_ORDER_SHARE. Orders come from draws of their own, so a seed's transactions and readings
   * are the same with orders or without; an order's second side comes within 8 s of event time, so
   * only the orders started in a finite stream's last 8 s may lack theirs.
   */
  readonly orderShare?: number;
}

/** The share of orders and payments the demo and `produce --generate` put: modest, so the scored kinds' figures stay what they were. */
export const DEFAULT_ORDER_SHARE = 0.1;

const COUNTRIES = ['DE', 'FR', 'NL', 'ES', 'IT', 'PL', 'SE', 'AT'];
const FAR_COUNTRIES = ['BR', 'US', 'JP', 'AU', 'ZA'];
const CATEGORIES = ['grocery', 'fuel', 'restaurant', 'electronics', 'travel', 'pharmacy', 'clothing'];
const RISKY = ['gambling', 'crypto', 'gift_cards'];

interface User {
  readonly id: string;
  readonly home: string;
  readonly card: string;
  readonly typical: number;
  /** Event time of the user's latest purchase. */
  lastPurchase: number;
}

/**
 * A normal card holder buys at most once a minute: drawn uniformly, a few of 500 users would buy
 * six times in three minutes at the demo's rate, which is a burst the velocity rule rightly flags
 * and a "normal" label would wrongly call a false positive.
 */
const NORMAL_PURCHASE_GAP_MS = 60_000;

interface Device {
  readonly id: string;
  readonly baseline: number;
  lastTime: number;
  lastTemperature: number;
}

/**
 * An endless, deterministic stream of events in event-time order. Anomalies come as short
 * scenarios (a burst of transactions, a run of hot readings) interleaved with normal traffic; orders
 * and their payments (with `orderShare`) start beside the scored events, at their times.
 */
export function* generateTraffic(options: GeneratorOptions): Generator<LabelledEvent> {
  const startChance = orderStartChance(options.orderShare ?? 0);
  if (startChance === 0) return yield* scoredTraffic(options);
  const orders = new OrderTraffic(options.seed, {
    users: options.users ?? 500,
    idPrefix: options.idPrefix ?? String(options.seed),
    startChance,
  });
  for (const event of scoredTraffic(options)) {
    const time = Date.parse(String(event.event['timestamp']));
    for (const side of orders.dueBy(time)) yield labelled(side);
    yield event;
    for (const side of orders.startAt(time)) yield labelled(side);
  }
}

function labelled({ kind, id, partitionKey, event, label }: OrderSide): LabelledEvent {
  return { kind, id, partitionKey, event, label };
}

/** The scored kinds' traffic: transactions and readings, normal and in anomaly scenarios. */
function* scoredTraffic(options: GeneratorOptions): Generator<LabelledEvent> {
  const rnd = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const users: User[] = Array.from({ length: options.users ?? 500 }, (_, i) => ({
    id: `user-${i}`,
    home: pick(COUNTRIES),
    card: `4${String(Math.floor(rnd() * 1e15)).padStart(15, '0')}`,
    typical: Math.round((10 + rnd() * 90) * 100) / 100,
    lastPurchase: -Infinity,
  }));
  const devices: Device[] = Array.from({ length: options.devices ?? 50 }, (_, i) => {
    const baseline = Math.round((18 + rnd() * 30) * 10) / 10;
    return { id: `sensor-${i}`, baseline, lastTime: 0, lastTemperature: baseline };
  });
  // Anomalies happen to a set of users and devices of their own: a normal event right after an
  // anomaly of the same entity (home again an hour after a far country) would rightly be flagged,
  // and its "normal" label would then be wrong.
  const split = <T>(items: readonly T[], share: number): [T[], T[]] => {
    const cut = Math.max(1, Math.floor(items.length * share));
    return [items.slice(0, cut), items.slice(cut)];
  };
  const [anomalousUsers, normalUsers] = split(users, 0.1);
  const [faultyDevices, healthyDevices] = split(devices, 0.2);
  const transactionShare = options.transactionShare ?? 0.6;
  const anomalyRate = options.anomalyRate ?? 0.02;
  const meanGap = options.meanGapMs ?? 200;
  let time = options.start ?? Date.parse('2026-04-25T12:00:00Z');
  let sequence = 0;
  let scenarios = 0;
  const pending: LabelledEvent[] = [];

  const transaction = (user: User, label: Label, overrides: Record<string, unknown> = {}): LabelledEvent => {
    const transactionId = `txn-${options.idPrefix ?? options.seed}-${sequence++}`;
    const amount = Math.max(0.5, Math.round(user.typical * (0.3 + rnd() * 1.4) * 100) / 100);
    const event = {
      transactionId,
      userId: user.id,
      cardId: user.card,
      amount,
      currency: 'EUR',
      country: user.home,
      merchantCategory: pick(CATEGORIES),
      timestamp: new Date(time).toISOString(),
      ...overrides,
    };
    return { kind: 'transaction', id: transactionId, partitionKey: user.id, event, label };
  };

  const reading = (device: Device, temperature: number, label: Label): LabelledEvent => {
    // One reading per device per millisecond at most: a device's readings are identified by their time.
    const at = Math.max(time, device.lastTime + 1);
    device.lastTime = at;
    device.lastTemperature = temperature;
    const timestamp = new Date(at).toISOString();
    const event = { deviceId: device.id, temperature: Math.round(temperature * 10) / 10, humidity: Math.round(30 + rnd() * 40), timestamp };
    return { kind: 'reading', id: `${device.id}@${timestamp}`, partitionKey: device.id, event, label };
  };

  const scenario = (): LabelledEvent[] => {
    const user = pick(anomalousUsers);
    const device = pick(faultyDevices);
    const later = (ms: number) => {
      time += ms;
    };
    switch (Math.floor(rnd() * 8)) {
      case 0: // a burst of purchases: more than the velocity limit in minutes
        return Array.from({ length: 8 }, (_, i) => (i > 0 && later(10_000 + rnd() * 5_000), transaction(user, TransactionLabel.velocity)));
      case 1: // card testing: tiny amounts in quick succession
        return Array.from(
          { length: 5 },
          (_, i) => (
            i > 0 && later(3_000 + rnd() * 3_000),
            transaction(user, TransactionLabel.cardTesting, { amount: Math.round((0.5 + rnd() * 4) * 100) / 100 })
          ),
        );
      case 2: {
        const first = transaction(user, TransactionLabel.impossibleTravel);
        later(5 * 60_000 + rnd() * 20 * 60_000);
        return [first, transaction(user, TransactionLabel.impossibleTravel, { country: pick(FAR_COUNTRIES) })];
      }
      case 3:
        return [transaction(user, TransactionLabel.largeAmount, { amount: Math.round((1500 + rnd() * 7500) * 100) / 100 })];
      case 4:
        return [transaction(user, TransactionLabel.riskyMerchant, { merchantCategory: pick(RISKY) })];
      case 5:
        return [reading(device, 85 + rnd() * 14, ReadingLabel.overheating)];
      case 6:
        return [
          reading(device, device.baseline, ReadingLabel.jump),
          (later(30_000), reading(device, Math.min(79, device.baseline + 20 + rnd() * 5), ReadingLabel.jump)),
        ];
      default: // drift: a device creeping up until its window's average passes the limit
        return Array.from({ length: 5 }, (_, i) => (i > 0 && later(20_000), reading(device, 76 + i * 0.5 + rnd(), ReadingLabel.drift)));
    }
  };

  const eventTime = (e: LabelledEvent) => Date.parse(String(e.event['timestamp']));
  // Interleaved scenarios' later events, in event-time order.
  const held: LabelledEvent[] = [];
  for (;;) {
    if (pending.length === 0) {
      time += Math.round(-Math.log(1 - rnd()) * meanGap);
      while (held[0] && eventTime(held[0]) <= time) pending.push(held.shift() as LabelledEvent);
      if (pending.length > 0) {
        // Held events come first; the next fresh event is drawn on a later turn.
      } else if (rnd() < anomalyRate) {
        const id = scenarios++;
        const startedAt = time;
        const events = scenario().map((e) => (e.label === 'normal' ? e : { ...e, scenario: id }));
        if (options.interleave) {
          time = startedAt;
          held.push(...events);
          held.sort((a, b) => eventTime(a) - eventTime(b));
          while (held[0] && eventTime(held[0]) <= time) pending.push(held.shift() as LabelledEvent);
        } else {
          pending.push(...events);
        }
      } else if (rnd() < transactionShare) {
        const user = pick(normalUsers);
        if (time - user.lastPurchase < NORMAL_PURCHASE_GAP_MS) continue; // draws again
        user.lastPurchase = time;
        pending.push(transaction(user, TransactionLabel.normal));
      } else {
        const device = pick(healthyDevices);
        pending.push(reading(device, device.baseline + (rnd() - 0.5) * 4, ReadingLabel.normal));
      }
    }
    const next = pending.shift();
    if (next) yield next;
  }
}

/** The first `count` events of the stream. */
export function takeTraffic(count: number, options: GeneratorOptions): LabelledEvent[] {
  const events: LabelledEvent[] = [];
  for (const event of generateTraffic(options)) {
    if (events.length >= count) break;
    events.push(event);
  }
  return events;
}
