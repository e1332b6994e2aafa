import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import { ddbStreamBatchInfo, dynamoDbFilterView, toDynamoDbReadRecord } from '../../../local/runtime/dynamodb/lambda-shapes';
import { matchesFilter } from '../../../local/runtime/kinesis/filter';
import { failureRecord } from '../../../local/runtime/kinesis/lambda-batch';

const origin = {
  streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/alerts/stream/2026-04-25T12:00:00.000',
  region: 'us-east-1',
};

function streamRecord(
  sequenceNumber: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  createdMs = Date.parse('2026-04-25T12:00:07.900Z'),
): StreamsRecord {
  return {
    eventID: `id-${sequenceNumber}`,
    eventName,
    eventVersion: '1.0',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: new Date(createdMs),
      Keys: { pk: { S: 'alert#1' } },
      NewImage: {
        pk: { S: 'alert#1' },
        severity: { S: 'critical' },
        score: { N: '0.97' },
        raw: { B: Buffer.from('raw') },
        parts: { BS: [Buffer.from('x'), Buffer.from('y')] },
        nested: { M: { list: { L: [{ B: Buffer.from('z') }, { NULL: true }, { BOOL: false }] }, tags: { SS: ['a', 'b'] } } },
      },
      SequenceNumber: sequenceNumber,
      SizeBytes: 120,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

describe('toDynamoDbReadRecord', () => {
  it('builds the record exactly as Lambda sends it for DynamoDB Streams', () => {
    const read = toDynamoDbReadRecord(streamRecord('4421584500000000017450439091', 'INSERT'), origin);
    expect(read.sequenceNumber).toBe('4421584500000000017450439091');
    expect(read.arrivalMs).toBe(Date.parse('2026-04-25T12:00:07.900Z'));
    expect(read.event).toEqual({
      eventID: 'id-4421584500000000017450439091',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-04-25T12:00:07Z') / 1000,
        Keys: { pk: { S: 'alert#1' } },
        NewImage: {
          pk: { S: 'alert#1' },
          severity: { S: 'critical' },
          score: { N: '0.97' },
          raw: { B: Buffer.from('raw').toString('base64') },
          parts: { BS: [Buffer.from('x').toString('base64'), Buffer.from('y').toString('base64')] },
          nested: {
            M: { list: { L: [{ B: Buffer.from('z').toString('base64') }, { NULL: true }, { BOOL: false }] }, tags: { SS: ['a', 'b'] } },
          },
        },
        SequenceNumber: '4421584500000000017450439091',
        SizeBytes: 120,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: origin.streamArn,
    });
    expect(JSON.parse(JSON.stringify(read.event))).toEqual(read.event);
  });

  it('keeps the old image when the stream has one, and the TTL service identity of a REMOVE', () => {
    const record = streamRecord('9', 'REMOVE');
    const removed: StreamsRecord = {
      ...record,
      dynamodb: { ...record.dynamodb, NewImage: undefined, OldImage: { pk: { S: 'alert#1' } }, StreamViewType: 'OLD_IMAGE' },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    };
    const { event } = toDynamoDbReadRecord(removed, origin);
    expect(event.dynamodb).not.toHaveProperty('NewImage');
    expect(event.dynamodb?.OldImage).toEqual({ pk: { S: 'alert#1' } });
    expect(event.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });
});

describe('dynamoDbFilterView', () => {
  it('is the record as Lambda sends it: eventName, and images in DynamoDB JSON', () => {
    const insert = dynamoDbFilterView(toDynamoDbReadRecord(streamRecord('1', 'INSERT'), origin));
    const modify = dynamoDbFilterView(toDynamoDbReadRecord(streamRecord('2', 'MODIFY'), origin));
    expect(matchesFilter(insert, '{"eventName": ["INSERT"]}')).toBe(true);
    expect(matchesFilter(modify, '{"eventName": ["INSERT"]}')).toBe(false);
    expect(matchesFilter(insert, '{"dynamodb": {"NewImage": {"severity": {"S": ["critical"]}}}}')).toBe(true);
    expect(matchesFilter(insert, '{"dynamodb": {"NewImage": {"severity": {"S": ["low"]}}}}')).toBe(false);
  });
});

describe('ddbStreamBatchInfo', () => {
  it("is Lambda's on-failure invocation record for DynamoDB Streams, in the same envelope as Kinesis'", () => {
    const batch = [
      toDynamoDbReadRecord(streamRecord('800000000003126276362', 'INSERT', Date.parse('2026-04-25T12:00:04.835Z')), origin),
      toDynamoDbReadRecord(streamRecord('800000000003126276370', 'MODIFY', Date.parse('2026-04-25T12:00:09.100Z')), origin),
    ];
    const shardId = 'shardId-00000001573689847184-864758bb';
    const record = failureRecord(
      {
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:publish-alerts',
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 1,
        functionError: null,
        nowMs: Date.parse('2026-04-25T12:05:00.000Z'),
      },
      ddbStreamBatchInfo(batch, { shardId, streamArn: origin.streamArn }),
    );
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:publish-alerts',
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 1,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
      version: '1.0',
      timestamp: '2026-04-25T12:05:00.000Z',
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: '800000000003126276362',
        endSequenceNumber: '800000000003126276370',
        approximateArrivalOfFirstRecord: '2026-04-25T12:00:04Z',
        approximateArrivalOfLastRecord: '2026-04-25T12:00:09Z',
        batchSize: 2,
        streamArn: origin.streamArn,
      },
    });
  });
});
