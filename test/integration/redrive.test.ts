import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { produceCommand } from '../../cli/commands/produce';
import { redriveCommand } from '../../cli/commands/redrive';
import type { LocalDeployResult } from '../../local/deploy';
import { ROOT } from '../../local/deploy';
import { startLocalRuntime } from '../../local/runtime/runtime';
import { runCommand } from '../support/command-io';
import { marshall } from '@aws-sdk/util-dynamodb';
import { alertItem, KEY, PUBLISHED_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';
import type { Alert } from '../../shared/domain/alerts';
import { alertId } from '../../shared/domain/alerts';
import { drainQueue, dynamodb, scanAll, sqs } from '../support/resources';
import { createSubscriberQueue, deploySubscribedStack, receivedNotifications, removeStackFiles } from '../support/subscribed-stack';

/**
 * `riskstream redrive` on the suite's moto, against a stack whose mappings give up after the first
 * failure (retry attempts 0), so the local runtime itself writes the on-failure records. The faults
 * are real: the state table is deleted, so the scorer reports every event failed; the alerts topic is
 * deleted, so publish-alerts cannot publish. Each comes back (created again) before the redrive.
 */
const STACK = `RiskstreamRedrive${Date.now().toString(36)}`;
const NAME = `rr${Date.now().toString(36)}`;
// A minute ago: the scorers refuse events older than the streams' retention (plus the lateness) before their arrival.
const AT = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
const txn = (id: string, userId: string, amount: unknown) => ({ transactionId: id, userId, amount, country: 'DE', timestamp: AT });
const POISON = '{"transactionId": "txn-poison", "userId": ';

const sns = new SNSClient({});

describe('riskstream redrive on moto', () => {
  let deployed: LocalDeployResult;
  let subscriberUrl: string;
  let subscriberArn: string;
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-redrive-'));
  const output = (key: string) => deployed.outputs[key] ?? '';

  const produce = async (lines: readonly unknown[]) => {
    const file = join(dir, `events-${Date.now()}.jsonl`);
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    expect((await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], [])).code).toBe(0);
  };
  const runPipeline = async (fromStart = false) => {
    const runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined, fromStart });
    return runtime.runUntilIdle(2000);
  };
  const redrive = async (...args: string[]) => {
    const result = await runCommand(redriveCommand, [...args, '--stack', STACK], []);
    const summaries = result.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { ...result, summaries };
  };
  /** The queue's messages without taking them (they stay visible). */
  const peek = async (queueUrl: string) => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return Messages.map((m) => m.Body ?? '');
  };
  /** What the pipeline stored: every entity's window panes, every decision, every alert id. */
  const stored = async () => {
    const state = await scanAll(output('StateTableName'));
    const alerts = await scanAll(output('AlertsTableName'));
    return {
      panes: Object.fromEntries(state.filter((i) => /^(user|device)#/.test(String(i['pk']))).map((i) => [i['pk'], i['panes']])),
      decisions: Object.fromEntries(state.filter((i) => i['itemType'] === 'decision').map((i) => [i['transactionId'], i['action']])),
      alerts: alerts.length,
    };
  };
  const scorerSummary = (summaries: ReadonlyArray<Record<string, unknown>>) =>
    summaries.find((s) => (s['functions'] as string[]).includes(`${NAME}-score-transactions`));
  const decisionOf = async (id: string) => (await stored()).decisions[id];
  const alertsSummary = (summaries: ReadonlyArray<Record<string, unknown>>) =>
    summaries.find((s) => (s['functions'] as string[]).includes(`${NAME}-publish-alerts`));
  /** The events of the alerts the subscriber received since the last read. */
  const deliveredEventIds = async () =>
    (await receivedNotifications<{ eventIds: string[] }>(subscriberUrl)).map(({ message }) => message.eventIds);
  /** The outbox item of the alert an event made. */
  const outboxItem = async (eventId: string) =>
    (await scanAll(output('AlertsTableName'))).find((i) => (i['eventIds'] as string[]).includes(eventId));
  /** An alert as the scorer would store it, for alerts the test writes into the outbox itself. */
  const alertOf = (eventId: string, eventTime: string, summary = `Transaction ${eventId} blocked (risk 0.90)`): Alert => ({
    alertId: alertId('fraud', 'user-x', `txn:${eventId}:critical`),
    kind: 'fraud',
    severity: 'critical',
    entity: { type: 'user', id: 'user-x' },
    summary,
    reasons: ['largeAmount: amount 9000 is at or above 1000'],
    eventIds: [eventId],
    eventTime,
  });
  const recreateTopic = async (topicArn: string) => {
    const name = topicArn.slice(topicArn.lastIndexOf(':') + 1);
    expect((await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn).toBe(topicArn);
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: subscriberArn }));
  };

  beforeAll(async () => {
    ({ url: subscriberUrl, arn: subscriberArn } = await createSubscriberQueue(`${NAME}-subscriber`));
    deployed = await deploySubscribedStack({
      stackName: STACK,
      outdir: join(dir, 'cdk.out'),
      config: {
        name: NAME,
        mappings: { transactions: { retryAttempts: 0 }, publishAlerts: { retryAttempts: 0 } },
        // The redrive of alerts: incidents off, so the outbox holds exactly the alerts counted below.
        rules: { transactions: { incidents: { enabled: false } }, readings: { incidents: { enabled: false } } },
      },
      subscribers: [{ queueArn: subscriberArn, minSeverity: 'info' }],
    });
  }, 300_000);

  afterAll(() => {
    removeStackFiles(STACK);
    rmSync(join(ROOT, 'cdk.out.local', STACK), { recursive: true, force: true }); // the runtime's synth for AWS
    rmSync(dir, { recursive: true, force: true });
    sns.destroy();
  });

  let dlqMessage = '';
  let afterFirstRedrive: Awaited<ReturnType<typeof stored>>;

  it('replays the range a failed batch left in the DLQ once the fault is gone, keeping the message while the function still fails', async () => {
    await dynamodb.send(new DeleteTableCommand({ TableName: output('StateTableName') }));
    await produce([
      txn('txn-1', 'user-a', 2500),
      txn('txn-2', 'user-a', 40),
      POISON,
      txn('txn-3', 'user-b', 3000),
      txn('txn-4', 'user-b', 20),
    ]);

    const statuses = await runPipeline();

    // Every record failed (no state table: a configuration error fails the batch); the poison record was quarantined, and its range goes with the batch.
    const scorer = statuses.find((s) => s.functionName === `${NAME}-score-transactions`);
    expect(scorer?.stats.recordsFailedToDestination).toBe(5);
    const inDlq = await peek(output('TransactionsDlqUrl'));
    expect(inDlq).toHaveLength(1);
    dlqMessage = inDlq[0] ?? '';
    expect(JSON.parse(dlqMessage)).toMatchObject({
      KinesisBatchInfo: { batchSize: 5 },
      requestContext: { condition: 'RetryAttemptsExhausted' },
    });

    const stillBroken = await redrive('dlq');

    expect(stillBroken.code).toBe(1);
    // A missing table is a configuration error: every record of the batch is reported (the poison one is quarantined as well).
    expect(stillBroken.stderr).toMatch(/kept: the function reported 5 record\(s\) failed/);
    expect(scorerSummary(stillBroken.summaries)).toMatchObject({ messages: 1, redriven: 0, kept: 1, recordsReplayed: 0, recordsFailed: 5 });
    expect(await peek(output('TransactionsDlqUrl'))).toHaveLength(1);

    await dynamodb.send(
      new CreateTableCommand({
        TableName: output('StateTableName'),
        AttributeDefinitions: [{ AttributeName: KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const fixed = await redrive('dlq');

    expect(fixed.code).toBe(0);
    const transactions = scorerSummary(fixed.summaries);
    expect(transactions).toMatchObject({ messages: 1, redriven: 1, kept: 0, recordsReplayed: 5, recordsFailed: 0, recordsMissing: 0 });
    expect(fixed.summaries.filter((s) => s !== transactions).every((s) => s['messages'] === 0)).toBe(true);
    expect(await peek(output('TransactionsDlqUrl'))).toEqual([]);
    expect(await decisionOf('txn-1')).toBe('manual_review_required');
    expect(await decisionOf('txn-4')).toBe('approve');
    const user = (await stored()).panes['user#user-a'] as Record<string, { count: number; sum: number }>;
    expect(Object.values(user)).toEqual([expect.objectContaining({ count: 2, sum: 2540 })]);

    await runPipeline(); // publish-alerts sends what the redrive stored
    expect((await deliveredEventIds()).sort()).toEqual([['txn-1'], ['txn-3']]);
    afterFirstRedrive = await stored();
    expect(afterFirstRedrive.alerts).toBe(2);
  }, 600_000);

  it('changes nothing when run twice, or when the same DLQ message is redriven again', async () => {
    const again = await redrive('dlq');
    expect(again.code).toBe(0);
    expect(again.summaries.every((s) => s['messages'] === 0)).toBe(true);

    await sqs.send(new SendMessageCommand({ QueueUrl: output('TransactionsDlqUrl'), MessageBody: dlqMessage }));
    const replayed = await redrive('dlq');

    expect(replayed.code).toBe(0);
    expect(scorerSummary(replayed.summaries)).toMatchObject({ redriven: 1, recordsReplayed: 5 });
    expect(await stored()).toEqual(afterFirstRedrive);
    await runPipeline();
    expect(await drainQueue(subscriberUrl)).toEqual([]); // no alert sent again
    // The poison record was delivered four times, so it is quarantined four times: one message per delivery.
    expect(await peek(output('QuarantineQueueUrl'))).toHaveLength(4);
  }, 600_000);

  let fixScript: string;
  let afterQuarantineRedrive: Awaited<ReturnType<typeof stored>>;

  it('replays each quarantined record once through a fix; what still fails stays once, with its new reason', async () => {
    await produce([txn('txn-fix', 'user-c', '12.50'), txn('txn-unfixable', 'user-d', 'twelve')]);
    await runPipeline();
    await runPipeline(true); // a full replay quarantines every bad record once more
    const before = (await peek(output('QuarantineQueueUrl'))).map((b) => JSON.parse(b) as { reason: string; sequenceNumber: string });
    expect(before).toHaveLength(9); // the poison record 5 times, the two new ones twice each
    fixScript = join(dir, 'fix.js');
    writeFileSync(
      fixScript,
      `module.exports = (input) => {
        if (typeof input === 'string') return null; // not JSON: nothing to save
        if (typeof input.amount === 'string') return { ...input, amount: Number(input.amount) };
        return undefined;
      };\n`,
    );

    const result = await redrive('quarantine', '--fix', fixScript);

    expect(result.code).toBe(0);
    const { reasons, ...counts } = result.summaries[0] as { reasons: Record<string, number> };
    expect(counts).toEqual({
      messages: 10, // the 9, and the one the unfixable record's replay wrote
      records: 3,
      replayed: 2,
      scored: 1,
      dropped: 1,
      failed: 0,
      stillQuarantined: 1,
      duplicatesDeleted: 6,
    });
    expect(Object.entries(reasons)).toEqual([[expect.stringMatching(/amount/), 1]]);
    const after = (await peek(output('QuarantineQueueUrl'))).map((b) => JSON.parse(b) as { reason: string; partitionKey: string });
    expect(after).toHaveLength(1);
    expect(after[0]?.partitionKey).toBe('user-d');
    const oldReason = before.find((m) => m.reason.includes('string'))?.reason;
    expect(after[0]?.reason).not.toBe(oldReason);
    expect(after[0]?.reason).toMatch(/amount/);
    expect(await decisionOf('txn-fix')).toBe('approve');
    afterQuarantineRedrive = await stored();
    expect(afterQuarantineRedrive.panes['user#user-c']).toBeDefined();
  }, 600_000);

  it('changes nothing when the quarantine is redriven again: the still-bad record stays, once', async () => {
    const result = await redrive('quarantine', '--fix', fixScript);

    expect(result.code).toBe(0);
    expect(result.summaries[0]).toMatchObject({ records: 1, replayed: 1, scored: 0, stillQuarantined: 1, duplicatesDeleted: 0 });
    expect(await peek(output('QuarantineQueueUrl'))).toHaveLength(1);
    expect(await stored()).toEqual(afterQuarantineRedrive);
  }, 600_000);

  it('redrives the outbox stream range publish-alerts gave up on (DynamoDB Streams)', async () => {
    await drainQueue(subscriberUrl); // what the full replay sent again
    const topicArn = output('AlertsTopicArn');
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    await produce([txn('txn-5', 'user-e', 5000)]);

    const statuses = await runPipeline();

    expect(statuses.find((s) => s.functionName === `${NAME}-publish-alerts`)?.stats.recordsFailedToDestination).toBe(1);
    const inDlq = (await peek(output('PublishAlertsDlqUrl'))).map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(inDlq).toEqual([expect.objectContaining({ DDBStreamBatchInfo: expect.objectContaining({ batchSize: 1 }) })]);

    await recreateTopic(topicArn);
    const result = await redrive('dlq');

    expect(result.code).toBe(0);
    expect(alertsSummary(result.summaries)).toMatchObject({ messages: 1, redriven: 1, kept: 0, alertsPublished: 1, outboxScans: 0 });
    expect(await deliveredEventIds()).toEqual([['txn-5']]);
    expect((await outboxItem('txn-5'))?.[PUBLISHED_ATTRIBUTE]).toEqual(expect.any(String));
  }, 600_000);

  it('redrives from the outbox a publish-alerts DLQ message whose range the outbox stream no longer holds', async () => {
    const topicArn = output('AlertsTopicArn');
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    await produce([txn('txn-6', 'user-f', 6000)]);
    await runPipeline();
    const [message] = await drainQueue(output('PublishAlertsDlqUrl'));
    // moto cannot trim a stream: a range past the stream's last record stands in for one older than its 24 hours.
    const info = message?.['DDBStreamBatchInfo'] as Record<string, unknown>;
    const gone = String(BigInt(String(info['endSequenceNumber'])) + 1_000_000n);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: output('PublishAlertsDlqUrl'),
        MessageBody: JSON.stringify({ ...message, DDBStreamBatchInfo: { ...info, startSequenceNumber: gone, endSequenceNumber: gone } }),
      }),
    );
    // An alert stored this instant, not published yet: in flight, it is the live function's, not the redrive's.
    const fresh = { ...alertItem(alertOf('txn-fresh', new Date().toISOString()), 1_900_000_000) };
    await dynamodb.send(new PutItemCommand({ TableName: output('AlertsTableName'), Item: marshall(fresh) }));
    await recreateTopic(topicArn);

    const result = await redrive('dlq');

    expect(result.code).toBe(0);
    expect(alertsSummary(result.summaries)).toMatchObject({ messages: 1, redriven: 1, kept: 0, alertsPublished: 1, outboxScans: 1 });
    expect(await deliveredEventIds()).toEqual([['txn-6']]);
    expect(await peek(output('PublishAlertsDlqUrl'))).toEqual([]);
    expect((await outboxItem('txn-6'))?.[PUBLISHED_ATTRIBUTE]).toEqual(expect.any(String));
    expect((await outboxItem('txn-fresh'))?.[PUBLISHED_ATTRIBUTE]).toBeUndefined();
    await runPipeline(); // the live function sends the fresh one, and nothing it was sent by the redrive
    expect(await deliveredEventIds()).toEqual([['txn-fresh']]);
  }, 600_000);

  it('keeps an alert SNS refuses as the sender’s fault on the DLQ with its reason, and publishes it once the outbox item is fixed', async () => {
    // Over SNS's 256 KiB once built into a message for every protocol.
    const oversized = alertOf('txn-huge', AT, `Transaction txn-huge flagged ${'x'.repeat(60_000)}`);
    await dynamodb.send(new PutItemCommand({ TableName: output('AlertsTableName'), Item: marshall(alertItem(oversized, 1_900_000_000)) }));

    const statuses = await runPipeline();

    expect(statuses.find((s) => s.functionName === `${NAME}-publish-alerts`)?.stats.recordsFailedToDestination).toBe(0);
    const inDlq = (await peek(output('PublishAlertsDlqUrl'))).map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(inDlq).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({
          condition: 'SenderFault',
          functionArn: expect.stringContaining(`${NAME}-publish-alerts`),
        }),
        RejectedAlert: expect.objectContaining({ alertId: oversized.alertId, reason: expect.stringMatching(/Message too long/) }),
      }),
    ]);

    const refused = await redrive('dlq');

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/kept: SNS still refuses it as the sender's fault \(InvalidParameter: .*Message too long/);
    expect(alertsSummary(refused.summaries)).toMatchObject({ messages: 1, redriven: 0, kept: 1, alertsRejected: 1, alertsPublished: 0 });
    expect(await peek(output('PublishAlertsDlqUrl'))).toHaveLength(1);
    expect(await drainQueue(subscriberUrl)).toEqual([]);

    // The operator shortens the summary in the outbox (a MODIFY record: publish-alerts leaves it to the redrive).
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: output('AlertsTableName'),
        Key: { alertId: { S: oversized.alertId } },
        UpdateExpression: 'SET summary = :s',
        ExpressionAttributeValues: { ':s': { S: 'Transaction txn-huge flagged' } },
      }),
    );
    await runPipeline();
    expect(await drainQueue(subscriberUrl)).toEqual([]);
    const fixed = await redrive('dlq');

    expect(fixed.code).toBe(0);
    expect(alertsSummary(fixed.summaries)).toMatchObject({ messages: 1, redriven: 1, kept: 0, alertsPublished: 1 });
    expect(await deliveredEventIds()).toEqual([['txn-huge']]);
    expect(await peek(output('PublishAlertsDlqUrl'))).toEqual([]);
    await runPipeline(true); // a full replay of every stream sends nothing again
    expect(await drainQueue(subscriberUrl)).toEqual([]);
  }, 600_000);
});
