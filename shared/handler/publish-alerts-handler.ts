import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AlertPublisher } from '../alerting/messages';
import { alertFromImage } from '../alerting/messages';
import type { Alert } from '../domain/alerts';
import type { Logger, Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';

/** The publish-alerts function's own metrics. */
export const PublishAlertsMetric = MetricName.publishAlerts;

export interface PublishAlertsDeps {
  readonly publisher: AlertPublisher;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const LOGGED_PER_KIND = 5;

/**
 * The alert outbox's DynamoDB stream (NEW_IMAGE) → SNS, as a middy chain: logger context → EMF
 * metrics → publish.
 *
 * Only INSERT records are alerts to send: the outbox writes each alert once (a replayed batch
 * puts an identical item, which makes no stream record), so MODIFY (an alert rewritten) and REMOVE
 * (TTL expiry) are skipped and counted. Publishing is at least once: a failed alert's sequence
 * number goes into `batchItemFailures`, Lambda sends the shard again from the lowest one, and the
 * alerts after it that did go out are sent again; subscribers drop repeats by `alertId`.
 */
export function createPublishAlertsHandler(deps: PublishAlertsDeps) {
  const { publisher, logger, metrics } = deps;

  const publishAlerts = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const inserts: Array<{ sequenceNumber: string; alert: Alert }> = [];
    let skipped = 0;
    let malformed = 0;
    for (const record of event.Records) {
      if (record.eventName !== 'INSERT') {
        skipped++;
        continue;
      }
      const parsed = parseRecord(record);
      if ('alert' in parsed) {
        inserts.push({ sequenceNumber: record.dynamodb?.SequenceNumber ?? '', alert: parsed.alert });
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

    // One publish per alert id: a batch may hold the same alert twice (inserted, expired, inserted again).
    const unique = [...new Map(inserts.map((i) => [i.alert.alertId, i.alert])).values()];
    const failedIds = new Map<string, string>();
    let published = 0;
    if (unique.length > 0) {
      try {
        const outcome = await publisher.publish(unique);
        published = outcome.published.length;
        for (const f of outcome.failed) failedIds.set(f.alertId, f.reason);
      } catch (error) {
        // The SNS adapter reports failures instead of throwing; any other port that throws fails every alert.
        for (const alert of unique)
          failedIds.set(alert.alertId, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }

    const failures = inserts.filter((i) => failedIds.has(i.alert.alertId));
    for (const f of failures.slice(0, LOGGED_PER_KIND)) {
      logger.warn('alert not published, will be retried', {
        sequenceNumber: f.sequenceNumber,
        alertId: f.alert.alertId,
        reason: failedIds.get(f.alert.alertId),
      });
    }
    metrics.addMetric(PublishAlertsMetric.published, MetricUnit.Count, published);
    metrics.addMetric(PublishAlertsMetric.publishFailed, MetricUnit.Count, failedIds.size);
    metrics.addMetric(PublishAlertsMetric.malformed, MetricUnit.Count, malformed);
    metrics.addMetric(PublishAlertsMetric.skipped, MetricUnit.Count, skipped);
    logger.info('alerts published', {
      records: event.Records.length,
      inserts: inserts.length,
      published,
      failed: failedIds.size,
      malformed,
      skipped,
    });
    // Records come in stream order, so the identifiers are ascending; Lambda restarts from the lowest.
    return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.sequenceNumber })) };
  };

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(publishAlerts);
}

function parseRecord(record: DynamoDBRecord): { alert: Alert } | { reason: string } {
  const image = record.dynamodb?.NewImage;
  if (!image) return { reason: 'the record has no NewImage (the stream view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES)' };
  try {
    // aws-lambda's AttributeValue and the SDK's describe the same JSON; only their TypeScript shapes differ.
    return { alert: alertFromImage(unmarshall(image as Record<string, AttributeValue>)) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}
