import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../domain/alerts';
import type { EntityState, RecentCommits } from '../domain/entity-state';
import type { OpenIncidents } from '../domain/incidents';
import type { Pane } from '../domain/panes';
import { NO_RECENT } from '../domain/entity-state';
import type { EntityCommit, EventRecord, EventRef, StoredEvent } from '../state/store';
import { EntityType, eventRefKey, NO_COMMIT } from '../state/store';

/**
 * Every item layout, in one place. The state table has one string key, `pk`:
 *   `user#<userId>` / `device#<deviceId>`: an entity's window panes, its watermark, last-seen
 *     facts, version and the ids of its recent commits (`StoredEntity`)
 *   `txn#["<userId>","<transactionId>"]`: a transaction's decision, one GetItem away by user and
 *     transaction id, and `reading#<deviceId>@<time>`: a reading's status; both with the entity
 *     version they were judged at (`basedOn`) and when (`decidedAt`)
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

/**
 * Event records are keyed by their entity and event, under a prefix per kind: a transaction by its
 * user and id (ids are unique per user only: another user's transaction under the same id must
 * neither overwrite nor stand for this one), a reading by its id, which holds its device.
 */
export const RECORD_PREFIX: Record<EntityType, string> = { user: 'txn#', device: 'reading#' };
const RECORD_TYPE: Record<EntityType, string> = { user: 'decision', device: 'reading' };

function recordPk(type: EntityType, ref: EventRef): string {
  return `${RECORD_PREFIX[type]}${type === EntityType.user ? JSON.stringify([ref.entityId, ref.eventId]) : ref.eventId}`;
}

export function recordKey(type: EntityType, ref: EventRef): Record<string, AttributeValue> {
  return { [KEY]: { S: recordPk(type, ref) } };
}

/** A transaction's decision is one GetItem away by its user and transaction id. */
export function decisionKey(userId: string, transactionId: string): Record<string, AttributeValue> {
  return recordKey(EntityType.user, { entityId: userId, eventId: transactionId });
}

export function recordItem(record: EventRecord, expiresAt: number): Record<string, unknown> {
  const { type, outcome, basedOn, decidedAt } = record;
  return {
    [KEY]: recordPk(type, record),
    itemType: RECORD_TYPE[type],
    ...outcome,
    basedOn,
    decidedAt,
    [TTL_ATTRIBUTE]: expiresAt,
  };
}

/** Whether a state-table item is an event record of this kind (else: an entity). */
export function isRecordItem(type: EntityType, item: Record<string, AttributeValue>): boolean {
  return item[KEY]?.S?.startsWith(RECORD_PREFIX[type]) === true;
}

/** What an event record says of its commit, by `eventRefKey`; an item without `basedOn` counts as committed. */
export function storedEventOf(item: Record<string, AttributeValue>): [string, StoredEvent] {
  const basedOn = item['basedOn']?.N;
  const entityId = item['userId']?.S ?? item['deviceId']?.S ?? '';
  return [
    eventRefKey({ entityId, eventId: item['transactionId']?.S ?? item['readingId']?.S ?? '' }),
    {
      basedOn: basedOn === undefined ? NO_COMMIT : Number(basedOn),
      decidedAt: Number(item['decidedAt']?.N ?? 0),
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
  /** Its open incidents by cause (see incidents.ts). */
  readonly incidents?: OpenIncidents;
  readonly expiresAt: number;
}

export const ENTITY_VERSION = 'ver';

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
    ...(commit.state.incidents === undefined ? {} : { incidents: commit.state.incidents }),
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
    ...(item.incidents === undefined ? {} : { incidents: item.incidents }),
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

/** What an operator's view of the table reads (the live page): decisions' actions and entities' panes. */
export const OVERVIEW_PROJECTION = [KEY, 'itemType', 'action', 'transactionId', 'entityType', 'entityId', 'panes'] as const;

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
