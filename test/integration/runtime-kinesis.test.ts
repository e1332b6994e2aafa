import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { freePort } from '../../local/moto-server';
import { FileCheckpointStore } from '../../local/runtime/kinesis/file-checkpoints';
import type { KinesisMappingRunnerOptions } from '../../local/runtime/kinesis/mapping-runner';
import { KinesisMappingRunner } from '../../local/runtime/kinesis/mapping-runner';
import { createMappingRunner } from '../../local/runtime/mapping-runners';
import type { MappingSpec } from '../../local/runtime/types';
import { drainQueue } from '../support/resources';
import { sqs } from '../support/resources';
import { createQueue, FakeFunction as BaseFakeFunction, MemoryCheckpointStore, testSpec } from '../support/runtime';

const REGION = process.env['AWS_REGION'] ?? 'us-east-1';
// moto speaks HTTP/1.1 only; the Kinesis client would default to HTTP/2.
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });

interface TestStream {
  readonly name: string;
  readonly arn: string;
  readonly account: string;
}

interface Put {
  readonly seq: string;
  readonly shardId: string;
  readonly data: Record<string, unknown>;
}

async function createStream(label: string, shards = 1): Promise<TestStream> {
  const name = `rt-${label}-${randomUUID().slice(0, 8)}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary?.StreamStatus === 'ACTIVE' && summary.StreamARN)
      return { name, arn: summary.StreamARN, account: summary.StreamARN.split(':')[4] ?? '' };
    await sleep(100);
  }
}

/** Puts the items in order (one PutRecords call), partition key `key` of each item, or `k`. */
async function put(stream: TestStream, items: Array<Record<string, unknown>>): Promise<Put[]> {
  const { Records = [] } = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream.name,
      Records: items.map((data) => ({ Data: Buffer.from(JSON.stringify(data)), PartitionKey: String(data['key'] ?? 'k') })),
    }),
  );
  return Records.map((r, i) => ({ seq: r.SequenceNumber ?? '', shardId: r.ShardId ?? '', data: items[i] ?? {} }));
}

async function putRaw(stream: TestStream, text: string): Promise<void> {
  await kinesis.send(new PutRecordsCommand({ StreamName: stream.name, Records: [{ Data: Buffer.from(text), PartitionKey: 'k' }] }));
}

const numbered = (count: number, extra: (n: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: count }, (_, n) => ({ n, ...extra(n) }));

/** The test's function, with helpers to read what it was given. */
class FakeFunction extends BaseFakeFunction<KinesisStreamEvent> {
  /** The sequence numbers of each batch, in invocation order. */
  batches(): string[][] {
    return this.events.map((e) => e.Records.map((r) => r.kinesis.sequenceNumber));
  }

  payloads(event: KinesisStreamEvent): Array<Record<string, unknown>> {
    return event.Records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as Record<string, unknown>);
  }
}

function specFor(stream: TestStream, overrides: Partial<MappingSpec> = {}): MappingSpec {
  return testSpec({ kind: 'kinesis', streamName: stream.name, streamArn: stream.arn }, overrides);
}

function runnerFor(
  stream: TestStream,
  fn: FakeFunction,
  spec: Partial<MappingSpec> = {},
  options: Partial<KinesisMappingRunnerOptions> = {},
): { runner: KinesisMappingRunner; checkpoints: MemoryCheckpointStore; log: string[] } {
  const checkpoints = new MemoryCheckpointStore();
  const log: string[] = [];
  const runner = new KinesisMappingRunner({
    spec: specFor(stream, spec),
    invoke: fn.invoke,
    kinesis,
    sqs,
    checkpoints,
    region: REGION,
    account: stream.account,
    log: (line) => log.push(line),
    pollIntervalMs: 50,
    shardDiscoveryMs: 200,
    ...options,
  });
  return { runner, checkpoints, log };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const IDLE = { idleMs: 600 };

describe('KinesisMappingRunner on moto', () => {
  it('delivers every record once, in order per shard, in batches of at most batchSize, as Lambda events', async () => {
    const stream = await createStream('order', 2);
    const puts = await put(
      stream,
      numbered(40, (n) => ({ key: `user-${n % 16}` })),
    );
    const shards = [...new Set(puts.map((p) => p.shardId))].sort();
    expect(shards).toHaveLength(2);
    const fn = new FakeFunction();
    const { runner, checkpoints } = runnerFor(stream, fn, { batchSize: 7 });

    const stats = await runner.runUntilIdle(IDLE);

    for (const shardId of shards) {
      const expected = puts.filter((p) => p.shardId === shardId).map((p) => p.seq);
      const delivered = fn.events.flatMap((e) => e.Records).filter((r) => r.eventID.startsWith(`${shardId}:`));
      expect(delivered.map((r) => r.kinesis.sequenceNumber)).toEqual(expected);
      expect(checkpoints.values.get(`${stream.arn}|${shardId}`)).toBe(expected[expected.length - 1]);
    }
    expect(fn.events.flatMap((e) => e.Records)).toHaveLength(40);
    for (const event of fn.events) {
      expect(event.Records.length).toBeLessThanOrEqual(7);
      expect(new Set(event.Records.map((r) => r.eventID.split(':')[0])).size).toBe(1);
    }
    const first = puts.find((p) => p.shardId === fn.events[0]?.Records[0]?.eventID.split(':')[0]);
    expect(fn.events[0]?.Records[0]).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: first?.data['key'],
        sequenceNumber: first?.seq,
        data: Buffer.from(JSON.stringify(first?.data)).toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${first?.shardId}:${first?.seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${stream.account}:role/test-fn`,
      awsRegion: REGION,
      eventSourceARN: stream.arn,
    });
    expect(Math.abs((fn.events[0]?.Records[0]?.kinesis.approximateArrivalTimestamp ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    expect(stats).toEqual({
      recordsRead: 40,
      batchesInvoked: fn.events.length,
      recordsFailedToDestination: 0,
      lagMsPerShard: { [shards[0] ?? '']: expect.any(Number), [shards[1] ?? '']: expect.any(Number) },
      resumedFrom: { [shards[0] ?? '']: null, [shards[1] ?? '']: null },
    });
  });

  it('retries a partially failed batch from the lowest reported record, and only from there', async () => {
    const stream = await createStream('partial');
    const puts = await put(stream, numbered(10));
    const seqs = puts.map((p) => p.seq);
    const fn = new FakeFunction((_, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: seqs[7] }, { itemIdentifier: seqs[4] }] } : { batchItemFailures: [] },
    );
    const { runner, checkpoints } = runnerFor(stream, fn);

    await runner.runUntilIdle(IDLE);

    expect(fn.batches()).toEqual([seqs, seqs.slice(4)]);
    expect(checkpoints.writes).toEqual([seqs[3], seqs[9]]);
  });

  it('retries the whole batch when an itemIdentifier is empty, and takes any answer as success without ReportBatchItemFailures', async () => {
    const stream = await createStream('whole');
    const seqs = (await put(stream, numbered(3))).map((p) => p.seq);
    const answer = (_: KinesisStreamEvent, call: number) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: '' }] } : {});

    const reporting = new FakeFunction(answer);
    await runnerFor(stream, reporting).runner.runUntilIdle(IDLE);
    expect(reporting.batches()).toEqual([seqs, seqs]);

    const notReporting = new FakeFunction(answer);
    await runnerFor(stream, notReporting, { reportBatchItemFailures: false }).runner.runUntilIdle(IDLE);
    expect(notReporting.batches()).toEqual([seqs]);
  });

  it('bisects a batch whose invocation threw until the bad record is alone, then gives up on it after retryAttempts', async () => {
    const stream = await createStream('bisect');
    const queue = await createQueue('bisect');
    const seqs = (await put(stream, numbered(4))).map((p) => p.seq);
    const fn = new FakeFunction((event) => {
      if (fn.payloads(event).some((p) => p['n'] === 2)) throw new Error('poison');
      return { batchItemFailures: [] };
    });
    const { runner, checkpoints } = runnerFor(stream, fn, {
      batchSize: 4,
      bisectBatchOnError: true,
      retryAttempts: 1,
      onFailureQueueArn: queue.arn,
    });

    const stats = await runner.runUntilIdle(IDLE);

    const [s0, s1, s2, s3] = seqs;
    expect(fn.batches()).toEqual([[s0, s1, s2, s3], [s0, s1], [s2, s3], [s2], [s2], [s3]]);
    const messages = await drainQueue(queue.url);
    expect(messages).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        KinesisBatchInfo: expect.objectContaining({ startSequenceNumber: s2, endSequenceNumber: s2, batchSize: 1 }),
      }),
    ]);
    expect(stats.recordsFailedToDestination).toBe(1);
    expect(checkpoints.values.get(`${stream.arn}|shardId-000000000000`)).toBe(s3);
  });

  it('sends a batch that failed retryAttempts times to the on-failure queue, then moves on', async () => {
    const stream = await createStream('exhaust');
    const queue = await createQueue('exhaust');
    const puts = await put(stream, numbered(5));
    const seqs = puts.map((p) => p.seq);
    const fn = new FakeFunction((event) => {
      if (fn.payloads(event).some((p) => Number(p['n']) < 3)) throw new Error('cannot process');
      return { batchItemFailures: [] };
    });
    const { runner, checkpoints, log } = runnerFor(stream, fn, { batchSize: 3, retryAttempts: 2, onFailureQueueArn: queue.arn });

    const stats = await runner.runUntilIdle(IDLE);

    const failed = seqs.slice(0, 3);
    expect(fn.batches()).toEqual([failed, failed, failed, seqs.slice(3)]);
    const [message, ...others] = await drainQueue(queue.url);
    expect(others).toEqual([]);
    expect(message).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: `arn:aws:lambda:${REGION}:${stream.account}:function:test-fn`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: seqs[0],
        endSequenceNumber: seqs[2],
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 3,
        streamArn: stream.arn,
      },
    });
    expect(stats.recordsFailedToDestination).toBe(3);
    expect(checkpoints.values.get(`${stream.arn}|shardId-000000000000`)).toBe(seqs[4]);
    expect(log).toEqual([
      'shardId-000000000000: no checkpoint, reading from TRIM_HORIZON',
      expect.stringContaining('RetryAttemptsExhausted: sent 3 record(s)'),
    ]);
  });

  it('gives up on a failed batch older than maxRecordAge without retrying it', async () => {
    const stream = await createStream('age');
    const queue = await createQueue('age');
    const seqs = (await put(stream, numbered(2))).map((p) => p.seq);
    const fn = new FakeFunction(() => ({ batchItemFailures: [{ itemIdentifier: seqs[1] }] }));
    const { runner } = runnerFor(stream, fn, { maxRecordAgeMs: 60_000, onFailureQueueArn: queue.arn }, { now: () => Date.now() + 120_000 });

    await runner.runUntilIdle(IDLE);

    expect(fn.batches()).toEqual([seqs]);
    expect(await drainQueue(queue.url)).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RecordAgeExceeded', approximateInvokeCount: 1 }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
        KinesisBatchInfo: expect.objectContaining({ startSequenceNumber: seqs[1], endSequenceNumber: seqs[1], batchSize: 1 }),
      }),
    ]);
  });

  it('drops records that match no filter pattern, and checkpoints past them', async () => {
    const stream = await createStream('filter');
    const puts = await put(
      stream,
      numbered(6, (n) => ({ kind: n % 2 === 0 ? 'keep' : 'drop' })),
    );
    await putRaw(stream, 'not json');
    const fn = new FakeFunction();
    const { runner, checkpoints } = runnerFor(stream, fn, { filterPatterns: ['{"data": {"kind": ["keep"]}}'] });

    await runner.runUntilIdle(IDLE);

    expect(fn.events.flatMap((e) => fn.payloads(e)).map((p) => p['n'])).toEqual([0, 2, 4]);
    const checkpoint = checkpoints.values.get(`${stream.arn}|shardId-000000000000`) ?? '0';
    expect(BigInt(checkpoint)).toBeGreaterThan(BigInt(puts[5]?.seq ?? ''));
  });

  it('resumes after the last processed record from a FileCheckpointStore, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runtime-kinesis-'));
    const path = join(dir, 'checkpoints.json');
    try {
      const stream = await createStream('resume');
      const before = (await put(stream, numbered(5))).map((p) => p.seq);
      const first = new FakeFunction();
      const { runner: runner1 } = runnerFor(stream, first, {}, { checkpoints: new FileCheckpointStore(path) });
      const running = runner1.start();
      await waitFor(() => first.events.flatMap((e) => e.Records).length === 5, 'the first 5 records');
      await runner1.stop();
      await running;
      expect(runner1.stats().resumedFrom).toEqual({ 'shardId-000000000000': null });

      const after = (
        await put(
          stream,
          numbered(3, (n) => ({ n: n + 5 })),
        )
      ).map((p) => p.seq);
      const second = new FakeFunction();
      const { runner: runner2 } = runnerFor(stream, second, {}, { checkpoints: new FileCheckpointStore(path) });
      const stats = await runner2.runUntilIdle(IDLE);

      expect(stats.resumedFrom).toEqual({ 'shardId-000000000000': before[4] });
      expect(second.batches().flat()).toEqual(after);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ [`${stream.arn}|shardId-000000000000`]: after[2] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits up to the batching window to fill a batch, and starts at LATEST when told to', async () => {
    const stream = await createStream('window');
    await put(stream, [{ n: 'before start' }]);
    const fn = new FakeFunction();
    const { runner } = runnerFor(stream, fn, { maxBatchingWindowMs: 1_500, batchSize: 100, startingPosition: 'LATEST' });
    const running = runner.start();
    await waitFor(() => 'shardId-000000000000' in runner.stats().resumedFrom, 'the shard reader');
    await sleep(300);

    const puts = [
      ...(await put(stream, [{ n: 1 }])),
      ...(await sleep(300), await put(stream, [{ n: 2 }])),
      ...(await sleep(300), await put(stream, [{ n: 3 }])),
    ];
    await waitFor(() => fn.events.length > 0, 'the first batch');
    await sleep(500);
    await runner.stop();
    await running;

    expect(fn.batches()).toEqual([puts.map((p) => p.seq)]);
  });

  it('keeps delivering every record once, in order per shard, across a reshard', async () => {
    const stream = await createStream('reshard');
    const fn = new FakeFunction();
    const { runner } = runnerFor(stream, fn);
    const running = runner.start();
    const before = await put(
      stream,
      numbered(5, (n) => ({ key: `user-${n}` })),
    );
    await waitFor(() => fn.events.flatMap((e) => e.Records).length === 5, 'the records put before the reshard');

    await kinesis.send(new UpdateShardCountCommand({ StreamName: stream.name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
    await sleep(300);
    // On AWS these go to the child shards, read once the parent is read to its end; moto keeps
    // writing them to the parent (and never closes it), so the test holds on either.
    const after = await put(
      stream,
      numbered(10, (n) => ({ n: n + 5, key: `user-${n}` })),
    );
    await waitFor(() => fn.events.flatMap((e) => e.Records).length === 15, 'the records put after the reshard');
    await runner.stop();
    await running;

    const puts = [...before, ...after];
    const delivered = fn.events.flatMap((e) => e.Records.map((r) => r.eventID));
    for (const shardId of new Set(puts.map((p) => p.shardId))) {
      const expected = puts.filter((p) => p.shardId === shardId).map((p) => `${p.shardId}:${p.seq}`);
      expect(delivered.filter((id) => id.startsWith(`${shardId}:`))).toEqual(expected);
    }
    expect(delivered).toHaveLength(15);
  });

  it('waits and retries, never skips, while the emulator does not answer, and says so once', async () => {
    const closed = await freePort();
    const unreachable = new KinesisClient({
      endpoint: `http://127.0.0.1:${closed}`,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    const stream: TestStream = { name: 'nowhere', arn: 'arn:aws:kinesis:us-east-1:123456789012:stream/nowhere', account: '123456789012' };
    const fn = new FakeFunction();
    const { runner, log } = runnerFor(stream, fn, {}, { kinesis: unreachable });

    const running = runner.start();
    await sleep(800);
    await runner.stop();
    await running;

    expect(log).toEqual([expect.stringMatching(/^ListShards failed, retrying until it works/)]);
    expect(fn.events).toEqual([]);
  });

  it('is what createMappingRunner builds for a Kinesis mapping, with its own clients', async () => {
    const stream = await createStream('factory');
    const seqs = (await put(stream, numbered(3))).map((p) => p.seq);
    const fn = new FakeFunction();
    const checkpoints = new MemoryCheckpointStore();
    const runner = createMappingRunner({
      spec: specFor(stream),
      invoke: fn.invoke,
      checkpoints,
      endpoint: process.env['AWS_ENDPOINT_URL'] ?? '',
      region: REGION,
      account: stream.account,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      pollIntervalMs: 50,
    });

    const stats = await runner.runUntilIdle(IDLE);

    expect(fn.batches()).toEqual([seqs]);
    expect(stats).toEqual(runner.stats());
    expect(checkpoints.values.get(`${stream.arn}|shardId-000000000000`)).toBe(seqs[2]);
  });
});
