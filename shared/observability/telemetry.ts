import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { maskingReplacer } from './mask';

export const NAMESPACE = 'riskstream';

/** Structured JSON logs; every string value passes the card-number mask. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: deployedName(serviceName), jsonReplacerFn: maskingReplacer });
}

/** CloudWatch Embedded Metric Format: metrics are log lines, no PutMetricData call on the hot path. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: process.env['POWERTOOLS_METRICS_NAMESPACE'] ?? NAMESPACE, serviceName: deployedName(serviceName) });
}

/**
 * The `service` dimension of every metric: the deployed function's name (the stack sets
 * POWERTOOLS_SERVICE_NAME, and the dashboard asks for it), else the code's own name. An explicit
 * serviceName would override the variable in Powertools, so the variable is read here.
 */
function deployedName(fallback: string): string {
  return process.env['POWERTOOLS_SERVICE_NAME'] || fallback;
}

/** The names the dashboard and the benchmark read; one place so they cannot drift apart. */
export const MetricName = {
  eventsScored: 'EventsScored',
  duplicatesSkipped: 'DuplicatesSkipped',
  lateEvents: 'LateEvents',
  recordsQuarantined: 'RecordsQuarantined',
  recordsFailed: 'RecordsFailed',
  stateConflicts: 'StateConflicts',
  dynamoDbRequests: 'DynamoDBRequests',
  dynamoDbWriteUnits: 'DynamoDBWriteUnits',
  /** A batch failed because the deployment is wrong (a missing table, access denied): alarmed on. */
  configurationErrors: 'ConfigurationErrors',
  decisions: { approve: 'DecisionsApprove', manual_review_required: 'DecisionsManualReview', block: 'DecisionsBlock' },
  alerts: { info: 'AlertsInfo', warning: 'AlertsWarning', critical: 'AlertsCritical' },
  /** Events the candidate rules, run in shadow, judged otherwise than the live ones (dimension Direction: stricter, looser). */
  shadowDisagreements: 'ShadowDisagreements',
  /** Incident transitions written to the outbox (opened, escalated, reminded, resolved), to be sent. */
  incidentNotifications: 'IncidentNotifications',
  /** Orders' joins by their outcome (join-orders). */
  joins: { joined: 'OrdersJoined', amount_mismatch: 'OrdersAmountMismatch', unpaid: 'OrdersUnpaid', orphan_payment: 'PaymentsOrphan' },
  /** Sides that came after their join's outcome, or a second payment of one order: kept out of the join. */
  joinSidesLate: 'JoinSidesLate',
  /** The sweep's control records: entities whose incidents were due for time to pass. */
  incidentSweeps: 'IncidentSweeps',
  /** Digests the sweep sent to budgeted subscribers (what their budget held back). */
  digestsSent: 'DigestsSent',
  /** publish-alerts' own. */
  publishAlerts: {
    published: 'AlertsPublished',
    /** Marked published in the outbox already (a retried or replayed record): not sent again. */
    alreadyPublished: 'AlertsAlreadyPublished',
    publishFailed: 'AlertsPublishFailed',
    /** Refused by SNS as the sender's fault (permanent): sent to publish-alerts' DLQ, not retried. */
    rejected: 'AlertsRejected',
    /** Published, but the published mark could not be written: a replay of the outbox stream sends them again. */
    marksFailed: 'AlertMarksFailed',
    malformed: 'AlertsMalformed',
    /** Held back for a budgeted subscriber whose window was full (one per subscriber): sent in its digest. */
    held: 'NotificationsHeld',
    skipped: 'StreamRecordsSkipped',
  },
} as const;

export { MetricUnit };
export type { Logger, Metrics };
