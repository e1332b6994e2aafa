import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ExpiredIteratorException, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { HistoryRecord } from '../../../local/backtest/stream-history';
import { streamHistory } from '../../../local/backtest/stream-history';

/**
 * What moto cannot show: a reshard with records in the parent and its children (moto's SplitShard
 * keeps them all in the parent), a closed shard's end (moto always gives a next iterator), expired
 * iterators (moto's never expire), ListShards pages without the stream name (moto wants it again).
 */
interface FakeShard {
  readonly id: string;
  readonly parent?: string;
  readonly closed?: boolean;
  readonly records: ReadonlyArray<{ readonly seq: string; readonly arrival: number; readonly text: string }>;
}

interface Position {
  readonly stream: string;
  readonly shard: string;
  readonly index: number;
}

/** Kinesis as AWS answers, over fixed shards: two records a page, one shard a ListShards page. */
class FakeKinesis {
  readonly calls: string[] = [];
  /** `stream/shardId` of shards whose next GetRecords answers ExpiredIteratorException (once each). */
  readonly expiring = new Set<string>();

  constructor(private readonly streams: Record<string, readonly FakeShard[]>) {}

  get client(): KinesisClient {
    return { send: (command: object) => this.send(command) } as unknown as KinesisClient;
  }

  private async send(command: object): Promise<object> {
    if (command instanceof ListShardsCommand) {
      const { StreamName, NextToken } = command.input;
      if (StreamName && NextToken) throw new Error('StreamName beside NextToken: AWS refuses it');
      const [stream = '', index = 0] = NextToken ? (JSON.parse(NextToken) as [string, number]) : [StreamName, 0];
      const shards = this.shardsOf(stream);
      const shard = shards[index] as FakeShard;
      return {
        Shards: [{ ShardId: shard.id, ParentShardId: shard.parent }],
        NextToken: index + 1 < shards.length ? JSON.stringify([stream, index + 1]) : undefined,
      };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { StreamName = '', ShardId = '', ShardIteratorType, StartingSequenceNumber, Timestamp } = command.input;
      this.calls.push(`iterator ${StreamName}/${ShardId} ${ShardIteratorType} ${StartingSequenceNumber ?? ''}`.trim());
      const records = this.shard(StreamName, ShardId).records;
      const index =
        ShardIteratorType === 'AFTER_SEQUENCE_NUMBER'
          ? records.findIndex((r) => r.seq === StartingSequenceNumber) + 1
          : ShardIteratorType === 'AT_TIMESTAMP'
            ? records.filter((r) => r.arrival < (Timestamp?.getTime() ?? 0)).length
            : 0;
      return { ShardIterator: JSON.stringify({ stream: StreamName, shard: ShardId, index } satisfies Position) };
    }
    if (command instanceof GetRecordsCommand) {
      const { stream, shard: shardId, index } = JSON.parse(command.input.ShardIterator ?? '') as Position;
      this.calls.push(`read ${stream}/${shardId} ${index}`);
      if (this.expiring.delete(`${stream}/${shardId}`)) throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
      const shard = this.shard(stream, shardId);
      const page = shard.records.slice(index, index + 2);
      const next = index + page.length;
      const atEnd = next >= shard.records.length;
      return {
        Records: page.map((r) => ({ SequenceNumber: r.seq, ApproximateArrivalTimestamp: new Date(r.arrival), Data: Buffer.from(r.text) })),
        NextShardIterator: shard.closed && atEnd ? undefined : JSON.stringify({ stream, shard: shardId, index: next } satisfies Position),
        MillisBehindLatest: atEnd ? 0 : 1000,
      };
    }
    throw new Error(`unexpected command ${command.constructor.name}`);
  }

  private shardsOf(stream: string): readonly FakeShard[] {
    const shards = this.streams[stream];
    if (!shards) throw new Error(`no stream ${stream}`);
    return shards;
  }

  private shard(stream: string, shardId: string): FakeShard {
    const shard = this.shardsOf(stream).find((s) => s.id === shardId);
    if (!shard) throw new Error(`no shard ${shardId} in ${stream}`);
    return shard;
  }
}

const records = (...pairs: Array<[number, string]>) => pairs.map(([arrival, text], i) => ({ seq: String(i + 1), arrival, text }));

