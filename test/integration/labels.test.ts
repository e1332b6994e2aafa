import { randomUUID } from 'node:crypto';
import { CreateTableCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBLabelStore } from '../../shared/adapters/dynamodb-labels';
import { INCIDENTS_INDEX, KEY } from '../../shared/adapters/dynamodb-items';
import type { Label } from '../../shared/domain/labels';
import { ConfigurationError } from '../../shared/errors';
import { dynamodb } from '../support/resources';

/**
 * Analysts' labels in a table with the state table's key and incidents index (infra/constructs/state.ts),
 * on the emulator: stored, overwritten, listed by time through the index, read by id.
 */
const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);
const at = (minutes: number, ms = 0) => new Date(T0 + minutes * 60_000 + ms).toISOString();

async function createStateTable(name: string, withIndex: boolean): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: KEY, AttributeType: 'S' },
        ...(withIndex
          ? [
              { AttributeName: INCIDENTS_INDEX.partitionKey, AttributeType: 'S' as const },
              { AttributeName: INCIDENTS_INDEX.sortKey, AttributeType: 'N' as const },
            ]
          : []),
      ],
      KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
      ...(withIndex
        ? {
            GlobalSecondaryIndexes: [
              {
                IndexName: INCIDENTS_INDEX.name,
                KeySchema: [
                  { AttributeName: INCIDENTS_INDEX.partitionKey, KeyType: 'HASH' },
                  { AttributeName: INCIDENTS_INDEX.sortKey, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'KEYS_ONLY' },
              },
            ],
          }
        : {}),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

describe('labels in the state table on the emulator', () => {
  const prefix = `labels-${randomUUID().slice(0, 8)}`;
  const table = `${prefix}-state`;
  let store: DynamoDBLabelStore;

  beforeAll(async () => {
    await createStateTable(table, true);
    store = new DynamoDBLabelStore(dynamodb, table);
  });

  it('stores a label as the item label#<id> with its verdict, note and time, indexed by the time in epoch seconds', async () => {
    // Arrange
    const label: Label = { id: 'txn-stored', verdict: 'fraud', note: 'chargeback', labelledAt: at(0, 700) };

    // Act
    await store.put(label);

    // Assert
    const item = (
      await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [KEY]: { S: 'label#txn-stored' } }, ConsistentRead: true }))
    ).Item;
    expect(item?.['verdict']?.S).toBe('fraud');
    expect(item?.['note']?.S).toBe('chargeback');
    expect(item?.['labelledAt']?.S).toBe(at(0, 700));
    expect(item?.[INCIDENTS_INDEX.partitionKey]?.S).toBe('label');
    expect(item?.[INCIDENTS_INDEX.sortKey]?.N).toBe(String(T0 / 1000));
    expect(await store.get(['txn-stored'])).toEqual(new Map([['txn-stored', label]]));
  });

  it('replaces an earlier verdict with a later one, in the index too', async () => {
    // Arrange
    await store.put({ id: 'txn-changed', verdict: 'fraud', note: 'looked odd', labelledAt: at(1) });

    // Act
    await store.put({ id: 'txn-changed', verdict: 'legit', labelledAt: at(2) });

    // Assert
    const [label] = [...(await store.get(['txn-changed'])).values()];
    expect(label).toEqual({ id: 'txn-changed', verdict: 'legit', labelledAt: at(2) });
    const indexed = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        IndexName: INCIDENTS_INDEX.name,
        KeyConditionExpression: '#type = :type',
        ExpressionAttributeNames: { '#type': INCIDENTS_INDEX.partitionKey },
        ExpressionAttributeValues: { ':type': { S: 'label' } },
      }),
    );
    expect((indexed.Items ?? []).filter((i) => i[KEY]?.S === 'label#txn-changed')).toHaveLength(1);
  });

  it('refuses to store a note that looks like a card number, whoever calls it', async () => {
    // Act
    const put = store.put({ id: 'txn-card', verdict: 'fraud', note: 'card 4111111111111111', labelledAt: at(3) });

    // Assert
    await expect(put).rejects.toThrow(/note looks like a card number/);
    expect((await store.get(['txn-card'])).size).toBe(0);
  });

  describe('listing by time', () => {
    const listTable = `${prefix}-list`;
    let listed: DynamoDBLabelStore;

    beforeAll(async () => {
      await createStateTable(listTable, true);
      listed = new DynamoDBLabelStore(dynamodb, listTable);
      await listed.put({ id: 'old', verdict: 'legit', labelledAt: at(0) });
      await listed.put({ id: 'same-second-before', verdict: 'fraud', labelledAt: at(10, 200) });
      await listed.put({ id: 'same-second-after', verdict: 'fraud', labelledAt: at(10, 800) });
      await listed.put({ id: 'new', verdict: 'legit', note: 'regular customer', labelledAt: at(20) });
    });

    it('lists the labels given at or after a time, oldest first, to the millisecond', async () => {
      // Act
      const since = await listed.list(new Date(at(10, 500)));

      // Assert
      expect(since.map((l) => l.id)).toEqual(['same-second-after', 'new']);
      expect(since[1]).toEqual({ id: 'new', verdict: 'legit', note: 'regular customer', labelledAt: at(20) });
    });

    it('lists every label without a time', async () => {
      // Act
      const all = await listed.list();

      // Assert
      expect(all.map((l) => l.id)).toEqual(['old', 'same-second-before', 'same-second-after', 'new']);
    });

    it('lists a label once, at its latest time, after it was given again', async () => {
      // Arrange
      await listed.put({ id: 'old', verdict: 'fraud', labelledAt: at(30) });

      // Act
      const since = await listed.list(new Date(at(15)));

      // Assert
      expect(since.map((l) => [l.id, l.verdict])).toEqual([
        ['new', 'legit'],
        ['old', 'fraud'],
      ]);
    });
  });

  it('reads the labels of many ids, over 100 keys a request, ignoring repeats and ids without a label', async () => {
    // Arrange
    const ids = Array.from({ length: 130 }, (_, i) => `txn-many-${i}`);
    for (const [i, id] of ids.entries()) await store.put({ id, verdict: i % 2 === 0 ? 'fraud' : 'legit', labelledAt: at(40) });

    // Act
    const labels = await store.get(['txn-many-0', ...ids, 'txn-never-labelled']);

    // Assert
    expect(labels.size).toBe(130);
    expect(labels.get('txn-many-129')?.verdict).toBe('legit');
    expect(labels.get('txn-many-128')?.verdict).toBe('fraud');
    expect(labels.has('txn-never-labelled')).toBe(false);
  });

  it('says the table is missing, as a configuration error', async () => {
    // Arrange
    const missing = new DynamoDBLabelStore(dynamodb, `${prefix}-missing`);

    // Act (each awaited in turn: a rejection nobody awaits yet fails the test as unhandled)
    const put = missing.put({ id: 'txn-1', verdict: 'fraud', labelledAt: at(0) });

    // Assert
    await expect(put).rejects.toBeInstanceOf(ConfigurationError);
    await expect(put).rejects.toThrow(
      `PutItem on the state table ${prefix}-missing failed: ResourceNotFoundException: Requested resource not found; check that the table exists and that you may read and write it`,
    );
    await expect(missing.list()).rejects.toThrow(`Query on the state table ${prefix}-missing failed: ResourceNotFoundException`);
  });

  it('says the index is missing from a table deployed without it', async () => {
    // Arrange
    const bare = `${prefix}-bare`;
    await createStateTable(bare, false);

    // Act
    const list = new DynamoDBLabelStore(dynamodb, bare).list();

    // Assert
    await expect(list).rejects.toBeInstanceOf(ConfigurationError);
    await expect(list).rejects.toThrow(
      `the state table ${bare} has no index ${INCIDENTS_INDEX.name}, which labels are listed by: deploy the stack again`,
    );
  });
});
