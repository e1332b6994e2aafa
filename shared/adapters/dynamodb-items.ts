import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../domain/alerts';
import type { EntityState, RecentCommits } from '../domain/entity-state';
import type { Incident, OpenIncidents, OperatorAction, Snoozes } from '../domain/incidents';
import type { Pane } from '../domain/panes';
import { NO_RECENT } from '../domain/entity-state';
import type { EntityCommit, EventRecord, EventRef, StoredEvent } from '../state/store';
import { EntityType, eventRefKey, NO_COMMIT } from '../state/store';
import { namesOfEntityType, namesOfRecordKey, ORDER_JOIN_NAMES } from '../kinds/names';
import type { JoinOutcome, JoinState } from '../domain/order-join';

/**
 * Every item layout, in one place. The state table has one string key, `pk`:
 *   `user#<userId>` / `device#<deviceId>`: an entity's window panes, its watermark, last-seen
 *     facts, version and the ids of its recent commits (`StoredEntity`)
 *   `txn#["<userId>","<transactionId>"]`: a transaction's decision, one GetItem away by user and
 *     transaction id, and `reading#<deviceId>@<time>`: a reading's status; both with the entity
 *     version they were judged at (`basedOn`) and when (`decidedAt`)
 *   `ops#<type>#<id>`: operators' actions on the entity's incidents (`OperatorActionsItem`), written by the
 *     CLI, read by the scorer when a control record for the entity comes
 *   `order#<orderId>`: an order's join with its payment (`StoredJoinItem`), written by join-orders only
 *   `budget#<subscriber>#<window start>`: the ids of the messages a budgeted subscriber was sent in
 *     one window, and `held#<subscriber>#<window start>#<alertId>`: one notification held back for it
 *     then, until the sweep sends the window's digest (publish-alerts and the sweep only: dynamodb-budgets.ts)
 * The alert outbox table is keyed by `alertId`. Every item carries `expiresAt` (epoch seconds, TTL).
 */
export const KEY = 'pk';
export const ALERT_KEY = 'alertId';
export const TTL_ATTRIBUTE = 'expiresAt';
/** On an outbox item once SNS accepted the alert (ISO time), written by publish-alerts: a replay of the outbox stream skips it. */
export const PUBLISHED_ATTRIBUTE = 'publishedAt';

export function entityKey(type: EntityType, id: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `${type}#${id}` } };
}

/** Where operators' actions on an entity's incidents are kept (see OperatorActionsItem). */
export function operatorActionsKey(type: EntityType, id: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `ops#${type}#${id}` } };
}

/**
 * Operators' actions on one entity's incidents, oldest first. Written by the CLI only: the scorer,
 * the entity's one writer, reads them when a control record for the entity comes and applies them
 * all again (an action means the same every time: see `operate`), so nothing marks one as done.
 */
export interface OperatorActionsItem {
  readonly pk: string;
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly actions: readonly OperatorAction[];
  readonly expiresAt: number;
}

/**
 * Event records are keyed by their entity and event, under a prefix per kind (kinds/names.ts): a
 * transaction by its user and id (ids are unique per user only: another user's transaction under
 * the same id must neither overwrite nor stand for this one), a reading by its id, which holds its device.
 */
function recordPk(type: EntityType, ref: EventRef): string {
  const { record } = namesOfEntityType(type);
  return `${record.prefix}${record.idNamesEntity ? ref.eventId : JSON.stringify([ref.entityId, ref.eventId])}`;
}

export function recordKey(type: EntityType, ref: EventRef): Record<string, AttributeValue> {
  return { [KEY]: { S: recordPk(type, ref) } };
}

/** A transaction's decision is one GetItem away by its user and transaction id. */
export function decisionKey(userId: string, transactionId: string): Record<string, AttributeValue> {
  return recordKey(EntityType.user, { entityId: userId, eventId: transactionId });
}

export function recordItem(record: EventRecord, expiresAt: number): Record<string, unknown> {
  const { type, outcome, basedOn, decidedAt, rulesVersion, shadow } = record;
  return {
    [KEY]: recordPk(type, record),
    itemType: namesOfEntityType(type).record.itemType,
    ...outcome,
    basedOn,
    decidedAt,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
    ...(shadow === undefined
      ? {}
      : { [SHADOW_ATTRIBUTE]: { ...(shadow.rulesVersion === undefined ? {} : { rulesVersion: shadow.rulesVersion }), ...shadow.outcome } }),
    [TTL_ATTRIBUTE]: expiresAt,
  };
}

/**
 * On an event record: the candidate rules' judgement of the event, made in shadow, as its kind keeps
 * it (ScoringKind's `shadowOf`), with the candidate's `rulesVersion`; the ids are the record's.
 */
export const SHADOW_ATTRIBUTE = 'shadow';

