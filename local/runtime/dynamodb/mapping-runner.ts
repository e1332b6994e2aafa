import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { StreamMappingRunnerSettings } from '../kinesis/stream-mapping-runner';
import { StreamMappingRunner } from '../kinesis/stream-mapping-runner';
import { DynamoDbTableStreamSource } from './stream-source';

export interface DynamoDbMappingRunnerOptions extends StreamMappingRunnerSettings {
  /** For DescribeTable: the table's latest stream. */
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
}

/**
 * Plays Lambda's event source mapping for one DynamoDB Streams mapping (see StreamMappingRunner),
 * checkpointing per stream ARN and shard: every table's stream on moto has the same shard id and
 * sequence numbers, and a table's stream ARN names the table and the stream's creation time.
 */
export class DynamoDbMappingRunner extends StreamMappingRunner {
  constructor(options: DynamoDbMappingRunnerOptions) {
    const { spec, dynamodb, streams, region } = options;
    if (spec.source.kind !== 'dynamodb') throw new Error(`${spec.functionLogicalId}: not a DynamoDB Streams mapping`);
    super({ ...options, source: new DynamoDbTableStreamSource({ dynamodb, streams, source: spec.source, region }) });
  }
}
