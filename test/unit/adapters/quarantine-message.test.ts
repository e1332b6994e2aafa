import { createHash } from 'node:crypto';
import type { RecordRef } from '../../../shared/kinesis/records';
import type { RejectedRecord } from '../../../shared/quarantine/quarantine';
import { MAX_QUARANTINED_DATA_CHARS, quarantineMessage } from '../../../shared/quarantine/quarantine';

const REF: RecordRef = {
  sequenceNumber: '49650000000000000000000000000000000000000000000001234',
  shardId: 'shardId-000000000003',
  partitionKey: 'user-456',
  eventSourceARN: 'arn:aws:kinesis:eu-central-1:123456789012:stream/transactions',
  arrivalTimestamp: 1_777_118_400.25,
};
const NOW = new Date('2026-04-25T12:00:05.123Z');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A rejected record whose raw data is `raw`, base64-encoded as Kinesis delivers it. */
function rejected(raw: Buffer, reason = 'not JSON: Unexpected token'): RejectedRecord {
  return { ref: REF, reason, data: raw.toString('base64') };
}

describe('quarantineMessage', () => {
  it('carries the record reference, reason, source, time, size, hash and data', () => {
    // Arrange
    const raw = Buffer.from('{"transactionId": "txn-1",', 'utf8');

    // Act
    const message = quarantineMessage(rejected(raw), 'score-transactions', NOW);

    // Assert
    expect(message).toEqual({
      sequenceNumber: REF.sequenceNumber,
      shardId: REF.shardId,
      partitionKey: REF.partitionKey,
      eventSourceARN: REF.eventSourceARN,
      arrivedAt: '2026-04-25T12:00:00.250Z',
      reason: 'not JSON: Unexpected token',
      source: 'score-transactions',
      quarantinedAt: '2026-04-25T12:00:05.123Z',
      dataBytes: raw.length,
      sha256: sha256(raw),
      data: raw.toString('base64'),
      dataTruncated: false,
    });
  });

  it('hashes the raw bytes, not their base64 text', () => {
    // Arrange
    const raw = Buffer.from([0xff, 0x00, 0xfe, 0x10, 0x80]);

    // Act
    const message = quarantineMessage(rejected(raw), 'score-readings', NOW);

    // Assert
    expect(message.sha256).toBe(sha256(raw));
    expect(message.sha256).not.toBe(createHash('sha256').update(raw.toString('base64')).digest('hex'));
    expect(message.dataBytes).toBe(5);
  });

  it('keeps data of exactly the limit whole', () => {
    // Arrange: 3 raw bytes are 4 base64 characters.
    const raw = Buffer.alloc((MAX_QUARANTINED_DATA_CHARS / 4) * 3, 0x61);
    const record = rejected(raw);

    // Act
    const message = quarantineMessage(record, 'score-transactions', NOW);

    // Assert
    expect(record.data).toHaveLength(MAX_QUARANTINED_DATA_CHARS);
    expect(message.dataTruncated).toBe(false);
    expect(message.data).toBe(record.data);
  });

  it('cuts data above the limit, flags it, and still gives the full size and the hash of all bytes', () => {
    // Arrange
    const raw = Buffer.alloc((MAX_QUARANTINED_DATA_CHARS / 4) * 3 + 3, 0x62);
    const record = rejected(raw);

    // Act
    const message = quarantineMessage(record, 'score-transactions', NOW);

    // Assert
    expect(record.data).toHaveLength(MAX_QUARANTINED_DATA_CHARS + 4);
    expect(message.dataTruncated).toBe(true);
    expect(message.data).toHaveLength(MAX_QUARANTINED_DATA_CHARS);
    expect(message.data).toBe(record.data.slice(0, MAX_QUARANTINED_DATA_CHARS));
    expect(message.dataBytes).toBe(raw.length);
    expect(message.sha256).toBe(sha256(raw));
  });
});
