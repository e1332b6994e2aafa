import type { KinesisStreamRecord } from 'aws-lambda';
import type { QuarantineMessage } from '../../shared/quarantine/quarantine';
import type { ReadRecord } from '../runtime/kinesis/lambda-shapes';
import { toReadRecord } from '../runtime/kinesis/lambda-shapes';
import type { StreamSource } from '../runtime/kinesis/stream-source';
import type { Invoke, MappingSpec } from '../runtime/types';
import type { FixFunction } from './fix-script';
import { applyFix, FixScriptError } from './fix-script';
import { parseQuarantineMessage } from './messages';
import type { LedgerCounts, PendingRecord, Settlement } from './quarantine-ledger';
import { QuarantineLedger } from './quarantine-ledger';
import type { MessageQueue } from './queue';
import { bySequence, chunks, replayBatch } from './replay';
import { readRange } from './stream-range';
import { recordPlace } from '../../shared/kinesis/records';

/** The scoring function of a record's stream: the Kinesis mapping that reads it, and where the function runs. */
export interface ReplayTarget {
  readonly spec: MappingSpec;
  /** To read a record again whose data the quarantine message had to cut. */
  readonly source: StreamSource<KinesisStreamRecord>;
  readonly invoke: Invoke;
  readonly region: string;
  readonly account: string;
}

export interface RedriveQuarantineOptions {
  readonly queue: MessageQueue;
  /** The function that scores the record's stream, or why none here can. */
  readonly targetFor: (message: QuarantineMessage) => Promise<ReplayTarget | string>;
  readonly fix?: FixFunction;
  /** Called once per message handled (a progress bar). */
  readonly onMessage?: () => void;
  readonly now?: () => number;
}

export interface QuarantineSummary extends LedgerCounts {
  /** Replayed records the function accepted this time (replayed − still quarantined). */
  readonly scored: number;
  readonly problems: readonly string[];
}

/** Records replayed together at most; each shard's records go to the function in batches of the mapping's size. */
const REPLAY_AT = 100;

/**
 * Replays quarantined records through the scoring function of their stream, once the data (a fix
 * script) or the rules or limits (a redeploy) are fixed. Each distinct record (stream, shard,
 * sequence number) is replayed once however many messages it has, as a Kinesis record with its
 * original partition key, sequence number and arrival time; once the function has taken it, all its
 * older messages are deleted. A record that still fails is quarantined again by the function itself
 * with its new reason, so what still fails stays, once. A record the function reports failed (a
 * transient failure) keeps its messages for the next redrive.
 */
export async function redriveQuarantine(options: RedriveQuarantineOptions): Promise<QuarantineSummary> {
  const { queue } = options;
  const ledger = new QuarantineLedger<string>((options.now ?? Date.now)());
  const problems: string[] = [];
  const kept: string[] = [];
  try {
    for (;;) {
      const page = await queue.receive();
      const remove: string[] = [];
      for (const message of page) {
        const parsed = parseQuarantineMessage(message.body);
        if (!parsed.ok) {
          kept.push(message.receiptHandle);
          problems.push(`a message kept: ${parsed.reason}`);
        } else {
          const admission = ledger.admit(parsed.value, message.receiptHandle);
          if (admission === 'delete') remove.push(message.receiptHandle);
          else if (admission === 'requarantined' || admission === 'keep') kept.push(message.receiptHandle);
        }
        options.onMessage?.();
      }
      await queue.remove(remove);
      if (ledger.pendingCount >= REPLAY_AT || page.length === 0) {
        // An empty queue with nothing left to replay: done. Otherwise the replays' own messages come next.
        if (ledger.pendingCount === 0) break;
        const settled = await replayPending(ledger.takePending(), options, problems);
        for (const { record, settlement } of settled) {
          const handles = ledger.settle(record, settlement);
          await queue.remove(handles.remove);
          kept.push(...handles.keep);
        }
      }
    }
  } finally {
    await queue.release(kept);
  }
  const counts = ledger.counts();
  return { ...counts, scored: counts.replayed - counts.stillQuarantined, problems };
}

