import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../domain/alerts';
import type { Decision } from '../domain/fraud-rules';
import type { EntityType } from '../state/store';

/**
 * Item layouts. The state table has one string key, `pk`:
 *   `user#<userId>` / `device#<deviceId>`: an entity's window panes, last-seen facts and applied ids
 *   `txn#<transactionId>`: the stored decision, so a decision is one GetItem away by transaction id
 * The alert outbox table is keyed by `alertId`. Every item carries `expiresAt` (epoch seconds, TTL).
 */
export const KEY = 'pk';
export const ALERT_KEY = 'alertId';
export const TTL_ATTRIBUTE = 'expiresAt';

export function entityKey(type: EntityType, id: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `${type}#${id}` } };
}

export const DECISION_PREFIX = 'txn#';

export function decisionKey(transactionId: string): Record<string, AttributeValue> {
  return { [KEY]: { S: `${DECISION_PREFIX}${transactionId}` } };
}

export function decisionItem(decision: Decision, expiresAt: number): Record<string, unknown> {
  return { [KEY]: `${DECISION_PREFIX}${decision.transactionId}`, itemType: 'decision', ...decision, [TTL_ATTRIBUTE]: expiresAt };
}

export function alertItem(alert: Alert, expiresAt: number): Record<string, unknown> {
  return { ...alert, entityType: alert.entity.type, entityId: alert.entity.id, [TTL_ATTRIBUTE]: expiresAt };
}
