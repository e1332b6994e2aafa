import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { alertKey, PUBLISHED_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';
import { DynamoDBStateStore } from '../../shared/adapters/dynamodb-state-store';
import type { Alert } from '../../shared/domain/alerts';
import { DEFAULT_RULES } from '../../shared/domain/rules-config';
import { createResources, dynamodb } from '../support/resources';

const ALERT: Alert = {
  alertId: 'a1',
  kind: 'fraud',
  severity: 'warning',
  entity: { type: 'user', id: 'user-1' },
  summary: 'Transaction t1 held for review (risk 0.60)',
  reasons: ['largeAmount: amount 2500 is at or above 1000'],
  eventIds: ['t1'],
  eventTime: '2026-04-25T12:00:00.000Z',
};

/**
 * A scoring batch written again (a retry after a failed commit, a redrive) writes its alerts again.
 * publish-alerts may have sent one already and marked its outbox item: the mark must survive, or a
 * later replay of the outbox stream would send the alert to people again.
 */
describe('the outbox as the scorers write it, on moto', () => {
  it('keeps an alert as first stored, with its published mark, when a batch writes it again', async () => {
    // Arrange: the alert is stored, then published and marked.
    const resources = await createResources('outbox-writes');
    const store = new DynamoDBStateStore({
      client: dynamodb,
      stateTable: resources.stateTable,
      alertsTable: resources.alertsTable,
      retention: DEFAULT_RULES.retention,
    });
    await store.writeEffects({ records: [], alerts: [ALERT], alertsMayBeStored: false });
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: resources.alertsTable,
        Key: alertKey('a1'),
        UpdateExpression: 'SET #p = :at',
        ExpressionAttributeNames: { '#p': PUBLISHED_ATTRIBUTE },
        ExpressionAttributeValues: { ':at': { S: '2026-04-25T12:00:05.000Z' } },
      }),
    );

    // Act: the same batch again (its decisions were found stored), its alert recomputed with other reasons.
    await store.writeEffects({ records: [], alerts: [{ ...ALERT, reasons: ['recomputed'] }], alertsMayBeStored: true });

    // Assert
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: resources.alertsTable, Key: alertKey('a1'), ConsistentRead: true }),
    );
    expect(Item?.[PUBLISHED_ATTRIBUTE]?.S).toBe('2026-04-25T12:00:05.000Z');
    expect(Item?.['reasons']?.L?.map((r) => r.S)).toEqual(ALERT.reasons);
  });
});
