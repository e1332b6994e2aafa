import type { Position, StreamSource } from '../runtime/kinesis/stream-source';
import type { CheckpointStore } from '../runtime/types';

/**
 * Where every consumer stands in its stream: the seed's consumer offsets, per function and shard.
 * A consumer is caught up when nothing waits after its checkpoint, behind when records wait, and
 * stalled when the oldest waiting record has waited as long as the iterator-age alarm allows.
 */
export const ConsumerStatus = { caughtUp: 'caught_up', behind: 'behind', stalled: 'stalled' } as const;
export type ConsumerStatus = (typeof ConsumerStatus)[keyof typeof ConsumerStatus];

export interface ConsumerPosition {
  /** The function the mapping feeds. */
  readonly consumer: string;
  readonly stream: string;
  readonly shard: string;
  /** The last sequence number it handled in the shard; null before its first batch there. */
  readonly checkpoint: string | null;
  /** Records in the shard after the checkpoint (from the mapping's starting position without one); null on AWS, where Lambda keeps the checkpoint. */
  readonly behindRecords: number | null;
  /** How long the oldest of them has waited: now minus its arrival (0 when none waits). */
  readonly behindMs: number;
  readonly status: ConsumerStatus;
}

export interface PositionOptions {
  readonly consumer: string;
  /** The stream's name as people know it (a Kinesis stream, or "<table> (stream)"). */
  readonly stream: string;
  /** Where the mapping starts in a shard it has no checkpoint for. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Waiting this long is stalled: the deploy's iterator-age alarm threshold. */
  readonly stalledAfterMs: number;
  readonly now: number;
  /** Records asked for per GetRecords call. */
  readonly pageSize?: number;
}

/**
 * One consumer's position in each shard of its source: its checkpoint, then the records after it,
 * counted by reading the shard from there to its end (GetRecords until a page comes back empty or
 * the shard is closed and read). That read is what the consumer itself would do next, so the count
 * is exact on an emulator; on AWS an empty page can come before the end, and the mappings' own
 * IteratorAge is the figure to read instead.
 */
export async function consumerPositions(
  source: StreamSource,
  checkpoints: CheckpointStore,
  options: PositionOptions,
): Promise<ConsumerPosition[]> {
  const streamArn = await source.streamArn();
  const positions: ConsumerPosition[] = [];
  for (const { shardId } of await source.listShards()) {
    const checkpoint = (await checkpoints.get(streamArn, shardId)) ?? null;
    const from: Position =
      checkpoint === null ? { type: options.startingPosition } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint };
    const waiting = await recordsFrom(source, shardId, from, options.pageSize ?? 1_000);
    const behindMs = waiting.oldestArrivalMs === undefined ? 0 : Math.max(0, options.now - waiting.oldestArrivalMs);
    positions.push({
      consumer: options.consumer,
      stream: options.stream,
      shard: shardId,
      checkpoint,
      behindRecords: waiting.count,
      behindMs,
      status: statusOf(waiting.count, behindMs, options.stalledAfterMs),
    });
  }
  return positions;
}

export function statusOf(behindRecords: number, behindMs: number, stalledAfterMs: number): ConsumerStatus {
  if (behindRecords === 0) return ConsumerStatus.caughtUp;
  return behindMs >= stalledAfterMs ? ConsumerStatus.stalled : ConsumerStatus.behind;
}

async function recordsFrom(
  source: StreamSource,
  shardId: string,
  from: Position,
  pageSize: number,
): Promise<{ count: number; oldestArrivalMs?: number }> {
  let iterator: string | null = await source.iterator(shardId, from);
  let count = 0;
  let oldestArrivalMs: number | undefined;
  while (iterator !== null) {
    const page = await source.read(shardId, iterator, pageSize);
    if (page.records.length === 0) break;
    oldestArrivalMs ??= page.records[0]?.arrivalMs;
    count += page.records.length;
    iterator = page.nextIterator;
  }
  return oldestArrivalMs === undefined ? { count } : { count, oldestArrivalMs };
}
