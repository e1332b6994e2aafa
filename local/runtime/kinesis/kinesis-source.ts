import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { KinesisSource } from '../types';
import { filterView, kinesisBatchInfo, toReadRecord } from './lambda-shapes';
import type { Position, ReadPage, ReadRecord, StreamShard, StreamSource } from './stream-source';

export interface KinesisStreamSourceOptions {
  readonly kinesis: KinesisClient;
  readonly source: KinesisSource;
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
}

/** The StreamSource of a Kinesis mapping: ListShards, GetShardIterator, GetRecords. */
export class KinesisStreamSource implements StreamSource<KinesisStreamRecord> {
  readonly calls = { streamArn: 'stream ARN', listShards: 'ListShards' };

  constructor(private readonly options: KinesisStreamSourceOptions) {}

  async streamArn(): Promise<string> {
    return this.options.source.streamArn;
  }

  async listShards(): Promise<StreamShard[]> {
    const { kinesis, source } = this.options;
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: source.streamName }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    return shards.flatMap((s) =>
      s.ShardId ? [{ shardId: s.ShardId, parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p) => p !== undefined) }] : [],
    );
  }

  async iterator(shardId: string, position: Position): Promise<string> {
    const { ShardIterator } = await this.options.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.options.source.streamName,
        ShardId: shardId,
        ShardIteratorType: position.type,
        StartingSequenceNumber: 'sequenceNumber' in position ? position.sequenceNumber : undefined,
      }),
    );
    if (!ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
    return ShardIterator;
  }

  async read(shardId: string, iterator: string, limit: number): Promise<ReadPage<KinesisStreamRecord>> {
    const output = await this.options.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const { functionName, region, account, source } = this.options;
    const origin = { shardId, streamArn: source.streamArn, functionName, region, account };
    return { records: (output.Records ?? []).map((r) => toReadRecord(r, origin)), nextIterator: output.NextShardIterator ?? null };
  }

  filterView(record: ReadRecord<KinesisStreamRecord>): object {
    return filterView(record);
  }

  failureInfo(
    batch: ReadonlyArray<ReadRecord<KinesisStreamRecord>>,
    where: { shardId: string; streamArn: string },
  ): Record<string, object> {
    return kinesisBatchInfo(batch, where);
  }
}
