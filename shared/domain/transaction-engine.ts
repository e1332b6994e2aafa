import { transactionAlert } from './alerts';
import { compactId } from './ids';
import type { EntityModel } from './entity-engine';
import type { TransactionEnvelope } from './events';
import type { Decision } from './fraud-rules';
import { scoreTransaction } from './fraud-rules';
import type { TransactionRules } from './rules-config';

/** A user's last-seen fact: where the latest transaction (by event time) happened. */
export interface UserLast {
  readonly country: string;
  readonly time: number;
}

export function transactionModel(rules: TransactionRules): EntityModel<TransactionEnvelope, UserLast, Decision> {
  return {
    timing: { window: rules.window, allowedLateness: rules.allowedLateness },
    shortId: (txn) => compactId(txn.id),
    value: (txn) => txn.event.amount,
    small: (txn) => txn.event.amount <= rules.cardTesting.smallAmount,
    evaluate(txn, state, pane, late) {
      const small = txn.event.amount <= rules.cardTesting.smallAmount ? 1 : 0;
      const features = {
        windowCount: pane.count + 1,
        windowSum: pane.sum + txn.event.amount,
        smallCount: pane.small + small,
        ...(state.last ? { previous: state.last } : {}),
      };
      const scored = scoreTransaction(txn, features, rules);
      const decision: Decision = late ? { ...scored, late: true } : scored;
      const alert = transactionAlert(decision);
      return { result: decision, alerts: alert ? [alert] : [] };
    },
    remember: (last, txn) => (last && last.time > txn.time ? last : { country: txn.event.country, time: txn.time }),
  };
}
