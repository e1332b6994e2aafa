import type { Alert } from './alerts';
import { alertId, Severity } from './alerts';
import { formatDuration } from './duration';
import { isoTime } from './iso-time';
import type { JoinResult } from './order-join';
import { ORDER_JOIN_NAMES } from '../kinds/names';

/**
 * The alert a join's outcome raises: none for a match; a mismatch, an unpaid order and an orphan
 * payment each one, whose id is the order and the outcome (a join has one outcome: a replayed or
 * retried join stores, and sends, its alert once). Times are event times, so a recomputed alert is
 * identical: a mismatch at the later side's time, an unpaid order or an orphan payment at its window's end.
 */
export function joinAlert(result: JoinResult, windowMs: number): Alert | undefined {
  switch (result.outcome) {
    case 'joined':
      return undefined;
    case 'amount_mismatch': {
      const { record, paymentAmount } = result;
      return alert(record.orderId, result.outcome, Severity.critical, {
        summary: `order ${record.orderId}: payment ${record.paymentId} of ${paymentAmount} does not match the order's ${record.orderAmount}`,
        reasons: [`amount_mismatch: ordered ${record.orderAmount}, paid ${paymentAmount}`],
        eventIds: [record.orderId, record.paymentId],
        time: result.at,
      });
    }
    case 'unpaid': {
      const { order } = result;
      return alert(order.orderId, result.outcome, Severity.warning, {
        summary: `order ${order.orderId} of ${order.amount} by ${order.userId}: no payment within ${formatDuration(windowMs)}`,
        reasons: [`unpaid: no payment by ${isoTime(order.time + windowMs)}`],
        eventIds: [order.orderId],
        time: order.time + windowMs,
      });
    }
    case 'orphan_payment': {
      const { payment } = result;
      return alert(payment.orderId, result.outcome, Severity.warning, {
        summary: `payment ${payment.paymentId} of ${payment.amount} for order ${payment.orderId}: no such order within ${formatDuration(windowMs)}`,
        reasons: [`orphan_payment: no order by ${isoTime(payment.time + windowMs)}`],
        eventIds: [payment.paymentId],
        time: payment.time + windowMs,
      });
    }
  }
}

function alert(
  orderId: string,
  outcome: string,
  severity: Severity,
  what: { summary: string; reasons: string[]; eventIds: string[]; time: number },
): Alert {
  return {
    alertId: alertId(ORDER_JOIN_NAMES.alertKind, orderId, outcome),
    kind: ORDER_JOIN_NAMES.alertKind,
    severity,
    entity: { type: ORDER_JOIN_NAMES.entityType, id: orderId },
    summary: what.summary,
    reasons: what.reasons,
    eventIds: what.eventIds,
    eventTime: isoTime(what.time),
  };
}
