import { randomUUID } from 'node:crypto';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';

/** A record read from a shard, in the shape Lambda hands the function. */
export interface ReadRecord {
  readonly sequenceNumber: string;
  readonly arrivalMs: number;
  readonly event: KinesisStreamRecord;
}

export interface EventOrigin {
  readonly shardId: string;
  readonly streamArn: string;
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
}

export function toReadRecord(record: KinesisRecord, origin: EventOrigin): ReadRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? 0;
  return {
    sequenceNumber,
    arrivalMs,
    event: {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey ?? '',
        sequenceNumber,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: arrivalMs / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${origin.shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${origin.account}:role/${origin.functionName}`,
      awsRegion: origin.region,
      eventSourceARN: origin.streamArn,
    },
  };
}

/**
 * What a Kinesis filter pattern is matched against: the record with `data` decoded and parsed.
 * Data that is not JSON leaves `data` out, so a pattern on `data` drops the record, as Lambda does.
 */
export function filterView(record: ReadRecord): object {
  const { data, ...rest } = record.event.kinesis;
  try {
    return { ...rest, data: JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown };
  } catch {
    return rest;
  }
}

export type Outcome =
  | { readonly kind: 'success' }
  /** The function reported failures: retry from the lowest reported record. */
  | { readonly kind: 'partial'; readonly retryFrom: string }
  /** The whole batch failed: `thrown` when the function threw (a function error). */
  | { readonly kind: 'failed'; readonly thrown: boolean };

/**
 * Lambda's partial batch response rules (ReportBatchItemFailures): a null or empty
 * `batchItemFailures` is success; an empty, null or unknown `itemIdentifier` fails the whole batch;
 * otherwise the batch is retried from the lowest sequence number reported. Without
 * ReportBatchItemFailures whatever the function returns is success.
 */
export function readResponse(response: unknown, batch: readonly ReadRecord[], reportBatchItemFailures: boolean): Outcome {
  if (!reportBatchItemFailures || typeof response !== 'object' || response === null) return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failed', thrown: false };
  if (failures.length === 0) return { kind: 'success' };
  const inBatch = new Set(batch.map((r) => r.sequenceNumber));
  let lowest: bigint | undefined;
  for (const failure of failures as unknown[]) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || !inBatch.has(id)) return { kind: 'failed', thrown: false };
    // Sequence numbers are compared as numbers: moto's are "1", "2", … ("10" < "9" as strings).
    if (lowest === undefined || BigInt(id) < lowest) lowest = BigInt(id);
  }
  return { kind: 'partial', retryFrom: String(lowest) };
}

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface FailureContext {
  readonly functionArn: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  /** 'Unhandled' when the function threw; null when it returned failures. */
  readonly functionError: string | null;
  readonly nowMs: number;
}

/**
 * The invocation record Lambda sends to a Kinesis mapping's on-failure destination: metadata that
 * points at the discarded records (shard and sequence range), never the records themselves.
 */
export function kinesisFailureRecord(batch: readonly ReadRecord[], context: FailureContext): object {
  const first = batch[0];
  const last = batch[batch.length - 1];
  if (!first || !last) throw new Error('a failure record needs at least one record');
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: context.functionArn,
      condition: context.condition,
      approximateInvokeCount: context.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: context.functionError },
    version: '1.0',
    timestamp: new Date(context.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: context.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: batch.length,
      streamArn: context.streamArn,
    },
  };
}
