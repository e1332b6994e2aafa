import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDBBudgetStore } from '../../shared/adapters/dynamodb-budgets';
import { INCIDENTS_INDEX, KEY } from '../../shared/adapters/dynamodb-items';
import { publishDigest, SnsAlertPublisher } from '../../shared/adapters/sns-publisher';
import { BudgetedAlertPublisher } from '../../shared/alerting/budgeted-publisher';
import type { BudgetedSubscriber } from '../../shared/alerting/budgets';
import { budgetWindow, digestId, heldEntry } from '../../shared/alerting/budgets';
import type { Alert } from '../../shared/domain/alerts';
import { drainQueue, dynamodb, sqs } from '../support/resources';

/**
 * Channel budgets on the emulator: the budget counts and digests in a DynamoDB table with the
 * incidents index, the messages through an SNS topic to SQS queues subscribed with the filter
 * policies the stack gives (a budgeted one, and one without a budget).
 */
const sns = new SNSClient({});
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 3, 19, 0, 0);

function notification(i: number, device = `sensor-${i % 3}`): Alert {
  return {
    alertId: `budget-test-${i}`.padEnd(32, '0'),
    kind: 'sensor',
    severity: 'critical',
    entity: { type: 'device', id: device },
    summary: `Incident opened: temperature on ${device} (critical, 1 event)`,
    reasons: ['temperature 85 above 80'],
    eventIds: [`r-${i}`],
    eventTime: new Date(T0 + i * 1000).toISOString(),
    incident: { id: `inc-${i}`, cause: 'temperature', transition: 'opened', events: 1, firstSeen: '', lastSeen: '' },
  };
}

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  const arn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'] ?? '';
  return { url, arn };
}

interface Received {
  readonly alertId?: string;
  readonly digestId?: string;
  readonly notifications?: Array<{ alertId: string }>;
}

async function received(url: string): Promise<Received[]> {
  return (await drainQueue(url)).map((m) => JSON.parse(String(m['Message'])) as Received);
}

