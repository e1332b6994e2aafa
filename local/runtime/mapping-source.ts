import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDbTableStreamSource } from './dynamodb/stream-source';
import { KinesisStreamSource } from './kinesis/kinesis-source';
import type { StreamSource } from './kinesis/stream-source';
import type { MappingSpec } from './types';

/** The clients a mapping's source reads with: Kinesis, or a table's stream. */
export interface SourceClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
}

/** The stream a mapping reads, Kinesis or DynamoDB Streams, for code that reads it outside a runner (redrive, status). */
export function mappingSource(
  spec: MappingSpec,
  { kinesis, dynamodb, streams }: SourceClients,
  where: { readonly region: string; readonly account: string },
): StreamSource {
  return spec.source.kind === 'kinesis'
    ? new KinesisStreamSource({ kinesis, source: spec.source, functionName: spec.functionName, ...where })
    : new DynamoDbTableStreamSource({ dynamodb, streams, source: spec.source, region: where.region });
}
