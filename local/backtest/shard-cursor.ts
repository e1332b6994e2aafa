import { setTimeout as sleep } from 'node:timers/promises';
import type { GetRecordsCommandOutput, KinesisClient, _Record } from '@aws-sdk/client-kinesis';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { AnyKindSpec } from '../../shared/kinds/event-kind';
import { Backoff } from '../runtime/kinesis/backoff';

/** A stream by the name it has in the stack (kinds/registry.ts): `transactions`, `readings`. */
export type StreamKind = AnyKindSpec['stream'];

/** One record of a stream's history. */
export interface HistoryRecord {
  readonly stream: StreamKind;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The producer's key: a control record is refused under any other than its entity (as the scorers refuse it). */
  readonly partitionKey: string;
  /** Epoch ms: the record's ApproximateArrivalTimestamp, when Kinesis took it in. */
  readonly arrival: number;
  readonly data: Uint8Array;
}

/** Arrival times in epoch ms, both ends included; `since` absent: from the trim horizon. */
export interface ArrivalWindow {
  readonly since?: number;
  readonly until: number;
}

/** GetRecords' largest page. */
const PAGE = 10_000;

/**
 * Kinesis' ways of saying "too many calls": GetRecords and GetShardIterator answer
 * ProvisionedThroughputExceededException (5 calls a second a shard, shared with the stack's own
 * consumers), ListShards LimitExceededException, reading a KMS-encrypted stream (the stack's are)
 * KMSThrottlingException; ThrottlingException is the generic one.
 */
const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
]);

/**
 * `call` until it is not throttled. The SDK has retried a few times already when the error gets
 * here; throttling says "slower", not "never", so the read waits (100 ms doubling to 2 s) rather
 * than lose the rest of a shard.
 */
export async function retryingThrottled<T>(call: () => Promise<T>): Promise<T> {
  const backoff = new Backoff();
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!THROTTLED.has((error as Error).name)) throw error;
      await sleep(backoff.next());
    }
  }
}

/**
 * One shard's records in an arrival window, in shard order, one GetRecords page held at a time: the
 * merge in stream-history.ts keeps one cursor per shard and takes from whichever holds the earliest
 * record.
 */
export class ShardCursor {
  private page: HistoryRecord[] = [];
  private next = 0;
  /** undefined: none yet, or the last one expired. */
  private iterator: string | undefined;
  /** The last record read, in the window or not: where a new iterator resumes. */
  private lastSequence: string | undefined;
  /** Nothing more to read from the shard (what is buffered may still be taken). */
  private ended = false;

  constructor(
    private readonly client: KinesisClient,
    readonly stream: StreamKind,
    private readonly streamName: string,
    readonly shardId: string,
    private readonly window: ArrivalWindow,
    /** Told how many records in the window each page brought. */
    private readonly onRead: (count: number) => void,
  ) {}

  /** The next record in the window; undefined once the shard is exhausted (after fill()). */
  get head(): HistoryRecord | undefined {
    return this.page[this.next];
  }

  get exhausted(): boolean {
    return this.ended && this.head === undefined;
  }

  /** The head, which the caller has seen is there (fill() and not exhausted). */
  take(): HistoryRecord {
    const record = this.head;
    if (!record) throw new Error(`nothing buffered from ${this.streamName} ${this.shardId}: fill() first`);
    this.next++;
    return record;
  }

  /** Reads pages until a record in the window is buffered or the shard has no more of them. */
  async fill(): Promise<void> {
    while (this.head === undefined && !this.ended) {
      const output = await this.getRecords();
      const records = output.Records ?? [];
      this.page = [];
      this.next = 0;
      for (const record of records) {
        const entry = this.toHistoryRecord(record);
        this.lastSequence = entry.sequenceNumber;
        // A shard's records arrive in sequence order: the first one past `until` ends the shard.
        if (entry.arrival > this.window.until) {
          this.ended = true;
          break;
        }
        // Already skipped by an AT_TIMESTAMP iterator; checked again so that `since` holds whatever
        // the iterator's precision, and on an emulator that would start at the trim horizon.
        if (this.window.since === undefined || entry.arrival >= this.window.since) this.page.push(entry);
      }
      this.iterator = output.NextShardIterator;
      // The end of the data present: a closed shard read to its end (no next iterator), or an open one
      // caught up with its tip. Only an empty page says so: moto's MillisBehindLatest is 0 on any
      // page whose last record arrived within a millisecond of the shard's last, and AWS may answer
      // empty pages while still behind (MillisBehindLatest > 0).
      if (!this.iterator || (records.length === 0 && (output.MillisBehindLatest ?? 0) === 0)) this.ended = true;
      if (this.page.length > 0) this.onRead(this.page.length);
    }
  }

  /**
   * One GetRecords call, throttling retried. An iterator expires 5 minutes after it was issued (on
   * AWS; moto's never do), and a cursor waits as long as the consumer takes over other shards'
   * records: an expired one is replaced by a new one after the last record read.
   */
  private async getRecords(): Promise<GetRecordsCommandOutput> {
    for (;;) {
      try {
        this.iterator ??= await this.newIterator();
        const iterator = this.iterator;
        return await retryingThrottled(() => this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: PAGE })));
      } catch (error) {
        if ((error as Error).name !== 'ExpiredIteratorException') throw error;
        this.iterator = undefined;
      }
    }
  }

  private async newIterator(): Promise<string> {
    const { since } = this.window;
    const position =
      this.lastSequence !== undefined
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: this.lastSequence }
        : since !== undefined
          ? { ShardIteratorType: 'AT_TIMESTAMP' as const, Timestamp: new Date(since) }
          : { ShardIteratorType: 'TRIM_HORIZON' as const };
    const { ShardIterator } = await retryingThrottled(() =>
      this.client.send(new GetShardIteratorCommand({ StreamName: this.streamName, ShardId: this.shardId, ...position })),
    );
    if (!ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${this.streamName} ${this.shardId}`);
    return ShardIterator;
  }

  private toHistoryRecord(record: _Record): HistoryRecord {
    const { SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey } = record;
    if (SequenceNumber === undefined || ApproximateArrivalTimestamp === undefined)
      throw new Error(`GetRecords returned a record of ${this.streamName} ${this.shardId} without a sequence number or an arrival time`);
    return {
      stream: this.stream,
      shardId: this.shardId,
      sequenceNumber: SequenceNumber,
      partitionKey: PartitionKey ?? '',
      arrival: ApproximateArrivalTimestamp.getTime(),
      data: Data ?? new Uint8Array(),
    };
  }
}
