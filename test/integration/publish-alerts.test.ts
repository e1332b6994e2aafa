import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DescribeTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { _Record as StreamApiRecord } from '@aws-sdk/client-dynamodb-streams';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { PublishBatchCommandInput, PublishBatchCommandOutput, SNSClient } from '@aws-sdk/client-sns';
import { CreateTopicCommand, SNSClient as SnsClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { alertItem, PUBLISHED_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';
import type { Alert, Severity } from '../../shared/domain/alerts';
import { alertId } from '../../shared/domain/alerts';
import { publishAlertsDepsFromEnv } from '../../shared/handler/publish-alerts-from-env';
import { createPublishAlertsHandler, PublishAlertsMetric } from '../../shared/handler/publish-alerts-handler';
import { injectDynamoDBFault, throttlingError } from '../support/fault-injection';
import { lambdaContext } from '../support/kinesis-events';
import { createResources, drainQueue, dynamodb, scanAll, sqs } from '../support/resources';

/**
 * publish-alerts against moto: real alert items go into a real outbox table with a stream, the
 * stream is read back with the DynamoDB Streams API and handed to the handler in the shape Lambda
 * gives it, and SNS delivers to SQS subscribers through their filter policies.
 */
const sns = new SnsClient({});
const streams = new DynamoDBStreamsClient({});
const EXPIRES_AT = 1_900_000_000;

function alert(n: number, severity: Severity, overrides: Partial<Alert> = {}): Alert {
  const txn = `txn-${n}`;
  return {
    alertId: alertId('fraud', 'user-1', `txn:${txn}`),
    kind: 'fraud',
    severity,
    entity: { type: 'user', id: 'user-1' },
    summary: `Transaction ${txn} flagged`,
    reasons: ['largeAmount: amount 2500 is at or above 1000'],
    eventIds: [txn],
    eventTime: '2026-04-25T12:00:00.000Z',
    ...overrides,
  };
}

async function putAlert(table: string, a: Alert): Promise<void> {
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: marshall(alertItem(a, EXPIRES_AT)) }));
}

/** The outbox's stream, read from the start; each `read()` returns the records added since the last one, shaped as Lambda delivers them. */
async function openStream(table: string) {
  const description = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = description.Table?.LatestStreamArn ?? '';
  const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = stream.StreamDescription?.Shards?.[0]?.ShardId ?? '';
  const first = await streams.send(
    new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  let iterator = first.ShardIterator;
  return {
    streamArn,
    read: async (): Promise<DynamoDBRecord[]> => {
      const records: DynamoDBRecord[] = [];
      for (;;) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        iterator = page.NextShardIterator ?? iterator;
        if ((page.Records ?? []).length === 0) return records;
        records.push(...(page.Records ?? []).map((r) => lambdaRecord(r, streamArn)));
      }
    },
  };
}

/** A DynamoDB Streams API record as Lambda's event source mapping passes it on (same fields, epoch-seconds time, the ARN added). */
function lambdaRecord(record: StreamApiRecord, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: d.Keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      ...(d.NewImage ? { NewImage: d.NewImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  } as DynamoDBRecord;
}

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl ?? '';
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attributes.Attributes?.['QueueArn'] ?? '' };
}