/** Whether a state-table item is an event record of this kind (else: an entity). */
export function isRecordItem(type: EntityType, item: Record<string, AttributeValue>): boolean {
  return item[KEY]?.S?.startsWith(namesOfEntityType(type).record.prefix) === true;
}

/** What an event record says of its commit, by `eventRefKey`; an item without `basedOn` counts as committed. */
export function storedEventOf(item: Record<string, AttributeValue>): [string, StoredEvent] {
  const basedOn = item['basedOn']?.N;
  const names = namesOfRecordKey(item[KEY]?.S ?? '');
  const entityId = (names && item[names.entityField]?.S) ?? '';
  return [
    eventRefKey({ entityId, eventId: (names && item[names.record.idField]?.S) ?? '' }),
    {
      basedOn: basedOn === undefined ? NO_COMMIT : Number(basedOn),
      decidedAt: Number(item['decidedAt']?.N ?? 0),
      ...(item['rulesVersion']?.N === undefined ? {} : { rulesVersion: Number(item['rulesVersion'].N) }),
      eventTime: Date.parse(item['eventTime']?.S ?? ''),
      entityId,
    },
  ];
}

export function alertKey(alertId: string): Record<string, AttributeValue> {
  return { [ALERT_KEY]: { S: alertId } };
}

export function alertItem(alert: Alert, expiresAt: number): Record<string, unknown> {
  return { ...alert, entityType: alert.entity.type, entityId: alert.entity.id, [TTL_ATTRIBUTE]: expiresAt };
}

/** An entity's state item. `ver` is what a conditional commit compares. */
export interface StoredEntity<Last> {
  readonly pk: string;
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly ver: number;
  readonly watermark?: number;
  readonly panes: Record<string, Pane>;
  /** The pane length (ms) the panes were cut by; absent on items of the tumbling-window release. */
  readonly paneMs?: number;
  /** The version the first of `recent`'s commits made; the others follow one by one. */
  readonly recentFrom?: number;
  /** The recent commits' ids as the domain keeps them (RecentCommits): one string, a few bytes an id. */
  readonly recent?: string;
  readonly last?: Last;
  /** Its open incidents by cause (see incidents.ts), as `storedIncident` keeps them. */
  readonly incidents?: Record<string, StoredIncident>;
  readonly snoozed?: Snoozes;
  /** On an item with open incidents only: when the sweep should look at them, epoch seconds rounded up to the minute (INCIDENTS_INDEX). */
  readonly due?: number;
  readonly expiresAt: number;
}

/**
 * An incident as its entity's item keeps it. A hot entity pays for every byte on every write (a
 * user's item at 1,020 bytes is one write unit, at 1,030 two), so what can be derived is left out:
 * the cause is the map's key, and the arrival is kept as its lag behind the last signal's time
 * (a few bytes, where an epoch time takes eight).
 */
type StoredIncident = Omit<Incident, 'cause' | 'arrivedAt'> & { readonly lag?: number };

function storedIncidents(incidents: OpenIncidents): Record<string, StoredIncident> {
  return Object.fromEntries(
    Object.entries(incidents).map(([cause, { cause: _cause, arrivedAt, ...kept }]) => [
      cause,
      arrivedAt === undefined ? kept : { ...kept, lag: arrivedAt - kept.lastSignalAt },
    ]),
  );
}

function incidentsOf(stored: Record<string, StoredIncident>): OpenIncidents {
  return Object.fromEntries(
    Object.entries(stored).map(([cause, { lag, ...kept }]) => [
      cause,
      { ...kept, cause, ...(lag === undefined ? {} : { arrivedAt: kept.lastSignalAt + lag }) },
    ]),
  );
}

/**
 * A sparse index of the entities with open incidents (only their items have `due`), by type and
 * when time passing next changes them: the sweep queries what is due, the CLI lists what is open.
 * Keys only: a key changes at most once a minute however often the entity signals (the due time is
 * rounded up to the minute, the sweep's period), so the index costs a write a minute per entity
 * with an incident, not one an event.
 */
export const INCIDENTS_INDEX = { name: 'incidents-due', partitionKey: 'entityType', sortKey: 'due' } as const;

/** Held notifications are in the incidents index too, under this type, due at their window's end. */
export const DIGEST_TYPE = 'digest';

/** A budgeted subscriber's count of one window. */
export function budgetKey(subscriber: string, windowStart: number): Record<string, AttributeValue> {
  return { [KEY]: { S: `budget#${subscriber}#${windowStart}` } };
}

/** One notification held back for a budgeted subscriber in one window, until the sweep sends the window's digest. */
export function heldKey(subscriber: string, windowStart: number, alertId: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `held#${subscriber}#${windowStart}#${alertId}` } };
}

/** How coarse the index's due times are (see INCIDENTS_INDEX). */
export const DUE_ROUNDING_SECONDS = 60;

