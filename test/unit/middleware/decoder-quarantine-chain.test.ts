import middy from '@middy/core';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';
import { validateTransaction } from '../../../shared/kinds/transaction';
import { recordRef } from '../../../shared/kinesis/records';
import type { DecodedBatch, ScoringEvent } from '../../../shared/middleware/kinesis-decoder';
import { decodedBatch, kinesisDecoder } from '../../../shared/middleware/kinesis-decoder';
import { quarantineRejected } from '../../../shared/middleware/quarantine-rejected';
import type { Quarantine, RejectedRecord } from '../../../shared/quarantine/quarantine';
import { kinesisEvent, lambdaContext, ShardLog } from '../../support/kinesis-events';

type Event = ScoringEvent<TransactionEnvelope>;

const txn = (id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  transactionId: id,
  userId: 'user-456',
  amount: 25,
  country: 'DE',
  timestamp: '2026-04-25T12:00:00Z',
  ...overrides,
});

/** Our quarantine port in memory: accepts records, or refuses those `refuse` picks (as a full queue would). */
class MemoryQuarantine implements Quarantine {
  readonly accepted: Array<{ readonly record: RejectedRecord; readonly source: string }> = [];
  readonly calls: Array<readonly RejectedRecord[]> = [];

  constructor(private readonly refuse: (record: RejectedRecord) => boolean = () => false) {}

  async quarantine(records: readonly RejectedRecord[], source: string): Promise<RejectedRecord[]> {
    this.calls.push(records);
    const refused: RejectedRecord[] = [];
    for (const record of records) {
      if (this.refuse(record)) refused.push(record);
      else this.accepted.push({ record, source });
    }
    return refused;
  }
}

interface Chain {
  readonly invoke: (records: readonly KinesisStreamRecord[]) => Promise<KinesisStreamBatchResponse>;
  /** What the handler read with decodedBatch. */
  readonly seen: Array<DecodedBatch<TransactionEnvelope>>;
  readonly quarantined: Array<[number, number]>;
  readonly logged: Array<Record<string, unknown>>;
}

/** The scoring chain's shape with a trivial handler: quarantine (after) → decoder (before) → handler. */
function chain(
  quarantine: Quarantine,
  options: { readonly maxRecordBytes?: number; readonly handlerFailures?: readonly string[]; readonly withDecoder?: boolean } = {},
): Chain {
  const seen: Array<DecodedBatch<TransactionEnvelope>> = [];
  const quarantined: Array<[number, number]> = [];
  const logged: Array<Record<string, unknown>> = [];
  const base = middy<Event, KinesisStreamBatchResponse>().use(
    quarantineRejected<TransactionEnvelope>({
      quarantine,
      source: 'score-transactions',
      onQuarantined: (accepted, refused) => quarantined.push([accepted, refused]),
      log: (_message, attributes) => logged.push(attributes),
    }),
  );
  const withDecoder =
    options.withDecoder === false
      ? base
      : base.use(
          kinesisDecoder<TransactionEnvelope>({
            validate: validateTransaction,
            ...(options.maxRecordBytes ? { limits: { maxRecordBytes: options.maxRecordBytes } } : {}),
          }),
        );
  const handler = withDecoder.handler(async (event: Event): Promise<KinesisStreamBatchResponse> => {
    if (options.withDecoder !== false) seen.push(decodedBatch(event));
    return { batchItemFailures: (options.handlerFailures ?? []).map((itemIdentifier) => ({ itemIdentifier })) };
  });
  return {
    invoke: (records) => handler(kinesisEvent(records), lambdaContext('score-transactions')) as Promise<KinesisStreamBatchResponse>,
    seen,
    quarantined,
    logged,
  };
}

describe('kinesisDecoder', () => {
  it('hands the handler the valid envelopes in order with their references, and the rejected records with reasons', async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: txn('txn-1') }, { data: 'not json' }, { data: txn('txn-2') }, { data: { transactionId: 'txn-3' } });
    const run = chain(new MemoryQuarantine());

    // Act
    await run.invoke(records);

    // Assert
    const [batch] = run.seen;
    expect(run.seen).toHaveLength(1);
    expect(batch?.valid.map((v) => v.envelope.id)).toEqual(['txn-1', 'txn-2']);
    expect(batch?.valid.map((v) => v.ref)).toEqual([
      recordRef(records[0] as KinesisStreamRecord),
      recordRef(records[2] as KinesisStreamRecord),
    ]);
    expect(batch?.rejected.map((r) => r.ref.sequenceNumber)).toEqual([
      records[1]?.kinesis.sequenceNumber,
      records[3]?.kinesis.sequenceNumber,
    ]);
    expect(batch?.rejected[0]?.reason).toMatch(/^not JSON/);
    expect(batch?.rejected[1]?.reason).toMatch(/^invalid event: missing required field "userId"/);
    expect(batch?.rejected[0]?.data).toBe(records[1]?.kinesis.data);
  });

  it('passes its byte limit on to the decoding', async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: txn('txn-1') }, { data: txn('txn-2', { note: 'x'.repeat(200) }) });
    const run = chain(new MemoryQuarantine(), { maxRecordBytes: 200 });

    // Act
    await run.invoke(records);

    // Assert
    expect(run.seen[0]?.valid.map((v) => v.envelope.id)).toEqual(['txn-1']);
    expect(run.seen[0]?.rejected.map((r) => r.reason)).toEqual([expect.stringMatching(/^record too large: \d+ bytes \(limit 200\)$/)]);
  });
});

