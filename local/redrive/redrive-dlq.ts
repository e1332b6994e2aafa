import type { StreamSource } from '../runtime/kinesis/stream-source';
import type { Invoke, MappingSpec } from '../runtime/types';
import type { DlqBatch } from './messages';
import { parseDlqMessage } from './messages';
import type { MessageQueue } from './queue';
import { eachMessage } from './queue';
import { chunks, replayBatch } from './replay';
import { readRange } from './stream-range';

/** The mapping whose on-failure destination a message came from, its stream, and its function. */
export interface DlqTarget {
  readonly spec: MappingSpec;
  readonly source: StreamSource;
  readonly invoke: Invoke;
}

export interface RedriveDlqOptions {
  readonly queue: MessageQueue;
  /** The mapping that wrote this message, or why none here can replay it. */
  readonly targetFor: (batch: DlqBatch) => Promise<DlqTarget | string>;
  /** Called once per message handled (a progress bar). */
  readonly onMessage?: () => void;
}

export interface DlqSummary {
  readonly messages: number;
  /** Messages whose records all went through the function again: deleted. */
  readonly redriven: number;
  /** Messages left in the queue for the next redrive (see problems). */
  readonly kept: number;
  readonly recordsReplayed: number;
  /** Records the function reported failed (or failed whole): their messages stay. */
  readonly recordsFailed: number;
  /** Records a message counted that the stream no longer holds (past its retention). */
  readonly recordsMissing: number;
  readonly problems: readonly string[];
}

/**
 * Redrives one on-failure destination: each message names a shard's sequence range (Lambda never
 * puts the records in it), so the records are read again from the stream and handed to the same
 * function in batches of the mapping's size, as the mapping would. A message goes once every record
 * of its range went through; if the function reports any record failed, the message stays for the
 * next redrive. Replays are safe to repeat: the functions' writes are idempotent (README, Exactly once).
 */
export async function redriveDlq(options: RedriveDlqOptions): Promise<DlqSummary> {
  const records = { recordsReplayed: 0, recordsFailed: 0, recordsMissing: 0 };
  const problems: string[] = [];
  const counts = await eachMessage(
    options.queue,
    async (body) => {
      const result = await redriveMessage(body, options);
      records.recordsReplayed += result.replayed;
      records.recordsFailed += result.failed;
      records.recordsMissing += result.missing;
      if (result.problem) problems.push(`${result.where}: ${result.problem}`);
      return result.done;
    },
    options.onMessage,
  );
  return { ...counts, ...records, problems };
}

interface MessageResult {
  readonly where: string;
  readonly done: boolean;
  readonly replayed: number;
  readonly failed: number;
  readonly missing: number;
  readonly problem?: string;
}

async function redriveMessage(body: string, options: RedriveDlqOptions): Promise<MessageResult> {
  const nothing = { replayed: 0, failed: 0, missing: 0 };
  const parsed = parseDlqMessage(body);
  if (!parsed.ok) return { where: 'a message', done: false, ...nothing, problem: `kept: ${parsed.reason}` };
  const batch = parsed.value;
  const where = `${batch.shardId} ${batch.startSequenceNumber}..${batch.endSequenceNumber}`;
  const target = await options.targetFor(batch);
  if (typeof target === 'string') return { where, done: false, ...nothing, problem: `kept: ${target}` };
  const { spec, source, invoke } = target;
  const streamArn = await source.streamArn();
  if (streamArn !== batch.streamArn) {
    return {
      where,
      done: false,
      ...nothing,
      problem: `kept: it names the stream ${batch.streamArn}, but ${spec.functionName} reads ${streamArn} now`,
    };
  }
  const records = await readRange(
    source,
    batch.shardId,
    { start: batch.startSequenceNumber, end: batch.endSequenceNumber },
    spec.filterPatterns,
  );
  const missing = Math.max(0, batch.batchSize - records.length);
  if (records.length === 0) {
    return {
      where,
      done: false,
      ...nothing,
      missing,
      problem: `kept: none of its ${batch.batchSize} record(s) is in the stream any more (past its retention?)`,
    };
  }
  let replayed = 0;
  let handled = 0;
  for (const piece of chunks(records, spec.batchSize)) {
    const outcome = await replayBatch(invoke, spec, piece);
    replayed += piece.length - outcome.failed.size;
    handled += piece.length;
    if (outcome.failed.size > 0) {
      const why = outcome.error
        ? `the function failed (${outcome.error})`
        : `the function reported ${outcome.failed.size} record(s) failed`;
      // Like the mapping, no record after a failure is sent before the failure went through: they count as failed too.
      return { where, done: false, replayed, failed: outcome.failed.size + records.length - handled, missing, problem: `kept: ${why}` };
    }
  }
  return {
    where,
    done: true,
    replayed,
    failed: 0,
    missing,
    ...(missing > 0 ? { problem: `redriven, but ${missing} of its ${batch.batchSize} record(s) are no longer in the stream` } : {}),
  };
}