interface Prepared {
  readonly record: PendingRecord<string>;
  readonly target: ReplayTarget;
  readonly read: ReadRecord;
}

async function replayPending(
  records: ReadonlyArray<PendingRecord<string>>,
  options: RedriveQuarantineOptions,
  problems: string[],
): Promise<Array<{ record: PendingRecord<string>; settlement: Settlement }>> {
  const settled: Array<{ record: PendingRecord<string>; settlement: Settlement }> = [];
  // One batch per function and shard, as a mapping sends them.
  const batches = new Map<string, Prepared[]>();
  for (const record of records) {
    const prepared = await prepare(record, options);
    if (prepared === 'drop') settled.push({ record, settlement: 'dropped' });
    else if (typeof prepared === 'string') {
      problems.push(`${where(record.message)}: kept: ${prepared}`);
      settled.push({ record, settlement: 'failed' });
    } else {
      const key = `${prepared.target.spec.functionName} ${record.message.eventSourceARN} ${record.message.shardId}`;
      batches.set(key, [...(batches.get(key) ?? []), prepared]);
    }
  }
  for (const shardRecords of batches.values()) {
    const sorted = [...shardRecords].sort((a, b) => bySequence(a.read, b.read));
    const { spec, invoke } = (sorted[0] as Prepared).target;
    for (const piece of chunks(sorted, spec.batchSize)) {
      const outcome = await replayBatch(
        invoke,
        spec,
        piece.map((p) => p.read),
      );
      for (const p of piece) {
        const failed = outcome.failed.has(p.read.sequenceNumber);
        if (failed)
          problems.push(
            `${where(p.record.message)}: kept: ${outcome.error ? `the function failed (${outcome.error})` : 'the function reported it failed'}`,
          );
        settled.push({ record: p.record, settlement: failed ? 'failed' : 'replayed' });
      }
    }
  }
  return settled;
}

/** The record as the function will get it (its data fixed), 'drop', or why it cannot be replayed. */
async function prepare(record: PendingRecord<string>, options: RedriveQuarantineOptions): Promise<Prepared | 'drop' | string> {
  const { message } = record;
  const target = await options.targetFor(message);
  if (typeof target === 'string') return target;
  let data: Buffer = Buffer.from(message.data, 'base64');
  if (message.dataTruncated) {
    const [whole] = await readRange(target.source, message.shardId, { start: message.sequenceNumber, end: message.sequenceNumber });
    if (!whole) return 'its data was cut to fit the queue and the stream no longer holds the record';
    data = Buffer.from(whole.event.kinesis.data, 'base64');
  }
  if (options.fix) {
    try {
      const fixed = await applyFix(options.fix, data, {
        reason: message.reason,
        partitionKey: message.partitionKey,
        streamArn: message.eventSourceARN,
        shardId: message.shardId,
        sequenceNumber: message.sequenceNumber,
      });
      if (fixed.kind === 'drop') return 'drop';
      data = fixed.data;
    } catch (error) {
      if (error instanceof FixScriptError) return error.message;
      throw error;
    }
  }
  const read = toReadRecord(
    {
      SequenceNumber: message.sequenceNumber,
      PartitionKey: message.partitionKey,
      Data: data,
      ApproximateArrivalTimestamp: new Date(message.arrivedAt),
    },
    {
      shardId: message.shardId,
      streamArn: message.eventSourceARN,
      functionName: target.spec.functionName,
      region: target.region,
      account: target.account,
    },
  );
  return { record, target, read };
}

function where(message: QuarantineMessage): string {
  const stream = message.eventSourceARN.slice(message.eventSourceARN.lastIndexOf('/') + 1);
  return `${stream} ${message.shardId} ${recordPlace(message)}`;
}