/** An alerts topic with two SQS subscribers (one takes critical alerts, the other warning and critical), and publish-alerts' DLQ. */
async function alertsTopic(label: string) {
  const prefix = `${label}-${randomUUID().slice(0, 8)}`;
  const topic = await sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts` }));
  const topicArn = topic.TopicArn ?? '';
  const critical = await queue(`${prefix}-critical`);
  const urgent = await queue(`${prefix}-warning-critical`);
  for (const [q, severities] of [
    [critical, ['critical']],
    [urgent, ['warning', 'critical']],
  ] as const) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: q.arn,
        Attributes: { FilterPolicy: JSON.stringify({ severity: severities }), RawMessageDelivery: 'false' },
      }),
    );
  }
  const dlq = await queue(`${prefix}-publish-alerts-dlq`);
  return { topicArn, critical: critical.url, urgent: urgent.url, dlq: dlq.url };
}

/** publish-alerts wired as functions/publish-alerts/handler.ts wires it, with the test's environment; metrics are recorded. */
function publishAlertsFunction(topic: { readonly topicArn: string; readonly dlq: string }, alertsTable: string) {
  const deps = publishAlertsDepsFromEnv('publish-alerts', {
    ...process.env,
    ALERTS_TOPIC_ARN: topic.topicArn,
    ALERTS_DLQ_URL: topic.dlq,
    ALERTS_TABLE: alertsTable,
  });
  const emitted: Record<string, number> = {};
  const addMetric = deps.metrics.addMetric.bind(deps.metrics);
  jest.spyOn(deps.metrics, 'addMetric').mockImplementation((name, unit, value) => {
    emitted[name] = (emitted[name] ?? 0) + value;
    return addMetric(name, unit, value);
  });
  const handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> = createPublishAlertsHandler(deps);
  return {
    deps,
    emitted,
    invoke: (records: readonly DynamoDBRecord[]) => handler({ Records: [...records] }, lambdaContext('publish-alerts')),
  };
}

interface Envelope {
  readonly Type: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly MessageAttributes: Record<string, { Type: string; Value: string }>;
}

/** What a subscriber queue holds: the SNS envelopes (raw delivery is off), by alert id. */
async function received(queueUrl: string): Promise<Map<string, Envelope>> {
  const envelopes = (await drainQueue(queueUrl)) as unknown as Envelope[];
  const byId = new Map<string, Envelope>();
  for (const e of envelopes) {
    const id = (JSON.parse(e.Message) as Alert).alertId;
    expect(byId.has(id)).toBe(false); // each alert delivered once
    byId.set(id, e);
  }
  return byId;
}

/** How many times each alert reached a subscriber queue (drained). */
async function deliveryCounts(queueUrl: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const e of (await drainQueue(queueUrl)) as unknown as Envelope[]) {
    const id = (JSON.parse(e.Message) as Alert).alertId;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/**
 * The batch as Lambda's mapping runs it with ReportBatchItemFailures and a retry limit (10, as
 * deployed): after a reported failure it sends the batch again from the lowest reported sequence
 * number, until nothing is reported or the retries are spent.
 */
async function invokeAsLambda(fn: ReturnType<typeof publishAlertsFunction>, records: readonly DynamoDBRecord[], retries = 10) {
  let pending = [...records];
  let invocations = 0;
  while (pending.length > 0 && invocations <= retries) {
    const { batchItemFailures } = await fn.invoke(pending);
    invocations++;
    const lowest = batchItemFailures.map((f) => BigInt(f.itemIdentifier)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0];
    pending = lowest === undefined ? [] : pending.filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') >= lowest);
  }
  return { invocations, unfinished: pending };
}

/** Built into a message for every protocol, this summary takes the alert past SNS's 256 KiB: SNS fails its entry with SenderFault. */
const OVERSIZED_SUMMARY = `Transaction txn-2 flagged ${'x'.repeat(60_000)}`;

const sequenceNumbers = (records: readonly DynamoDBRecord[]) => records.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber }));

/**
 * Fails chosen PublishBatch entries inside an HTTP 200, as SNS may: the entries whose message
 * matches `fail` are not sent and come back in `Failed`; the rest go to the emulator. The emulator
 * cannot be told to do this, so it is the one made-up failure here.
 */
function failEntries(client: SNSClient, fail: (message: string, attempt: number) => boolean): { calls: () => number } {
  let calls = 0;
  const attempts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PublishBatchCommand') return next(args);
      calls++;
      const input = args.input as PublishBatchCommandInput;
      const entries = input.PublishBatchRequestEntries ?? [];
      const failed = entries.filter((e) => {
        const attempt = (attempts.get(e.Message ?? '') ?? 0) + 1;
        attempts.set(e.Message ?? '', attempt);
        return fail(e.Message ?? '', attempt);
      });
      const kept = entries.filter((e) => !failed.includes(e));
      const Failed = failed.map((e) => ({ Id: e.Id, Code: 'InternalError', Message: 'injected entry failure', SenderFault: false }));
      if (kept.length === 0) return { output: { Successful: [], Failed, $metadata: {} } as PublishBatchCommandOutput, response: {} };
      const result = await next({ ...args, input: { ...input, PublishBatchRequestEntries: kept } });
      const output = result.output as PublishBatchCommandOutput;
      return { ...result, output: { ...output, Failed: [...(output.Failed ?? []), ...Failed] } };
    },
    { step: 'initialize', name: 'riskstreamFailEntries' },
  );
  return { calls: () => calls };
}

describe('publish-alerts handler on moto', () => {
  it('publishes each new alert once, to exactly the subscribers whose severity filter allows it', async () => {
    const { alertsTable } = await createResources('publish-fanout');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-fanout');
    const fn = publishAlertsFunction(topic, alertsTable);
    const alerts = [
      alert(1, 'critical', { summary: 'Transaction txn-1 blocked (risk 0.92)' }),
      alert(2, 'warning'),
      alert(3, 'info'),
      alert(4, 'critical', {
        kind: 'sensor',
        entity: { type: 'device', id: 'sensor-17' },
        alertId: alertId('sensor', 'sensor-17', 'reading:r4'),
      }),
    ];
    for (const a of alerts) await putAlert(alertsTable, a);
    const records = await stream.read();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT', 'INSERT']);

    const response = await fn.invoke(records);

    expect(response.batchItemFailures).toEqual([]);
    const critical = await received(topic.critical);
    const urgent = await received(topic.urgent);
    expect([...critical.keys()].sort()).toEqual([alerts[0], alerts[3]].map((a) => a?.alertId).sort());
    expect([...urgent.keys()].sort()).toEqual([alerts[0], alerts[1], alerts[3]].map((a) => a?.alertId).sort());
    for (const a of [alerts[0], alerts[1], alerts[3]]) {
      const envelope = urgent.get(a?.alertId ?? '');
      expect(envelope?.Type).toBe('Notification');
      expect(envelope?.TopicArn).toBe(topic.topicArn);
      expect(JSON.parse(envelope?.Message ?? '')).toEqual(a); // the `sqs` entry: the full alert
      expect(envelope?.MessageAttributes).toEqual({
        severity: { Type: 'String', Value: a?.severity },
        kind: { Type: 'String', Value: a?.kind },
        entity: { Type: 'String', Value: `${a?.entity.type}:${a?.entity.id}` },
        notification: { Type: 'String', Value: 'alert' },
      });
    }
    expect(fn.emitted).toEqual({
      [PublishAlertsMetric.published]: 4,
      [PublishAlertsMetric.alreadyPublished]: 0,
      [PublishAlertsMetric.publishFailed]: 0,
      [PublishAlertsMetric.rejected]: 0,
      [PublishAlertsMetric.marksFailed]: 0,
      [PublishAlertsMetric.malformed]: 0,
      [PublishAlertsMetric.skipped]: 0,
    });
  });

  it('skips MODIFY and REMOVE records, and logs and skips a malformed alert without reporting it as a failure', async () => {
    const { alertsTable } = await createResources('publish-skip');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-skip');
    const fn = publishAlertsFunction(topic, alertsTable);
    const first = alert(1, 'critical');
    await putAlert(alertsTable, first);
    await fn.invoke(await stream.read());
    expect((await stream.read()).map((r) => r.eventName)).toEqual(['MODIFY']); // its published mark
    await received(topic.urgent);
    await received(topic.critical);
    for (const name of Object.keys(fn.emitted)) delete fn.emitted[name];

    const second = alert(2, 'warning');
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: alertsTable,
        Key: { alertId: { S: first.alertId } },
        UpdateExpression: 'SET summary = :s',
        ExpressionAttributeValues: { ':s': { S: 'rewritten' } },
      }),
    );
    await dynamodb.send(
      new PutItemCommand({ TableName: alertsTable, Item: marshall({ alertId: 'not-an-alert', severity: 'loud', expiresAt: EXPIRES_AT }) }),
    );
    await putAlert(alertsTable, second);
    await dynamodb.send(new DeleteItemCommand({ TableName: alertsTable, Key: { alertId: { S: first.alertId } } }));
    const records = await stream.read();
    expect(records.map((r) => r.eventName)).toEqual(['MODIFY', 'INSERT', 'INSERT', 'REMOVE']);
    const logged = jest.spyOn(fn.deps.logger, 'error');

    const response = await fn.invoke(records);

    expect(response.batchItemFailures).toEqual([]);
    expect([...(await received(topic.urgent)).keys()]).toEqual([second.alertId]);
    expect([...(await received(topic.critical)).keys()]).toEqual([]);
    expect(logged).toHaveBeenCalledWith(
      'malformed alert in the outbox stream, skipped',
      expect.objectContaining({
        sequenceNumber: records[1]?.dynamodb?.SequenceNumber,
        reason: expect.stringContaining('field "severity" must be one of'),
      }),
    );
    expect(fn.emitted).toEqual({
      [PublishAlertsMetric.published]: 1,
      [PublishAlertsMetric.alreadyPublished]: 0,
      [PublishAlertsMetric.publishFailed]: 0,
      [PublishAlertsMetric.rejected]: 0,
      [PublishAlertsMetric.marksFailed]: 0,
      [PublishAlertsMetric.malformed]: 1,
      [PublishAlertsMetric.skipped]: 2,
    });
  });

  it('returns every INSERT record when the topic does not exist, and never a MODIFY', async () => {
    const { alertsTable } = await createResources('publish-missing');
    const stream = await openStream(alertsTable);
    const fn = publishAlertsFunction(
      {
        topicArn: `arn:aws:sns:us-east-1:123456789012:no-such-topic-${randomUUID().slice(0, 8)}`,
        dlq: (await queue(`publish-missing-${randomUUID().slice(0, 8)}-dlq`)).url,
      },
      alertsTable,
    );
    for (let n = 1; n <= 12; n++) await putAlert(alertsTable, alert(n, n % 2 ? 'critical' : 'warning'));
    const inserts = await stream.read();

    expect(await fn.invoke(inserts)).toEqual({ batchItemFailures: sequenceNumbers(inserts) });
    expect(fn.emitted[PublishAlertsMetric.publishFailed]).toBe(12);

    await dynamodb.send(
      new UpdateItemCommand({
        TableName: alertsTable,
        Key: { alertId: { S: alert(1, 'critical').alertId } },
        UpdateExpression: 'SET summary = :s',
        ExpressionAttributeValues: { ':s': { S: 'rewritten' } },
      }),
    );
    await putAlert(alertsTable, alert(13, 'critical'));
    const mixed = await stream.read();
    expect(mixed.map((r) => r.eventName)).toEqual(['MODIFY', 'INSERT']);
    expect(await fn.invoke(mixed)).toEqual({ batchItemFailures: sequenceNumbers(mixed.slice(1)) });
  });

  it('sends again just the entries PublishBatch failed inside a 200, and reports the ones that kept failing', async () => {
    const { alertsTable } = await createResources('publish-partial');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-partial');
    const fn = publishAlertsFunction(topic, alertsTable);
    const alerts = Array.from({ length: 13 }, (_, i) => alert(i + 1, 'critical'));
    const flaky = alerts[2];
    const broken = alerts[11];
    const calls = failEntries(
      fn.deps.sns,
      (message, attempt) => message.includes(broken?.alertId ?? '?') || (attempt === 1 && message.includes(flaky?.alertId ?? '?')),
    );
    for (const a of alerts) await putAlert(alertsTable, a);
    const records = await stream.read();

    const response = await fn.invoke(records);

    const brokenRecord = records.find((r) => r.dynamodb?.NewImage?.['alertId']?.S === broken?.alertId);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: brokenRecord?.dynamodb?.SequenceNumber }]);
    const delivered = await received(topic.critical);
    expect([...delivered.keys()].sort()).toEqual(
      alerts
        .filter((a) => a !== broken)
        .map((a) => a.alertId)
        .sort(),
    );
    // two chunks (10 + 3), the flaky entry retried once, the broken one until the attempts ran out (4 in all)
    expect(calls.calls()).toBe(2 + 1 + 3);
    expect(fn.emitted[PublishAlertsMetric.published]).toBe(12);
    expect(fn.emitted[PublishAlertsMetric.publishFailed]).toBe(1);
  });

  it('marks each published alert in the outbox, so a replay of the same records delivers nothing again', async () => {
    const { alertsTable } = await createResources('publish-replay');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-replay');
    const alerts = Array.from({ length: 12 }, (_, i) => alert(i + 1, i % 3 ? 'critical' : 'warning'));
    for (const a of alerts) await putAlert(alertsTable, a);
    const records = await stream.read();

    const first = publishAlertsFunction(topic, alertsTable);
    expect(await first.invoke(records)).toEqual({ batchItemFailures: [] });
    const firstRun = await deliveryCounts(topic.urgent);
    // A replay of the outbox stream from the trim horizon (run --from-start): another function instance, the same records.
    const replay = publishAlertsFunction(topic, alertsTable);
    expect(await replay.invoke(records)).toEqual({ batchItemFailures: [] });
    const replayRun = await deliveryCounts(topic.urgent);

    expect({ first: Object.values(firstRun), replay: Object.values(replayRun) }).toEqual({ first: Array(12).fill(1), replay: [] });
    expect(replay.emitted).toMatchObject({ [PublishAlertsMetric.published]: 0, [PublishAlertsMetric.alreadyPublished]: 12 });
    expect(first.emitted).toMatchObject({ [PublishAlertsMetric.published]: 12, [PublishAlertsMetric.alreadyPublished]: 0 });
    // The mark is the item as stored plus publishedAt: a MODIFY record each, which publish-alerts skips.
    const items = await scanAll(alertsTable);
    expect(items).toHaveLength(12);
    for (const item of items) {
      const { [PUBLISHED_ATTRIBUTE]: publishedAt, ...rest } = item;
      expect(Date.parse(String(publishedAt))).toBeGreaterThan(Date.now() - 60_000);
      expect(rest).toEqual(alertItem(alerts.find((a) => a.alertId === item['alertId']) as Alert, EXPIRES_AT));
    }
    const markRecords = await stream.read();
    expect(markRecords.map((r) => r.eventName)).toEqual(Array(12).fill('MODIFY'));
    expect(await replay.invoke(markRecords)).toEqual({ batchItemFailures: [] });
    expect(await deliveryCounts(topic.urgent)).toEqual({});
  });

  it('sends only the alerts not yet published when Lambda sends a batch again from a failed alert', async () => {
    const { alertsTable } = await createResources('publish-retry');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-retry');
    const fn = publishAlertsFunction(topic, alertsTable);
    const alerts = Array.from({ length: 8 }, (_, i) => alert(i + 1, 'critical'));
    const flaky = alerts[2]?.alertId ?? '?';
    failEntries(fn.deps.sns, (message, attempt) => message.includes(flaky) && attempt <= 4); // fails the whole first invocation
    for (const a of alerts) await putAlert(alertsTable, a);

    const lambda = await invokeAsLambda(fn, await stream.read());

    expect(lambda.invocations).toBe(2);
    expect(await deliveryCounts(topic.critical)).toEqual(Object.fromEntries(alerts.map((a) => [a.alertId, 1])));
    expect(fn.emitted[PublishAlertsMetric.alreadyPublished]).toBe(5); // the alerts after the flaky one, sent again by Lambda
  });

  it('publishes but cannot mark when the marks cannot be written: the batch goes on, a replay sends again (at least once)', async () => {
    const { alertsTable } = await createResources('publish-unmarked');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-unmarked');
    const fn = publishAlertsFunction(topic, alertsTable);
    const alerts = Array.from({ length: 3 }, (_, i) => alert(i + 1, 'critical'));
    for (const a of alerts) await putAlert(alertsTable, a);
    const records = await stream.read();
    const fault = injectDynamoDBFault(fn.deps.dynamodb, { when: (command) => command === 'BatchWriteItem', error: throttlingError });

    expect(await fn.invoke(records)).toEqual({ batchItemFailures: [] });
    expect(fn.emitted[PublishAlertsMetric.marksFailed]).toBe(3);
    fault.remove();
    expect(await fn.invoke(records)).toEqual({ batchItemFailures: [] });
    expect(await deliveryCounts(topic.critical)).toEqual(Object.fromEntries(alerts.map((a) => [a.alertId, 2])));
  });

  it('reports every alert, and sends none, when the marks cannot be read', async () => {
    const { alertsTable } = await createResources('publish-no-marks');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-no-marks');
    const fn = publishAlertsFunction(topic, alertsTable);
    for (const a of [alert(1, 'critical'), alert(2, 'critical')]) await putAlert(alertsTable, a);
    const records = await stream.read();
    injectDynamoDBFault(fn.deps.dynamodb, { when: (command) => command === 'BatchGetItem', error: throttlingError });

    expect(await fn.invoke(records)).toEqual({ batchItemFailures: sequenceNumbers(records) });
    expect(await deliveryCounts(topic.critical)).toEqual({});
  });

  it('sends an alert SNS refuses as the sender’s fault to the DLQ with its reason, and reports no record for it', async () => {
    const { alertsTable } = await createResources('publish-sender-fault');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-sender-fault');
    const fn = publishAlertsFunction(topic, alertsTable);
    const refused = alert(2, 'critical', { summary: OVERSIZED_SUMMARY });
    const alerts = [alert(1, 'critical'), refused, alert(3, 'critical'), alert(4, 'critical'), alert(5, 'critical')];
    for (const a of alerts) await putAlert(alertsTable, a);
    const records = await stream.read();

    const lambda = await invokeAsLambda(fn, records);

    // Reported, the refused alert's record would send the batch back from it 10 times, and every alert after it 11 times.
    const delivered = await deliveryCounts(topic.critical);
    expect({ invocations: lambda.invocations, delivered }).toEqual({
      invocations: 1,
      delivered: Object.fromEntries(alerts.filter((a) => a !== refused).map((a) => [a.alertId, 1])),
    });
    expect(await drainQueue(topic.dlq)).toEqual([
      {
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        requestContext: { functionArn: lambdaContext('publish-alerts').invokedFunctionArn, condition: 'SenderFault' },
        RejectedAlert: {
          alertId: refused.alertId,
          reason: expect.stringMatching(/^InvalidParameter: .*Message too long/),
          streamArn: stream.streamArn,
          sequenceNumber: records[1]?.dynamodb?.SequenceNumber,
        },
      },
    ]);
    expect(fn.emitted[PublishAlertsMetric.published]).toBe(4);
    expect(fn.emitted[PublishAlertsMetric.rejected]).toBe(1);
    expect(fn.emitted[PublishAlertsMetric.publishFailed]).toBe(0);
  });

  it('takes BatchRequestTooLong for a request of one entry as that entry’s fault, as AWS answers an oversized message', async () => {
    const { alertsTable } = await createResources('publish-too-long');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-too-long');
    const fn = publishAlertsFunction(topic, alertsTable);
    // moto fails such an entry inside a 200 (the test above); AWS refuses the request, which the
    // adapter sent with that entry alone. The emulator cannot answer so, so this one is made up.
    fn.deps.sns.middlewareStack.add(
      (next, context) => async (args) => {
        const entries = (args.input as PublishBatchCommandInput).PublishBatchRequestEntries ?? [];
        if (context.commandName === 'PublishBatchCommand' && entries.some((e) => (e.Message ?? '').length > 256 * 1024)) {
          throw Object.assign(new Error('The length of all the batch messages put together is more than the limit.'), {
            name: 'BatchRequestTooLong',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'riskstreamBatchRequestTooLong' },
    );
    const refused = alert(2, 'critical', { summary: OVERSIZED_SUMMARY });
    for (const a of [alert(1, 'critical'), refused, alert(3, 'critical')]) await putAlert(alertsTable, a);

    const response = await fn.invoke(await stream.read());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(Object.keys(await deliveryCounts(topic.critical)).sort()).toEqual(
      [alert(1, 'critical').alertId, alert(3, 'critical').alertId].sort(),
    );
    const dead = (await drainQueue(topic.dlq)) as Array<{ RejectedAlert: { alertId: string; reason: string } }>;
    expect(dead.map((m) => m.RejectedAlert)).toEqual([
      expect.objectContaining({ alertId: refused.alertId, reason: expect.stringMatching(/^BatchRequestTooLong: /) }),
    ]);
  });

  it('reports the record of an alert SNS refused when its DLQ message cannot be sent either: it is never dropped', async () => {
    const { alertsTable } = await createResources('publish-no-dlq');
    const stream = await openStream(alertsTable);
    const topic = await alertsTopic('publish-no-dlq');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: topic.dlq }));
    const fn = publishAlertsFunction(topic, alertsTable);
    const refused = alert(2, 'critical', { summary: OVERSIZED_SUMMARY });
    for (const a of [alert(1, 'critical'), refused]) await putAlert(alertsTable, a);
    const records = await stream.read();

    const response = await fn.invoke(records);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }] });
    expect(await deliveryCounts(topic.critical)).toEqual({ [alert(1, 'critical').alertId]: 1 });
    expect(fn.emitted[PublishAlertsMetric.rejected]).toBe(0);
    expect(fn.emitted[PublishAlertsMetric.publishFailed]).toBe(1);
  });
});
