import type { KinesisStreamRecord } from 'aws-lambda';
import { validateReading } from '../../../shared/kinds/reading';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { AnyEnvelope, Validation } from '../../../shared/domain/events';
import type { DecodedRecord, DecodeLimits } from '../../../shared/kinesis/records';
import { DEFAULT_MAX_RECORD_BYTES, decodeRecords, MAX_USER_RECORDS, recordRef } from '../../../shared/kinesis/records';
import { aggregate } from '../../../shared/kinesis/kpl-aggregate';
import { hashKeyOf } from '../../../shared/kinesis/shard-ranges';
import { controlRecord } from '../../../shared/kinesis/control-records';

const STREAM_ARN = 'arn:aws:kinesis:eu-central-1:123456789012:stream/transactions';
const SEQUENCE = '49650000000000000000000000000000000000000000000001234';
/** The one decoded record of a plain (not aggregated) Kinesis record. */
function decodeRecord<E extends AnyEnvelope>(
  record: KinesisStreamRecord,
  validate: (input: unknown) => Validation<E>,
  limits?: DecodeLimits,
): DecodedRecord<E> {
  const decoded = decodeRecords(record, validate, limits);
  expect(decoded).toHaveLength(1);
  return decoded[0] as DecodedRecord<E>;
}

const SEED_TRANSACTION = { transactionId: 'txn-123', userId: 'user-456', amount: 2500, country: 'DE', timestamp: '2026-04-25T12:00:00Z' };

/** A record as Lambda delivers it; `data` is the base64 text, given as is. */
function record(
  data: string,
  overrides: { shardId?: string; sequenceNumber?: string; arrival?: number; partitionKey?: string } = {},
): KinesisStreamRecord {
  const sequenceNumber = overrides.sequenceNumber ?? SEQUENCE;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: overrides.partitionKey ?? 'user-456',
      sequenceNumber,
      data,
      approximateArrivalTimestamp: overrides.arrival ?? 1_777_118_400,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${overrides.shardId ?? 'shardId-000000000003'}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/score',
    awsRegion: 'eu-central-1',
    eventSourceARN: STREAM_ARN,
  };
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('recordRef', () => {
  it('takes the shard id from the eventID and the other fields from the record', () => {
    // Arrange
    const input = record(base64('{}'), { shardId: 'shardId-000000000007', partitionKey: 'user-9', arrival: 1_777_118_400.25 });

    // Act
    const ref = recordRef(input);

    // Assert
    expect(ref).toEqual({
      sequenceNumber: SEQUENCE,
      shardId: 'shardId-000000000007',
      partitionKey: 'user-9',
      eventSourceARN: STREAM_ARN,
      arrivalTimestamp: 1_777_118_400.25,
    });
  });
});

