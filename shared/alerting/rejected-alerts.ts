/**
 * Alerts SNS refused as the sender's fault go to publish-alerts' DLQ (the on-failure destination of
 * its mapping) as a message of their own, beside the mapping's DDBStreamBatchInfo messages and in
 * the same envelope (version, timestamp, requestContext), so `redrive dlq` reads both. A message
 * carries the alert's id and reason, never the alert: the outbox holds the alert, and an alert SNS
 * refused for its size could be too large for SQS as well.
 */

/** The requestContext.condition of such a message (Lambda's own are RetryAttemptsExhausted and RecordAgeExceeded). */
export const SENDER_FAULT = 'SenderFault';
export const REJECTED_ALERT = 'RejectedAlert';
/** SNS's reasons are one sentence; this keeps a message small whatever a reason holds. */
const MAX_REASON_CHARS = 1_000;

export interface RejectedAlert {
  readonly alertId: string;
  readonly reason: string;
  /** The outbox stream and the alert's record in it (for the operator; the redrive reads the outbox item by id). */
  readonly streamArn: string;
  readonly sequenceNumber: string;
}

/** The port: sends each rejected alert's message; returns the alerts whose message could not be sent, with why. */
export interface RejectedAlertQueue {
  send(alerts: readonly RejectedAlert[], functionArn: string): Promise<Array<{ alertId: string; reason: string }>>;
}

export function rejectedAlertMessage(alert: RejectedAlert, functionArn: string, now: Date): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: now.toISOString(),
    requestContext: { functionArn, condition: SENDER_FAULT },
    [REJECTED_ALERT]: {
      alertId: alert.alertId,
      reason: alert.reason.slice(0, MAX_REASON_CHARS),
      streamArn: alert.streamArn,
      sequenceNumber: alert.sequenceNumber,
    },
  };
}
