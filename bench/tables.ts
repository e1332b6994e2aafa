import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { ALERT_KEY, KEY } from '../shared/adapters/dynamodb-items';

/** The idempotency table as Powertools documents it: partition key `id`. */
export const IDEMPOTENCY_KEY = 'id';

export interface OurTables {
  readonly stateTable: string;
  readonly alertsTable: string;
  readonly quarantineQueueUrl: string;
}

export interface BaselineTables {
  readonly idempotencyTable: string;
  /** Window items and decisions. */
  readonly stateTable: string;
}

/** Key schemas for the meter. */
export function keySchemas(tables: OurTables | BaselineTables): Record<string, readonly string[]> {
  return 'idempotencyTable' in tables
    ? { [tables.idempotencyTable]: [IDEMPOTENCY_KEY], [tables.stateTable]: [KEY] }
    : { [tables.stateTable]: [KEY], [tables.alertsTable]: [ALERT_KEY] };
}

/** Our tables as the CDK stack defines them: on demand, one string key, the outbox with a NEW_IMAGE stream. */
export async function createOurTables(dynamodb: DynamoDBClient, sqs: SQSClient, prefix: string): Promise<OurTables> {
  const stateTable = `${prefix}-state`;
  const alertsTable = `${prefix}-alerts`;
  await createTable(dynamodb, stateTable, KEY);
  await createTable(dynamodb, alertsTable, ALERT_KEY, true);
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-quarantine` }));
  return { stateTable, alertsTable, quarantineQueueUrl: queue.QueueUrl ?? '' };
}

export async function createBaselineTables(dynamodb: DynamoDBClient, prefix: string): Promise<BaselineTables> {
  const idempotencyTable = `${prefix}-idempotency`;
  const stateTable = `${prefix}-state`;
  await createTable(dynamodb, idempotencyTable, IDEMPOTENCY_KEY);
  await createTable(dynamodb, stateTable, KEY);
  return { idempotencyTable, stateTable };
}

async function createTable(dynamodb: DynamoDBClient, name: string, key: string, stream = false): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
    }),
  );
}

/** How many items of the table have `pk` starting with the prefix (a check after a run, not measured). */
export async function countItems(dynamodb: DynamoDBClient, table: string, keyPrefix: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan(
    { client: dynamodb },
    { TableName: table, ConsistentRead: true, ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': KEY } },
  )) {
    count += (page.Items ?? []).filter((item) => item[KEY]?.S?.startsWith(keyPrefix)).length;
  }
  return count;
}
