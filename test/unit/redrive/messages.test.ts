import { failureRecord } from '../../../local/runtime/kinesis/lambda-batch';
import { ddbStreamBatchInfo, toDynamoDbReadRecord } from '../../../local/runtime/dynamodb/lambda-shapes';
import { kinesisFailureRecord, toReadRecord } from '../../../local/runtime/kinesis/lambda-shapes';
import { parseAlertsDlqMessage, parseDlqMessage, parseQuarantineMessage, recordKey } from '../../../local/redrive/messages';
import { rejectedAlertMessage } from '../../../shared/alerting/rejected-alerts';
import { quarantineMessage } from '../../../shared/quarantine/quarantine';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/rs-transactions';
const origin = {
  shardId: 'shardId-000000000000',
  streamArn: STREAM,
  functionName: 'rs-score-transactions',
  region: 'us-east-1',
  account: '123456789012',
};
const read = (sequenceNumber: string) =>
  toReadRecord(
    {
      SequenceNumber: sequenceNumber,
      PartitionKey: 'user-1',
      Data: Buffer.from('{}'),
      ApproximateArrivalTimestamp: new Date(1_777_118_400_000),
    },
    origin,
  );
const context = {
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rs-score-transactions',
  condition: 'RetryAttemptsExhausted' as const,
  approximateInvokeCount: 11,
  functionError: null,
  nowMs: 1_777_118_500_000,
};

