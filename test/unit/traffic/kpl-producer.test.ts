import { deaggregate } from '../../../shared/kinesis/kpl-aggregate';
import { kplAggregates, shardOf } from '../../../local/traffic/kpl-producer';
import type { ShardRange } from '../../../shared/kinesis/shard-ranges';
import type { ProducedRecord } from '../../../local/traffic/producer';

const HALF = 2n ** 127n;
const SHARDS: ShardRange[] = [
  // The parent both were split from: closed, it takes nothing.
  { shardId: 'shardId-000000000009', start: 0n, end: 2n ** 128n - 1n, open: false },
  { shardId: 'shardId-000000000000', start: 0n, end: HALF - 1n, open: true },
  { shardId: 'shardId-000000000001', start: HALF, end: 2n ** 128n - 1n, open: true },
];
const OPEN = SHARDS.filter((s) => s.open);

/** 40 users' three events each, interleaved as a producer sends them. */
const RECORDS: ProducedRecord[] = [0, 1, 2].flatMap((n) =>
  Array.from({ length: 40 }, (_, u) => ({ partitionKey: `user-${u}`, data: Buffer.from(JSON.stringify({ user: `user-${u}`, n })) })),
);

function userRecordsOf(put: readonly ProducedRecord[]) {
  return put.flatMap((record) => {
    const taken = deaggregate(record.data);
    if (!taken.aggregated || !taken.ok) throw new Error('not an aggregate');
    return taken.records.map((user) => ({ shard: BigInt(record.explicitHashKey ?? '-1'), user }));
  });
}

describe('KPL aggregates as produce puts them', () => {
  it('puts every event once, on the shard its own partition key names, each entity’s events in their order', () => {
    // Act: aggregates of at most 1 KB, so each shard gets several
    const put = kplAggregates(RECORDS, SHARDS, 1_024);

    // Assert
    const taken = userRecordsOf(put);
    expect(put.length).toBeGreaterThan(OPEN.length);
    expect(taken).toHaveLength(RECORDS.length);
    for (const { shard, user } of taken) expect(shard).toBe(shardOf(user.partitionKey, SHARDS).start);
    for (let u = 0; u < 40; u++) {
      const mine = taken.filter(({ user }) => user.partitionKey === `user-${u}`).map(({ user }) => JSON.parse(user.data.toString()).n);
      expect(mine).toEqual([0, 1, 2]);
    }
    expect(new Set(taken.map(({ shard }) => shard))).toEqual(new Set(OPEN.map((s) => s.start)));
    for (const record of put) expect(record.data.length).toBeLessThanOrEqual(1_024 + 64);
  });

  it('hashes a partition key as Kinesis does (MD5 as a 128-bit integer), and says when no open shard takes it (a closed one takes nothing)', () => {
    // MD5("user-0") = b01a0e23…: in the upper half of the hash space.
    expect(shardOf('user-0', SHARDS).shardId).toBe('shardId-000000000001');
    expect(() => shardOf('user-0', [OPEN[0] as ShardRange])).toThrow('no open shard takes partition key "user-0"');
    expect(() => shardOf('user-0', [SHARDS[0] as ShardRange])).toThrow('no open shard takes partition key "user-0"'); // closed
  });
});
