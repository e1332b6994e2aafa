import type { CheckpointStore, Invoke, MappingSpec } from '../types';
import { Backoff, sleep } from './backoff';
import { matchesFilter } from './filter';
import type { FailureCondition, Outcome } from './lambda-batch';
import { failureRecord, readResponse } from './lambda-batch';
import type { Position, ReadRecord, StreamSource } from './stream-source';

export interface Counters {
  recordsRead: number;
  batchesInvoked: number;
  recordsFailedToDestination: number;
  readonly lagMsPerShard: Record<string, number>;
  /** Date.now() when a read last returned records. */
  lastRecordsAt: number;
}

/** What the runner shares with its shard readers. */
export interface ShardContext {
  readonly spec: MappingSpec;
  readonly source: StreamSource;
  /** The stream's ARN, resolved by the runner: the checkpoints' key. */
  readonly streamArn: string;
  readonly functionArn: string;
  readonly checkpoints: CheckpointStore;
  readonly invoke: Invoke;
  readonly signal: AbortSignal;
  readonly pollIntervalMs: number;
  readonly counters: Counters;
  now(): number;
  log(line: string): void;
  /** Calls the emulator (or the checkpoint store) until it answers; throws Stopped once the runner stops. */
  retrying<T>(what: string, call: () => Promise<T>): Promise<T>;
  /** Sends a message to the on-failure destination, retrying likewise. */
  sendToDestination(message: object): Promise<void>;
}

interface Batch {
  readonly records: ReadRecord[];
  /** The last record read, matching the filter or not: where a handled batch checkpoints. */
  readonly lastRead: string | undefined;
}

/**
 * One shard, read in order, one batch in flight at a time. A failed batch is read again from the
 * stream (AT_SEQUENCE_NUMBER), as Lambda does, so a retry may carry more records than the first try.
 */
export class ShardReader {
  private iterator: string | null | undefined;
  /** Sizes of the pieces a bisected batch is still to be retried in, first piece first. */
  private readonly pieces: number[] = [];
  /** The retry under way: the next batch is a retry when it starts at `from`. */
  private retry: { readonly from: string; readonly retries: number; readonly invokes: number } | undefined;
  private holding = 0;
  /** The last attempt to read the shard failed (the emulator did not answer): cut off, not caught up. */
  private cutOff = false;
  /** The last read found nothing new (or the shard's end): only then may the shard be idle. */
  private caughtUp = false;
  private readonly backoff = new Backoff();

  constructor(
    private readonly shardId: string,
    private position: Position,
    private readonly ctx: ShardContext,
  ) {}

  /**
   * Anything but caught up: holding records, in the middle of retrying a batch, unable to read the
   * shard, or not yet told by a read that nothing new is there (a batch that ran longer than the idle
   * time is followed by a read whose answer must be waited for).
   */
  get busy(): boolean {
    return this.holding > 0 || this.retry !== undefined || this.pieces.length > 0 || this.cutOff || !this.caughtUp;
  }

  /** Reads until the runner stops (false) or the shard is closed and fully handled (true). */
  async run(): Promise<boolean> {
    while (this.iterator !== null) {
      const batch = await this.collect(this.pieces[0] ?? this.ctx.spec.batchSize);
      if (this.ctx.signal.aborted) return false;
      if (batch.records.length > 0) await this.handle(batch);
      // Records the filter dropped count as handled: the checkpoint moves past them.
      else if (batch.lastRead !== undefined) await this.checkpoint(batch.lastRead);
      this.holding = 0;
      if (this.ctx.signal.aborted) return false;
    }
    return true;
  }

  /** Up to `limit` matching records, waiting up to the batching window from the first one. */
  private async collect(limit: number): Promise<Batch> {
    const records: ReadRecord[] = [];
    let lastRead: string | undefined;
    let deadline = Infinity;
    while (!this.ctx.signal.aborted && this.iterator !== null) {
      const wanted = limit - records.length;
      const read = await this.read(wanted);
      lastRead = read[read.length - 1]?.sequenceNumber ?? lastRead;
      const patterns = this.ctx.spec.filterPatterns;
      const { source } = this.ctx;
      records.push(...(patterns.length === 0 ? read : read.filter((r) => patterns.some((p) => matchesFilter(source.filterView(r), p)))));
      this.holding = records.length;
      if (records.length > 0 && deadline === Infinity) deadline = Date.now() + this.ctx.spec.maxBatchingWindowMs;
      if (records.length >= limit || Date.now() >= deadline) break;
      if (records.length === 0 && lastRead !== undefined) break;
      if (read.length < wanted) await sleep(Math.min(this.ctx.pollIntervalMs, deadline - Date.now()), this.ctx.signal);
    }
    return { records, lastRead };
  }