function dueMinute(ms: number): number {
  return Math.ceil(ms / 1000 / DUE_ROUNDING_SECONDS) * DUE_ROUNDING_SECONDS;
}

export const ENTITY_VERSION = 'ver';

/** An order's join (order-join.ts) as its item keeps it; in the incidents index while a side waits, due when its window closes. */
export interface StoredJoinItem {
  readonly pk: string;
  readonly entityType: typeof ORDER_JOIN_NAMES.entityType;
  readonly orderId: string;
  readonly ver: number;
  readonly order?: { readonly userId: string; readonly amount: number; readonly time: number };
  readonly payment?: { readonly paymentId: string; readonly amount: number; readonly time: number };
  readonly outcome?: JoinOutcome;
  readonly closesAt?: number;
  readonly extraPayments?: readonly string[];
  readonly due?: number;
  readonly expiresAt: number;
}

export function joinKey(orderId: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `${ORDER_JOIN_NAMES.entityType}#${orderId}` } };
}

export function joinItem(orderId: string, state: JoinState, version: number, expiresAt: number): StoredJoinItem {
  const { order, payment, outcome, closesAt, extraPayments } = state;
  return {
    pk: String(joinKey(orderId)[KEY]?.S),
    entityType: ORDER_JOIN_NAMES.entityType,
    orderId,
    ver: version,
    ...(order === undefined ? {} : { order: { userId: order.userId, amount: order.amount, time: order.time } }),
    ...(payment === undefined ? {} : { payment: { paymentId: payment.paymentId, amount: payment.amount, time: payment.time } }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(closesAt === undefined || outcome !== undefined ? {} : { closesAt, due: dueMinute(closesAt) }),
    ...(extraPayments === undefined ? {} : { extraPayments }),
    expiresAt,
  };
}

export function joinStateOf(item: StoredJoinItem): JoinState {
  const { orderId, order, payment, outcome, closesAt, extraPayments } = item;
  return {
    ...(order === undefined ? {} : { order: { eventType: 'OrderCreated', orderId, ...order } }),
    ...(payment === undefined ? {} : { payment: { eventType: 'PaymentReceived', orderId, ...payment } }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(closesAt === undefined ? {} : { closesAt }),
    ...(extraPayments === undefined ? {} : { extraPayments }),
  };
}

export function entityItem<Last>(commit: EntityCommit<Last>): StoredEntity<Last> {
  return {
    pk: String(entityKey(commit.type, commit.id)[KEY]?.S),
    entityType: commit.type,
    entityId: commit.id,
    ver: commit.basedOn + 1,
    ...(commit.state.watermark === null ? {} : { watermark: commit.state.watermark }),
    panes: commit.state.panes as Record<string, Pane>,
    ...(commit.state.pane === undefined ? {} : { paneMs: commit.state.pane }),
    ...(commit.state.recent.ids === '' ? {} : { recentFrom: commit.state.recent.from, recent: commit.state.recent.ids }),
    ...(commit.state.last === undefined ? {} : { last: commit.state.last }),
    ...(commit.state.incidents === undefined ? {} : { incidents: storedIncidents(commit.state.incidents) }),
    ...(commit.state.snoozed === undefined ? {} : { snoozed: commit.state.snoozed }),
    ...(commit.state.incidentsDue === undefined ? {} : { due: dueMinute(commit.state.incidentsDue) }),
    expiresAt: commit.expiresAt,
  };
}

export function entityStateOf<Last>(item: StoredEntity<Last>): EntityState<Last> {
  return {
    version: item.ver,
    watermark: item.watermark ?? null,
    panes: item.panes ?? {},
    ...(item.paneMs === undefined ? {} : { pane: item.paneMs }),
    recent: item.recent === undefined ? paneIdsAsCommit(item) : { from: item.recentFrom ?? 0, ids: item.recent },
    ...(item.last === undefined ? {} : { last: item.last }),
    ...(item.incidents === undefined ? {} : { incidents: incidentsOf(item.incidents) }),
    ...(item.snoozed === undefined ? {} : { snoozed: item.snoozed }),
    ...(item.due === undefined ? {} : { incidentsDue: item.due * 1000 }),
  };
}

/**
 * An item written before only the recent commits kept ids kept them in its panes, and its readings
 * have no records: those ids become its one recent commit, so the events of its open windows stay
 * duplicates (its records' older commits read as unknown, so as done).
 */
function paneIdsAsCommit(item: StoredEntity<unknown>): RecentCommits {
  const ids = Object.values(item.panes ?? {}).flatMap((pane) => (pane as Pane & { ids?: readonly string[] }).ids ?? []);
  return ids.length === 0 ? NO_RECENT : { from: item.ver, ids: ids.join(' ') };
}

/** A projection with every attribute name as a placeholder (some, like `action`, are reserved words). */
export function projectionOf(attributes: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  return {
    ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#p${i}`, name])),
  };
}
