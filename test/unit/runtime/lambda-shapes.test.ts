import type { ReadRecord } from '../../../local/runtime/kinesis/lambda-shapes';
import { readResponse } from '../../../local/runtime/kinesis/lambda-batch';
import { filterView, kinesisFailureRecord, toReadRecord } from '../../../local/runtime/kinesis/lambda-shapes';

const origin = {
  shardId: 'shardId-000000000001',
  streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/transactions',
  functionName: 'score-transactions',
  region: 'us-east-1',
  account: '123456789012',
};

function read(sequenceNumber: string, data: unknown = { n: Number(sequenceNumber) }, arrivalMs = 1_777_118_400_250): ReadRecord {
  return toReadRecord(
    {
      SequenceNumber: sequenceNumber,
      PartitionKey: 'user-1',
      Data: Buffer.from(JSON.stringify(data)),
      ApproximateArrivalTimestamp: new Date(arrivalMs),
    },
    origin,
  );
}

describe('toReadRecord', () => {
  it('builds the record exactly as Lambda sends it for Kinesis', () => {
    expect(read('7', { a: 1 }).event).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'user-1',
        sequenceNumber: '7',
        data: Buffer.from('{"a":1}').toString('base64'),
        approximateArrivalTimestamp: 1_777_118_400.25,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000001:7',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/score-transactions',
      awsRegion: 'us-east-1',
      eventSourceARN: origin.streamArn,
    });
  });

  it('exposes the parsed payload as data to filters, and no data when it is not JSON', () => {
    expect(filterView(read('1', { kind: 'keep' }))).toMatchObject({ partitionKey: 'user-1', data: { kind: 'keep' } });
    const notJson = toReadRecord(
      { SequenceNumber: '2', PartitionKey: 'k', Data: Buffer.from('{nope'), ApproximateArrivalTimestamp: new Date(0) },
      origin,
    );
    expect(filterView(notJson)).not.toHaveProperty('data');
  });
});

describe('readResponse (ReportBatchItemFailures)', () => {
  const batch = ['8', '9', '10', '11'].map((s) => read(s));

  it.each([[undefined], [null], [{}], [{ batchItemFailures: null }], [{ batchItemFailures: [] }]])('treats %j as success', (response) => {
    expect(readResponse(response, batch, true)).toEqual({ kind: 'success' });
  });

  it('retries from the lowest reported sequence number, compared as numbers', () => {
    const response = { batchItemFailures: [{ itemIdentifier: '11' }, { itemIdentifier: '9' }, { itemIdentifier: '10' }] };
    expect(readResponse(response, batch, true)).toEqual({ kind: 'partial', retryFrom: '9' });
  });

  it.each([[{ itemIdentifier: '' }], [{ itemIdentifier: null }], [{ itemIdentifer: '9' }], [{ itemIdentifier: '12' }]])(
    'fails the whole batch for %j',
    (failure) => {
      expect(readResponse({ batchItemFailures: [{ itemIdentifier: '10' }, failure] }, batch, true)).toEqual({
        kind: 'failed',
        thrown: false,
      });
    },
  );

  it('takes any returned value as success without ReportBatchItemFailures', () => {
    expect(readResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, batch, false)).toEqual({ kind: 'success' });
  });
});

describe('kinesisFailureRecord', () => {
  it("is Lambda's on-failure invocation record for Kinesis", () => {
    const batch = [read('3', {}, Date.parse('2026-04-25T12:00:00.100Z')), read('5', {}, Date.parse('2026-04-25T12:00:01.200Z'))];
    const record = kinesisFailureRecord(batch, {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:score-transactions',
      streamArn: origin.streamArn,
      shardId: origin.shardId,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      functionError: 'Unhandled',
      nowMs: Date.parse('2026-04-25T12:05:00.000Z'),
    });
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:score-transactions',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-04-25T12:05:00.000Z',
      KinesisBatchInfo: {
        shardId: origin.shardId,
        startSequenceNumber: '3',
        endSequenceNumber: '5',
        approximateArrivalOfFirstRecord: '2026-04-25T12:00:00.100Z',
        approximateArrivalOfLastRecord: '2026-04-25T12:00:01.200Z',
        batchSize: 2,
        streamArn: origin.streamArn,
      },
    });
  });
});
