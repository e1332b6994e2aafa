import { randomUUID } from 'node:crypto';
import type { ReadRecord } from './stream-source';

/** Lambda's rules for a stream batch's outcome and its on-failure record, the same for Kinesis and DynamoDB Streams. */

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
 * ReportBatchItemFailures whatever the function returns is success. The item identifier is the
 * record's sequence number: `kinesis.sequenceNumber`, or `dynamodb.SequenceNumber`.
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
    // Sequence numbers are compared as numbers: moto's Kinesis ones are "1", "2", … ("10" < "9" as strings).
    if (lowest === undefined || BigInt(id) < lowest) lowest = BigInt(id);
  }
  return { kind: 'partial', retryFrom: String(lowest) };
}

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface InvocationContext {
  readonly functionArn: string;
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  /** 'Unhandled' when the function threw; null when it returned failures. */
  readonly functionError: string | null;
  readonly nowMs: number;
}

/**
 * The invocation record Lambda sends to a stream mapping's on-failure destination: metadata that
 * points at the discarded records (`batchInfo`: shard and sequence range), never the records themselves.
 */
export function failureRecord(context: InvocationContext, batchInfo: Record<string, object>): object {
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
    ...batchInfo,
  };
}

/** The first and last records of a batch that is not empty. */
/**
 * Where a discarded batch was, as both kinds of on-failure record describe it (KinesisBatchInfo,
 * DDBStreamBatchInfo): the shard, the sequence range, arrival times and size — never the records.
 */
export function batchRange(
  batch: ReadonlyArray<{ readonly sequenceNumber: string; readonly arrivalMs: number }>,
  where: { readonly shardId: string; readonly streamArn: string },
  time: (ms: number) => string,
): object {
  const [first, last] = ends(batch);
  return {
    shardId: where.shardId,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    approximateArrivalOfFirstRecord: time(first.arrivalMs),
    approximateArrivalOfLastRecord: time(last.arrivalMs),
    batchSize: batch.length,
    streamArn: where.streamArn,
  };
}

export function ends<R>(batch: readonly R[]): readonly [R, R] {
  const first = batch[0];
  const last = batch[batch.length - 1];
  if (first === undefined || last === undefined) throw new Error('a failure record needs at least one record');
  return [first, last];
}
