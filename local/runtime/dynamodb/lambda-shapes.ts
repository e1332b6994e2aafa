import type { _Record as StreamsRecord, AttributeValue as StreamsAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { batchRange } from '../kinesis/lambda-batch';
import type { ReadRecord as StreamReadRecord } from '../kinesis/stream-source';

/** A DynamoDB stream record, in the shape Lambda hands the function. */
export type ReadRecord = StreamReadRecord<DynamoDBRecord>;

export interface DynamoDbEventOrigin {
  readonly streamArn: string;
  readonly region: string;
}

/**
 * Lambda's DynamoDB event record: the stream record as the DynamoDB Streams API returns it, with
 * `ApproximateCreationDateTime` in epoch seconds (the SDK gives a Date), binary attributes in base64,
 * `eventVersion` 1.1, and the stream's ARN as `eventSourceARN`.
 */
export function toDynamoDbReadRecord(record: StreamsRecord, origin: DynamoDbEventOrigin): ReadRecord {
  const stream = record.dynamodb ?? {};
  const sequenceNumber = stream.SequenceNumber ?? '';
  const arrivalMs = stream.ApproximateCreationDateTime?.getTime() ?? 0;
  const event: DynamoDBRecord = {
    eventID: record.eventID ?? '',
    eventName: record.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: origin.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(arrivalMs / 1000),
      Keys: image(stream.Keys ?? {}),
      ...(stream.NewImage ? { NewImage: image(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: image(stream.OldImage) } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: stream.SizeBytes ?? 0,
      StreamViewType: stream.StreamViewType,
    },
    // Time to Live deletes name the service that made them.
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
    eventSourceARN: origin.streamArn,
  };
  return { sequenceNumber, arrivalMs, event };
}

function image(attributes: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, attributeValue(value)]));
}

/** DynamoDB JSON as Lambda sends it: the SDK's binary values (Uint8Array) become base64 strings. */
function attributeValue(value: StreamsAttributeValue): AttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(attributeValue) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.$unknown !== undefined) throw new Error(`unknown attribute value type ${value.$unknown[0]}`);
  return value as AttributeValue;
}

/** What a DynamoDB filter pattern is matched against: the record as Lambda sends it (images in DynamoDB JSON). */
export function dynamoDbFilterView(record: ReadRecord): object {
  return record.event;
}

/** ISO 8601 to the second, as Lambda writes a DynamoDB record's approximate creation (which has no finer precision). */
function toSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The batch info of a DynamoDB Streams mapping's on-failure record: where the discarded records are, never the records. */
export function ddbStreamBatchInfo(
  batch: readonly ReadRecord[],
  where: { readonly shardId: string; readonly streamArn: string },
): { DDBStreamBatchInfo: object } {
  return { DDBStreamBatchInfo: batchRange(batch, where, toSecond) };
}
