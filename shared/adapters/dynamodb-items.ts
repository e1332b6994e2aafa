import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../domain/alerts';
import type { EntityState, Pane } from '../domain/entity-state';
import type { DecisionRecord, EntityCommit, EntityType, StoredDecision } from '../state/store';
import { NO_COMMIT } from '../state/store';

/**
 * Every item layout, in one place. The state table has one string key, `pk`:
 *   `user#<userId>` / `device#<deviceId>`: an entity's window panes (with the ids each has applied),
 *     its watermark, last-seen facts and version (`StoredEntity`)
 *   `txn#<transactionId>`: the stored decision, so a decision is one GetItem away by transaction id,
 *     with the entity version it was computed from (`basedOn`)
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

export const DECISION_PREFIX = 'txn#';

export function decisionKey(transactionId: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `${DECISION_PREFIX}${transactionId}` } };
}

export function decisionItem({ decision, basedOn, decidedAt }: DecisionRecord, expiresAt: number): Record<string, unknown> {
  return {
    [KEY]: `${DECISION_PREFIX}${decision.transactionId}`,
    itemType: 'decision',
    ...decision,
    basedOn,
    decidedAt,
    [TTL_ATTRIBUTE]: expiresAt,
  };
}

/** What a decision item says of its commit; an item without it counts as committed. */
export function storedDecisionOf(item: Record<string, AttributeValue>): [string, StoredDecision] {
  const basedOn = item['basedOn']?.N;
  return [
    String(item[KEY]?.S).slice(DECISION_PREFIX.length),
    {
      basedOn: basedOn === undefined ? NO_COMMIT : Number(basedOn),
      decidedAt: Number(item['decidedAt']?.N ?? 0),
      eventTime: Date.parse(item['eventTime']?.S ?? ''),
      userId: item['userId']?.S ?? '',
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
  readonly last?: Last;
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
    ...(commit.state.last === undefined ? {} : { last: commit.state.last }),
    expiresAt: commit.expiresAt,
  };
}

export function entityStateOf<Last>(item: StoredEntity<Last>): EntityState<Last> {
  return {
    version: item.ver,
    watermark: item.watermark ?? null,
    panes: item.panes ?? {},
    ...(item.last === undefined ? {} : { last: item.last }),
  };
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