describe('channel budgets and digests on the emulator', () => {
  const prefix = `budgets-${randomUUID().slice(0, 8)}`;
  const table = `${prefix}-state`;
  let topicArn = '';
  let pager: { url: string; arn: string };
  let machine: { url: string; arn: string };
  let subscriber: BudgetedSubscriber;
  let store: DynamoDBBudgetStore;
  let clock = T0;
  let publisher: BudgetedAlertPublisher;

  beforeAll(async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: KEY, AttributeType: 'S' },
          { AttributeName: INCIDENTS_INDEX.partitionKey, AttributeType: 'S' },
          { AttributeName: INCIDENTS_INDEX.sortKey, AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
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
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    topicArn = (await sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts` }))).TopicArn ?? '';
    pager = await queue(`${prefix}-pager`);
    machine = await queue(`${prefix}-machine`);
    subscriber = {
      id: 'pager',
      protocol: 'sqs',
      minSeverity: 'warning',
      notifications: ['incident'],
      budget: { notifications: 3, perMs: HOUR },
    };
    // The policies infra/constructs/alerting.ts gives a budgeted subscriber and one without a budget.
    for (const [q, policy] of [
      [pager, { recipient: [subscriber.id] }],
      [machine, { severity: ['warning', 'critical'], recipient: [{ exists: false }] }],
    ] as const) {
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: q.arn,
          Attributes: { FilterPolicy: JSON.stringify(policy), RawMessageDelivery: 'false' },
        }),
      );
    }
    store = new DynamoDBBudgetStore(dynamodb, table);
    publisher = new BudgetedAlertPublisher(new SnsAlertPublisher(sns, topicArn), store, [subscriber], () => clock);
  });

  const storm = Array.from({ length: 8 }, (_, i) => notification(i));

  it('sends a budgeted subscriber its budget and holds the rest; a subscriber without one gets every message', async () => {
    clock = T0 + 10 * 60_000;
    const outcome = await publisher.publish(storm);

    expect(outcome.published.sort()).toEqual(storm.map((a) => a.alertId).sort());
    expect(outcome.held).toHaveLength(5);
    const paged = await received(pager.url);
    expect(paged).toHaveLength(3);
    expect((await received(machine.url)).map((m) => m.alertId).sort()).toEqual(storm.map((a) => a.alertId).sort());
    // Places go in stream order: an incident's opening before what follows it.
    expect(paged.map((m) => m.alertId)).toEqual(storm.slice(0, 3).map((a) => a.alertId));
    const sentIds = new Set(paged.map((m) => m.alertId));
    expect([...sentIds].every((id) => !outcome.held?.includes(id ?? ''))).toBe(true);
  });

  it('counts a retried alert once: what was sent is sent again, what was held stays held once', async () => {
    clock = T0 + 20 * 60_000;
    await publisher.publish(storm);

    expect(await received(pager.url)).toHaveLength(3);
    expect(await received(machine.url)).toHaveLength(8);
    const [digest, ...others] = await store.dueDigests(T0 + HOUR);
    expect(others).toEqual([]);
    expect(digest?.held).toHaveLength(5);
  });

  it('counts a retry where the alert was first counted: its record’s creation time, not the clock of the retry', async () => {
    clock = T0 + HOUR + 60_000; // the next window: the retry of a batch stored at T0 + 10 min
    const createdAt = new Map(storm.map((a) => [a.alertId, T0 + 10 * 60_000]));
    const outcome = await publisher.publish(storm, createdAt);

    expect(outcome.held).toHaveLength(5);
    expect(await received(pager.url)).toHaveLength(3);
    await received(machine.url);
    expect((await store.dueDigests(T0 + HOUR)).map((d) => d.held.length)).toEqual([5]);
  });

  it('sends the digest once its window has ended, with every held notification, then removes it', async () => {
    expect(await store.dueDigests(T0 + HOUR - 1)).toEqual([]);
    const [digest, ...others] = await store.dueDigests(T0 + HOUR);
    expect(others).toEqual([]);
    expect(digest?.held).toHaveLength(5);
    // The digest takes a place in the window it is sent in.
    expect(await store.take(subscriber, `digest:${digestId(digest!)}`, budgetWindow(T0 + HOUR, HOUR))).toBe('send');

    await publishDigest(sns, topicArn, digest!);
    await store.sent(digest!);

    const [message, ...more] = await received(pager.url);
    expect(more).toEqual([]);
    const individually = storm.slice(0, 8).map((a) => a.alertId);
    const inDigest = message?.notifications?.map((n) => n.alertId) ?? [];
    expect(inDigest).toHaveLength(5);
    expect(inDigest.every((id) => individually.includes(id))).toBe(true);
    expect(await received(machine.url)).toEqual([]);
    expect(await store.dueDigests(T0 + 2 * HOUR)).toEqual([]);
  });

  it('keeps an entry held while its digest was being sent for the next sweep', async () => {
    const window = budgetWindow(T0 + HOUR, HOUR);
    await store.hold(subscriber, notification(20).alertId, heldEntry(notification(20)), window);
    const [digest] = await store.dueDigests(window.end);
    await store.hold(subscriber, notification(21).alertId, heldEntry(notification(21)), window);

    await store.sent(digest!);

    const [left] = await store.dueDigests(window.end);
    expect(left?.held.map((h) => h.alertId)).toEqual([notification(21).alertId]);
    await store.sent(left!);
    expect(await store.dueDigests(window.end)).toEqual([]);
  });

  it('starts each window with a full budget', async () => {
    clock = T0 + 3 * HOUR;
    const outcome = await publisher.publish([notification(30), notification(31)]);

    expect(outcome.held).toEqual([]);
    expect((await received(pager.url)).map((m) => m.alertId).sort()).toEqual([notification(30).alertId, notification(31).alertId].sort());
  });
});
