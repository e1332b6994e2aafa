import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { CheckpointStore, Invoke, MappingSpec } from '../types';
import { Backoff, sleep, Stopped } from './backoff';
import type { Counters, ShardContext } from './shard-reader';
import { ShardReader } from './shard-reader';
import type { StreamShard, StreamSource } from './stream-source';
import { SourceConfigurationError } from './stream-source';

/** What every stream mapping runner needs besides its source. */
export interface StreamMappingRunnerSettings {
  readonly spec: MappingSpec;
  readonly invoke: Invoke;
  readonly sqs: SQSClient;
  readonly checkpoints: CheckpointStore;
  readonly region: string;
  readonly account: string;
  readonly log?: (line: string) => void;
  /** The clock for record ages and lag (tests move it). */
  readonly now?: () => number;
  /** Wait between GetRecords calls on a caught-up shard. Lambda polls once a second; locally sooner is nicer. */
  readonly pollIntervalMs?: number;
  /** How often the shards are listed again, to find new ones (a reshard, a DynamoDB shard rollover). */
  readonly shardDiscoveryMs?: number;
}

export interface StreamMappingRunnerOptions extends StreamMappingRunnerSettings {
  readonly source: StreamSource;
}

export interface MappingStats {
  /** Records returned by GetRecords, re-reads for retries included. */
  readonly recordsRead: number;
  readonly batchesInvoked: number;
  readonly recordsFailedToDestination: number;
  /** Per shard, now − approximate arrival of the newest record read, taken when it was read, and 0 once a read finds nothing new: the local iterator age. */
  readonly lagMsPerShard: Record<string, number>;
  /** Per shard, the checkpoint it resumed after, or null when it started from the starting position. */
  readonly resumedFrom: Record<string, string | null>;
}

const COMPLAIN_EVERY_MS = 60_000;

/**
 * Plays Lambda's event source mapping for one stream (whatever StreamSource reads it): polls every
 * shard, batches, filters, invokes, and honours the mapping's retry, bisect, partial-response,
 * record-age and on-failure settings, checkpointing per stream ARN and shard so a restart resumes.
 *
 * ParallelizationFactor > 1 is run as 1: Lambda then keeps order per partition key within a shard;
 * one batch at a time per shard keeps order per shard, which is stricter and all the functions rely on.
 */
export class StreamMappingRunner {
  private readonly abort = new AbortController();
  private readonly log: (line: string) => void;
  private readonly started = new Set<string>();
  private readonly readers = new Map<string, ShardReader>();
  private readonly running: Array<Promise<void>> = [];
  private readonly closedShards = new Set<string>();
  private readonly resumedFrom: Record<string, string | null> = {};
  private readonly counters: Counters = {
    recordsRead: 0,
    batchesInvoked: 0,
    recordsFailedToDestination: 0,
    lagMsPerShard: {},
    lastRecordsAt: 0,
  };
  private context: ShardContext | undefined;
  private polling: Promise<void> | undefined;
  private listed = false;
  private failure: unknown;
  private lastComplaintAt = -Infinity;
  private queueUrl: string | undefined;

  constructor(private readonly options: StreamMappingRunnerOptions) {
    const { spec } = options;
    this.log = options.log ?? ((line) => console.error(`[${spec.functionName} ← ${spec.source.kind}] ${line}`));
  }

  /** Polls until stop(); resolves then. */
  start(): Promise<void> {
    if (!this.polling) {
      if (this.abort.signal.aborted) return Promise.reject(new Error('a stopped runner cannot start again'));
      this.counters.lastRecordsAt = Date.now();
      this.polling = this.poll();
    }
    return this.polling;
  }

  /** Stops polling; resolves once every shard's in-flight batch has finished and been checkpointed. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.polling;
  }

  /** Polls until no shard has returned records for `idleMs` and no batch is in flight or being retried, then stops. */
  async runUntilIdle({ idleMs }: { idleMs: number }): Promise<MappingStats> {
    const polling = this.start();
    const signal = this.abort.signal;
    const idle = (async () => {
      while (!signal.aborted) {
        await sleep(Math.min(50, idleMs), signal);
        const quiet = Date.now() - this.counters.lastRecordsAt >= idleMs;
        if (this.listed && quiet && ![...this.readers.values()].some((r) => r.busy)) return;
      }
    })();
    try {
      await Promise.race([polling, idle]);
    } finally {
      await this.stop();
    }
    return this.stats();
  }

