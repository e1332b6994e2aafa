import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { FailureCondition } from './lambda-batch';
import { batchRange, failureRecord } from './lambda-batch';
import type { ReadRecord as StreamReadRecord } from './stream-source';

/** A Kinesis record read from a shard, in the shape Lambda hands the function. */
export type ReadRecord = StreamReadRecord<KinesisStreamRecord>;

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

/** The batch info of a Kinesis mapping's on-failure record. */
export function kinesisBatchInfo(
  batch: readonly ReadRecord[],
  where: { readonly shardId: string; readonly streamArn: string },
): { KinesisBatchInfo: object } {
  return { KinesisBatchInfo: batchRange(batch, where, (ms) => new Date(ms).toISOString()) };
}

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
  return failureRecord(context, kinesisBatchInfo(batch, context));
}
