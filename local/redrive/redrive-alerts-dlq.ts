import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { chunk } from '../../shared/adapters/batching';
import type { AlertPublisher } from '../../shared/alerting/messages';
import { alertFromImage } from '../../shared/alerting/messages';
import type { OutboxAlert, PublishedMarks } from '../../shared/alerting/published-marks';
import { publishOnce } from '../../shared/alerting/published-marks';
import type { RejectedAlertQueue } from '../../shared/alerting/rejected-alerts';
import { describeError } from '../../shared/errors';
import type { DlqBatch, RejectedAlertEntry } from './messages';
import { parseAlertsDlqMessage } from './messages';
import type { OutboxItems } from './outbox';
import type { MessageQueue } from './queue';
import { eachMessage } from './queue';

export interface AlertsDlqOptions {
  readonly queue: MessageQueue;
  /** publish-alerts as deployed: its name (a message names the function that wrote it) and ARN (for the messages a redrive writes). */
  readonly functionName: string;
  readonly functionArn: string;
  readonly outbox: OutboxItems;
  readonly publisher: AlertPublisher;
  readonly marks: PublishedMarks;
  /** The DLQ itself, for the alerts SNS refuses as the sender's fault during the redrive. */
  readonly rejectedAlerts: RejectedAlertQueue;
  /** The outbox's stream as the mapping reads it: its ARN now, and a range's records with the mapping's filter applied. */
  readonly stream: { arn(): Promise<string>; readRange(batch: DlqBatch): Promise<DynamoDBRecord[]> };
  /** An unpublished alert younger than this (by event time) is in flight, left to the live function (default a minute). */
  readonly inFlightMs?: number;
  readonly now?: () => number;
  /** Called once per message handled (a progress bar). */
  readonly onMessage?: () => void;
}

export interface AlertsDlqSummary {
  readonly messages: number;
  /** Messages whose alerts are all published now (or were already): deleted. */
  readonly redriven: number;
  /** Messages left in the queue for the next redrive (see problems). */
  readonly kept: number;
  readonly alertsPublished: number;
  /** Marked published already: not sent again. */
  readonly alertsAlreadyPublished: number;
  /** Refused by SNS as the sender's fault: each stays on the DLQ as a RejectedAlert message with its reason. */
  readonly alertsRejected: number;
  /** Not published for a reason that may pass (SNS, DynamoDB): their messages stay. */
  readonly alertsFailed: number;
  /** Named by a message but no longer in the outbox (TTL): nothing left to publish. */
  readonly alertsMissing: number;
  /** Outbox items that are not valid alerts: never publishable, skipped (publish-alerts counts them as AlertsMalformed). */
  readonly alertsMalformed: number;
  /** Scans of the outbox for unpublished alerts: at most one a run, for messages whose range the stream no longer holds. */
  readonly outboxScans: number;
  readonly problems: readonly string[];
}

/** DynamoDB Streams' answers for a range it no longer has: trimmed (24 h), or its shard or stream deleted. */
const RANGE_GONE = new Set(['TrimmedDataAccessException', 'ResourceNotFoundException', 'ExpiredIteratorException']);

/**
 * Redrives publish-alerts' DLQ from the alert outbox, whose items say what was never sent (no
 * published mark), instead of from the outbox stream, which keeps 24 hours while the DLQ keeps 14 days:
 *  - a RejectedAlert message (an alert SNS refused as the sender's fault) publishes its alert's
 *    outbox item, as it is now, unless it is marked published; while SNS still refuses it, the
 *    message stays, with the reason (fix the item, then redrive again);
 *  - a DDBStreamBatchInfo message (the mapping gave up on a range) publishes the range's alerts
 *    that are not marked, read from the stream as the mapping read them; when the stream no longer
 *    holds the whole range, the outbox is scanned (once a run) and every unpublished alert older
 *    than a minute is published: younger ones are in flight, the live function's.
 * Published alerts are marked (publishOnce), so a redrive twice sends nothing twice. An alert SNS
 * refuses during a range's redrive goes back onto the DLQ as a RejectedAlert message, as the
 * function does. A message goes once nothing it stands for is left to send.
 */
