import type { Alert } from './alerts';
import { AlertKind, alertId, NO_ALERTS, Severity } from './alerts';
import { compactId } from './ids';
import type { EntityModel } from './entity-engine';
import type { IncidentHooks } from './entity-incidents';
import { EVIDENCE_LIMIT } from './entity-engine';
import type { TransactionEnvelope } from './fraud-rules';
import type { Decision, TransactionFeatures } from './fraud-rules';
import { Action, scoreTransaction } from './fraud-rules';
import { windowStartFor } from './panes';
import type { TransactionRules } from './fraud-rules';

/** One of a user's latest transactions: its id, event time, and 1 when its amount was small (card testing). */
export type SeenTransaction = readonly [id: string, time: number, small?: 1];

/**
 * A user's last-seen facts: where the latest transaction (by event time) happened, and the latest
 * few transactions themselves, so that an alert of a window rule can name the events that made it
 * (an analyst reviewing a burst wants every purchase of it, not only the one that tipped it over).
 */
export interface UserLast {
  readonly country: string;
  readonly time: number;
  /** At most EVIDENCE_LIMIT, oldest first. */
  readonly seen?: readonly SeenTransaction[];
}

export function transactionModel(rules: TransactionRules): EntityModel<TransactionEnvelope, UserLast, Decision> {
  const isSmall = (amount: number) => amount <= rules.cardTesting.smallAmount;
  // No window that can still take events reaches further back than this before the watermark.
  const remembered = rules.window + rules.allowedLateness + rules.pane;
  const incidentHooks: IncidentHooks<TransactionEnvelope, Decision> = {
    settings: rules.incidents,
    kind: AlertKind.fraud,
    entityType: 'user',
    signalsOf: (txn, decision) =>
      decision.action === Action.approve
        ? []
        : [
            {
              cause: 'fraud',
              severity: decision.action === Action.block ? Severity.critical : Severity.warning,
              eventId: txn.id,
              time: txn.time,
              value: txn.event.amount,
              reasons: decision.reasons.map((r) => `${r.rule}: ${r.detail}`),
            },
          ],
  };
  return {
    timing: { window: rules.window, pane: rules.pane, allowedLateness: rules.allowedLateness },
    shortId: (txn) => compactId(txn.id),
    value: (txn) => txn.event.amount,
    counters: { small: (txn) => isSmall(txn.event.amount) },
    evaluate(txn, state, window, late) {
      const features: TransactionFeatures = {
        windowCount: window.count + 1,
        windowSum: window.sum + txn.event.amount,
        smallCount: (window['small'] ?? 0) + (isSmall(txn.event.amount) ? 1 : 0),
        previous: state.last,
      };
      const scored = scoreTransaction(txn, features, rules);
      const decision: Decision = late ? { ...scored, late: true } : scored;
      // Most transactions fire no rule: no alert, so no evidence to look for.
      if (decision.reasons.length === 0) return { result: decision, alerts: NO_ALERTS };
      // A late event was judged against the window that ends at the watermark: its evidence is there too.
      const windowStart = windowStartFor(late && state.watermark !== null ? state.watermark : txn.time, rules);
      const alert = transactionAlert(decision, evidenceOf(decision, state.last, windowStart, rules.window));
      return { result: decision, alerts: alert ? [alert] : [] };
    },
    // One incident per user: whatever the rules that fire, it is one card to look at.
    ...(rules.incidents.enabled ? { incidents: incidentHooks } : {}),
    remember(last, txn, watermark) {
      const latest = last && last.time > txn.time ? last : { country: txn.event.country, time: txn.time };
      const entry: SeenTransaction = isSmall(txn.event.amount) ? [txn.id, txn.time, 1] : [txn.id, txn.time];
      const seen = withSeen(last?.seen ?? [], entry, watermark - remembered);
      return { country: latest.country, time: latest.time, seen };
    },
  };
}

/**
 * The earlier transactions a decision's reasons rest on: those of its window for velocity, the
 * small ones for card testing, the one before for impossible travel (as far as the user remembers).
 */
function evidenceOf(decision: Decision, last: UserLast | undefined, windowStart: number, window: number): string[] {
  const seen = last?.seen ?? [];
  const inWindow = (time: number) => time >= windowStart && time < windowStart + window;
  const ids = new Set<string>();
  for (const { rule } of decision.reasons) {
    if (rule === 'velocity' || rule === 'cardTesting') {
      for (const [id, time, small] of seen) if (inWindow(time) && (rule === 'velocity' || small === 1)) ids.add(id);
    } else if (rule === 'impossibleTravel') {
      const previous = seen.at(-1);
      if (previous) ids.add(previous[0]);
    }
  }
  ids.delete(decision.transactionId);
  return [...ids];
}

/** The latest EVIDENCE_LIMIT transactions by event time since `from`, with one more; the latest is always kept (impossible travel names it). */
function withSeen(seen: readonly SeenTransaction[], txn: SeenTransaction, from: number): SeenTransaction[] {
  // Oldest first; events mostly come in time order, so the new one usually goes last.
  let at = seen.length;
  while (at > 0 && (seen[at - 1] as SeenTransaction)[1] > txn[1]) at--;
  let drop = 0;
  while (drop < seen.length && (seen.length + 1 - drop > EVIDENCE_LIMIT || (seen[drop] as SeenTransaction)[1] < from)) drop++;
  const next = seen.slice(Math.min(drop, at), at);
  next.push(txn);
  for (let i = at; i < seen.length; i++) next.push(seen[i] as SeenTransaction);
  // Dropping before `at` only: the latest is always kept, and what is after the new one is newer.
  return next.length > EVIDENCE_LIMIT ? next.slice(next.length - EVIDENCE_LIMIT) : next;
}

const SEVERITY_OF_ACTION = {
  [Action.block]: Severity.critical,
  [Action.manualReview]: Severity.warning,
  [Action.approve]: Severity.info,
} as const;

/** Every transaction that a rule fired on is an alert: `info` when approved anyway, for analytics subscribers. */
export function transactionAlert(decision: Decision, related: readonly string[] = []): Alert | undefined {
  if (decision.reasons.length === 0) return undefined;
  const verb = { [Action.block]: 'blocked', [Action.manualReview]: 'held for review', [Action.approve]: 'approved with risk signals' }[
    decision.action
  ];
  return {
    alertId: alertId(AlertKind.fraud, decision.userId, `txn:${decision.transactionId}:${SEVERITY_OF_ACTION[decision.action]}`),
    kind: AlertKind.fraud,
    severity: SEVERITY_OF_ACTION[decision.action],
    entity: { type: 'user', id: decision.userId },
    summary: `Transaction ${decision.transactionId} ${verb} (risk ${decision.riskScore.toFixed(2)})`,
    reasons: decision.reasons.map((r) => `${r.rule}: ${r.detail}`),
    eventIds: [decision.transactionId],
    ...(related.length > 0 ? { relatedEventIds: related } : {}),
    eventTime: decision.eventTime,
  };
}
