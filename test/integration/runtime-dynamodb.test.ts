import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { FileCheckpointStore } from '../../local/runtime/kinesis/file-checkpoints';
import { SourceConfigurationError } from '../../local/runtime/kinesis/stream-source';
import type { CreateMappingRunnerOptions } from '../../local/runtime/mapping-runners';
import { createMappingRunner } from '../../local/runtime/mapping-runners';
import type { MappingSpec } from '../../local/runtime/types';
import { drainQueue } from '../support/resources';
import { createQueue, FakeFunction as BaseFakeFunction, MemoryCheckpointStore, testSpec } from '../support/runtime';

const REGION = process.env['AWS_REGION'] ?? 'us-east-1';
const dynamodb = new DynamoDBClient({});
const streams = new DynamoDBStreamsClient({ requestHandler: new NodeHttpHandler() });

interface TestTable {
  readonly name: string;
  readonly streamArn: string;
  readonly account: string;
}

async function createTable(label: string, stream = true): Promise<TestTable> {
  const name = `rt-${label}-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
    }),
  );
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  return { name, streamArn: Table?.LatestStreamArn ?? '', account: Table?.TableArn?.split(':')[4] ?? '' };
}

/** Puts one item per key, in order: `{ pk, n, ...extra }`. */
async function putItems(table: TestTable, keys: readonly string[], extra: Record<string, AttributeValue> = {}): Promise<void> {
  for (const [n, pk] of keys.entries()) {
    await dynamodb.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: pk }, n: { N: String(n) }, ...extra } }));
  }
}

async function update(table: TestTable, pk: string): Promise<void> {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: table.name,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET updated = :t',
      ExpressionAttributeValues: { ':t': { BOOL: true } },
    }),
  );
}

/** The table's stream as the DynamoDB Streams API holds it, read here independently of the runner. */
async function streamRecords(table: TestTable): Promise<{ shardId: string; records: StreamsRecord[] }> {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: table.streamArn }));
  const shardId = StreamDescription?.Shards?.[0]?.ShardId ?? '';
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({ StreamArn: table.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
  return { shardId, records: Records };
}

/** The test's function, with helpers to read what it was given. */
class FakeFunction extends BaseFakeFunction<DynamoDBStreamEvent> {
  records(): DynamoDBRecord[] {
    return this.events.flatMap((e) => e.Records);
  }

  /** The sequence numbers of each batch, in invocation order. */
  batches(): string[][] {
    return this.events.map((e) => e.Records.map((r) => r.dynamodb?.SequenceNumber ?? ''));
  }

  /** `eventName pk` of every record delivered, in order. */
  delivered(): string[] {
    return this.records().map((r) => `${r.eventName} ${r.dynamodb?.Keys?.['pk']?.S}`);
  }
}

function specFor(table: TestTable, overrides: Partial<MappingSpec> = {}): MappingSpec {
  return testSpec({ kind: 'dynamodb', tableName: table.name }, overrides);
}

/** Through createMappingRunner, as the local runtime builds it. */
function runnerFor(table: TestTable, fn: FakeFunction, spec: Partial<MappingSpec> = {}, options: Partial<CreateMappingRunnerOptions> = {}) {
  const checkpoints = new MemoryCheckpointStore();
  const log: string[] = [];
  const runner = createMappingRunner({
    spec: specFor(table, spec),
    invoke: fn.invoke,
    checkpoints,
    endpoint: process.env['AWS_ENDPOINT_URL'] ?? '',
    region: REGION,
    account: table.account,
    log: (line) => log.push(line),
    pollIntervalMs: 50,
    shardDiscoveryMs: 200,
    ...options,
  });
  return { runner, checkpoints, log };
}

const IDLE = { idleMs: 600 };

describe('DynamoDB Streams mapping on moto (createMappingRunner)', () => {
  it('delivers only what the INSERT filter matches, in stream order, as Lambda DynamoDB events', async () => {
    const table = await createTable('insert');
    await putItems(table, ['a', 'b'], { blob: { B: Buffer.from('bytes') } });
    await update(table, 'a');
    await putItems(table, ['c', 'd']);
    const { shardId, records } = await streamRecords(table);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY', 'INSERT', 'INSERT']);
    const fn = new FakeFunction();
    const { runner, checkpoints } = runnerFor(table, fn, { batchSize: 2, filterPatterns: ['{"eventName": ["INSERT"]}'] });

    const stats = await runner.runUntilIdle(IDLE);

    expect(fn.delivered()).toEqual(['INSERT a', 'INSERT b', 'INSERT c', 'INSERT d']);
    const inserts = records.filter((r) => r.eventName === 'INSERT');
    expect(fn.batches().flat()).toEqual(inserts.map((r) => r.dynamodb?.SequenceNumber));
    for (const batch of fn.batches()) expect(batch.length).toBeLessThanOrEqual(2);
    const first = records[0];
    expect(fn.records()[0]).toEqual({
      eventID: first?.eventID,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor((first?.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) / 1000),
        Keys: { pk: { S: 'a' } },
        NewImage: { pk: { S: 'a' }, n: { N: '0' }, blob: { B: Buffer.from('bytes').toString('base64') } },
        SequenceNumber: first?.dynamodb?.SequenceNumber,
        SizeBytes: first?.dynamodb?.SizeBytes,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: table.streamArn,
    });
    const createdAt = fn.records()[0]?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(Number.isInteger(createdAt)).toBe(true);
    expect(Math.abs(createdAt - Date.now() / 1000)).toBeLessThan(60);
    expect(checkpoints.values.get(`${table.streamArn}|${shardId}`)).toBe(records[4]?.dynamodb?.SequenceNumber);
    expect(stats).toEqual({
      recordsRead: 5,
      batchesInvoked: fn.events.length,
      recordsFailedToDestination: 0,
      lagMsPerShard: { [shardId]: expect.any(Number) },
      resumedFrom: { [shardId]: null },
    });

    // A pattern on the new image, in DynamoDB JSON: the MODIFY of a (now with `updated`) and nothing else.
    const onImage = new FakeFunction();
    await runnerFor(table, onImage, { filterPatterns: ['{"dynamodb": {"NewImage": {"updated": {"BOOL": [true]}}}}'] }).runner.runUntilIdle(
      IDLE,
    );
    expect(onImage.delivered()).toEqual(['MODIFY a']);
  });

  it('retries a partially failed batch from the lowest reported dynamodb.SequenceNumber, and only from there', async () => {
    const table = await createTable('partial');
    await putItems(table, ['a', 'b', 'c', 'd', 'e']);
    const { shardId, records } = await streamRecords(table);
    const seqs = records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    const fn = new FakeFunction((_, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: seqs[3] }, { itemIdentifier: seqs[1] }] } : { batchItemFailures: [] },
    );
    const { runner, checkpoints } = runnerFor(table, fn);

    await runner.runUntilIdle(IDLE);

    expect(fn.batches()).toEqual([seqs, seqs.slice(1)]);
    expect(checkpoints.writes).toEqual([seqs[0], seqs[4]]);
    expect(checkpoints.values.get(`${table.streamArn}|${shardId}`)).toBe(seqs[4]);
  });

  it('sends a batch that failed retryAttempts times to the on-failure queue as DDBStreamBatchInfo, then moves on', async () => {
    const table = await createTable('exhaust');
    const queue = await createQueue('ddb-exhaust');
    await putItems(table, ['a', 'b', 'c', 'd', 'e']);
    const { shardId, records } = await streamRecords(table);
    const seqs = records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    const fn = new FakeFunction((event) => {
      if (event.Records.some((r) => ['a', 'b', 'c'].includes(r.dynamodb?.Keys?.['pk']?.S ?? ''))) throw new Error('cannot process');
      return { batchItemFailures: [] };
    });
    const { runner, checkpoints, log } = runnerFor(table, fn, { batchSize: 3, retryAttempts: 2, onFailureQueueArn: queue.arn });

    const stats = await runner.runUntilIdle(IDLE);

    const failed = seqs.slice(0, 3);
    expect(fn.batches()).toEqual([failed, failed, failed, seqs.slice(3)]);
    const [message, ...others] = await drainQueue(queue.url);
    expect(others).toEqual([]);
    const second = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    expect(message).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: `arn:aws:lambda:${REGION}:${table.account}:function:test-fn`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: seqs[0],
        endSequenceNumber: seqs[2],
        approximateArrivalOfFirstRecord: expect.stringMatching(second),
        approximateArrivalOfLastRecord: expect.stringMatching(second),
        batchSize: 3,
        streamArn: table.streamArn,
      },
    });
    expect(stats.recordsFailedToDestination).toBe(3);
    expect(checkpoints.values.get(`${table.streamArn}|${shardId}`)).toBe(seqs[4]);
    expect(log).toEqual([
      expect.stringMatching(/^\[test-fn ← rt-exhaust-\w+ \(stream\)\] shardId-\S+: no checkpoint, reading from TRIM_HORIZON$/),
      expect.stringMatching(/^\[test-fn ← rt-exhaust-\w+ \(stream\)\] RetryAttemptsExhausted: sent 3 record\(s\)/),
    ]);
  });

  it('resumes after its checkpoint, keyed by stream ARN: another table on the same shard id and sequence numbers starts afresh', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runtime-dynamodb-'));
    const path = join(dir, 'checkpoints.json');
    try {
      const [tableA, tableB] = [await createTable('resume-a'), await createTable('resume-b')];
      await putItems(tableA, ['a1', 'a2', 'a3']);
      await putItems(tableB, ['b1', 'b2', 'b3']);
      const a = await streamRecords(tableA);
      const b = await streamRecords(tableB);
      const seqsB = b.records.map((r) => r.dynamodb?.SequenceNumber ?? '');
      expect(tableA.streamArn).not.toBe(tableB.streamArn);

      const firstA = new FakeFunction();
      const statsA = await runnerFor(tableA, firstA, {}, { checkpoints: new FileCheckpointStore(path) }).runner.runUntilIdle(IDLE);
      expect(firstA.delivered()).toEqual(['INSERT a1', 'INSERT a2', 'INSERT a3']);
      expect(statsA.resumedFrom).toEqual({ [a.shardId]: null });

      const firstB = new FakeFunction();
      const statsB = await runnerFor(tableB, firstB, {}, { checkpoints: new FileCheckpointStore(path) }).runner.runUntilIdle(IDLE);
      expect(firstB.delivered()).toEqual(['INSERT b1', 'INSERT b2', 'INSERT b3']);
      expect(statsB.resumedFrom).toEqual({ [b.shardId]: null });

      await putItems(tableA, ['a4', 'a5']);
      await update(tableA, 'a1');
      const seqsA = (await streamRecords(tableA)).records.map((r) => r.dynamodb?.SequenceNumber ?? '');
      const secondA = new FakeFunction();
      const stats = await runnerFor(tableA, secondA, {}, { checkpoints: new FileCheckpointStore(path) }).runner.runUntilIdle(IDLE);

      expect(stats.resumedFrom).toEqual({ [a.shardId]: seqsA[2] });
      expect(secondA.delivered()).toEqual(['INSERT a4', 'INSERT a5', 'MODIFY a1']);
      expect(secondA.batches().flat()).toEqual(seqsA.slice(3));
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
        [`${tableA.streamArn}|${a.shardId}`]: seqsA[5],
        [`${tableB.streamArn}|${b.shardId}`]: seqsB[2],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a table without a stream instead of waiting for one', async () => {
    const table = await createTable('nostream', false);
    const fn = new FakeFunction();
    const { runner } = runnerFor(table, fn);

    await expect(runner.start()).rejects.toThrow(SourceConfigurationError);
    await expect(runner.start()).rejects.toThrow(/has no stream enabled/);
    expect(fn.events).toEqual([]);
  });
});
