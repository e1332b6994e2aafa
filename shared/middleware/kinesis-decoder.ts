import type { MiddlewareObj } from '@middy/core';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Validation } from '../domain/events';
import type { DecodeLimits, RecordRef, TimedEvent } from '../kinesis/records';
import { decodeRecords, recordRef } from '../kinesis/records';
import { isAggregate } from '../kinesis/kpl-aggregate';
import type { ShardRangeOf } from '../kinesis/shard-ranges';
import type { RejectedRecord } from '../quarantine/quarantine';

export interface DecodedBatch<E extends TimedEvent> {
  readonly valid: ReadonlyArray<{ readonly ref: RecordRef; readonly envelope: E }>;
  /** Control records (control-records.ts), in stream order. */
  readonly controls?: ReadonlyArray<{ readonly ref: RecordRef; readonly entity: string; readonly arrival: number }>;
  readonly rejected: readonly RejectedRecord[];
}

/** The Kinesis event with what the decoder found in it; the handler reads it with `decodedBatch`. */
export type ScoringEvent<E extends TimedEvent> = KinesisStreamEvent & { riskstream?: DecodedBatch<E> };

export interface KinesisDecoderOptions<E extends TimedEvent> {
  readonly validate: (input: unknown) => Validation<E>;
  readonly limits?: DecodeLimits;
  /** The hash key range of the shard a KPL aggregate came on (shard-ranges.ts); without it, user records are not checked. */
  readonly shardRangeOf?: ShardRangeOf;
}

/** decode base64 → take KPL aggregates apart → parse JSON → validate, once per record, before the handler runs. */
export function kinesisDecoder<E extends TimedEvent>(
  options: KinesisDecoderOptions<E>,
): MiddlewareObj<ScoringEvent<E>, KinesisStreamBatchResponse> {
  const kinesisDecoderMiddlewareBefore = async (request: { event: ScoringEvent<E> }): Promise<void> => {
    const valid: Array<{ ref: RecordRef; envelope: E }> = [];
    const rejected: RejectedRecord[] = [];
    const controls: Array<{ ref: RecordRef; entity: string; arrival: number }> = [];
    for (const record of request.event.Records ?? []) {
      // A KPL aggregate's user records must belong to the shard it came on: its range is asked for aggregates only.
      const range =
        options.shardRangeOf && isAggregate(Buffer.from(record.kinesis.data.slice(0, 8), 'base64'))
          ? await options.shardRangeOf(record.eventSourceARN, recordRef(record).shardId)
          : undefined;
      // A KPL aggregate gives one decoded record per user record, each under the aggregate's sequence number.
      for (const decoded of decodeRecords(record, options.validate, options.limits, range)) {
        if (decoded.status === 'valid') valid.push({ ref: decoded.ref, envelope: decoded.envelope });
        else if (decoded.status === 'control') controls.push({ ref: decoded.ref, entity: decoded.entity, arrival: decoded.arrival });
        else rejected.push({ ref: decoded.ref, reason: decoded.reason, data: decoded.data });
      }
    }
    request.event.riskstream = { valid, rejected, ...(controls.length > 0 ? { controls } : {}) };
  };
  return { name: 'kinesisDecoder', before: kinesisDecoderMiddlewareBefore };
}

export function decodedBatch<E extends TimedEvent>(event: ScoringEvent<E>): DecodedBatch<E> {
  if (!event.riskstream) throw new Error('kinesisDecoder middleware is missing from the chain');
  return event.riskstream;
}

/** A decoded event or control record with where it sits. */
export type DecodedInOrder<E extends TimedEvent> =
  | { readonly type: 'event'; readonly ref: RecordRef; readonly envelope: E }
  | { readonly type: 'control'; readonly ref: RecordRef; readonly entity: string; readonly arrival: number };

/**
 * The batch's events and control records as the stream holds them, the order time passes in: by
 * the Kinesis record, then by the place in its KPL aggregate (an aggregate's events and control
 * records keep their order).
 */
export function inRecordOrder<E extends TimedEvent>(event: ScoringEvent<E>): Array<DecodedInOrder<E>> {
  const { valid, controls = [] } = decodedBatch(event);
  const position = new Map(event.Records.map((r, i) => [r.kinesis.sequenceNumber, i]));
  const placed = (record: DecodedInOrder<E>) => ({
    at: position.get(record.ref.sequenceNumber) ?? 0,
    sub: record.ref.subSequenceNumber ?? 0,
    record,
  });
  const ordered = [
    ...valid.map((v) => placed({ type: 'event', ref: v.ref, envelope: v.envelope })),
    ...controls.map((c) => placed({ type: 'control', ...c })),
  ];
  return ordered.sort((a, b) => a.at - b.at || a.sub - b.sub).map((p) => p.record);
}