describe('decodeRecord', () => {
  it('decodes, parses and validates a good record into its envelope and reference', () => {
    // Arrange
    const input = record(base64(JSON.stringify(SEED_TRANSACTION)));
    const expected = validateTransaction(SEED_TRANSACTION);

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(expected.ok).toBe(true);
    expect(decoded).toEqual({
      status: 'valid',
      ref: recordRef(input),
      envelope: expected.ok ? { ...expected.value, arrival: 1_777_118_400_000 } : undefined,
    });
  });

  it('uses the validator it is given (a reading)', () => {
    // Arrange
    const input = record(base64('{"deviceId":"sensor-17","temperature":82.4,"timestamp":"2026-04-25T12:00:00Z"}'));

    // Act
    const decoded = decodeRecord(input, validateReading);

    // Assert
    expect(decoded.status).toBe('valid');
    expect(decoded.status === 'valid' ? decoded.envelope : undefined).toMatchObject({
      kind: 'reading',
      entity: 'sensor-17',
      id: 'sensor-17@2026-04-25T12:00:00.000Z',
    });
  });

  it('rejects a record over the byte limit, naming its size in bytes (not characters) and the limit', () => {
    // Arrange: 60 two-byte characters in quotes are 122 bytes but 62 characters.
    const data = base64(JSON.stringify('é'.repeat(60)));
    const input = record(data);

    // Act
    const decoded = decodeRecord(input, validateTransaction, { maxRecordBytes: 100 });

    // Assert
    expect(decoded).toEqual({ status: 'rejected', ref: recordRef(input), reason: 'record too large: 122 bytes (limit 100)', data });
  });

  it('accepts a record of exactly the byte limit', () => {
    // Arrange
    const json = JSON.stringify(SEED_TRANSACTION);
    const input = record(base64(json));

    // Act
    const decoded = decodeRecord(input, validateTransaction, { maxRecordBytes: Buffer.byteLength(json) });

    // Assert
    expect(decoded.status).toBe('valid');
  });

  it('applies a 64 KiB limit by default', () => {
    // Arrange
    const oversized = JSON.stringify({ ...SEED_TRANSACTION, note: 'x'.repeat(DEFAULT_MAX_RECORD_BYTES) });
    const input = record(base64(oversized));

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(65_536);
    expect(decoded.status === 'rejected' ? decoded.reason : undefined).toBe(
      `record too large: ${Buffer.byteLength(oversized)} bytes (limit 65536)`,
    );
  });

  it('rejects data that is not JSON with the parser message, keeping the data as given', () => {
    // Arrange
    const data = base64('{"transactionId": "txn-1",');
    const input = record(data);

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(decoded.status).toBe('rejected');
    expect(decoded.status === 'rejected' ? decoded.reason : '').toMatch(/^not JSON \(syntax error at position \d+\)$/);
    expect(decoded.status === 'rejected' ? decoded.data : undefined).toBe(data);
  });

  it('keeps the raw data exactly as delivered, even when it is not canonical base64', () => {
    // Arrange
    const data = 'bm90IGpzb24=\n'; // "not json" with a trailing newline in the base64 text
    const input = record(data);

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(decoded).toMatchObject({ status: 'rejected', data: 'bm90IGpzb24=\n' });
    expect(decoded.status === 'rejected' ? decoded.reason : '').toMatch(/^not JSON/);
  });

  it('rejects an invalid event with the validation reason prefixed "invalid event:"', () => {
    // Arrange
    const event = { transactionId: 'txn-1', amount: -5, country: 'DE', timestamp: '2026-04-25T12:00:00Z' };
    const validation = validateTransaction(event);
    const data = base64(JSON.stringify(event));
    const input = record(data);

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(validation.ok).toBe(false);
    expect(decoded).toEqual({
      status: 'rejected',
      ref: recordRef(input),
      reason: `invalid event: ${validation.ok ? '' : validation.reason}`,
      data,
    });
    expect(decoded.status === 'rejected' ? decoded.reason : '').toContain('missing required field "userId"');
  });

  it('rejects JSON that is not an object as an invalid event', () => {
    // Arrange
    const input = record(base64('[1,2,3]'));

    // Act
    const decoded = decodeRecord(input, validateTransaction);

    // Assert
    expect(decoded.status === 'rejected' ? decoded.reason : undefined).toBe('invalid event: expected a JSON object, got array');
  });
});

