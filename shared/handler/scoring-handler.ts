import type { KinesisStreamBatchResponse } from 'aws-lambda';
import type { Alert } from '../domain/alerts';
import type { AnyEnvelope } from '../domain/events';
import type { CurrentRules, LiveRulesVersion } from '../config/live-rules';
import { decodedBatch, inRecordOrder } from '../middleware/kinesis-decoder';
import type { ScoringEvent } from '../middleware/kinesis-decoder';
import type { RequestCounter } from '../observability/request-counter';
import type { Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';
import type { BatchScoring, ScoringKind } from '../pipeline/score-batch';
import type { OrderedRecord, OrderedScoring } from '../pipeline/score-in-order';
import { scoreInOrder } from '../pipeline/score-in-order';
import type { RejectedRecord } from '../quarantine/quarantine';
import { ConfigurationError, describeError, ErrorKind, errorKind } from '../errors';
import type { EventKindSpec } from '../kinds/event-kind';
import { recordRef } from '../kinesis/records';
import type { CommitMode, StateStore } from '../state/store';
import type { KinesisFunctionDeps } from './kinesis-function';
import { configurationErrorReporter, countBy, kinesisFunction } from './kinesis-function';

/** `maxEventAgeMs` is also the idempotency horizon (see scoreBatch). */
export interface ScoringHandlerDeps<E extends AnyEnvelope, Last, R> extends KinesisFunctionDeps {
  /** The live rules version, asked once a batch, and an earlier one for a retry (config/live-rules.ts). */
  readonly rules: { current(): Promise<CurrentRules>; at(version: number): Promise<LiveRulesVersion | undefined> };
  /** The kind it scores (kinds/registry.ts): how its events are validated, and judged with a rules version. */
  readonly kind: EventKindSpec<E, Last, R>;
  readonly store: StateStore;
  readonly commitMode: CommitMode;
  readonly counter: RequestCounter;
}

/**
 * The Kinesis-triggered scoring function as a middy chain (kinesis-function.ts):
 *   logger context → EMF metrics → decode/parse/validate → [score → persist → outbox] → quarantine.
 * It answers with `batchItemFailures`, so Lambda retries from the first failed record; a record
 * that failed for a transient reason is always in that list, never swallowed.
 */
export function createScoringHandler<E extends AnyEnvelope, Last, R>(deps: ScoringHandlerDeps<E, Last, R>) {
  const { logger, metrics } = deps;
  const reportConfigurationError = configurationErrorReporter(deps);
  // A rules version's scoring is built once: versions never change.
  const kinds = new Map<number, ScoringKind<E, Last, R>>();
  const kindOf = ({ version, rules }: LiveRulesVersion): ScoringKind<E, Last, R> => {
    const known = kinds.get(version);
    if (known) return known;
    const kind: ScoringKind<E, Last, R> = {
      ...deps.kind.scoring(rules[deps.kind.stream], version),
      atVersion: async (earlier) => {
        const found = await deps.rules.at(earlier);
        return found && kindOf(found);
      },
    };
    kinds.set(version, kind);
    return kind;
  };
  // The live version's scoring with the candidate's in shadow, once per pair. A retry judged with an
  // earlier version (atVersion) keeps the shadow: its events are still the candidate's to watch.
  const pairs = new Map<string, ScoringKind<E, Last, R>>();
  let unreadableCandidate: string | undefined;
  const kindWithShadow = (current: CurrentRules): ScoringKind<E, Last, R> => {
    if (current.candidateError !== undefined && current.candidateError !== unreadableCandidate) {
      logger.error('the candidate rules cannot be read: no shadow until they can; the live version judges on', {
        reason: current.candidateError,
      });
    }
    unreadableCandidate = current.candidateError;
    const live = kindOf(current);
    if (!current.candidate) return live;
    const key = `${current.version}/${current.candidate.version}`;
    const known = pairs.get(key);
    if (known) return known;
    const shadow = kindOf(current.candidate);
    const pair: ScoringKind<E, Last, R> = {
      ...live,
      shadow,
      atVersion: async (earlier) => {
        const pinned = await live.atVersion?.(earlier);
        return pinned && { ...pinned, shadow };
      },
    };
    pairs.set(key, pair);
    return pair;
  };
  const scoreRecords = async (event: ScoringEvent<E>): Promise<KinesisStreamBatchResponse> => {
    const { valid, rejected, controls = [] } = decodedBatch(event);
    const before = deps.counter.snapshot();
    const everyRecordFailed = { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    // One rules version for the whole batch; without one, nothing is judged and all of it comes again.
    let kind: ScoringKind<E, Last, R>;
    try {
      kind = kindWithShadow(await deps.rules.current());
    } catch (error) {
      const reason = `${describeError(error)} (reading the live rules, rules#head, from STATE_TABLE)`;
      if (errorKind(error) === ErrorKind.configuration) {
        reportConfigurationError(reason);
        return everyRecordFailed;
      }
      // Transient: the batch's events and control records come again; the records the decoder refused are quarantined now.
      logger.warn('the live rules could not be read: the batch will be retried', { reason });
      return { batchItemFailures: inStreamOrder(event).map((r) => ({ itemIdentifier: r.item.recordId })) };
    }
    let scoring: OrderedScoring<E, R>;
    try {
      scoring = await scoreInOrder(inStreamOrder(event), kind, {
        store: deps.store,
        commitMode: deps.commitMode,
        horizonMs: deps.maxEventAgeMs,
      });
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      reportConfigurationError(error);
      return everyRecordFailed;
    }
    // Records whose writes DynamoDB refuses go to the quarantine beside the ones the decoder refused.
    const refused = scoring.outcomes.filter((o) => o.status === 'rejected');
    if (refused.length > 0) event.riskstream = { valid, rejected: [...rejected, ...refused.map((o) => rejectedRecord(event, o))] };
    const after = deps.counter.snapshot();
    recordMetrics(metrics, deps.kind, scoring, after.requests - before.requests, after.writeUnits - before.writeUnits);
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
      notifications: scoring.notifications.length,
      ...(kind.shadow ? { shadowRulesVersion: kind.shadow.rulesVersion, shadowDisagreements: scoring.shadowDisagreements } : {}),
      ...(controls.length > 0 ? { controlRecords: controls.length, controlRecordsFailed: scoring.failedControls.length } : {}),
      dynamoDbRequests: after.requests - before.requests,
    });
    return {
      batchItemFailures: [
        ...failures.map((f) => ({ itemIdentifier: f.recordId })),
        ...scoring.failedControls.map((id) => ({ itemIdentifier: id })),
      ],
    };
  };

  return kinesisFunction<E>({ ...deps, validate: deps.kind.validate }, scoreRecords);
}

