import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { decisionKey } from '../../shared/adapters/dynamodb-items';
import { freePort } from '../../local/moto-server';
import { injectDynamoDBFault, throttlingError } from '../support/fault-injection';
import { retryFrom, scoringFunction } from '../support/harness';
import { kinesisEvent, lambdaContext, ShardLog } from '../support/kinesis-events';
import type { TestResources } from '../support/resources';
import { createResources, drainQueue, dynamodb, scanAll } from '../support/resources';

const SEED_TXN = { transactionId: 'txn-123', userId: 'user-456', amount: 2500, country: 'DE', timestamp: '2026-04-25T12:00:00Z' };
const txn = (id: string, extra: Record<string, unknown> = {}) => ({ ...SEED_TXN, transactionId: id, amount: 20, ...extra });

async function storedDecision(
  resources: TestResources,
  transactionId: string,
  userId = SEED_TXN.userId,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: resources.stateTable, Key: decisionKey(userId, transactionId), ConsistentRead: true }),
  );
  return Item ? unmarshall(Item) : undefined;
}

describe('score-transactions (functions/score/handler.ts told EVENT_KIND transaction) on moto', () => {
  let resources: TestResources;
  let handler: (event: unknown, context: unknown) => Promise<KinesisStreamBatchResponse>;

  beforeAll(async () => {
    resources = await createResources('handler');
    Object.assign(process.env, {
      EVENT_KIND: 'transaction',
      STATE_TABLE: resources.stateTable,
      ALERTS_TABLE: resources.alertsTable,
      QUARANTINE_QUEUE_URL: resources.quarantineQueueUrl,
    });
    // The deployed module itself, configured from its environment as Lambda would.
    ({ handler } = (await import('../../functions/score/handler')) as unknown as { handler: typeof handler });
  });

  it('scores the seed transaction, stores the decision by transaction id and its alert in the outbox', async () => {
    const log = new ShardLog();
    log.put({ data: SEED_TXN });

    const response = await handler(kinesisEvent(log.records), lambdaContext('score-transactions'));

    expect(response).toEqual({ batchItemFailures: [] });
    const decision = await storedDecision(resources, 'txn-123');
    expect(decision).toMatchObject({ transactionId: 'txn-123', userId: 'user-456', action: 'manual_review_required' });
    expect(decision?.['riskScore']).toBeGreaterThanOrEqual(0.5);
    expect(decision?.['reasons']).toEqual([expect.objectContaining({ rule: 'largeAmount' })]);
    expect(decision?.['expiresAt']).toEqual(expect.any(Number));
    const alerts = (await scanAll(resources.alertsTable)).filter((a) => (a['eventIds'] as string[]).includes('txn-123'));
    expect(alerts).toHaveLength(2); // in the scan's order, not the writes'
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'fraud',
          severity: 'warning',
          entityId: 'user-456',
          expiresAt: expect.any(Number),
          summary: expect.stringMatching(/^Transaction/),
        }),
        // The user's fraud incident opens with it: its notification sits in the outbox beside the alert.
        expect.objectContaining({
          kind: 'fraud',
          severity: 'warning',
          entityId: 'user-456',
          incident: expect.objectContaining({ transition: 'opened' }),
        }),
      ]),
    );
  });

  it('quarantines bad records with raw data, shard, sequence number and reason, and scores the rest of the batch', async () => {
    const log = new ShardLog();
    const [notJson, invalid, tooLarge, good] = log.put(
      { data: '{"transactionId": "txn-broken",' },
      { data: { transactionId: 'txn-no-amount', userId: 'user-9', country: 'DE', timestamp: SEED_TXN.timestamp } },
      { data: txn('txn-huge', { userId: 'user-9', padding: 'x'.repeat(70 * 1024) }) },
      { data: txn('txn-after-poison', { userId: 'user-9' }) },
    );

    const response = await handler(kinesisEvent(log.records), lambdaContext('score-transactions'));

    expect(response.batchItemFailures).toEqual([]);
    expect(await storedDecision(resources, 'txn-after-poison', 'user-9')).toMatchObject({ action: 'approve' });
    const quarantined = await drainQueue(resources.quarantineQueueUrl);
    const bySequence = new Map(quarantined.map((m) => [m['sequenceNumber'], m]));
    expect(quarantined).toHaveLength(3);
    expect(bySequence.get(notJson?.kinesis.sequenceNumber)).toMatchObject({
      shardId: 'shardId-000000000000',
      reason: expect.stringMatching(/^not JSON/),
      data: notJson?.kinesis.data,
      source: 'score-transactions',
    });
    expect(bySequence.get(invalid?.kinesis.sequenceNumber)).toMatchObject({ reason: 'invalid event: missing required field "amount"' });
    expect(bySequence.get(tooLarge?.kinesis.sequenceNumber)).toMatchObject({
      reason: expect.stringMatching(/^record too large: \d+ bytes \(limit 65536\)/),
    });
    expect(Buffer.from(String(bySequence.get(invalid?.kinesis.sequenceNumber)?.['data']), 'base64').toString()).toContain('txn-no-amount');
    expect(good).toBeDefined();
  });
});

