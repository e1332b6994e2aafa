import type { ReadRecord } from '../../../local/runtime/kinesis/lambda-shapes';
import { kinesisFailureRecord, toReadRecord } from '../../../local/runtime/kinesis/lambda-shapes';
import type { Position, ReadPage, StreamSource } from '../../../local/runtime/kinesis/stream-source';
import type { KinesisStreamRecord } from 'aws-lambda';
import { redriveDlq } from '../../../local/redrive/redrive-dlq';
import { readRange } from '../../../local/redrive/stream-range';
import { FakeFunction, testSpec } from '../../support/runtime';
import { MemoryQueue } from './memory-queue';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/rs-transactions';
const SHARD = 'shardId-000000000000';
const origin = { shardId: SHARD, streamArn: STREAM, functionName: 'test-fn', region: 'us-east-1', account: '123456789012' };
const record = (n: number, kind = 'keep') =>
  toReadRecord(
    {
      SequenceNumber: String(n),
      PartitionKey: 'user-1',
      Data: Buffer.from(JSON.stringify({ n, kind })),
      ApproximateArrivalTimestamp: new Date(1_777_118_400_000),
    },
    origin,
  );

/** A shard in memory, read in pages of `page` records from an AT_SEQUENCE_NUMBER iterator. */
class MemoryShard implements StreamSource<KinesisStreamRecord> {
  readonly calls = { streamArn: 'stream ARN', listShards: 'ListShards' };
  readonly reads: number[] = [];
  constructor(
    private readonly records: ReadRecord[],
    private readonly page = 4,
  ) {}
  async streamArn() {
    return STREAM;
  }
  async listShards() {
    return [{ shardId: SHARD, parentShardIds: [] }];
  }
  async iterator(_shardId: string, position: Position) {
    const from = 'sequenceNumber' in position ? BigInt(position.sequenceNumber) : 0n;
    return String(this.records.findIndex((r) => BigInt(r.sequenceNumber) >= from));
  }
  async read(_shardId: string, iterator: string): Promise<ReadPage<KinesisStreamRecord>> {
    const at = Number(iterator);
    this.reads.push(at);
    if (at < 0) return { records: [], nextIterator: iterator };
    return { records: this.records.slice(at, at + this.page), nextIterator: String(Math.min(at + this.page, this.records.length)) };
  }
  filterView(r: ReadRecord) {
    return { data: JSON.parse(Buffer.from(r.event.kinesis.data, 'base64').toString()) as unknown };
  }
  failureInfo() {
    return {};
  }
}

const shard = Array.from({ length: 12 }, (_, i) => record(i + 1, i === 5 ? 'drop' : 'keep'));
const dlqMessage = (from: number, to: number) =>
  kinesisFailureRecord(
    shard.filter((r) => Number(r.sequenceNumber) >= from && Number(r.sequenceNumber) <= to),
    {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test-fn',
      streamArn: STREAM,
      shardId: SHARD,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
      functionError: null,
      nowMs: 0,
    },
  );
const sequenceNumbers = (event: unknown) =>
  (event as { Records: KinesisStreamRecord[] }).Records.map((r) => Number(r.kinesis.sequenceNumber));

describe('readRange', () => {
  it('reads a range across pages, compared as numbers, keeping what the filter keeps', async () => {
    const source = new MemoryShard(shard, 4);
    const read = await readRange(source, SHARD, { start: '3', end: '10' }, ['{"data":{"kind":["keep"]}}']);
    expect(read.map((r) => Number(r.sequenceNumber))).toEqual([3, 4, 5, 7, 8, 9, 10]);
  });

  it('stops at the tip when the range has gone from the stream', async () => {
    expect(await readRange(new MemoryShard([]), SHARD, { start: '3', end: '10' })).toEqual([]);
  });
});

describe('redriveDlq', () => {
  const spec = testSpec({ kind: 'kinesis', streamName: 'rs-transactions', streamArn: STREAM }, { batchSize: 3 });

  it("replays a message's range in the mapping's batches and deletes the message", async () => {
    const queue = new MemoryQueue([dlqMessage(2, 9)]);
    const fn = new FakeFunction<unknown>();

    const summary = await redriveDlq({ queue, targetFor: async () => ({ spec, source: new MemoryShard(shard), invoke: fn.invoke }) });

    expect(fn.events.map(sequenceNumbers)).toEqual([
      [2, 3, 4],
      [5, 6, 7],
      [8, 9],
    ]);
    expect(summary).toEqual({ messages: 1, redriven: 1, kept: 0, recordsReplayed: 8, recordsFailed: 0, recordsMissing: 0, problems: [] });
    expect(queue.bodies()).toEqual([]);
  });

  it('keeps the message when the function reports a record failed, and sends nothing after it', async () => {
    const queue = new MemoryQueue([dlqMessage(2, 9)]);
    const fn = new FakeFunction<unknown>((event) => ({
      batchItemFailures: sequenceNumbers(event).includes(6) ? [{ itemIdentifier: '6' }] : [],
    }));

    const summary = await redriveDlq({ queue, targetFor: async () => ({ spec, source: new MemoryShard(shard), invoke: fn.invoke }) });

    expect(fn.events).toHaveLength(2);
    expect(summary).toMatchObject({ messages: 1, redriven: 0, kept: 1, recordsReplayed: 5, recordsFailed: 3 });
    expect(summary.problems).toEqual(['shardId-000000000000 2..9: kept: the function reported 1 record(s) failed']);
    expect(await queue.receive()).toHaveLength(1); // released: visible for the next redrive
  });

  it('keeps a message it cannot use, and says why', async () => {
    const queue = new MemoryQueue(['{"hello":1}', dlqMessage(1, 2)]);
    const summary = await redriveDlq({ queue, targetFor: async () => 'no mapping of this stack sends its failures here' });
    expect(summary).toMatchObject({ messages: 2, redriven: 0, kept: 2 });
    expect(summary.problems).toEqual([
      'a message: kept: neither KinesisBatchInfo nor DDBStreamBatchInfo: not an on-failure record of a stream mapping',
      'shardId-000000000000 1..2: kept: no mapping of this stack sends its failures here',
    ]);
  });

  it('keeps a message whose records have left the stream', async () => {
    const queue = new MemoryQueue([dlqMessage(2, 4)]);
    const summary = await redriveDlq({
      queue,
      targetFor: async () => ({ spec, source: new MemoryShard([]), invoke: new FakeFunction().invoke }),
    });
    expect(summary).toMatchObject({ kept: 1, recordsMissing: 3 });
    expect(summary.problems[0]).toMatch(/none of its 3 record\(s\) is in the stream any more/);
  });
});
