import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import type { OrderEvent } from '../domain/order-join';
import { validateOrderEvent } from '../domain/order-events';
import { ConfigurationError } from '../errors';
import type { ScoringEvent } from '../middleware/kinesis-decoder';
import { inRecordOrder } from '../middleware/kinesis-decoder';
import { MetricName, MetricUnit } from '../observability/telemetry';
import type { JoinRecord, JoinStore } from '../pipeline/join-batch';
import { joinBatch } from '../pipeline/join-batch';
import type { KinesisFunctionDeps } from './kinesis-function';
import { configurationErrorReporter, countBy, kinesisFunction } from './kinesis-function';

/** What an invocation keeps of its time for answering, past the last retried store call. */
const ANSWER_MARGIN_MS = 5_000;

/** `maxEventAgeMs` is also how long a join is kept past its last commit, so that a redelivered side is met again. */
export interface JoinHandlerDeps extends KinesisFunctionDeps {
  readonly store: JoinStore;
  /** How long a side waits for the other (the join window). */
  readonly windowMs: number;
}

/**
 * The Kinesis-triggered join of orders with their payments (join-batch.ts), as a middy chain:
 *   logger context → EMF metrics → decode/parse/validate → [join → outbox] → quarantine.
 * The orders stream is partitioned by order id, so each order's join has one writer; the sweep's
 * control records close the windows of joins that wait (time passing, as for incidents).
 */
export function createJoinHandler(deps: JoinHandlerDeps) {
  const { logger, metrics } = deps;
  const reportConfigurationError = configurationErrorReporter(deps);
  const joinRecords = async (event: ScoringEvent<OrderEvent>, context: Context): Promise<KinesisStreamBatchResponse> => {
    const records: JoinRecord[] = inRecordOrder(event).map((r) =>
      r.type === 'event'
        ? { type: 'event', recordId: r.ref.sequenceNumber, event: r.envelope }
        : { type: 'control', recordId: r.ref.sequenceNumber, orderId: r.entity, arrival: r.arrival },
    );
    const controlRecords = records.filter((r) => r.type === 'control').length;
    let batch;
    try {
      batch = await joinBatch(records, {
        store: deps.store,
        windowMs: deps.windowMs,
        horizonMs: deps.maxEventAgeMs,
        // Failed store calls are retried in place only while the answer (a partial batch response) can still be sent.
        deadline: Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS,
      });
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      reportConfigurationError(error);
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    }
    const outcomes = countBy(batch.results.map((r) => r.outcome));
    for (const [outcome, name] of Object.entries(MetricName.joins)) metrics.addMetric(name, MetricUnit.Count, outcomes[outcome] ?? 0);
    metrics.addMetric(MetricName.joinSidesLate, MetricUnit.Count, batch.keptOut.length);
    // A second payment of one order is for a person to look at (paid twice?): each is named in the log.
    for (const kept of batch.keptOut.filter((k) => k.why === 'extra_payment').slice(0, 20))
      logger.warn('another payment of an order already paid: kept out of its join', { orderId: kept.orderId, paymentId: kept.side });
    metrics.addMetric(MetricName.duplicatesSkipped, MetricUnit.Count, batch.steps['duplicate'] ?? 0);
    metrics.addMetric(MetricName.recordsFailed, MetricUnit.Count, batch.failed.length);
    metrics.addMetric(MetricName.stateConflicts, MetricUnit.Count, batch.conflicts);
    for (const failure of batch.failed.slice(0, 5)) logger.warn('record failed, will be retried', { ...failure });
    logger.info('batch joined', {
      records: event.Records.length,
      steps: batch.steps,
      outcomes,
      alerts: batch.alerts.length,
      ...(controlRecords > 0 ? { controlRecords } : {}),
    });
    // A KPL aggregate's user records share its sequence number: each failed record is reported once.
    return { batchItemFailures: [...new Set(batch.failed.map((f) => f.recordId))].map((itemIdentifier) => ({ itemIdentifier })) };
  };

  return kinesisFunction<OrderEvent>({ ...deps, validate: validateOrderEvent }, joinRecords);
}