export async function redriveAlertsDlq(options: AlertsDlqOptions): Promise<AlertsDlqSummary> {
  const counts = {
    alertsPublished: 0,
    alertsAlreadyPublished: 0,
    alertsRejected: 0,
    alertsFailed: 0,
    alertsMissing: 0,
    alertsMalformed: 0,
    outboxScans: 0,
  };
  const problems: string[] = [];
  const inFlightMs = options.inFlightMs ?? 60_000;
  const now = options.now ?? Date.now;

  /** Publishes what is not marked; returns how many could not be published nor put on the DLQ (the message must stay). */
  const publishAlerts = async (alerts: readonly OutboxAlert[], where: string, origin: (alertId: string) => Origin): Promise<number> => {
    let left = 0;
    for (const part of chunk(alerts, 100)) {
      let result;
      try {
        result = await publishOnce(part, { publisher: options.publisher, marks: options.marks });
      } catch (error) {
        counts.alertsFailed += part.length;
        problems.push(`${where}: ${part.length} alert(s) not published: the published marks could not be read (${describeError(error)})`);
        left += part.length;
        continue;
      }
      counts.alertsPublished += result.published.length;
      counts.alertsAlreadyPublished += result.alreadyPublished.length;
      counts.alertsFailed += result.failed.length;
      left += result.failed.length;
      if (result.failed.length > 0) problems.push(`${where}: ${result.failed.length} alert(s) not published (${result.failed[0]?.reason})`);
      for (const f of result.notMarked)
        problems.push(`${where}: alert ${f.alertId} published but not marked (${f.reason}): a replay sends it again`);
      if (result.rejected.length === 0) continue;
      counts.alertsRejected += result.rejected.length;
      const notSent = await options.rejectedAlerts.send(
        result.rejected.map((r) => ({ ...r, ...origin(r.alertId) })),
        options.functionArn,
      );
      left += notSent.length;
      for (const r of result.rejected) {
        const lost = notSent.find((n) => n.alertId === r.alertId);
        problems.push(
          lost
            ? `${where}: alert ${r.alertId}: SNS refuses it as the sender's fault (${r.reason}), and its RejectedAlert message could not be sent (${lost.reason})`
            : `${where}: alert ${r.alertId}: SNS refuses it as the sender's fault (${r.reason}): on the DLQ as a RejectedAlert message`,
        );
      }
    }
    return left;
  };

  /** Valid alerts of the outbox items; the rest are counted as malformed. */
  const alertsOf = (items: ReadonlyArray<Record<string, unknown>>, where: string): OutboxAlert[] =>
    items.flatMap((item) => {
      try {
        return [{ alert: alertFromImage(item), item }];
      } catch (error) {
        counts.alertsMalformed++;
        problems.push(`${where}: outbox item ${String(item['alertId'])} skipped: ${describeError(error)}`);
        return [];
      }
    });

  // One scan a run: it publishes every unpublished alert old enough, whichever message asked for it.
  let scan: Promise<number> | undefined;
  const scanOutbox = (): Promise<number> => {
    scan ??= (async () => {
      counts.outboxScans++;
      const cutoff = now() - inFlightMs;
      let left = 0;
      for await (const page of options.outbox.unpublished()) {
        const settled = alertsOf(page, 'outbox scan').filter((a) => Date.parse(a.alert.eventTime) <= cutoff);
        left += await publishAlerts(settled, 'outbox scan', () => ({ streamArn: '', sequenceNumber: '' }));
      }
      return left;
    })();
    return scan;
  };

  const redriveRejected = async (entry: RejectedAlertEntry): Promise<Result> => {
    const where = `alert ${entry.alertId}`;
    if (entry.functionName !== undefined && entry.functionName !== options.functionName) {
      return { done: false, problem: `${where}: kept: it came from ${entry.functionName}, not ${options.functionName}` };
    }
    const [item] = await options.outbox.read([entry.alertId]);
    if (!item) {
      counts.alertsMissing++;
      return {
        done: false,
        problem: `${where}: kept: the outbox no longer holds it (expired or deleted): nothing to publish; delete the message`,
      };
    }
    const [alert] = alertsOf([item], where);
    if (!alert) return { done: false, problem: `${where}: kept: its outbox item is not a valid alert; fix the item, then redrive` };
    let result;
    try {
      result = await publishOnce([alert], { publisher: options.publisher, marks: options.marks });
    } catch (error) {
      counts.alertsFailed++;
      return { done: false, problem: `${where}: kept: the published marks could not be read (${describeError(error)})` };
    }
    counts.alertsPublished += result.published.length;
    counts.alertsAlreadyPublished += result.alreadyPublished.length;
    for (const f of result.notMarked) problems.push(`${where}: published but not marked (${f.reason}): a replay sends it again`);
    const [rejected] = result.rejected;
    if (rejected) {
      counts.alertsRejected++;
      return {
        done: false,
        problem: `${where}: kept: SNS still refuses it as the sender's fault (${rejected.reason}); fix its outbox item, then redrive`,
      };
    }
    const [failed] = result.failed;
    if (failed) {
      counts.alertsFailed++;
      return { done: false, problem: `${where}: kept: not published (${failed.reason})` };
    }
    return { done: true };
  };

  const redriveRange = async (batch: DlqBatch): Promise<Result> => {
    const where = `${batch.shardId} ${batch.startSequenceNumber}..${batch.endSequenceNumber}`;
    if (batch.kind !== 'dynamodb' || (batch.functionName !== undefined && batch.functionName !== options.functionName)) {
      return { done: false, problem: `${where}: kept: not an outbox stream range of ${options.functionName}` };
    }
    let records: DynamoDBRecord[] = [];
    let gone: string | undefined;
    const streamArn = await options.stream.arn();
    if (streamArn !== batch.streamArn) gone = `it names the stream ${batch.streamArn}, the outbox's is ${streamArn} now`;
    else {
      try {
        records = await options.stream.readRange(batch);
      } catch (error) {
        if (!(error instanceof Error && RANGE_GONE.has(error.name))) {
          return { done: false, problem: `${where}: kept: its range could not be read (${describeError(error)})` };
        }
        gone = `the stream no longer has it (${error.name})`;
      }
      if (!gone && (records.length === 0 || records.length < batch.batchSize)) {
        gone = `the stream holds ${records.length} of its ${batch.batchSize} record(s) (past its 24 hours?)`;
      }
    }
    const inserts = records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage);
    const images = inserts.map((r) => unmarshall(r.dynamodb?.NewImage as Record<string, AttributeValue>));
    // Where each alert's record sits, for the RejectedAlert message of an alert SNS refuses.
    const origins = new Map(
      inserts.map((r, i) => [
        String(images[i]?.['alertId']),
        { streamArn: batch.streamArn, sequenceNumber: r.dynamodb?.SequenceNumber ?? '' },
      ]),
    );
    let left = await publishAlerts(
      alertsOf(images, where),
      where,
      (id) => origins.get(id) ?? { streamArn: batch.streamArn, sequenceNumber: '' },
    );
    if (gone) {
      problems.push(`${where}: ${gone}: the outbox is scanned for alerts never published`);
      left += await scanOutbox();
    }
    return left === 0 ? { done: true } : { done: false, problem: `${where}: kept: ${left} alert(s) still to publish` };
  };

  const result = await eachMessage(
    options.queue,
    async (body) => {
      const parsed = parseAlertsDlqMessage(body);
      let outcome: Result;
      if (!parsed.ok) outcome = { done: false, problem: `a message: kept: ${parsed.reason}` };
      else if (parsed.value.kind === 'rejected') outcome = await redriveRejected(parsed.value.alert);
      else outcome = await redriveRange(parsed.value.batch);
      if (outcome.problem) problems.push(outcome.problem);
      return outcome.done;
    },
    options.onMessage,
  );
  return { ...result, ...counts, problems };
}

interface Result {
  readonly done: boolean;
  readonly problem?: string;
}

interface Origin {
  readonly streamArn: string;
  readonly sequenceNumber: string;
}
