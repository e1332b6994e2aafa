import { createHash } from 'node:crypto';
import { aggregate, deaggregate, isAggregate, KPL_MAGIC } from '../../../shared/kinesis/kpl-aggregate';
import type { UserRecord } from '../../../shared/kinesis/kpl-aggregate';

// AWS Labs' aggregation library (kinesis-aggregation/node), the KPL's format written by AWS: the
// reference both ways. Loaded by require: its typings import the AWS SDK v2, which is not installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: ReadonlyArray<{ partitionKey: string; data: Buffer; explicitHashKey?: string }>,
    onEncoded: (record: { partitionKey: string; data: Buffer; explicitHashKey?: string }, done: (error?: Error) => void) => void,
    afterAll: () => void,
    onError: (error: Error) => void,
  ): void;
  deaggregateSync(
    record: { data: string; sequenceNumber: string; partitionKey: string },
    computeChecksums: boolean,
    done: (error: Error | null, records?: Array<{ partitionKey: string; data: string; subSequenceNumber: number }>) => void,
  ): void;
};

const PAYMENTS = [
  { transactionId: 'kpl-1', userId: 'user-1', amount: 12.5, country: 'DE', timestamp: '2026-04-25T12:00:00Z' },
  { transactionId: 'kpl-2', userId: 'user-2', amount: 2500, country: 'FR', timestamp: '2026-04-25T12:00:01Z' },
  { transactionId: 'kpl-3', userId: 'user-1', amount: 40, country: 'DE', timestamp: '2026-04-25T12:00:02Z' },
];
const USER_RECORDS: UserRecord[] = PAYMENTS.map((p) => ({ partitionKey: p.userId, data: Buffer.from(JSON.stringify(p)) }));

/** What AWS Labs' library writes for these records (it hands over one aggregate while they fit in a Kinesis record). */
function awsAggregate(records: readonly UserRecord[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const written: Buffer[] = [];
    agg.aggregate(
      records.map((r) => ({ partitionKey: r.partitionKey, data: r.data })),
      (encoded, done) => {
        written.push(encoded.data);
        done();
      },
      () => resolve(written),
      reject,
    );
  });
}

describe('KPL aggregates', () => {
  it('takes apart what AWS Labs’ aggregator writes: every user record, in order, under its own partition key', async () => {
    // Arrange
    const [written, ...more] = await awsAggregate(USER_RECORDS);

    // Act
    const taken = deaggregate(written as Buffer);

    // Assert
    expect(more).toEqual([]);
    expect(isAggregate(written as Buffer)).toBe(true);
    expect(taken).toEqual({ aggregated: true, ok: true, records: USER_RECORDS });
  });

  it('writes aggregates AWS Labs’ deaggregator reads back, checksum verified', () => {
    // Arrange
    const written = aggregate([...USER_RECORDS, { partitionKey: 'user-3', explicitHashKey: '12345', data: Buffer.from('{}') }]);
    let read: Array<{ partitionKey: string; data: string; subSequenceNumber: number }> | undefined;

    // Act
    agg.deaggregateSync({ data: written.toString('base64'), sequenceNumber: '1', partitionKey: 'user-1' }, true, (error, records) => {
      if (error) throw error;
      read = records;
    });

    // Assert
    expect(read?.map((r) => [r.partitionKey, Buffer.from(r.data, 'base64').toString(), r.subSequenceNumber])).toEqual([
      ...PAYMENTS.map((p, i) => [p.userId, JSON.stringify(p), i]),
      ['user-3', '{}', 3],
    ]);
    expect(deaggregate(written)).toMatchObject({ ok: true, records: [{}, {}, {}, { partitionKey: 'user-3', explicitHashKey: '12345' }] });
  });

  it('refuses an aggregate whose MD5 does not match, whole, and says so', async () => {
    // Arrange: one byte of the second payment changed on the way
    const [written] = await awsAggregate(USER_RECORDS);
    const changed = Buffer.from(written as Buffer);
    const at = changed.indexOf('kpl-2');
    changed[at] = 'x'.charCodeAt(0);

    // Act / Assert
    expect(deaggregate(changed)).toEqual({
      aggregated: true,
      ok: false,
      reason: 'KPL aggregate has a wrong MD5: it was changed or cut on the way',
    });
    expect(deaggregate((written as Buffer).subarray(0, 30))).toMatchObject({ ok: false, reason: expect.stringContaining('wrong MD5') });
    expect(deaggregate(KPL_MAGIC)).toMatchObject({ ok: false, reason: 'KPL aggregate too short: 4 bytes' });
  });

  it('refuses a message that checks out but cannot be read: a record naming a partition key the table lacks', () => {
    // Arrange: a record (field 3) whose partition_key_index is 5 and whose table is empty, with its right MD5
    const record = Buffer.from([0x08, 0x05, 0x1a, 0x02, 0x7b, 0x7d]);
    const message = Buffer.concat([Buffer.from([0x1a, record.length]), record]);
    const digest = createHash('md5').update(message).digest();

    // Act / Assert
    expect(deaggregate(Buffer.concat([KPL_MAGIC, message, digest]))).toEqual({
      aggregated: true,
      ok: false,
      reason: 'KPL aggregate is malformed: record 0 names partition key 5 of 0',
    });
  });

  it('leaves everything else alone: JSON, and bytes that only start like the magic', () => {
    expect(deaggregate(Buffer.from(JSON.stringify(PAYMENTS[0])))).toEqual({ aggregated: false });
    expect(deaggregate(Buffer.from([0xf3, 0x89]))).toEqual({ aggregated: false });
  });
});