describe('parseDlqMessage', () => {
  it('reads the Kinesis on-failure record the local runtime writes, as Lambda writes it', () => {
    const message = kinesisFailureRecord([read('9'), read('10'), read('12')], { ...context, streamArn: STREAM, shardId: origin.shardId });

    expect(parseDlqMessage(JSON.stringify(message))).toEqual({
      ok: true,
      value: {
        kind: 'kinesis',
        shardId: 'shardId-000000000000',
        startSequenceNumber: '9',
        endSequenceNumber: '12',
        batchSize: 3,
        streamArn: STREAM,
        functionName: 'rs-score-transactions',
        condition: 'RetryAttemptsExhausted',
      },
    });
  });

  it('reads the DynamoDB Streams one', () => {
    const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/rs-alerts/stream/2026-04-25T12:00:00.000';
    const record = toDynamoDbReadRecord(
      {
        eventID: 'e1',
        eventName: 'INSERT',
        dynamodb: { SequenceNumber: '100000000000000000001', Keys: { alertId: { S: 'a1' } }, ApproximateCreationDateTime: new Date(0) },
      },
      { streamArn, region: 'us-east-1' },
    );
    const message = failureRecord(
      { ...context, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rs-publish-alerts' },
      ddbStreamBatchInfo([record], { shardId: 'shard-1', streamArn }),
    );

    expect(parseDlqMessage(JSON.stringify(message))).toMatchObject({
      ok: true,
      value: {
        kind: 'dynamodb',
        shardId: 'shard-1',
        startSequenceNumber: '100000000000000000001',
        endSequenceNumber: '100000000000000000001',
        batchSize: 1,
        streamArn,
        functionName: 'rs-publish-alerts',
      },
    });
  });

  it.each([
    ['not JSON', '{nope', /not a JSON object/],
    ['an array', '[]', /not a JSON object/],
    ['another kind of message', JSON.stringify({ hello: 'world' }), /neither KinesisBatchInfo nor DDBStreamBatchInfo/],
    [
      'a batch info without a shard',
      JSON.stringify({ KinesisBatchInfo: { startSequenceNumber: '1', endSequenceNumber: '2', streamArn: STREAM } }),
      /lacks shardId/,
    ],
    [
      'a range that is not numeric',
      JSON.stringify({ KinesisBatchInfo: { shardId: 's', startSequenceNumber: 'a', endSequenceNumber: '2', streamArn: STREAM } }),
      /not numeric/,
    ],
    [
      'a reversed range',
      JSON.stringify({ KinesisBatchInfo: { shardId: 's', startSequenceNumber: '10', endSequenceNumber: '9', streamArn: STREAM } }),
      /reversed/,
    ],
  ])('refuses %s with a reason', (_what, body, reason) => {
    const parsed = parseDlqMessage(body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});

describe('parseQuarantineMessage', () => {
  const rejected = {
    ref: {
      sequenceNumber: '7',
      shardId: 'shardId-000000000000',
      partitionKey: 'user-1',
      eventSourceARN: STREAM,
      arrivalTimestamp: 1_777_118_400,
    },
    reason: 'not JSON',
    data: Buffer.from('{oops').toString('base64'),
  };

  it('reads back what the quarantine adapter sends', () => {
    const message = quarantineMessage(rejected, 'rs-score-transactions', new Date('2026-04-25T12:00:01.000Z'));

    expect(parseQuarantineMessage(JSON.stringify(message))).toEqual({ ok: true, value: message });
  });

  it('reads back a KPL user record’s place in its aggregate, and keys each user record apart', () => {
    const userRecord = (subSequenceNumber: number) =>
      quarantineMessage(
        { ...rejected, ref: { ...rejected.ref, subSequenceNumber } },
        'rs-score-transactions',
        new Date('2026-04-25T12:00:01.000Z'),
      );

    const parsed = parseQuarantineMessage(JSON.stringify(userRecord(1)));

    expect(parsed).toEqual({ ok: true, value: userRecord(1) });
    expect(parsed.ok && recordKey(parsed.value)).toBe(`${STREAM} shardId-000000000000 7#1`);
    expect(new Set([0, 1].map((n) => recordKey(userRecord(n)))).size).toBe(2);
  });

  it('refuses a message that does not say where its record sits', () => {
    const message = { ...quarantineMessage(rejected, 'rs-score-transactions', new Date()), shardId: undefined };
    const parsed = parseQuarantineMessage(JSON.stringify(message));
    expect(!parsed.ok && parsed.reason).toMatch(/lacks shardId/);
  });

  it('keys a record by stream, shard and sequence number, whatever the delivery', () => {
    const first = quarantineMessage(rejected, 'rs-score-transactions', new Date('2026-04-25T12:00:01.000Z'));
    const second = quarantineMessage(
      { ...rejected, reason: 'another reason' },
      'rs-score-transactions',
      new Date('2026-04-25T13:00:00.000Z'),
    );
    const otherShard = quarantineMessage(
      { ...rejected, ref: { ...rejected.ref, shardId: 'shardId-000000000001' } },
      'rs-score-transactions',
      new Date(),
    );

    expect(recordKey(first)).toBe(recordKey(second));
    expect(recordKey(first)).not.toBe(recordKey(otherShard)); // moto numbers every shard 1, 2, …
  });
});

describe('parseAlertsDlqMessage', () => {
  const rejected = {
    alertId: 'a1',
    reason: 'InvalidParameter: Invalid parameter: Message too long',
    streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/rs-alerts/stream/2026-12-03T07:00:00.000',
    sequenceNumber: '1100000000017454423010',
  };

  it('reads the RejectedAlert message publish-alerts writes for an alert SNS refused as the sender’s fault', () => {
    const message = rejectedAlertMessage(rejected, 'arn:aws:lambda:us-east-1:123456789012:function:rs-publish-alerts', new Date(0));

    expect(parseAlertsDlqMessage(JSON.stringify(message))).toEqual({
      ok: true,
      value: { kind: 'rejected', alert: { ...rejected, functionName: 'rs-publish-alerts' } },
    });
  });

  it('reads the mapping’s own DDBStreamBatchInfo record as a range', () => {
    const parsed = parseAlertsDlqMessage(
      JSON.stringify({
        requestContext: {
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rs-publish-alerts',
          condition: 'RetryAttemptsExhausted',
        },
        DDBStreamBatchInfo: {
          shardId: 'shard-1',
          startSequenceNumber: '10',
          endSequenceNumber: '12',
          batchSize: 3,
          streamArn: rejected.streamArn,
        },
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: { kind: 'range', batch: { kind: 'dynamodb', startSequenceNumber: '10', batchSize: 3 } },
    });
  });

  it('refuses a RejectedAlert message without an alert id or with another condition, saying why', () => {
    const message = rejectedAlertMessage(rejected, 'arn:aws:lambda:us-east-1:123456789012:function:rs-publish-alerts', new Date(0));
    expect(parseAlertsDlqMessage(JSON.stringify({ ...message, RejectedAlert: { reason: 'x' } }))).toEqual({
      ok: false,
      reason: 'its RejectedAlert names no alertId',
    });
    expect(parseAlertsDlqMessage(JSON.stringify({ ...message, requestContext: { condition: 'RetryAttemptsExhausted' } }))).toEqual({
      ok: false,
      reason: 'a RejectedAlert message whose condition is not SenderFault',
    });
    expect(parseAlertsDlqMessage('{}')).toMatchObject({ ok: false });
  });
});
