import { createReadStream, statSync } from 'node:fs';
import type { KinesisStreamRecord } from 'aws-lambda';
import { lineGroups } from '../line-groups';
import type { AnyEnvelope, Validation } from '../../shared/domain/events';
import { kindOfStream, validateAnyEvent } from '../../shared/kinds/registry';
import { decodeRecords, recordPlace } from '../../shared/kinesis/records';
import type { HistoryRecord } from './shard-cursor';

/** A chunk of history: the events to judge, in arrival order, and the lines or records that were none. */
export interface HistoryChunk {
  readonly events: readonly AnyEnvelope[];
  /** "line 12: not JSON", "transactions shardId-…/4965…: invalid event: …" (never the record's data). */
  readonly refused: readonly string[];
  /** Control records (operators' actions on incidents): the pipeline's, not the rules'; skipped. */
  readonly controls: number;
  /** How far the reading got: bytes of the file, or records of the streams. */
  readonly progress: number;
}

/**
 * A JSON-lines file of events, as `score` reads it (no arrival times: the watermark follows event time).
 * Read 128 KiB at a time (about 850 events): the judgement is the same for any chunking, but each
 * chunk makes every entity in it one batch, and what a chunk's events make stays alive until the
 * chunk is judged: larger chunks make fewer batches, smaller ones leave less for each young-generation
 * collection to copy. 128 KiB was 9 % faster than a MiB on 100,000 events, at 130 MiB at most
 * instead of 207 (BENCHMARKS.md).
 */
export async function* fileHistory(path: string): AsyncGenerator<HistoryChunk> {
  let bytes = 0;
  for await (const group of lineGroups(createReadStream(path, { highWaterMark: 1 << 17 }))) {
    const events: AnyEnvelope[] = [];
    const refused: string[] = [];
    for (const { number, text } of group) {
      bytes += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      const validation = validLine(text);
      if (validation.ok) events.push(validation.value);
      else refused.push(`line ${number}: ${validation.reason}`);
    }
    yield { events, refused, controls: 0, progress: bytes };
  }
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

export function validLine(text: string): Validation<AnyEnvelope> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  return validateAnyEvent(json);
}

/**
 * The deployed streams' records, decoded as the scorers decode them (the same size, schema and time
 * checks, the arrival time kept): what the pipeline refused is refused here too, with its reason.
 */
export async function* streamHistoryEvents(records: AsyncIterable<HistoryRecord>, chunkSize = 1_000): AsyncGenerator<HistoryChunk> {
  let events: AnyEnvelope[] = [];
  let refused: string[] = [];
  let controls = 0;
  let read = 0;
  for await (const record of records) {
    read++;
    for (const decoded of decodeRecords<AnyEnvelope>(asLambdaRecord(record), validatorOf(record))) {
      if (decoded.status === 'valid') events.push(decoded.envelope);
      else if (decoded.status === 'control') controls++;
      else refused.push(`${record.stream} ${record.shardId}/${recordPlace(decoded.ref)}: ${decoded.reason}`);
    }
    if (events.length >= chunkSize) {
      yield { events, refused, controls, progress: read };
      [events, refused, controls] = [[], [], 0];
    }
  }
  yield { events, refused, controls, progress: read };
}

function validatorOf(record: HistoryRecord): (input: unknown) => Validation<AnyEnvelope> {
  return kindOfStream(record.stream).validate;
}

/** The record as Lambda would deliver it, for the scorers' own decoder. */
function asLambdaRecord(record: HistoryRecord): KinesisStreamRecord {
  return {
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventSourceARN: record.stream,
    kinesis: {
      data: Buffer.from(record.data).toString('base64'),
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      approximateArrivalTimestamp: record.arrival / 1000,
      kinesisSchemaVersion: '1.0',
    },
  } as KinesisStreamRecord;
}
