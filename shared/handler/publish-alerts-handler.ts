import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AlertPublisher } from '../alerting/messages';
import { alertFromImage } from '../alerting/messages';
import type { OutboxAlert, PublishedMarks, PublishOnceResult } from '../alerting/published-marks';
import { publishOnce } from '../alerting/published-marks';
import type { RejectedAlertQueue } from '../alerting/rejected-alerts';
import { describeError, ErrorKind, errorKind } from '../errors';
import type { Logger, Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';

/** The publish-alerts function's own metrics. */
export const PublishAlertsMetric = MetricName.publishAlerts;

export interface PublishAlertsDeps {
  readonly publisher: AlertPublisher;
  /** The published marks on the outbox items. */
  readonly marks: PublishedMarks;
  /** publish-alerts' DLQ, for the alerts SNS refuses as the sender's fault. */
  readonly rejectedAlerts: RejectedAlertQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const LOGGED_PER_KIND = 5;

/** A new alert of the batch, its outbox item as the record shows it, and where the record sits. */
interface Insert extends OutboxAlert {
  readonly sequenceNumber: string;
  readonly streamArn: string;
}

/**
 * The alert outbox's DynamoDB stream (NEW_IMAGE) → SNS, as a middy chain: logger context → EMF
 * metrics → publish.
 *
 * Only INSERT records are alerts to send: MODIFY (an alert rewritten, or marked published) and
 * REMOVE (TTL expiry) are skipped and counted. Each alert is sent once however often its record is
 * delivered (publishOnce): the batch's marks are read first (one consistent BatchGetItem), marked
 * alerts are skipped (AlertsAlreadyPublished), and what SNS accepted is marked. So a replay of the
 * outbox stream (`run --from-start`) sends nothing already sent. Publishing is at least once: a
 * failed alert's sequence number goes into `batchItemFailures`, Lambda sends the shard again from
 * the lowest one, and the alerts after it are skipped as marked (or, if their mark was lost, sent
 * again; subscribers drop repeats by `alertId`). If the marks cannot be read, every alert of the
 * batch is reported: sending blind would send the marked ones again.
 *
 * An alert SNS refuses as the sender's fault is not a failure to retry: no retry changes its
 * answer, and reporting it would send the batch back to it on each of Lambda's retries. It goes to
 * the DLQ with its reason instead (`redrive dlq` takes it from there), and its record is reported
 * only if that message cannot be sent, so it is never dropped.
 */
export function createPublishAlertsHandler(deps: PublishAlertsDeps) {
  const { publisher, marks, rejectedAlerts, logger, metrics } = deps;

  const publishAlerts = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const inserts: Insert[] = [];
    let skipped = 0;
    let malformed = 0;
    for (const record of event.Records) {
      if (record.eventName !== 'INSERT') {
        skipped++;
        continue;
      }
      const parsed = parseRecord(record);
      if ('alert' in parsed) {
        inserts.push({ sequenceNumber: record.dynamodb?.SequenceNumber ?? '', streamArn: record.eventSourceARN ?? '', ...parsed });
        continue;
      }
      // Not retried: the image will not change however often it is read, so reporting it would
      // send the shard back to this record forever (until the record ages out of the stream) and
      // hold up every alert behind it. It is logged and counted (AlertsMalformed) instead.
      malformed++;
      if (malformed <= LOGGED_PER_KIND) {
        logger.error('malformed alert in the outbox stream, skipped', {
          sequenceNumber: record.dynamodb?.SequenceNumber,
          eventID: record.eventID,
          reason: parsed.reason,
        });
      }
    }

    // A batch may hold the same alert twice (inserted, expired, inserted again): its first record speaks for it.
    const firstRecords = new Map<string, Insert>();
    for (const i of inserts) if (!firstRecords.has(i.alert.alertId)) firstRecords.set(i.alert.alertId, i);
    const outcome = await publishOnceOrFailAll([...firstRecords.values()]);
    const failedIds = new Map(outcome.failed.map((f) => [f.alertId, f.reason]));
    for (const r of outcome.rejected.slice(0, LOGGED_PER_KIND)) {
      logger.error('alert refused by SNS as the sender’s fault: sent to the DLQ, not retried', { alertId: r.alertId, reason: r.reason });
    }
    const notSent = await sendRejected(outcome.rejected, firstRecords, context.invokedFunctionArn);
    for (const f of notSent) failedIds.set(f.alertId, f.reason);
    for (const f of outcome.notMarked.slice(0, LOGGED_PER_KIND)) {
      logger.warn('alert published but not marked: a replay of its record sends it again', { alertId: f.alertId, reason: f.reason });
    }
    const published = outcome.published.length;
    const rejected = outcome.rejected.length - notSent.length;

    const failures = inserts.filter((i) => failedIds.has(i.alert.alertId));
    for (const f of failures.slice(0, LOGGED_PER_KIND)) {
      logger.warn('alert not published, will be retried', {
        sequenceNumber: f.sequenceNumber,
        alertId: f.alert.alertId,
        reason: failedIds.get(f.alert.alertId),
      });
    }
    metrics.addMetric(PublishAlertsMetric.published, MetricUnit.Count, published);
    metrics.addMetric(PublishAlertsMetric.alreadyPublished, MetricUnit.Count, outcome.alreadyPublished.length);
    metrics.addMetric(PublishAlertsMetric.publishFailed, MetricUnit.Count, failedIds.size);
    metrics.addMetric(PublishAlertsMetric.rejected, MetricUnit.Count, rejected);
    metrics.addMetric(PublishAlertsMetric.marksFailed, MetricUnit.Count, outcome.notMarked.length);
    metrics.addMetric(PublishAlertsMetric.malformed, MetricUnit.Count, malformed);
    metrics.addMetric(PublishAlertsMetric.skipped, MetricUnit.Count, skipped);
    const held = outcome.held?.length ?? 0;
    // Only where subscribers have budgets is anything ever held.
    if (held > 0) metrics.addMetric(PublishAlertsMetric.held, MetricUnit.Count, held);
    logger.info('alerts published', {
      records: event.Records.length,
      inserts: inserts.length,
      published,
      alreadyPublished: outcome.alreadyPublished.length,
      failed: failedIds.size,
      rejected,
      notMarked: outcome.notMarked.length,
      malformed,
      skipped,
      held,
    });
    // Records come in stream order, so the identifiers are ascending; Lambda restarts from the lowest.
    return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.sequenceNumber })) };
  };

  const publishOnceOrFailAll = async (alerts: readonly Insert[]): Promise<PublishOnceResult> => {
    try {
      return await publishOnce(alerts, { publisher, marks });
    } catch (error) {
      // Only reading the marks throws: nothing was sent, and every alert is tried again.
      if (errorKind(error) === ErrorKind.configuration) {
        logger.error('cannot read the published marks of the outbox', { reason: describeError(error) });
        metrics.addMetric(MetricName.configurationErrors, MetricUnit.Count, 1);
      }
      const reason = `published marks not read: ${describeError(error)}`;
      return {
        published: [],
        failed: alerts.map((a) => ({ alertId: a.alert.alertId, reason })),
        rejected: [],
        alreadyPublished: [],
        notMarked: [],
      };
    }
  };

  /** The rejected alerts' DLQ messages; the alerts whose message could not be sent come back, to be reported. */
  const sendRejected = async (
    alerts: ReadonlyArray<{ alertId: string; reason: string }>,
    records: ReadonlyMap<string, Insert>,
    functionArn: string,
  ): Promise<Array<{ alertId: string; reason: string }>> => {
    if (alerts.length === 0) return [];
    const messages = alerts.map((r) => ({
      alertId: r.alertId,
      reason: r.reason,
      streamArn: records.get(r.alertId)?.streamArn ?? '',
      sequenceNumber: records.get(r.alertId)?.sequenceNumber ?? '',
    }));
    const reasons = new Map(alerts.map((r) => [r.alertId, r.reason]));
    let notSent: Array<{ alertId: string; reason: string }>;
    try {
      notSent = await rejectedAlerts.send(messages, functionArn);
    } catch (error) {
      notSent = alerts.map((a) => ({ alertId: a.alertId, reason: describeError(error) }));
    }
    return notSent.map((f) => ({
      alertId: f.alertId,
      reason: `${reasons.get(f.alertId) ?? 'refused by SNS'}; its DLQ message could not be sent (${f.reason})`,
    }));
  };

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(publishAlerts);
}

function parseRecord(record: DynamoDBRecord): OutboxAlert | { reason: string } {
  const image = record.dynamodb?.NewImage;
  if (!image) return { reason: 'the record has no NewImage (the stream view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES)' };
  try {
    // aws-lambda's AttributeValue and the SDK's describe the same JSON; only their TypeScript shapes differ.
    const item = unmarshall(image as Record<string, AttributeValue>);
    const created = record.dynamodb?.ApproximateCreationDateTime;
    return { alert: alertFromImage(item), item, ...(created === undefined ? {} : { createdAt: created * 1000 }) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}
