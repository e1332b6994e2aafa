import { matchesFilter } from '../runtime/kinesis/filter';
import type { ReadRecord, StreamSource } from '../runtime/kinesis/stream-source';

/** Kinesis GetRecords returns at most 10,000 records a call (the DynamoDB Streams source caps its own calls at 1,000). */
const PAGE = 10_000;
/** An open shard may answer a few empty pages before its records (AWS does; moto never): past this many in a row, the rest is gone. */
const EMPTY_PAGES = 3;

/**
 * The records of one shard from `start` to `end` (sequence numbers, both included), read again from
 * the stream as the mapping read them: from an AT_SEQUENCE_NUMBER iterator, in order, and only those
 * that match the mapping's filter patterns (a discarded batch held matching records only, but its
 * range may span records the filter dropped). Records past the stream's retention are simply absent.
 */
export async function readRange<E>(
  source: StreamSource<E>,
  shardId: string,
  range: { readonly start: string; readonly end: string },
  filterPatterns: readonly string[] = [],
): Promise<Array<ReadRecord<E>>> {
  const start = BigInt(range.start);
  const end = BigInt(range.end);
  const records: Array<ReadRecord<E>> = [];
  let iterator: string | null = await source.iterator(shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: range.start });
  let empty = 0;
  while (iterator !== null && empty < EMPTY_PAGES) {
    const page = await source.read(shardId, iterator, PAGE);
    // Sequence numbers are compared as numbers: moto's Kinesis ones are "1", "2", … ("10" < "9" as strings).
    const inRange = page.records.filter((r) => BigInt(r.sequenceNumber) >= start && BigInt(r.sequenceNumber) <= end);
    records.push(
      ...(filterPatterns.length === 0
        ? inRange
        : inRange.filter((r) => filterPatterns.some((p) => matchesFilter(source.filterView(r), p)))),
    );
    const last = page.records[page.records.length - 1];
    if (last && BigInt(last.sequenceNumber) >= end) break;
    empty = last ? 0 : empty + 1;
    iterator = page.nextIterator;
  }
  return records;
}
