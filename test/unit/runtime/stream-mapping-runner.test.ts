import { StreamMappingRunner } from '../../../local/runtime/kinesis/stream-mapping-runner';
import type { Position, ReadPage, ReadRecord, StreamShard, StreamSource } from '../../../local/runtime/kinesis/stream-source';
import { SourceConfigurationError } from '../../../local/runtime/kinesis/stream-source';
import type { MappingSpec } from '../../../local/runtime/types';
import { MemoryCheckpointStore, testSpec } from '../../support/runtime';

interface FakeShard {
  readonly parents: string[];
  readonly seqs: string[];
  closed: boolean;
}

type Event = { readonly shard: string; readonly seq: string };

/** An in-memory stream behind the port: shards with parents, closed or open, iterators `shard@index`. */
class FakeSource implements StreamSource<Event> {
  readonly calls = { streamArn: 'ResolveArn', listShards: 'ListTheShards' };
  readonly shards = new Map<string, FakeShard>();
  failArn: Error | undefined;
  listFailures = 0;
  /** How long before the read each record arrived. */
  ageMs = 0;

  async streamArn(): Promise<string> {
    if (this.failArn) throw this.failArn;
    return 'arn:fake:stream/1';
  }

  async listShards(): Promise<StreamShard[]> {
    if (this.listFailures-- > 0) throw new Error('emulator down');
    return [...this.shards].map(([shardId, s]) => ({ shardId, parentShardIds: s.parents }));
  }

  async iterator(shardId: string, position: Position): Promise<string> {
    const seqs = this.shard(shardId).seqs;
    let index = position.type === 'TRIM_HORIZON' ? 0 : seqs.length;
    if ('sequenceNumber' in position) index = seqs.indexOf(position.sequenceNumber) + (position.type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
    return `${shardId}@${index}`;
  }

  async read(shardId: string, iterator: string, limit: number): Promise<ReadPage<Event>> {
    const shard = this.shard(shardId);
    const start = Number(iterator.split('@')[1]);
    const seqs = shard.seqs.slice(start, start + limit);
    const end = start + seqs.length;
    return {
      records: seqs.map((seq) => ({ sequenceNumber: seq, arrivalMs: Date.now() - this.ageMs, event: { shard: shardId, seq } })),
      nextIterator: shard.closed && end >= shard.seqs.length ? null : `${shardId}@${end}`,
    };
  }

  filterView(record: ReadRecord<Event>): object {
    return record.event;
  }

  failureInfo(batch: ReadonlyArray<ReadRecord<Event>>, where: { shardId: string; streamArn: string }): Record<string, object> {
    return { FakeBatchInfo: { ...where, batchSize: batch.length } };
  }

  private shard(shardId: string): FakeShard {
    const shard = this.shards.get(shardId);
    if (!shard) throw new Error(`no shard ${shardId}`);
    return shard;
  }
}

const spec: MappingSpec = testSpec({ kind: 'dynamodb', tableName: 'table' });

function runnerOn(source: FakeSource, overrides: Partial<MappingSpec> = {}, onInvoke: () => void = () => undefined) {
  const events: Event[][] = [];
  const log: string[] = [];
  const checkpoints = new MemoryCheckpointStore();
  const runner = new StreamMappingRunner({
    spec: { ...spec, ...overrides },
    source,
    invoke: async (event) => {
      events.push((event as { Records: Event[] }).Records);
      onInvoke();
      return {};
    },
    sqs: undefined as never,
    checkpoints,
    region: 'us-east-1',
    account: '123456789012',
    log: (line) => log.push(line),
    pollIntervalMs: 10,
    shardDiscoveryMs: 50,
  });
  return { runner, events, log, checkpoints };
}

describe('StreamMappingRunner (any StreamSource)', () => {
  it('reads a child shard only once its parent is closed and read to its end, so order holds across a rollover', async () => {
    const source = new FakeSource();
    source.shards.set('child', { parents: ['parent'], seqs: ['4', '5'], closed: false });
    source.shards.set('parent', { parents: [], seqs: ['1', '2', '3'], closed: true });
    source.shards.set('orphan', { parents: ['expired'], seqs: ['7'], closed: false });
    const { runner, events, checkpoints } = runnerOn(source, { batchSize: 2 });

    await runner.runUntilIdle({ idleMs: 300 });

    const order = events.flat().map((e) => `${e.shard}:${e.seq}`);
    expect(order.filter((id) => !id.startsWith('orphan'))).toEqual(['parent:1', 'parent:2', 'parent:3', 'child:4', 'child:5']);
    expect(order).toContain('orphan:7');
    expect(checkpoints.values).toEqual(
      new Map([
        ['arn:fake:stream/1|parent', '3'],
        ['arn:fake:stream/1|child', '5'],
        ['arn:fake:stream/1|orphan', '7'],
      ]),
    );
  });

  it('reports the lag of a shard as the age of the newest record read, and 0 once a read finds nothing new', async () => {
    const source = new FakeSource();
    source.ageMs = 60_000;
    source.shards.set('s', { parents: [], seqs: ['1', '2'], closed: false });
    const seen: number[] = [];
    const { runner } = runnerOn(source, {}, () => seen.push(runner.stats().lagMsPerShard['s'] ?? -1));

    const stats = await runner.runUntilIdle({ idleMs: 200 });

    expect(seen[0]).toBeGreaterThanOrEqual(60_000);
    expect(stats.lagMsPerShard).toEqual({ s: 0 });
  });

  it('starts at LATEST on the first listing when told to, and resumes after a checkpoint of the stream ARN', async () => {
    const source = new FakeSource();
    source.shards.set('s', { parents: [], seqs: ['1', '2'], closed: false });
    const latest = runnerOn(source, { startingPosition: 'LATEST' });
    await latest.runner.runUntilIdle({ idleMs: 200 });
    expect(latest.events).toEqual([]);

    const resumed = runnerOn(source);
    await resumed.checkpoints.set('arn:fake:stream/1', 's', '1');
    const stats = await resumed.runner.runUntilIdle({ idleMs: 200 });
    expect(stats.resumedFrom).toEqual({ s: '1' });
    expect(resumed.events).toEqual([[{ shard: 's', seq: '2' }]]);
    expect(resumed.log).toEqual(['s: recovered from its checkpoint, reading after sequence number 1']);
    expect(latest.log).toEqual(['s: no checkpoint, reading from LATEST']);
  });

  it('retries a source that does not answer, saying so once under its own call name', async () => {
    const source = new FakeSource();
    source.shards.set('s', { parents: [], seqs: ['1'], closed: false });
    source.listFailures = 2;
    const { runner, events, log } = runnerOn(source);

    await runner.runUntilIdle({ idleMs: 500 });

    expect(log).toEqual([
      expect.stringMatching(/^ListTheShards failed, retrying until it works .*emulator down/),
      's: no checkpoint, reading from TRIM_HORIZON',
    ]);
    expect(events).toEqual([[{ shard: 's', seq: '1' }]]);
  });

  it('fails at once, without retrying, on a source that cannot work as configured', async () => {
    const source = new FakeSource();
    source.failArn = new SourceConfigurationError('table has no stream');
    const { runner, log } = runnerOn(source);

    await expect(runner.runUntilIdle({ idleMs: 200 })).rejects.toThrow('table has no stream');
    expect(log).toEqual([]);
  });
});
