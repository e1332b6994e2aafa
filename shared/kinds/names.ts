/**
 * Each event kind's names, as data only: what the stack, the sweep and the stores key by. Code that
 * needs the names but not the kinds' validators and engines (the stores, the alerts, join-orders'
 * bundle) imports this, not the registry; each kind's entry (transaction.ts, reading.ts) takes its
 * names from here. A new kind is one more entry (and one in the registry).
 */
export const KIND_NAMES = {
  transaction: {
    name: 'transaction',
    stream: 'transactions',
    entityType: 'user',
    /** The event's field that names its entity: the partition key, and a stored record's attribute. */
    entityField: 'userId',
    /**
     * Fields only its events have: a JSON object from mixed input (a file, stdin) that has one is
     * one of its events, whatever else it carries (an order's fields, a device id).
     */
    distinctiveFields: ['transactionId'],
    alertKind: 'fraud',
    /**
     * Its stored record (one per judged event, in the state table): the key's prefix, the item's
     * type, the attribute that holds the event's id, whether that id already names its entity (else
     * the key holds both: a transaction id is unique per user only), and whether the record is kept
     * only as long as its entity's item (a reading's status: else the decisions' retention applies).
     */
    record: { prefix: 'txn#', itemType: 'decision', idField: 'transactionId', idNamesEntity: false, keptWithEntity: false },
  },
  reading: {
    name: 'reading',
    stream: 'readings',
    entityType: 'device',
    entityField: 'deviceId',
    distinctiveFields: ['temperature'],
    alertKind: 'sensor',
    record: { prefix: 'reading#', itemType: 'reading', idField: 'readingId', idNamesEntity: true, keptWithEntity: true },
  },
} as const;

/**
 * The orders join's names: no scored kind (no rules, no windows), a join of two event types on one
 * stream (shared/domain/order-join.ts). Its items are `order#<orderId>`; its alerts are `payment`
 * alerts about an `order`; the sweep finds its waiting joins in the incidents index under `order`.
 */
export const ORDER_JOIN_NAMES = {
  stream: 'orders',
  entityType: 'order',
  /** The event's field that names its join: the partition key. */
  entityField: 'orderId',
  alertKind: 'payment',
} as const;

export type KindNames = (typeof KIND_NAMES)[keyof typeof KIND_NAMES];
export type EventKindName = KindNames['name'];
export type EntityTypeName = KindNames['entityType'];
/** What an alert can be about: a scored kind's entity, or an order. */
export type AlertEntityTypeName = EntityTypeName | (typeof ORDER_JOIN_NAMES)['entityType'];
export type AlertKindName = KindNames['alertKind'] | (typeof ORDER_JOIN_NAMES)['alertKind'];
/** The scored kinds' streams. */
export type StreamName = KindNames['stream'];
/** Every input stream: the scored kinds' and the orders'. */
export type InputStreamName = StreamName | (typeof ORDER_JOIN_NAMES)['stream'];

/** In the registry's order (a new kind's entry above is all it takes). */
export const ALL_KIND_NAMES: readonly KindNames[] = Object.values(KIND_NAMES);

/** Whether a JSON object from mixed input has a field only one scored kind's events have (`transactionId`). */
export function hasDistinctiveField(input: Readonly<Record<string, unknown>>): boolean {
  return ALL_KIND_NAMES.some((kind) => kind.distinctiveFields.some((field) => field in input));
}

/** The entity types and the alert kinds, in the registry's order (at least one: as zod's `enum` takes them). */
export const ALL_ENTITY_TYPES = ALL_KIND_NAMES.map((kind) => kind.entityType) as [EntityTypeName, ...EntityTypeName[]];
export const ALL_ALERT_KINDS: [AlertKindName, ...AlertKindName[]] = [
  ORDER_JOIN_NAMES.alertKind,
  ...ALL_KIND_NAMES.map((kind) => kind.alertKind),
];
export const ALL_ALERT_ENTITY_TYPES: [AlertEntityTypeName, ...AlertEntityTypeName[]] = [ORDER_JOIN_NAMES.entityType, ...ALL_ENTITY_TYPES];
export const ALL_INPUT_STREAMS: readonly InputStreamName[] = [...ALL_KIND_NAMES.map((kind) => kind.stream), ORDER_JOIN_NAMES.stream];

/** The same, each keyed by itself (`ENTITY_TYPES.user` is 'user'), for code that names one. */
export const ENTITY_TYPES = keyedBySelf(ALL_ENTITY_TYPES);
export const ALERT_KINDS = keyedBySelf(ALL_ALERT_KINDS);

function keyedBySelf<V extends string>(values: readonly V[]): { readonly [Value in V]: Value } {
  return Object.fromEntries(values.map((value) => [value, value])) as { readonly [Value in V]: Value };
}

/** The names of the kind whose entities are of this type. */
export function namesOfEntityType(type: EntityTypeName): KindNames {
  return ALL_KIND_NAMES.find((kind) => kind.entityType === type) as KindNames;
}

/** The names of the kind whose stored records a state-table key is one of, if any. */
export function namesOfRecordKey(key: string): KindNames | undefined {
  return ALL_KIND_NAMES.find((kind) => key.startsWith(kind.record.prefix));
}

/** The stream's name capitalised, as the stack's ids and outputs use it (`Transactions`: `ScoreTransactions`, `TransactionsDlq`). */
export function streamTitle(kind: { readonly stream: string }): string {
  return `${kind.stream.charAt(0).toUpperCase()}${kind.stream.slice(1)}`;
}

/** The stack output that names a kind's stream (`TransactionsStreamName`). */
export function streamOutput(kind: { readonly stream: string }): string {
  return `${streamTitle(kind)}StreamName`;
}

/** The environment variable that gives the sweep a kind's stream (`TRANSACTIONS_STREAM`), where its entities' control records go. */
export function streamVariable(kind: { readonly stream: string }): string {
  return `${kind.stream.toUpperCase()}_STREAM`;
}
