import { StreamMappingRunner } from '../../../local/runtime/kinesis/stream-mapping-runner';
import type { Position, ReadPage, ReadRecord, StreamShard, StreamSource } from '../../../local/runtime/kinesis/stream-source';
import { MemoryCheckpointStore, testSpec } from '../../support/runtime';

/**
 * The local runtime's "run until idle" is "until caught up", whatever slows a shard down. Found by
 * the fault suite, each failing before its fix with records left unread by `riskstream run --idle-exit`:
 * - a reader whose GetRecords kept failing (the emulator unreachable) looked idle after `idleMs`;
 * - a batch whose invocation took longer than `idleMs` left the shard looking idle between the end
 *   of that batch and the answer of the next read.
 */
type Event = { readonly seq: string };

class FlakySource implements StreamSource<Event> {
  readonly calls = { streamArn: 'ResolveArn', listShards: 'ListShards' };
  readonly seqs = Array.from({ length: 20 }, (_, i) => String(i + 1));
  down = false;
  failedReads = 0;
  /** How long a read takes once the emulator answers. */
  readDelayMs = 0;

  async streamArn(): Promise<string> {
    return 'arn:fake:stream/1';
  }

  async listShards(): Promise<StreamShard[]> {
    return [{ shardId: 'shard-0', parentShardIds: [] }];
  }

  async iterator(_shardId: string, position: Position): Promise<string> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const index =
      'sequenceNumber' in position ? this.seqs.indexOf(position.sequenceNumber) + (position.type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0) : 0;
    return String(index);
  }

  async read(_shardId: string, iterator: string, limit: number): Promise<ReadPage<Event>> {
    if (this.down) {
      this.failedReads++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    }
    if (this.readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
    const start = Number(iterator);
    const seqs = this.seqs.slice(start, start + limit);
    return {
      records: seqs.map((seq) => ({ sequenceNumber: seq, arrivalMs: Date.now(), event: { seq } })),
      nextIterator: String(start + seqs.length),
    };
  }

  filterView(record: ReadRecord<Event>): object {
    return record.event;
  }

  failureInfo(batch: ReadonlyArray<ReadRecord<Event>>): Record<string, object> {
    return { FakeBatchInfo: { batchSize: batch.length } };
  }
}

function runnerOn(source: FlakySource, invoke: (records: readonly Event[]) => Promise<void>) {
  const checkpoints = new MemoryCheckpointStore();
  const runner = new StreamMappingRunner({
    spec: testSpec({ kind: 'dynamodb', tableName: 'table' }, { batchSize: 10 }),
    source,
    invoke: async (event) => {
      await invoke((event as { Records: Event[] }).Records);
      return {};
    },
    sqs: {} as never,
    checkpoints,
    region: 'us-east-1',
    account: '123456789012',
    log: () => undefined,
    pollIntervalMs: 20,
  });
  return { runner, checkpoints };
}

describe('the local runtime, run until idle', () => {
  it('does not take a shard for idle while a batch runs longer than the idle time, nor before its next read answers', async () => {
    const source = new FlakySource();
    source.readDelayMs = 120;
    const invoked: string[] = [];
    const { runner, checkpoints } = runnerOn(source, async (records) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      invoked.push(...records.map((r) => r.seq));
    });

    await runner.runUntilIdle({ idleMs: 300 });

    expect(invoked).toEqual(source.seqs);
    expect(checkpoints.values.get('arn:fake:stream/1|shard-0')).toBe('20');
  });

  it('does not take a shard it cannot read for an idle one: it waits, and reads on once the emulator is back', async () => {
    const source = new FlakySource();
    const invoked: string[] = [];
    const { runner, checkpoints } = runnerOn(source, async (records) => {
      invoked.push(...records.map((r) => r.seq));
      if (invoked.length === 10) {
        // The emulator goes away right after the first batch, for longer than the idle time.
        source.down = true;
        setTimeout(() => {
          source.down = false;
        }, 1_500);
      }
    });

    await runner.runUntilIdle({ idleMs: 300 });

    expect(source.failedReads).toBeGreaterThan(0);
    expect(invoked).toEqual(source.seqs);
    expect(checkpoints.values.get('arn:fake:stream/1|shard-0')).toBe('20');
  });
});