describe('decodedBatch', () => {
  it('throws a clear error when the decoder did not run', () => {
    // Arrange
    const event: Event = { Records: [] };

    // Act
    const read = (): unknown => decodedBatch(event);

    // Assert
    expect(read).toThrow('kinesisDecoder middleware is missing from the chain');
  });

  it('makes a chain without the decoder fail loudly instead of skipping the quarantine', async () => {
    // Arrange
    const log = new ShardLog();
    const run = chain(new MemoryQuarantine(), { withDecoder: false });

    // Act
    const response = run.invoke(log.put({ data: 'not json' }));

    // Assert
    await expect(response).rejects.toThrow('kinesisDecoder middleware is missing from the chain');
  });
});

describe('quarantineRejected', () => {
  it('hands every rejected record to the quarantine with its reason and source, and fails none it accepted', async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: 'not json' }, { data: txn('txn-1') }, { data: { transactionId: 'txn-2' } });
    const quarantine = new MemoryQuarantine();
    const run = chain(quarantine);

    // Act
    const response = await run.invoke(records);

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(quarantine.calls).toHaveLength(1);
    expect(quarantine.accepted.map((a) => a.source)).toEqual(['score-transactions', 'score-transactions']);
    expect(quarantine.accepted.map((a) => a.record)).toEqual([
      { ref: recordRef(records[0] as KinesisStreamRecord), reason: expect.stringMatching(/^not JSON/), data: records[0]?.kinesis.data },
      {
        ref: recordRef(records[2] as KinesisStreamRecord),
        reason: expect.stringMatching(/^invalid event: missing required field "userId"/),
        data: records[2]?.kinesis.data,
      },
    ]);
    expect(run.quarantined).toEqual([[2, 0]]);
    expect(run.logged.map((l) => l['sequenceNumber'])).toEqual([records[0]?.kinesis.sequenceNumber, records[2]?.kinesis.sequenceNumber]);
  });

  it('lists exactly the records the quarantine refused as batch item failures', async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: 'bad 1' }, { data: txn('txn-1') }, { data: 'bad 2' }, { data: 'bad 3' });
    const refusedSequence = records[2]?.kinesis.sequenceNumber;
    const quarantine = new MemoryQuarantine((r) => r.ref.sequenceNumber === refusedSequence);
    const run = chain(quarantine);

    // Act
    const response = await run.invoke(records);

    // Assert
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: refusedSequence }] });
    expect(quarantine.accepted.map((a) => a.record.ref.sequenceNumber)).toEqual([
      records[0]?.kinesis.sequenceNumber,
      records[3]?.kinesis.sequenceNumber,
    ]);
    expect(run.quarantined).toEqual([[2, 1]]);
  });

  it("keeps the handler's own failures and adds the refused records in sequence order", async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: txn('txn-1') }, { data: 'bad' }, { data: txn('txn-2') });
    const [first, bad, third] = records.map((r) => r.kinesis.sequenceNumber);
    const run = chain(new MemoryQuarantine(() => true), { handlerFailures: [third as string, first as string] });

    // Act
    const response = await run.invoke(records);

    // Assert
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([first, bad, third]);
  });

  it("does not call the quarantine and returns the handler's response when nothing was rejected", async () => {
    // Arrange
    const log = new ShardLog();
    const records = log.put({ data: txn('txn-1') }, { data: txn('txn-2') });
    const quarantine = new MemoryQuarantine();
    const run = chain(quarantine, { handlerFailures: [records[1]?.kinesis.sequenceNumber as string] });

    // Act
    const response = await run.invoke(records);

    // Assert
    expect(quarantine.calls).toEqual([]);
    expect(run.quarantined).toEqual([]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]?.kinesis.sequenceNumber }] });
  });
});
