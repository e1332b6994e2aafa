import type { Shard } from '@aws-sdk/client-kinesis';
import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClientConfig } from '../clients';
import { reachableDeploy } from '../runtime/runtime';
import type { ArrivalWindow, HistoryRecord, StreamKind } from './shard-cursor';
import { retryingThrottled, ShardCursor } from './shard-cursor';
import { KINDS, streamOutput } from '../../shared/kinds/registry';

export type { HistoryRecord, StreamKind } from './shard-cursor';

/** The stack's two streams, by name. */
export type HistoryStreams = Readonly<Record<StreamKind, string>>;

/**
 * Which records to read, by arrival time (both ends included). `since` absent: from each shard's
 * trim horizon (as far back as the stream's retention keeps). `until` absent: the moment the read
 * starts, by this machine's clock, so that a read of a live stream ends instead of chasing its tip.
 */
export interface HistoryRange {
  readonly since?: Date;
  readonly until?: Date;
}

/** The order records of one arrival millisecond come out in. */
const STREAM_ORDER: readonly StreamKind[] = KINDS.map((kind) => kind.stream);

/**
 * The records of both streams in `range`, merged by arrival time across every shard of both, so that
 * a backtest replays events about as they arrived. Records of one millisecond come out transactions
 * before readings, then by shard id; a shard's own records keep their order (sequence numbers).
 *
 * Memory: one GetRecords page (up to 10,000 records) per shard being read, never the whole history.
 * A shard closed by a reshard is read to its end before its children are opened: Kinesis writes to
 * the children only once the parent is closed, so a key's records come out in the order they were
 * written (as Lambda delivers them), even where approximate arrival times would put a child's first
 * record a little before the parent's last.
 *
 * `onProgress` gets the count of records in the range read from the streams so far, after each page.
 * A `range` that ends before it starts, or starts in the future, yields nothing.
 */
export async function* streamHistory(
  client: KinesisClient,
  streams: HistoryStreams,
  range: HistoryRange = {},
  onProgress?: (read: number) => void,
): AsyncGenerator<HistoryRecord> {
  const startedAt = Date.now();
  const window: ArrivalWindow = { since: range.since?.getTime(), until: range.until?.getTime() ?? startedAt };
  // AWS refuses an AT_TIMESTAMP iterator in the future, and no record of such a window exists yet.
  if (window.since !== undefined && window.since > Math.min(window.until, startedAt)) return;

  let read = 0;
  const counted = (count: number) => {
    read += count;
    onProgress?.(read);
  };
  const waiting: Array<{ readonly cursor: ShardCursor; readonly parents: readonly string[] }> = [];
  for (const stream of STREAM_ORDER) {
    for (const shard of await listShards(client, streams[stream])) {
      const cursor = new ShardCursor(client, stream, streams[stream], shard.shardId, window, counted);
      waiting.push({ cursor, parents: shard.parents.map((parent) => keyOf(stream, parent)) });
    }
  }
  const listed = new Set(waiting.map((w) => keyOf(w.cursor.stream, w.cursor.shardId)));
  const readToEnd = new Set<string>();
  const reading: ShardCursor[] = [];

  /** Opens every shard whose parents are read to their end (or past the retention, unlisted). */
  const openReady = async (): Promise<void> => {
    for (;;) {
      const ready = waiting.filter((w) => w.parents.every((parent) => readToEnd.has(parent) || !listed.has(parent)));
      if (ready.length === 0) return;
      for (const w of ready) waiting.splice(waiting.indexOf(w), 1);
      await Promise.all(ready.map((w) => w.cursor.fill()));
      for (const { cursor } of ready) {
        if (cursor.exhausted) readToEnd.add(keyOf(cursor.stream, cursor.shardId));
        else reading.push(cursor);
      }
    }
  };

  await openReady();
  while (reading.length > 0) {
    const cursor = earliest(reading);
    yield cursor.take();
    await cursor.fill();
    if (cursor.exhausted) {
      reading.splice(reading.indexOf(cursor), 1);
      readToEnd.add(keyOf(cursor.stream, cursor.shardId));
      await openReady();
    }
  }
}

function keyOf(stream: StreamKind, shardId: string): string {
  return `${stream}/${shardId}`;
}

/**
 * The cursor holding the earliest record (every cursor being read holds one). A linear scan: a
 * stack's streams have a handful of shards open at once.
 */
function earliest(cursors: readonly ShardCursor[]): ShardCursor {
  return cursors.reduce((best, cursor) => (cursor.head && best.head && comesFirst(cursor.head, best.head) ? cursor : best));
}

/** Two cursors never hold records of one shard: arrival, stream and shard id decide. */
function comesFirst(a: HistoryRecord, b: HistoryRecord): boolean {
  if (a.arrival !== b.arrival) return a.arrival < b.arrival;
  if (a.stream !== b.stream) return STREAM_ORDER.indexOf(a.stream) < STREAM_ORDER.indexOf(b.stream);
  return a.shardId < b.shardId;
}

/** Every shard of the stream within its retention, open or closed by a reshard, with its parents. */
async function listShards(client: KinesisClient, streamName: string): Promise<Array<{ shardId: string; parents: string[] }>> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    // AWS refuses StreamName beside NextToken (the token names the stream). moto 5.2.1 wants it
    // repeated, but pages only past 10,000 shards when MaxResults is not given.
    const page = await retryingThrottled(() =>
      client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName })),
    );
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards.flatMap((shard) =>
    shard.ShardId
      ? [{ shardId: shard.ShardId, parents: [shard.ParentShardId, shard.AdjacentParentShardId].filter((p) => p !== undefined) }]
      : [],
  );
}

/** The Kinesis client and stream names of a stack deployed from here (its deploy record). */
export async function openStackStreams(
  stackName: string,
): Promise<{ client: KinesisClient; streams: HistoryStreams; destroy: () => void }> {
  const { deployed, outputs } = await reachableDeploy(stackName, KINDS.map(streamOutput));
  const streams = Object.fromEntries(KINDS.map((kind) => [kind.stream, outputs[streamOutput(kind)]])) as Record<StreamKind, string>;
  // HTTP/1.1: moto does not speak HTTP/2, which the Kinesis client would choose.
  const client = new KinesisClient({ ...emulatorClientConfig(deployed.endpoint), requestHandler: new NodeHttpHandler() });
  return { client, streams, destroy: () => client.destroy() };
}