describe('transient failures are reported, never swallowed', () => {
  let resources: TestResources;
  beforeAll(async () => {
    resources = await createResources('transient');
  });

  it('returns every record identifier when every record fails (DynamoDB unreachable)', async () => {
    const closed = await freePort();
    const fn = scoringFunction('score-transactions', {
      ...resources.env,
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closed}`,
      AWS_MAX_ATTEMPTS: '1',
    });
    const log = new ShardLog();
    const records = log.put(
      { data: txn('txn-u1') },
      { data: txn('txn-u2', { userId: 'user-2' }) },
      { data: txn('txn-u3', { userId: 'user-3' }) },
    );

    const response = await fn.invoke(records);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    expect(await scanAll(resources.stateTable)).toEqual([]);
  });

  it('reports throttled records as failures and counts them once when Lambda retries', async () => {
    const fn = scoringFunction('score-transactions', resources.env);
    const log = new ShardLog();
    const records = log.put({ data: txn('txn-t1', { userId: 'user-t' }) }, { data: txn('txn-t2', { userId: 'user-t' }) });
    // moto never throttles; the throttling error is injected in the client (see fault-injection.ts).
    const fault = injectDynamoDBFault(fn.deps.dynamodb, {
      when: (command) => command === 'BatchWriteItem',
      error: throttlingError,
      times: 1,
    });

    const first = await fn.invoke(records);
    fault.remove();
    const second = await fn.invoke(retryFrom(records, first));

    expect(first.batchItemFailures).toHaveLength(2);
    expect(second.batchItemFailures).toEqual([]);
    const user = (await scanAll(resources.stateTable)).find((i) => i['pk'] === 'user#user-t');
    expect(Object.values(user?.['panes'] as Record<string, { count: number }>).map((p) => p.count)).toEqual([2]);
  });

  it('reports a rejected record as failed when the quarantine queue is unreachable, so it is not lost', async () => {
    const closed = await freePort();
    const fn = scoringFunction('score-transactions', {
      ...resources.env,
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${closed}`,
      AWS_MAX_ATTEMPTS: '1',
    });
    const log = new ShardLog();
    const [good, poison] = log.put({ data: txn('txn-q1', { userId: 'user-q' }) }, { data: 'garbage' });

    const response = await fn.invoke([good, poison].filter((r) => r !== undefined));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison?.kinesis.sequenceNumber }]);
    expect((await scanAll(resources.stateTable)).some((i) => i['pk'] === decisionKey('user-q', 'txn-q1')['pk']?.S)).toBe(true);
  });
});

describe('metrics', () => {
  it('emits events scored, decisions by action, alerts by severity, duplicates, quarantined records and DynamoDB requests', async () => {
    const resources = await createResources('metrics');
    const fn = scoringFunction('score-transactions', resources.env);
    const emitted: Record<string, number> = {};
    const addMetric = fn.deps.metrics.addMetric.bind(fn.deps.metrics);
    jest.spyOn(fn.deps.metrics, 'addMetric').mockImplementation((name, unit, value) => {
      emitted[name] = (emitted[name] ?? 0) + value;
      return addMetric(name, unit, value);
    });
    const log = new ShardLog();
    log.put({ data: SEED_TXN }, { data: txn('txn-m2', { userId: 'user-m' }) }, { data: SEED_TXN }, { data: '[' });

    await fn.invoke(log.records);

    expect(emitted).toMatchObject({
      EventsScored: 2,
      DecisionsManualReview: 1,
      DecisionsApprove: 1,
      AlertsWarning: 1,
      DuplicatesSkipped: 1,
      RecordsQuarantined: 1,
      RecordsFailed: 0,
    });
    // the live rules' head (once per cache period: the first batch of a process reads it), one BatchGetItem of both users and the
    // stored decisions, one BatchWriteItem of decisions and alert, one conditional put per user
    expect(emitted['DynamoDBRequests']).toBe(5);
  });
});
