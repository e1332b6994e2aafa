/**
 * The port between the shared event-source-mapping machinery (ShardReader, StreamMappingRunner) and
 * one kind of stream: Kinesis (./kinesis-source.ts) or DynamoDB Streams (../dynamodb/stream-source.ts).
 * Everything Lambda does the same way for both (batching, filters, retries, bisect, partial batch
 * responses, record age, on-failure destination, checkpoints) lives on the shared side; an adapter
 * only lists shards, reads them, and says what a record looks like to the function and to filters.
 *
 * (The shared files sit in this folder, beside the Kinesis adapter, for historical reasons only.)
 */

/** A record read from a shard, in the shape Lambda hands the function (`event`). */
export interface ReadRecord<E = unknown> {
  readonly sequenceNumber: string;
  /** Epoch ms: Kinesis' approximate arrival, DynamoDB's approximate creation. */
  readonly arrivalMs: number;
  readonly event: E;
}

/** Where the next shard iterator points. */
export type Position =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

export interface StreamShard {
  readonly shardId: string;
  /** Shards that must be read to their end first (a Kinesis split or merge, a DynamoDB shard rollover). */
  readonly parentShardIds: readonly string[];
}

export interface ReadPage<E> {
  readonly records: Array<ReadRecord<E>>;
  /** null: the shard is closed and read to its end. */
  readonly nextIterator: string | null;
}

export interface StreamSource<E = unknown> {
  /** The API calls behind streamArn() and listShards(), as logs name them ("ListShards failed, …"). */
  readonly calls: { readonly streamArn: string; readonly listShards: string };
  /** The stream's ARN: the events' eventSourceARN, the checkpoints' key, the on-failure record's streamArn. */
  streamArn(): Promise<string>;
  listShards(): Promise<StreamShard[]>;
  iterator(shardId: string, position: Position): Promise<string>;
  read(shardId: string, iterator: string, limit: number): Promise<ReadPage<E>>;
  /** What Lambda's filter patterns are matched against. */
  filterView(record: ReadRecord<E>): object;
  /** The batch-info entry of the on-failure invocation record, e.g. `{ KinesisBatchInfo: {…} }`. */
  failureInfo(batch: ReadonlyArray<ReadRecord<E>>, where: { readonly shardId: string; readonly streamArn: string }): Record<string, object>;
}

/** A source that can never work as configured (a table without a stream): the runner fails instead of retrying. */
export class SourceConfigurationError extends Error {
  override readonly name = 'SourceConfigurationError';
}
