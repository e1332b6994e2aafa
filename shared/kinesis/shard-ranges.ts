import { createHash } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ListShardsCommand } from '@aws-sdk/client-kinesis';

/** The hash keys a shard takes: Kinesis puts a record on the shard whose range holds its hash key. */
export interface HashRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** A record's hash key: its explicit hash key if it has one, else the MD5 of its partition key as a 128-bit integer. */
export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined && /^\d{1,39}$/.test(explicitHashKey)) return BigInt(explicitHashKey);
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

export function holds(range: HashRange, hashKey: bigint): boolean {
  return range.start <= hashKey && hashKey <= range.end;
}

/** Where a shard's hash key range is asked for: by the stream's ARN and the shard's id. */
export type ShardRangeOf = (streamArn: string, shardId: string) => Promise<HashRange | undefined>;

/** A shard and its hash key range, as ListShards tells them; `open` until a reshard closes it. */
export interface ShardRange extends HashRange {
  readonly shardId: string;
  readonly open: boolean;
}

/** Every shard of a stream with its range, every page read (by the stream's name, as emulators take it). */
export async function listShardRanges(kinesis: KinesisClient, streamName: string): Promise<ShardRange[]> {
  const shards: ShardRange[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
    for (const shard of page.Shards ?? []) {
      const range = shard.HashKeyRange;
      if (shard.ShardId && range?.StartingHashKey && range.EndingHashKey)
        shards.push({
          shardId: shard.ShardId,
          start: BigInt(range.StartingHashKey),
          end: BigInt(range.EndingHashKey),
          open: shard.SequenceNumberRange?.EndingSequenceNumber === undefined,
        });
    }
    token = page.NextToken;
  } while (token);
  return shards;
}

/**
 * Shards' hash key ranges from ListShards, listed once per stream and again when a shard not seen
 * yet comes (a reshard): asked only for KPL aggregates, whose user records must belong to the shard
 * they came on (kpl-aggregate.ts), so plain records cost no call.
 */
export function listedShardRanges(kinesis: KinesisClient): ShardRangeOf {
  const streams = new Map<string, Map<string, HashRange>>();
  const list = async (streamArn: string): Promise<Map<string, HashRange>> => {
    // The stream's name, not its ARN: emulators take the name (the ARN's part after "stream/").
    const shards = await listShardRanges(kinesis, streamArn.slice(streamArn.lastIndexOf('/') + 1));
    const ranges = new Map(shards.map((shard): [string, HashRange] => [shard.shardId, shard]));
    streams.set(streamArn, ranges);
    return ranges;
  };
  return async (streamArn, shardId) => streams.get(streamArn)?.get(shardId) ?? (await list(streamArn)).get(shardId);
}
