import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { emulatorClientConfig } from '../local/clients';
import { itemSize, writeUnits } from './item-size';

export interface CapacityProbe {
  /** [what the emulator reported, what DynamoDB's rule gives] per probe write. */
  readonly checks: ReadonlyArray<{ readonly write: string; readonly reported: number | undefined; readonly rule: number }>;
  /** True when every reported figure equals the rule's: the emulator's figures can then be used as they are. */
  readonly emulatorFollowsRule: boolean;
}

/**
 * Does the emulator price writes by item size? Three writes whose cost DynamoDB's rule makes
 * unmistakable (a 2.5 KB put: 3 units; an update of that item: 3; a BatchWriteItem of a small and
 * a 2.5 KB item: 1 + 3), asked with ReturnConsumedCapacity TOTAL.
 */
export async function probeReportedCapacity(endpoint: string): Promise<CapacityProbe> {
  const client = new DynamoDBClient(emulatorClientConfig(endpoint));
  const table = 'bench-capacity-probe';
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const large = { pk: { S: 'large' }, data: { S: 'x'.repeat(2500) } };
  const small = { pk: { S: 'small' }, n: { N: '1' } };
  const other = { pk: { S: 'other' }, data: { S: 'y'.repeat(2500) } };
  const put = await client.send(new PutItemCommand({ TableName: table, Item: large, ReturnConsumedCapacity: 'TOTAL' }));
  const update = await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: large.pk },
      UpdateExpression: 'SET n = :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  const batch = await client.send(
    new BatchWriteItemCommand({
      RequestItems: { [table]: [{ PutRequest: { Item: small } }, { PutRequest: { Item: other } }] },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  const updated = { ...large, n: { N: '1' } };
  const checks = [
    { write: 'PutItem of a 2.5 KB item', reported: put.ConsumedCapacity?.CapacityUnits, rule: writeUnits(itemSize(large)) },
    { write: 'UpdateItem of that item', reported: update.ConsumedCapacity?.CapacityUnits, rule: writeUnits(itemSize(updated)) },
    {
      write: 'BatchWriteItem of a small and a 2.5 KB item',
      reported: batch.ConsumedCapacity?.[0]?.CapacityUnits,
      rule: writeUnits(itemSize(small)) + writeUnits(itemSize(other)),
    },
  ];
  return { checks, emulatorFollowsRule: checks.every((c) => c.reported === c.rule) };
}