function recordMetrics<E extends AnyEnvelope, R>(
  metrics: Metrics,
  kind: { outcome(result: R): string; readonly outcomes: readonly string[] },
  scoring: BatchScoring<E, R>,
  requests: number,
  writeUnits: number,
): void {
  const notifications = scoring.notifications.length;
  if (notifications > 0) metrics.addMetric(MetricName.incidentNotifications, MetricUnit.Count, notifications);
  const statuses = countBy(scoring.outcomes.map((o) => o.status));
  metrics.addMetric(MetricName.eventsScored, MetricUnit.Count, (statuses['applied'] ?? 0) + (statuses['late'] ?? 0));
  metrics.addMetric(MetricName.duplicatesSkipped, MetricUnit.Count, statuses['duplicate'] ?? 0);
  metrics.addMetric(MetricName.lateEvents, MetricUnit.Count, statuses['late'] ?? 0);
  metrics.addMetric(MetricName.recordsFailed, MetricUnit.Count, statuses['failed'] ?? 0);
  metrics.addMetric(MetricName.stateConflicts, MetricUnit.Count, scoring.conflicts);
  metrics.addMetric(MetricName.dynamoDbRequests, MetricUnit.Count, requests);
  if (writeUnits > 0) metrics.addMetric(MetricName.dynamoDbWriteUnits, MetricUnit.Count, writeUnits);
  const actions = countBy(scoring.outcomes.flatMap((o) => (o.status === 'applied' || o.status === 'late' ? [kind.outcome(o.result)] : [])));
  for (const [action, name] of Object.entries(MetricName.decisions)) {
    if (actions[action]) metrics.addMetric(name, MetricUnit.Count, actions[action]);
  }
  // By direction: a candidate that would act more (stricter) or less (looser) than the live rules.
  for (const [direction, count] of Object.entries(scoring.shadowDisagreements)) {
    const [live, shadow] = direction.split(' → ') as [string, string];
    const single = metrics.singleMetric();
    single.addDimension('Direction', kind.outcomes.indexOf(shadow) > kind.outcomes.indexOf(live) ? 'stricter' : 'looser');
    single.addMetric(MetricName.shadowDisagreements, MetricUnit.Count, count);
  }
  const severities = countBy(scoring.alerts.map((a: Alert) => a.severity));
  for (const [severity, name] of Object.entries(MetricName.alerts)) {
    if (severities[severity]) metrics.addMetric(name, MetricUnit.Count, severities[severity]);
  }
}

/** The batch's events and control records as the stream holds them (inRecordOrder), as the scorer takes them. */
export function inStreamOrder<E extends AnyEnvelope>(event: ScoringEvent<E>): Array<OrderedRecord<E>> {
  return inRecordOrder(event).map((r) =>
    r.type === 'event'
      ? { type: 'event', item: { recordId: r.ref.sequenceNumber, envelope: r.envelope } }
      : { type: 'control', item: { recordId: r.ref.sequenceNumber, entity: r.entity, arrival: r.arrival } },
  );
}

/** A scored record refused by the store, as the quarantine takes it: where it sits, why, and its raw data. */
function rejectedRecord<E extends AnyEnvelope>(event: ScoringEvent<E>, outcome: { recordId: string; reason: string }): RejectedRecord {
  const record = event.Records.find((r) => r.kinesis.sequenceNumber === outcome.recordId);
  if (!record) throw new Error(`record ${outcome.recordId} is not in the batch`);
  return { ref: recordRef(record), reason: outcome.reason, data: record.kinesis.data };
}