describe('decodeRecord: event time against arrival time', () => {
  const arrival = Date.parse(SEED_TRANSACTION.timestamp) / 1000; // the record arrived at the event's own time

  it('refuses an event dated further ahead of its arrival than the allowed skew, naming the field', () => {
    const future = {
      ...SEED_TRANSACTION,
      timestamp: new Date(Date.parse(SEED_TRANSACTION.timestamp) * 1000).toISOString().replace(/^\+/, ''),
    };
    const microseconds = { ...SEED_TRANSACTION, timestamp: Date.parse(SEED_TRANSACTION.timestamp) + 60 * 60_000 };

    const decoded = [future, microseconds].map((event) =>
      decodeRecord(record(base64(JSON.stringify(event)), { arrival }), validateTransaction),
    );

    expect(decoded[0]?.status).toBe('rejected');
    expect(decoded[1]).toMatchObject({
      status: 'rejected',
      reason: 'invalid event: field "timestamp" is 60 min after the record arrived (at most 15 min allowed)',
    });
  });

  it('accepts an event inside the skew, and one as old as the horizon allows', () => {
    const slightlyAhead = { ...SEED_TRANSACTION, timestamp: Date.parse(SEED_TRANSACTION.timestamp) + 14 * 60_000 };
    const weekOld = { ...SEED_TRANSACTION, timestamp: Date.parse(SEED_TRANSACTION.timestamp) - 7 * 86_400_000 };

    const decoded = [slightlyAhead, weekOld].map((event) =>
      decodeRecord(record(base64(JSON.stringify(event)), { arrival }), validateTransaction),
    );

    expect(decoded.map((d) => d.status)).toEqual(['valid', 'valid']);
  });

  // Back-dating: an event older than anything the streams can still hold (their retention plus the
  // allowed lateness, counted from arrival) is a wrong clock, never a late delivery.
  it('refuses an event dated before the horizon, naming the field', () => {
    const old = { ...SEED_TRANSACTION, timestamp: '2026-04-01T12:00:00Z' };

    const decoded = decodeRecord(record(base64(JSON.stringify(old)), { arrival }), validateTransaction);

    expect(decoded).toMatchObject({
      status: 'rejected',
      reason: 'invalid event: field "timestamp" is 24 days before the record arrived (at most 7 days 10 min allowed)',
    });
  });

  it('takes the horizon from its limits', () => {
    const hourOld = { ...SEED_TRANSACTION, timestamp: Date.parse(SEED_TRANSACTION.timestamp) - 61 * 60_000 };

    const decoded = decodeRecord(record(base64(JSON.stringify(hourOld)), { arrival }), validateTransaction, { maxEventAgeMs: 3_600_000 });

    expect(decoded).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/1 h 1 min before the record arrived \(at most 1 h allowed\)/),
    });
  });

  // The watermark may advance at most to the arrival time, so the arrival travels with the event.
  it('gives a valid event its arrival time in epoch milliseconds', () => {
    const decoded = decodeRecord(record(base64(JSON.stringify(SEED_TRANSACTION)), { arrival: arrival + 0.25 }), validateTransaction);

    expect(decoded.status === 'valid' && decoded.envelope.arrival).toBe(arrival * 1000 + 250);
  });

  it('takes the skew from its limits', () => {
    const ahead = { ...SEED_TRANSACTION, timestamp: Date.parse(SEED_TRANSACTION.timestamp) + 2 * 60_000 };

    const decoded = decodeRecord(record(base64(JSON.stringify(ahead)), { arrival }), validateTransaction, { maxFutureSkewMs: 60_000 });

    expect(decoded.status).toBe('rejected');
  });
});

describe('decodeRecord: reasons never quote the record', () => {
  it('gives the position of a JSON syntax error, not the text around it', () => {
    const decoded = decodeRecord(record(base64('{"cardId": 4111111111111111x}')), validateTransaction);

    expect(decoded.status === 'rejected' ? decoded.reason : '').toBe('not JSON (syntax error at position 27)');
  });
});

describe('decodeRecord: control records', () => {
  const control = (entity: string) => base64(JSON.stringify(controlRecord(entity)));

  it("reads a control record for its entity at its arrival time, whatever the kind's validator says", () => {
    const decoded = decodeRecord(record(control('user-456'), { arrival: 1_777_118_400.25 }), validateTransaction);

    expect(decoded).toMatchObject({ status: 'control', entity: 'user-456', arrival: 1_777_118_400_250 });
  });

  it('refuses one put under another partition key: it would reach a second writer of the entity', () => {
    const decoded = decodeRecord(record(control('user-456'), { partitionKey: 'user-999' }), validateTransaction);

    expect(decoded.status === 'rejected' ? decoded.reason : decoded.status).toBe(
      'control record for "user-456" put under another partition key',
    );
  });

  it('scores an event that carries the control fields among its own: it is never taken for a control record and skipped', () => {
    const event = { ...SEED_TRANSACTION, amount: 9000, riskstreamControl: 'incidents', entity: 'user-456' };

    const decoded = decodeRecord(record(base64(JSON.stringify(event))), validateTransaction);

    expect(decoded.status).toBe('valid');
  });
});

