import { QuarantineLedger } from '../../../local/redrive/quarantine-ledger';
import type { QuarantineMessage } from '../../../shared/quarantine/quarantine';

const RUN = Date.parse('2026-04-25T12:00:00.000Z');
const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/rs-transactions';

function message(sequenceNumber: string, quarantinedAt: string, reason = 'not JSON', shardId = 'shardId-000000000000'): QuarantineMessage {
  return {
    sequenceNumber,
    shardId,
    partitionKey: 'user-1',
    eventSourceARN: STREAM,
    arrivedAt: '2026-04-25T11:00:00.000Z',
    reason,
    source: 'fn',
    quarantinedAt,
    dataBytes: 2,
    sha256: '',
    data: 'e30=',
    dataTruncated: false,
  };
}
const before = '2026-04-25T11:59:00.000Z';
const during = '2026-04-25T12:00:05.000Z';

describe('QuarantineLedger', () => {
  it('replays a record once however many messages it has, and deletes them all once it is replayed', () => {
    const ledger = new QuarantineLedger<string>(RUN);

    expect(ledger.admit(message('1', before), 'a')).toBe('replay');
    expect(ledger.admit(message('1', before), 'b')).toBe('duplicate');
    expect(ledger.admit(message('1', before, 'shard 2', 'shardId-000000000001'), 'c')).toBe('replay'); // same number, other shard
    const [first, second] = ledger.takePending();

    expect(ledger.settle(first!, 'replayed')).toEqual({ remove: ['a', 'b'], keep: [] });
    expect(ledger.settle(second!, 'replayed')).toEqual({ remove: ['c'], keep: [] });
    expect(ledger.admit(message('1', before), 'd')).toBe('delete'); // an older copy received later
    expect(ledger.counts()).toMatchObject({ messages: 4, records: 2, replayed: 2, stillQuarantined: 0, duplicatesDeleted: 2 });
  });

  it("keeps the replay's own message, with its new reason, once", () => {
    const ledger = new QuarantineLedger<string>(RUN);
    ledger.admit(message('1', before, 'invalid event: amount: expected number, received string'), 'a');
    ledger.settle(ledger.takePending()[0]!, 'replayed');

    expect(ledger.admit(message('1', during, 'invalid event: amount: expected number, received null'), 'new')).toBe('requarantined');
    expect(ledger.admit(message('1', during, 'invalid event: amount: expected number, received null'), 'newer')).toBe('delete');
    expect(ledger.counts()).toMatchObject({
      replayed: 1,
      stillQuarantined: 1,
      reasons: { 'invalid event: amount: expected number, received null': 1 },
    });
  });

  it('keeps every message of a record whose replay failed, and deletes those of a dropped one', () => {
    const ledger = new QuarantineLedger<string>(RUN);
    ledger.admit(message('1', before), 'a');
    ledger.admit(message('2', before), 'b');
    ledger.admit(message('2', before), 'c');
    const [failed, dropped] = ledger.takePending();

    expect(ledger.settle(failed!, 'failed')).toEqual({ remove: [], keep: ['a'] });
    expect(ledger.settle(dropped!, 'dropped')).toEqual({ remove: ['b', 'c'], keep: [] });
    expect(ledger.admit(message('1', before), 'd')).toBe('keep');
    expect(ledger.admit(message('2', during), 'e')).toBe('delete');
    expect(ledger.counts()).toMatchObject({ records: 2, failed: 1, dropped: 1, replayed: 0 });
  });

  it('takes a message quarantined during the run for a record not seen yet as a record to replay', () => {
    const ledger = new QuarantineLedger<string>(RUN);
    expect(ledger.admit(message('3', during), 'a')).toBe('replay');
  });

  it('replays each quarantined user record of a KPL aggregate: one sequence number, each with its place', () => {
    // Arrange: two user records of one aggregate, each quarantined with its own data (one of them twice)
    const ledger = new QuarantineLedger<string>(RUN);
    const userRecord = (subSequenceNumber: number) => ({ ...message('7', before), subSequenceNumber });

    // Act / Assert
    expect(ledger.admit(userRecord(0), 'a')).toBe('replay');
    expect(ledger.admit(userRecord(1), 'b')).toBe('replay');
    expect(ledger.admit(userRecord(1), 'b2')).toBe('duplicate');
    expect(ledger.takePending().map((p) => p.handles)).toEqual([['a'], ['b', 'b2']]);
  });
});