  stats(): MappingStats {
    const { recordsRead, batchesInvoked, recordsFailedToDestination, lagMsPerShard } = this.counters;
    return {
      recordsRead,
      batchesInvoked,
      recordsFailedToDestination,
      lagMsPerShard: { ...lagMsPerShard },
      resumedFrom: { ...this.resumedFrom },
    };
  }

  private async poll(): Promise<void> {
    const signal = this.abort.signal;
    const { source } = this.options;
    try {
      const context = await this.contextFor(await this.retrying(source.calls.streamArn, () => source.streamArn()));
      while (!signal.aborted) {
        const shards = await this.retrying(source.calls.listShards, () => source.listShards());
        for (const shard of this.readyShards(shards)) {
          // Shards that appear later (a reshard, a rollover) are read from their start: their records are all new.
          this.startReader(context, shard.shardId, this.listed ? 'TRIM_HORIZON' : this.options.spec.startingPosition);
        }
        this.listed = true;
        await sleep(this.options.shardDiscoveryMs ?? 5_000, signal);
      }
    } catch (error) {
      if (!(error instanceof Stopped)) this.fail(error);
    }
    await Promise.all(this.running);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Shards not started yet whose listed parents are read to their end, so a key's records stay in order. */
  private readyShards(shards: readonly StreamShard[]): StreamShard[] {
    const listedIds = new Set(shards.map((s) => s.shardId));
    return shards.filter(
      (shard) => !this.started.has(shard.shardId) && !shard.parentShardIds.some((p) => listedIds.has(p) && !this.closedShards.has(p)),
    );
  }

  private async contextFor(streamArn: string): Promise<ShardContext> {
    const { spec, region, account, checkpoints, invoke, source } = this.options;
    this.context ??= {
      spec,
      source,
      streamArn,
      functionArn: `arn:aws:lambda:${region}:${account}:function:${spec.functionName}`,
      checkpoints,
      invoke,
      signal: this.abort.signal,
      pollIntervalMs: this.options.pollIntervalMs ?? 200,
      counters: this.counters,
      now: this.options.now ?? Date.now,
      log: this.log,
      retrying: (what, call) => this.retrying(what, call),
      sendToDestination: (message) => this.sendToDestination(message),
    };
    return this.context;
  }

  private startReader(context: ShardContext, shardId: string, startingPosition: 'TRIM_HORIZON' | 'LATEST'): void {
    this.started.add(shardId);
    const run = async () => {
      const checkpoint = await this.retrying(`checkpoint of ${shardId}`, () => context.checkpoints.get(context.streamArn, shardId));
      this.resumedFrom[shardId] = checkpoint ?? null;
      this.log(
        checkpoint
          ? `${shardId}: recovered from its checkpoint, reading after sequence number ${checkpoint}`
          : `${shardId}: no checkpoint, reading from ${startingPosition}`,
      );
      const reader = new ShardReader(
        shardId,
        checkpoint ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : { type: startingPosition },
        context,
      );
      this.readers.set(shardId, reader);
      if (await reader.run()) this.closedShards.add(shardId);
    };
    this.running.push(
      run().catch((error: unknown) => {
        if (!(error instanceof Stopped)) this.fail(error);
      }),
    );
  }

  private async sendToDestination(message: object): Promise<void> {
    const queueArn = this.options.spec.onFailureQueueArn ?? '';
    await this.retrying('SendMessage to the on-failure destination', async () => {
      const queueName = queueArn.slice(queueArn.lastIndexOf(':') + 1);
      this.queueUrl ??= (await this.options.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
      await this.options.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
    });
  }

  /**
   * An emulator that does not answer makes the caller wait and try again, never skip: the call is
   * retried with backoff until it succeeds or the runner stops (one complaint a minute). A source
   * that cannot work as configured (SourceConfigurationError) fails the runner instead.
   */
  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const backoff = new Backoff();
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (this.abort.signal.aborted) throw new Stopped();
        if (error instanceof SourceConfigurationError) throw error;
        if (Date.now() - this.lastComplaintAt >= COMPLAIN_EVERY_MS) {
          this.lastComplaintAt = Date.now();
          this.log(`${what} failed, retrying until it works (said once a minute): ${(error as Error).message}`);
        }
        await sleep(backoff.next(), this.abort.signal);
      }
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.abort.abort();
  }
}
