import { REJECTED_ALERT, SENDER_FAULT } from '../../shared/alerting/rejected-alerts';
import type { QuarantineMessage } from '../../shared/quarantine/quarantine';
import { recordPlace } from '../../shared/kinesis/records';

/**
 * What the queues a redrive reads hold, parsed without trusting them: an on-failure (DLQ) message
 * names a shard's sequence range, never the records; publish-alerts' DLQ also holds the alerts SNS
 * refused as the sender's fault, by id; a quarantine message carries one record's raw data, where it
 * sat in its stream, and why it was refused.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The discarded batch an on-failure message points at (KinesisBatchInfo or DDBStreamBatchInfo). */
export interface DlqBatch {
  readonly kind: 'kinesis' | 'dynamodb';
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly streamArn: string;
  /** The function the mapping invoked (from requestContext.functionArn), when the message names it. */
  readonly functionName?: string;
  /** RetryAttemptsExhausted or RecordAgeExceeded. */
  readonly condition?: string;
}

const SEQUENCE = /^\d+$/;

export function parseDlqMessage(body: string): Parsed<DlqBatch> {
  const message = parseObject(body);
  if (!message) return { ok: false, reason: 'not a JSON object' };
  const kind = isObject(message['KinesisBatchInfo']) ? 'kinesis' : isObject(message['DDBStreamBatchInfo']) ? 'dynamodb' : undefined;
  if (!kind) return { ok: false, reason: 'neither KinesisBatchInfo nor DDBStreamBatchInfo: not an on-failure record of a stream mapping' };
  const info = message[kind === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo'] as Record<string, unknown>;
  const missing = ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'].filter(
    (key) => typeof info[key] !== 'string' || info[key] === '',
  );
  if (missing.length > 0) return { ok: false, reason: `its batch info lacks ${missing.join(', ')}` };
  const start = info['startSequenceNumber'] as string;
  const end = info['endSequenceNumber'] as string;
  if (!SEQUENCE.test(start) || !SEQUENCE.test(end)) return { ok: false, reason: `sequence range ${start}..${end} is not numeric` };
  if (BigInt(start) > BigInt(end)) return { ok: false, reason: `sequence range ${start}..${end} is reversed` };
  const request = isObject(message['requestContext']) ? message['requestContext'] : {};
  const functionArn = typeof request['functionArn'] === 'string' ? request['functionArn'] : '';
  const functionName = /:function:([^:]+)/.exec(functionArn)?.[1];
  const condition = typeof request['condition'] === 'string' ? request['condition'] : undefined;
  const batchSize =
    typeof info['batchSize'] === 'number' && Number.isInteger(info['batchSize']) && info['batchSize'] > 0 ? info['batchSize'] : 0;
  return {
    ok: true,
    value: {
      kind,
      shardId: info['shardId'] as string,
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize,
      streamArn: info['streamArn'] as string,
      ...(functionName ? { functionName } : {}),
      ...(condition ? { condition } : {}),
    },
  };
}

/** An alert SNS refused as the sender's fault, as publish-alerts (or a redrive) put it on publish-alerts' DLQ. */
export interface RejectedAlertEntry {
  readonly alertId: string;
  readonly reason: string;
  readonly streamArn: string;
  readonly sequenceNumber: string;
  /** The function that sent it (from requestContext.functionArn), when the message names it. */
  readonly functionName?: string;
}

/** What publish-alerts' DLQ holds: its mapping's on-failure records (a range), and the alerts SNS refused. */
export type AlertsDlqMessage =
  { readonly kind: 'range'; readonly batch: DlqBatch } | { readonly kind: 'rejected'; readonly alert: RejectedAlertEntry };

