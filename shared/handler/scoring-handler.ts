import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import type { Alert } from '../domain/alerts';
import type { AnyEnvelope, Validation } from '../domain/events';
import type { Decision } from '../domain/fraud-rules';
import { decodedBatch, kinesisDecoder } from '../middleware/kinesis-decoder';
import type { ScoringEvent } from '../middleware/kinesis-decoder';
import { quarantineRejected } from '../middleware/quarantine-rejected';
import type { RequestCounter } from '../observability/request-counter';
import type { Logger, Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';
import type { BatchScoring, ScoringKind } from '../pipeline/score-batch';
import { scoreBatch } from '../pipeline/score-batch';
import type { Quarantine } from '../quarantine/quarantine';
import type { CommitMode, StateStore } from '../state/store';

export interface ScoringHandlerDeps<E extends AnyEnvelope, Last, R> {
  readonly name: string;
  readonly kind: ScoringKind<E, Last, R>;
  readonly validate: (input: unknown) => Validation<E>;
  readonly store: StateStore;
  readonly quarantine: Quarantine;
  readonly commitMode: CommitMode;
  readonly maxRecordBytes: number;
  readonly maxFutureSkewMs: number;
  /** Events older than this before their arrival are refused; records that arrived longer ago are never counted again. */
  readonly maxEventAgeMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly counter: RequestCounter;
}

/**
 * The Kinesis-triggered scoring function as a middy chain:
 *   logger context → EMF metrics → decode/parse/validate → [score → persist → outbox] → quarantine.
 * It answers with `batchItemFailures`, so Lambda retries from the first failed record; a record
 * that failed for a transient reason is always in that list, never swallowed.
 */
export function createScoringHandler<E extends AnyEnvelope, Last, R>(deps: ScoringHandlerDeps<E, Last, R>) {
  const { logger, metrics } = deps;
  const scoreRecords = async (event: ScoringEvent<E>): Promise<KinesisStreamBatchResponse> => {
    const { valid } = decodedBatch(event);
    const before = deps.counter.snapshot();
    const scoring = await scoreBatch(
      valid.map((v) => ({ recordId: v.ref.sequenceNumber, envelope: v.envelope })),
      deps.kind,
      { store: deps.store, commitMode: deps.commitMode, horizonMs: deps.maxEventAgeMs },
    );
    const after = deps.counter.snapshot();
    recordMetrics(metrics, scoring, after.requests - before.requests, after.writeUnits - before.writeUnits);
    const failures = scoring.outcomes.filter((o) => o.status === 'failed');
    for (const failure of failures.slice(0, 5)) {
      logger.warn('record failed, will be retried', {
        sequenceNumber: failure.recordId,
        eventId: failure.envelope.id,
        error: failure.error,
      });
    }
    logger.info('batch scored', {
      records: event.Records.length,
      outcomes: countBy(scoring.outcomes.map((o) => o.status)),
      alerts: scoring.alerts.length,
      dynamoDbRequests: after.requests - before.requests,
    });
    return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.recordId })) };
  };

  return middy<ScoringEvent<E>, KinesisStreamBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(
      quarantineRejected<E>({
        quarantine: deps.quarantine,
        source: deps.name,
        log: (message, attributes) => logger.warn(message, attributes),
        onQuarantined: (accepted) => metrics.addMetric(MetricName.recordsQuarantined, MetricUnit.Count, accepted),
      }),
    )
    .use(
      kinesisDecoder<E>({
        validate: deps.validate,
        limits: { maxRecordBytes: deps.maxRecordBytes, maxFutureSkewMs: deps.maxFutureSkewMs, maxEventAgeMs: deps.maxEventAgeMs },
      }),
    )
    .handler(scoreRecords);
}

function recordMetrics<E extends AnyEnvelope, R>(
  metrics: Metrics,
  scoring: BatchScoring<E, R>,
  requests: number,
  writeUnits: number,
): void {
  const statuses = countBy(scoring.outcomes.map((o) => o.status));
  metrics.addMetric(MetricName.eventsScored, MetricUnit.Count, (statuses['applied'] ?? 0) + (statuses['late'] ?? 0));
  metrics.addMetric(MetricName.duplicatesSkipped, MetricUnit.Count, statuses['duplicate'] ?? 0);
  metrics.addMetric(MetricName.lateEvents, MetricUnit.Count, statuses['late'] ?? 0);
  metrics.addMetric(MetricName.recordsFailed, MetricUnit.Count, statuses['failed'] ?? 0);
  metrics.addMetric(MetricName.stateConflicts, MetricUnit.Count, scoring.conflicts);
  metrics.addMetric(MetricName.dynamoDbRequests, MetricUnit.Count, requests);
  if (writeUnits > 0) metrics.addMetric(MetricName.dynamoDbWriteUnits, MetricUnit.Count, writeUnits);
  const actions = countBy(
    scoring.outcomes.flatMap((o) => ((o.status === 'applied' || o.status === 'late') && isDecision(o.result) ? [o.result.action] : [])),
  );
  for (const [action, name] of Object.entries(MetricName.decisions)) {
    if (actions[action]) metrics.addMetric(name, MetricUnit.Count, actions[action]);
  }
  const severities = countBy(scoring.alerts.map((a: Alert) => a.severity));
  for (const [severity, name] of Object.entries(MetricName.alerts)) {
    if (severities[severity]) metrics.addMetric(name, MetricUnit.Count, severities[severity]);
  }
}

function isDecision(result: unknown): result is Decision {
  return typeof result === 'object' && result !== null && 'action' in result;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