describe('decodeRecords: KPL aggregates', () => {
  const payment = (id: string, amount: unknown = 10) =>
    ({ partitionKey: 'user-456', data: Buffer.from(JSON.stringify({ ...SEED_TRANSACTION, transactionId: id, amount })) }) as const;

  it('decodes each user record under the aggregate’s sequence number, with its place, a bad one refused with its own data', () => {
    // Act
    const decoded = decodeRecords(record(aggregate([payment('a'), payment('b', 'x')]).toString('base64')), validateTransaction);

    // Assert
    expect(decoded.map((d) => [d.status, d.ref.sequenceNumber, d.ref.subSequenceNumber])).toEqual([
      ['valid', SEQUENCE, 0],
      ['rejected', SEQUENCE, 1],
    ]);
    expect(decoded[1]).toMatchObject({
      reason: expect.stringContaining('field "amount" must be a number'),
      data: payment('b', 'x').data.toString('base64'),
    });
  });

  it('quarantines an aggregate once, whole, past a hundred bad user records, and keeps its good ones', () => {
    // Arrange: two good payments among 150 bad ones
    const users = [payment('good-1'), ...Array.from({ length: 150 }, (_, i) => payment(`bad-${i}`, -1)), payment('good-2')];
    const data = aggregate(users).toString('base64');

    // Act
    const decoded = decodeRecords(record(data), validateTransaction);

    // Assert
    expect(decoded.map((d) => d.status)).toEqual(['valid', 'valid', 'rejected']);
    expect(decoded[2]).toEqual({
      status: 'rejected',
      ref: expect.not.objectContaining({ subSequenceNumber: expect.anything() }),
      reason: 'KPL aggregate: 150 of its 152 user records refused (the first, #1: invalid event: field "amount" must not be negative)',
      data,
    });
  });

  it(`refuses an aggregate of more than ${MAX_USER_RECORDS} user records whole`, () => {
    const data = aggregate(Array.from({ length: MAX_USER_RECORDS + 1 }, () => ({ partitionKey: 'u', data: Buffer.from('{}') }))).toString(
      'base64',
    );

    expect(decodeRecords(record(data), validateTransaction)).toEqual([
      {
        status: 'rejected',
        ref: expect.anything(),
        reason: `KPL aggregate holds ${MAX_USER_RECORDS + 1} user records (at most ${MAX_USER_RECORDS} are taken)`,
        data,
      },
    ]);
  });
});

describe('decodeRecords: KPL user records and the shard they came on', () => {
  it('refuses a user record whose partition key hashes outside the shard’s range, and takes the others', () => {
    // Arrange: a range holding user-1's hash key only
    const own = hashKeyOf('user-1');
    const data = aggregate(
      ['user-1', 'user-2'].map((userId, i) => ({
        partitionKey: userId,
        data: Buffer.from(JSON.stringify({ ...SEED_TRANSACTION, transactionId: `t-${i}`, userId })),
      })),
    ).toString('base64');

    // Act
    const decoded = decodeRecords(record(data), validateTransaction, {}, { start: own, end: own });
    const unchecked = decodeRecords(record(data), validateTransaction);

    // Assert
    expect(decoded.map((d) => [d.status, d.ref.partitionKey])).toEqual([
      ['valid', 'user-1'],
      ['rejected', 'user-2'],
    ]);
    expect(decoded[1]).toMatchObject({ reason: expect.stringMatching(/^KPL user record whose partition key belongs to another shard/) });
    expect(unchecked.map((d) => d.status)).toEqual(['valid', 'valid']);
    expect(hashKeyOf('user-2', '12345')).toBe(12345n);
  });
});
