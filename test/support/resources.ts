import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ALERT_KEY, KEY } from '../../shared/adapters/dynamodb-items';

/** Fresh tables and a queue in the emulator for one test file, named so that files never share state. */
export interface TestResources {
  readonly stateTable: string;
  readonly alertsTable: string;
  readonly quarantineQueueUrl: string;
  readonly env: NodeJS.ProcessEnv;
}

export const dynamodb = new DynamoDBClient({});
export const sqs = new SQSClient({});

export async function createResources(label: string): Promise<TestResources> {
  const prefix = `${label}-${randomUUID().slice(0, 8)}`;
  const stateTable = `${prefix}-state`;
  const alertsTable = `${prefix}-alerts`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: stateTable,
      AttributeDefinitions: [{ AttributeName: KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(
    new CreateTableCommand({
      TableName: alertsTable,
      AttributeDefinitions: [{ AttributeName: ALERT_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: ALERT_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-quarantine` }));
  const quarantineQueueUrl = queue.QueueUrl ?? '';
  return {
    stateTable,
    alertsTable,
    quarantineQueueUrl,
    env: { ...process.env, STATE_TABLE: stateTable, ALERTS_TABLE: alertsTable, QUARANTINE_QUEUE_URL: quarantineQueueUrl },
  };
}

export async function scanAll(table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table, ConsistentRead: true })) {
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
  }
  return items;
}

/** Drains the queue: every message body parsed as JSON (and deleted, so the next read starts empty). */
export async function drainQueue(queueUrl: string): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}
