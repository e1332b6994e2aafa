import type { ShardRange } from '../../shared/kinesis/shard-ranges';
import { hashKeyOf, holds } from '../../shared/kinesis/shard-ranges';
import { aggregate } from '../../shared/kinesis/kpl-aggregate';
import type { ProducedRecord } from './producer';

/** How large an aggregate grows before the next one starts: the KPL's default (AggregationMaxSize). */
export const AGGREGATE_MAX_BYTES = 51_200;

/** The open shard Kinesis puts a partition key on: the one whose range holds the key's hash (hashKeyOf). */
export function shardOf(partitionKey: string, shards: readonly ShardRange[]): ShardRange {
  const hash = hashKeyOf(partitionKey);
  const shard = shards.find((s) => s.open && holds(s, hash));
  if (!shard) throw new Error(`no open shard takes partition key ${JSON.stringify(partitionKey)}`);
  return shard;
}

/**
 * The records as the KPL would put them: aggregated per shard, each aggregate put with an explicit
 * hash key in its shard's range, so every user record lands on the shard its own partition key
 * names. An entity's events therefore stay on one shard, in their order: one writer per entity, as
 * with plain records.
 */
export function kplAggregates(
  records: readonly ProducedRecord[],
  shards: readonly ShardRange[],
  maxBytes = AGGREGATE_MAX_BYTES,
): ProducedRecord[] {
  const put: ProducedRecord[] = [];
  const open = new Map<ShardRange, { records: ProducedRecord[]; bytes: number }>();
  const close = (shard: ShardRange, records: readonly ProducedRecord[]) =>
    put.push({
      partitionKey: (records[0] as ProducedRecord).partitionKey,
      explicitHashKey: shard.start.toString(),
      data: aggregate(records),
    });
  for (const record of records) {
    const shard = shardOf(record.partitionKey, shards);
    const size = record.data.length + record.partitionKey.length + 16;
    const current = open.get(shard);
    if (current && current.bytes + size <= maxBytes) {
      current.records.push(record);
      current.bytes += size;
      continue;
    }
    if (current) close(shard, current.records);
    open.set(shard, { records: [record], bytes: size });
  }
  for (const [shard, { records: left }] of open) close(shard, left);
  return put;
}
