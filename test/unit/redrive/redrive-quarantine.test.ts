import type { KinesisStreamRecord } from 'aws-lambda';
import { redriveQuarantine } from '../../../local/redrive/redrive-quarantine';
import type { ReplayTarget } from '../../../local/redrive/redrive-quarantine';
import type { StreamSource } from '../../../local/runtime/kinesis/stream-source';
import { recordRef } from '../../../shared/kinesis/records';
import { quarantineMessage } from '../../../shared/quarantine/quarantine';
import { FakeFunction, testSpec } from '../../support/runtime';
import { MemoryQueue } from './memory-queue';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/rs-transactions';
const RUN = Date.parse('2026-04-25T12:00:00.000Z');
const spec = testSpec(
  { kind: 'kinesis', streamName: 'rs-transactions', streamArn: STREAM },
  { functionName: 'rs-score-transactions', batchSize: 2 },
);

/** An old quarantine message of a record, as the scorer sent it on one delivery. */
const quarantined = (
  sequenceNumber: string,
  text: string,
  reason: string,
  at = '2026-04-25T11:00:00.000Z',
  shardId = 'shardId-000000000000',
) =>
  quarantineMessage(
    {
      ref: {
        sequenceNumber,
        shardId,
        partitionKey: 'user-1',
        eventSourceARN: STREAM,
        arrivalTimestamp: Date.parse('2026-04-25T10:00:00.000Z') / 1000,
      },
      reason,
      data: Buffer.from(text).toString('base64'),
    },
    'rs-score-transactions',
    new Date(at),
  );

/**
 * Stands for the scoring function: a record whose data is not an object with a numeric amount is
 * quarantined again (into the same queue, with its reason, as the handler does), the rest is scored.
 */
function scorer(queue: MemoryQueue, clock: () => number) {
  const scored: string[] = [];
  const fn = new FakeFunction<{ Records: KinesisStreamRecord[] }>((event) => {
    for (const record of event.Records) {
      const text = Buffer.from(record.kinesis.data, 'base64').toString();
      let amount: unknown;
      try {
        amount = (JSON.parse(text) as { amount?: unknown }).amount;
      } catch {
        amount = 'not JSON';
      }
      if (typeof amount === 'number') scored.push(text);
      else
        queue.send(
          quarantineMessage(
            { ref: recordRef(record), reason: `amount: got ${typeof amount}`, data: record.kinesis.data },
            'rs-score-transactions',
            new Date(clock()),
          ),
        );
    }
    return { batchItemFailures: [] };
  });
  return { fn, scored };
}

const target = (invoke: ReplayTarget['invoke']): ReplayTarget => ({
  spec,
  source: {} as StreamSource<KinesisStreamRecord>,
  invoke,
  region: 'us-east-1',
  account: '123456789012',
});

describe('redriveQuarantine', () => {
  it('replays each record once, deletes its duplicates, and leaves one message with the new reason for what still fails', async () => {
    const queue = new MemoryQueue([
      quarantined('1', '{"amount":"12.50"}', 'amount: got string'),
      quarantined('2', '{"amount":"twelve"}', 'amount: got string'),
      quarantined('1', '{"amount":"12.50"}', 'amount: got string'), // a second delivery
      quarantined('3', 'garbage', 'not JSON'),
      quarantined('2', '{"amount":"twelve"}', 'amount: got string'),
    ]);
    const clock = () => RUN + 1000;
    const { fn, scored } = scorer(queue, clock);
    const fix = (input: unknown) => (typeof input === 'string' ? null : { amount: Number((input as { amount: string }).amount) });

    const summary = await redriveQuarantine({ queue, targetFor: async () => target(fn.invoke), fix, now: () => RUN });

    expect(scored).toEqual(['{"amount":12.5}']);
    expect(summary).toEqual({
      messages: 6,
      records: 3,
      replayed: 2,
      scored: 1,
      dropped: 1,
      failed: 0,
      stillQuarantined: 1,
      reasons: { 'amount: got object': 1 }, // NaN became null
      duplicatesDeleted: 2,
      problems: [],
    });
    const left = queue.bodies().map((b) => JSON.parse(b) as { sequenceNumber: string; reason: string });
    expect(left).toEqual([expect.objectContaining({ sequenceNumber: '2', reason: 'amount: got object' })]);
    expect(await queue.receive()).toHaveLength(1); // released for the next run
  });

  it('sends one batch per shard, oldest first, in batches of the mapping size', async () => {
    const queue = new MemoryQueue([
      quarantined('10', '{"amount":1}', 'r'),
      quarantined('9', '{"amount":1}', 'r'),
      quarantined('1', '{"amount":1}', 'r', undefined, 'shardId-000000000001'),
      quarantined('2', '{"amount":1}', 'r'),
    ]);
    const { fn } = scorer(queue, () => RUN);

    await redriveQuarantine({ queue, targetFor: async () => target(fn.invoke), now: () => RUN });

    expect(fn.events.map((e) => e.Records.map((r) => r.eventID))).toEqual([
      ['shardId-000000000000:2', 'shardId-000000000000:9'],
      ['shardId-000000000000:10'],
      ['shardId-000000000001:1'],
    ]);
    expect(queue.bodies()).toEqual([]);
  });

  it('keeps every message of a record the function reports failed, or that no function reads', async () => {
    const queue = new MemoryQueue([
      quarantined('1', '{"amount":1}', 'r'),
      quarantined('1', '{"amount":1}', 'r'),
      quarantined('2', '{"amount":1}', 'r', undefined, 'shardId-000000000009'),
    ]);
    const failing = new FakeFunction<unknown>(() => ({ batchItemFailures: [{ itemIdentifier: '1' }] }));
    const targetFor = async (m: { shardId: string }) =>
      m.shardId === 'shardId-000000000009' ? 'no mapping of this stack reads the stream' : target(failing.invoke);

    const summary = await redriveQuarantine({ queue, targetFor, now: () => RUN });

    expect(summary).toMatchObject({ records: 2, failed: 2, replayed: 0, duplicatesDeleted: 0 });
    expect(summary.problems).toEqual([
      'rs-transactions shardId-000000000009 2: kept: no mapping of this stack reads the stream',
      'rs-transactions shardId-000000000000 1: kept: the function reported it failed',
    ]);
    expect(queue.bodies()).toHaveLength(3);
  });
});