async function readAll(fake: FakeKinesis, range: { since?: Date; until?: Date } = {}): Promise<string[]> {
  const texts: string[] = [];
  const read: AsyncGenerator<HistoryRecord> = streamHistory(fake.client, { transactions: 'tx', readings: 'rd' }, range);
  for await (const record of read) texts.push(Buffer.from(record.data).toString());
  return texts;
}

describe('streamHistory over a resharded stream', () => {
  const resharded = () =>
    new FakeKinesis({
      tx: [
        { id: 'shardId-000000000000', closed: true, records: records([100, 'p1'], [200, 'p2'], [300, 'p3'], [310, 'p4']) },
        // AWS arrival times are approximate: a child's first record may look earlier than its parent's last.
        { id: 'shardId-000000000001', parent: 'shardId-000000000000', records: records([305, 'a1'], [400, 'a2'], [600, 'a3']) },
        { id: 'shardId-000000000002', parent: 'shardId-000000000000', records: records([350, 'b1'], [500, 'b2']) },
      ],
      rd: [{ id: 'shardId-000000000000', records: records([250, 'r1'], [450, 'r2']) }],
    });

  it('reads a parent to its end before its children, then merges all by arrival', async () => {
    const fake = resharded();

    const texts = await readAll(fake);

    expect(texts).toEqual(['p1', 'p2', 'r1', 'p3', 'p4', 'a1', 'b1', 'a2', 'r2', 'b2', 'a3']);
    // The parent's second page came without a next iterator: its end, with no read after it.
    const parentsLastRead = fake.calls.indexOf('read tx/shardId-000000000000 2');
    expect(fake.calls.filter((c) => c.startsWith('read tx/shardId-000000000000'))).toHaveLength(2);
    const firstChildIterator = fake.calls.findIndex((c) => c.startsWith('iterator tx/shardId-000000000001'));
    expect(parentsLastRead).toBeGreaterThanOrEqual(0);
    expect(firstChildIterator).toBeGreaterThan(parentsLastRead);
  });

  it('replaces an expired iterator after the last record read, losing and repeating nothing', async () => {
    const fake = resharded();
    fake.expiring.add('tx/shardId-000000000001');
    fake.expiring.add('tx/shardId-000000000002');

    const texts = await readAll(fake);

    expect(texts).toEqual(['p1', 'p2', 'r1', 'p3', 'p4', 'a1', 'b1', 'a2', 'r2', 'b2', 'a3']);
    expect(fake.calls.filter((c) => c === 'iterator tx/shardId-000000000001 TRIM_HORIZON')).toHaveLength(2);
  });

  it('resumes an iterator that expires mid-shard after the last record read', async () => {
    const fake = new FakeKinesis({
      tx: [{ id: 'shardId-000000000000', records: records([100, 't1'], [200, 't2'], [300, 't3']) }],
      rd: [{ id: 'shardId-000000000000', records: [] }],
    });
    const read = streamHistory(fake.client, { transactions: 'tx', readings: 'rd' }, {});
    const texts: string[] = [];
    for await (const record of read) {
      texts.push(Buffer.from(record.data).toString());
      if (record.stream === 'transactions' && texts.length === 1) fake.expiring.add('tx/shardId-000000000000');
    }

    expect(texts).toEqual(['t1', 't2', 't3']);
    expect(fake.calls).toContain('iterator tx/shardId-000000000000 AFTER_SEQUENCE_NUMBER 2');
  });

  it('starts at `since` with an AT_TIMESTAMP iterator and stops a shard at the first record past `until`', async () => {
    const fake = resharded();

    const texts = await readAll(fake, { since: new Date(200), until: new Date(400) });

    expect(texts).toEqual(['p2', 'r1', 'p3', 'p4', 'a1', 'b1', 'a2']);
    expect(fake.calls).toContain('iterator tx/shardId-000000000000 AT_TIMESTAMP');
    // Shard 1 holds a3 (600) after a2 (400): its page with a3 ends it, no read after that.
    expect(fake.calls.filter((c) => c.startsWith('read tx/shardId-000000000001'))).toEqual([
      'read tx/shardId-000000000001 0',
      'read tx/shardId-000000000001 2',
    ]);
  });
});