export function parseAlertsDlqMessage(body: string): Parsed<AlertsDlqMessage> {
  const message = parseObject(body);
  if (message && isObject(message[REJECTED_ALERT])) {
    const rejected = parseRejectedAlert(message);
    return rejected.ok ? { ok: true, value: { kind: 'rejected', alert: rejected.value } } : rejected;
  }
  const range = parseDlqMessage(body);
  return range.ok ? { ok: true, value: { kind: 'range', batch: range.value } } : range;
}

function parseRejectedAlert(message: Record<string, unknown>): Parsed<RejectedAlertEntry> {
  const entry = message[REJECTED_ALERT] as Record<string, unknown>;
  const request = isObject(message['requestContext']) ? message['requestContext'] : {};
  if (request['condition'] !== SENDER_FAULT)
    return { ok: false, reason: `a ${REJECTED_ALERT} message whose condition is not ${SENDER_FAULT}` };
  if (typeof entry['alertId'] !== 'string' || entry['alertId'] === '')
    return { ok: false, reason: `its ${REJECTED_ALERT} names no alertId` };
  const text = (key: string) => (typeof entry[key] === 'string' ? entry[key] : '');
  const functionName = /:function:([^:]+)/.exec(typeof request['functionArn'] === 'string' ? request['functionArn'] : '')?.[1];
  return {
    ok: true,
    value: {
      alertId: entry['alertId'],
      reason: text('reason'),
      streamArn: text('streamArn'),
      sequenceNumber: text('sequenceNumber'),
      ...(functionName ? { functionName } : {}),
    },
  };
}

export function parseQuarantineMessage(body: string): Parsed<QuarantineMessage> {
  const message = parseObject(body);
  if (!message) return { ok: false, reason: 'not a JSON object' };
  const strings = [
    'sequenceNumber',
    'shardId',
    'partitionKey',
    'eventSourceARN',
    'arrivedAt',
    'reason',
    'source',
    'quarantinedAt',
    'data',
  ] as const;
  const missing = strings.filter((key) => typeof message[key] !== 'string');
  if (missing.length > 0) return { ok: false, reason: `not a quarantine message: it lacks ${missing.join(', ')}` };
  if (!SEQUENCE.test(message['sequenceNumber'] as string) || message['shardId'] === '' || message['eventSourceARN'] === '') {
    return { ok: false, reason: 'not a quarantine message: it does not say where the record sits in its stream' };
  }
  if (Number.isNaN(Date.parse(message['arrivedAt'] as string)) || Number.isNaN(Date.parse(message['quarantinedAt'] as string))) {
    return { ok: false, reason: 'not a quarantine message: arrivedAt or quarantinedAt is not a time' };
  }
  return {
    ok: true,
    value: {
      sequenceNumber: message['sequenceNumber'] as string,
      // A user record of a KPL aggregate: its place in it (the sequence number is the aggregate's).
      ...(Number.isSafeInteger(message['subSequenceNumber']) && (message['subSequenceNumber'] as number) >= 0
        ? { subSequenceNumber: message['subSequenceNumber'] as number }
        : {}),
      shardId: message['shardId'] as string,
      partitionKey: message['partitionKey'] as string,
      eventSourceARN: message['eventSourceARN'] as string,
      arrivedAt: message['arrivedAt'] as string,
      reason: message['reason'] as string,
      source: message['source'] as string,
      quarantinedAt: message['quarantinedAt'] as string,
      dataBytes: typeof message['dataBytes'] === 'number' ? message['dataBytes'] : 0,
      sha256: typeof message['sha256'] === 'string' ? message['sha256'] : '',
      data: message['data'] as string,
      dataTruncated: message['dataTruncated'] === true,
    },
  };
}

/**
 * One record of one stream, a user record of a KPL aggregate by its place in it: every quarantine
 * message of a record (one per delivery) has the same key, and the user records of one aggregate,
 * each quarantined with its own data, have keys of their own.
 */
export function recordKey(record: {
  readonly eventSourceARN: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
}): string {
  return `${record.eventSourceARN} ${record.shardId} ${recordPlace(record)}`;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
