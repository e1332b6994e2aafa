import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/transactions';
export const SHARD_ID = 'shardId-000000000000';

export interface PutRecord {
  /** An object is sent as JSON; a string is sent as is (to test bad JSON); a Buffer as raw bytes. */
  readonly data: unknown;
  readonly partitionKey?: string;
}

/** Sequence numbers as Kinesis writes them: big, increasing, per shard. */
export class ShardLog {
  private next = 49_650_000_000_000_000_000_000_000_000_000_000_000_000_000n;
  readonly records: KinesisStreamRecord[] = [];

  constructor(
    private readonly shardId = SHARD_ID,
    private readonly streamArn = STREAM_ARN,
  ) {}

  /** Appends records as a producer's PutRecords would (a retry appends the same data again under a new number). */
  put(...puts: PutRecord[]): KinesisStreamRecord[] {
    const added = puts.map((put) => this.record(put));
    this.records.push(...added);
    return added;
  }

  private record({ data, partitionKey }: PutRecord): KinesisStreamRecord {
    this.next += 1_000n;
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    const sequenceNumber = this.next.toString();
    const key = partitionKey ?? defaultPartitionKey(data);
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: key,
        sequenceNumber,
        data: bytes.toString('base64'),
        approximateArrivalTimestamp: 1_777_118_400,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${this.shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/score',
      awsRegion: 'us-east-1',
      eventSourceARN: this.streamArn,
    };
  }
}

function defaultPartitionKey(data: unknown): string {
  if (typeof data === 'object' && data !== null) {
    const o = data as Record<string, unknown>;
    return String(o['userId'] ?? o['deviceId'] ?? 'key');
  }
  return 'key';
}

export function kinesisEvent(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}

/** The Lambda context object the runtime passes (the shape only; nothing here fakes an AWS service). */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: 'test-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