  private async read(limit: number): Promise<ReadRecord[]> {
    const { source, counters } = this.ctx;
    const page = await this.ctx.retrying(`GetRecords ${this.shardId}`, async () => {
      try {
        const iterator = this.iterator ?? (await source.iterator(this.shardId, this.position));
        this.iterator = iterator;
        const read = await source.read(this.shardId, iterator, limit);
        this.cutOff = false;
        return read;
      } catch (error) {
        // An unreachable emulator is no idle shard: runUntilIdle waits for it instead of stopping with records unread.
        this.cutOff = true;
        if ((error as Error).name === 'ExpiredIteratorException') this.iterator = undefined;
        throw error;
      }
    });
    // No next iterator: the shard is closed (a split, a merge, a DynamoDB shard rollover) and read to its end.
    this.iterator = page.nextIterator;
    const records = page.records;
    this.caughtUp = records.length === 0 || page.nextIterator === null;
    const newest = records[records.length - 1];
    if (newest) {
      this.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: newest.sequenceNumber };
      counters.recordsRead += records.length;
      counters.lagMsPerShard[this.shardId] = this.ctx.now() - newest.arrivalMs;
      counters.lastRecordsAt = Date.now();
    } else if (page.nextIterator) {
      // An empty page from an open shard: the reader has caught up, nothing is waiting (Lambda's iterator age falls to 0 too).
      counters.lagMsPerShard[this.shardId] = 0;
    }
    return records;
  }

  private async handle({ records, lastRead }: Batch): Promise<void> {
    const first = records[0];
    if (!first || lastRead === undefined) return;
    const outcome = await this.invoke(records);
    if (outcome.kind === 'success') return this.done(lastRead);

    // BisectBatchOnFunctionError: a batch that threw is retried as two halves, each on its own;
    // splitting does not count as a retry.
    if (outcome.kind === 'failed' && outcome.thrown && this.ctx.spec.bisectBatchOnError && records.length > 1) {
      const half = Math.ceil(records.length / 2);
      this.pieces.splice(0, 1, half, records.length - half);
      this.retry = undefined;
      this.rewind(first.sequenceNumber);
      return;
    }

    const from = outcome.kind === 'partial' ? outcome.retryFrom : first.sequenceNumber;
    const index = records.findIndex((r) => r.sequenceNumber === from);
    const failed = records.slice(index);
    const sameRetry = this.retry?.from === first.sequenceNumber ? this.retry : undefined;
    const retries = sameRetry?.retries ?? 0;
    const invokes = (sameRetry?.invokes ?? 0) + 1;
    const { retryAttempts, maxRecordAgeMs } = this.ctx.spec;
    const oldest = failed[0]?.arrivalMs ?? first.arrivalMs;
    const condition: FailureCondition | undefined =
      maxRecordAgeMs >= 0 && this.ctx.now() - oldest > maxRecordAgeMs
        ? 'RecordAgeExceeded'
        : retryAttempts >= 0 && retries >= retryAttempts
          ? 'RetryAttemptsExhausted'
          : undefined;

    if (condition) {
      await this.discard(failed, condition, invokes, outcome);
      return this.done(lastRead);
    }
    // The records before the lowest reported failure succeeded: checkpoint just before it.
    const before = records[index - 1];
    if (before) await this.checkpoint(before.sequenceNumber);
    if (this.pieces[0] !== undefined) this.pieces[0] -= index;
    this.retry = { from, retries: retries + 1, invokes };
    this.rewind(from);
    await sleep(this.backoff.next(), this.ctx.signal);
  }

  private async invoke(records: readonly ReadRecord[]): Promise<Outcome> {
    this.ctx.counters.batchesInvoked += 1;
    try {
      const response = await this.ctx.invoke({ Records: records.map((r) => r.event) });
      return readResponse(response, records, this.ctx.spec.reportBatchItemFailures);
    } catch {
      return { kind: 'failed', thrown: true };
    }
  }

  /** The batch is handled (processed, or given up on): checkpoint past it and read on. */
  private async done(lastRead: string): Promise<void> {
    await this.checkpoint(lastRead);
    this.pieces.shift();
    this.retry = undefined;
    this.backoff.reset();
  }

  private async discard(failed: readonly ReadRecord[], condition: FailureCondition, invokes: number, outcome: Outcome): Promise<void> {
    const range = `${this.shardId} ${failed[0]?.sequenceNumber}..${failed[failed.length - 1]?.sequenceNumber}`;
    if (!this.ctx.spec.onFailureQueueArn) {
      this.ctx.log(`${condition}: discarding ${failed.length} record(s) of ${range} (no on-failure destination)`);
      return;
    }
    const message = failureRecord(
      {
        functionArn: this.ctx.functionArn,
        condition,
        approximateInvokeCount: invokes,
        functionError: outcome.kind === 'failed' && outcome.thrown ? 'Unhandled' : null,
        nowMs: this.ctx.now(),
      },
      this.ctx.source.failureInfo(failed, { shardId: this.shardId, streamArn: this.ctx.streamArn }),
    );
    await this.ctx.sendToDestination(message);
    this.ctx.counters.recordsFailedToDestination += failed.length;
    this.ctx.log(`${condition}: sent ${failed.length} record(s) of ${range} to the on-failure destination`);
  }

  private rewind(sequenceNumber: string): void {
    this.position = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber };
    this.iterator = undefined;
  }

  private checkpoint(sequenceNumber: string): Promise<void> {
    return this.ctx.retrying(`checkpoint ${this.shardId}`, () =>
      this.ctx.checkpoints.set(this.ctx.streamArn, this.shardId, sequenceNumber),
    );
  }
}
