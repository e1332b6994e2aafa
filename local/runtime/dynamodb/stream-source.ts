import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient, Shard } from '@aws-sdk/client-dynamodb-streams';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Position, ReadPage, ReadRecord, StreamShard, StreamSource } from '../kinesis/stream-source';
import { SourceConfigurationError } from '../kinesis/stream-source';
import type { DynamoDbStreamSource } from '../types';
import { ddbStreamBatchInfo, dynamoDbFilterView, toDynamoDbReadRecord } from './lambda-shapes';

export interface DynamoDbTableStreamSourceOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly source: DynamoDbStreamSource;
  readonly region: string;
}

/** GetRecords returns at most 1,000 records a call. */
const MAX_GET_RECORDS = 1_000;

/**
 * The StreamSource of a DynamoDB Streams mapping: the table's latest stream (DescribeTable), its
 * shards (DescribeStream: a shard's parent is read to its end before the shard), GetShardIterator
 * and GetRecords.
 */
export class DynamoDbTableStreamSource implements StreamSource<DynamoDBRecord> {
  readonly calls = { streamArn: 'DescribeTable', listShards: 'DescribeStream' };
  private arn: string | undefined;

  constructor(private readonly options: DynamoDbTableStreamSourceOptions) {}

  /** The table's LatestStreamArn: it names the table and the stream's creation time, so it differs per table. */
  async streamArn(): Promise<string> {
    if (this.arn === undefined) {
      const { tableName } = this.options.source;
      const { Table } = await this.options.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
      if (!Table?.StreamSpecification?.StreamEnabled || !Table.LatestStreamArn) {
        throw new SourceConfigurationError(`table ${tableName} has no stream enabled: a DynamoDB Streams mapping has nothing to read`);
      }
      this.arn = Table.LatestStreamArn;
    }
    return this.arn;
  }

  async listShards(): Promise<StreamShard[]> {
    const streamArn = await this.streamArn();
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards.flatMap((s) => (s.ShardId ? [{ shardId: s.ShardId, parentShardIds: s.ParentShardId ? [s.ParentShardId] : [] }] : []));
  }

  async iterator(shardId: string, position: Position): Promise<string> {
    const { ShardIterator } = await this.options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: await this.streamArn(),
        ShardId: shardId,
        ShardIteratorType: position.type,
        SequenceNumber: 'sequenceNumber' in position ? position.sequenceNumber : undefined,
      }),
    );
    if (!ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
    return ShardIterator;
  }

  async read(_shardId: string, iterator: string, limit: number): Promise<ReadPage<DynamoDBRecord>> {
    const streamArn = await this.streamArn();
    const output = await this.options.streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, MAX_GET_RECORDS) }),
    );
    const origin = { streamArn, region: this.options.region };
    return { records: (output.Records ?? []).map((r) => toDynamoDbReadRecord(r, origin)), nextIterator: output.NextShardIterator ?? null };
  }

  filterView(record: ReadRecord<DynamoDBRecord>): object {
    return dynamoDbFilterView(record);
  }

  failureInfo(batch: ReadonlyArray<ReadRecord<DynamoDBRecord>>, where: { shardId: string; streamArn: string }): Record<string, object> {
    return ddbStreamBatchInfo(batch, where);
  }
}
